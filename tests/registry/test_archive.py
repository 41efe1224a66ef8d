"""Archive packages: every case, document, version, marking and file, with a manifest of
SHA-256 digests that the package is checked against — from Python and the command line."""

import datetime
import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from django.core.management import CommandError, call_command

from medtek.core.models import AuditEvent
from medtek.registry import archive, services
from medtek.registry.models import Case
from tests.registry.conftest import PDF

pytestmark = pytest.mark.django_db
NS = {"fgs": archive.NAMESPACE}


@pytest.fixture
def package(registered, registrar, provision, case) -> bytes:
    services.document_correct(
        actor=registrar,
        document=registered,
        reason="Sekretessmarkering saknades",
        secrecy_provision=provision,
        secrecy_marked_on=datetime.date(2026, 12, 1),
    )
    services.document_draw_up(
        actor=registrar,
        case=case,
        direction="internal",
        kind="Tjänsteutlåtande",
        date=datetime.date(2026, 12, 1),
        description="Utredning",
        files=[("utredning.pdf", PDF + b"% utredning\n")],
    )
    out = io.BytesIO()
    archive.export_package(actor=registrar, cases=Case.objects.all(), out=out)
    return out.getvalue()


def test_it_holds_every_case_document_version_marking_and_file(package, case, registered):
    zf = zipfile.ZipFile(io.BytesIO(package))
    root = ET.fromstring(zf.read("content.xml"))
    [arende] = root.findall(".//fgs:ArkivobjektArende", NS)
    assert arende.findtext("fgs:ArkivobjektID", namespaces=NS) == case.number
    handlingar = arende.findall(".//fgs:ArkivobjektHandling", NS)
    assert [
        (h.findtext("fgs:ArkivobjektID", namespaces=NS), h.findtext("fgs:Version", namespaces=NS))
        for h in handlingar
    ] == [
        (registered.number, "1"),
        (registered.number, "2"),
        (f"{case.number}-2", "1"),
    ]
    restriction = handlingar[1].find("fgs:Restriktion", NS)
    assert restriction is not None and restriction.get("Typ") == "Sekretess"
    assert restriction.findtext("fgs:Lagrum", namespaces=NS) == "OSL 25 kap. 1 §"
    bilagor = root.findall(".//fgs:Bilaga", NS)
    assert {b.get("Namn") for b in bilagor} == {"svar.pdf", "utredning.pdf"}
    assert len({b.get("Checksumma") for b in bilagor}) == 2  # svar.pdf once, in both versions
    names = set(zf.namelist())
    assert {"content.xml", "manifest.txt"} <= names and len(names) == 4
    assert AuditEvent.objects.filter(action="archive_package.export").count() == 1


def test_it_round_trips_through_verify_package(tmp_path: Path, package, capsys):
    path = tmp_path / "package.zip"
    path.write_bytes(package)

    assert archive.verify_package(str(path)) == []
    call_command("registry", "verify-package", str(path))
    assert "whole" in capsys.readouterr().out


def _tampered(package: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for entry in source.namelist():
            target.writestr(entry, content if entry == name else source.read(entry))
    return out.getvalue()


def test_it_detects_a_tampered_file(tmp_path: Path, package):
    blob = next(
        n for n in zipfile.ZipFile(io.BytesIO(package)).namelist() if n.startswith("files/")
    )
    path = tmp_path / "tampered.zip"
    path.write_bytes(_tampered(package, blob, b"%PDF-1.4 forged"))

    problems = archive.verify_package(str(path))

    assert any(blob in p and "SHA-256" in p for p in problems)
    with pytest.raises(CommandError, match="not whole"):
        call_command("registry", "verify-package", str(path))


def test_it_detects_tampered_metadata(package):
    forged = _tampered(package, "content.xml", b"<Leveransobjekt/>")
    assert any("content.xml" in p for p in archive.verify_package(io.BytesIO(forged)))


def test_the_command_exports_a_package(tmp_path: Path, registered, registrar, capsys):
    path = tmp_path / "out.zip"
    call_command("registry", "export-package", "--user", registrar.username, "-o", str(path))
    assert "1 cases" in capsys.readouterr().out
    assert archive.verify_package(str(path)) == []
    with pytest.raises(CommandError, match="No such case"):
        call_command(
            "registry",
            "export-package",
            "--user",
            registrar.username,
            "--case",
            "X 1",
            "-o",
            str(path),
        )


def test_only_registrars_export(org, registered):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        archive.export_package(actor=org.auditor, cases=Case.objects.all(), out=io.BytesIO())
