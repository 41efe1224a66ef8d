"""Archive packages of the diary: every case of a period or a chosen set, with every document,
every version, every secrecy marking and every file, for the region's archive.

A package is a zip:

- ``content.xml``: the metadata, modelled on Riksarkivet's FGS for case management (FGS
  Ärendehantering: a ``Leveransobjekt`` with ``ArkivobjektArende`` and ``ArkivobjektHandling``,
  a ``Bilaga`` per file with its SHA-256), in that specification's namespace. Every version of a
  document is its own ``ArkivobjektHandling`` (its ``Version`` and what it supersedes said), since
  the specification has no versions of its own;
- ``files/<sha256>``: each file once, named by its digest;
- ``manifest.txt``: ``<sha256>  <path>`` for every other entry of the zip, as ``sha256sum``
  writes it, so the package can be checked with the project's command
  (``medtek registry verify-package``) or with any SHA-256 tool.

Nothing is left out for being restricted: the archive keeps the whole record. A marking goes
with the document as a ``Restriktion`` of type ``Sekretess`` (provision, date, authority).
"""

import hashlib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any
from xml.etree import ElementTree as ET

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from medtek.core import audit, files
from medtek.core.actors import require

from . import access
from .actions import Action
from .models import Case, Document

NAMESPACE = "http://xml.ra.se/e-arkiv/FGS-ERMS"
CONTENT = "content.xml"
MANIFEST = "manifest.txt"


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


@dataclass(frozen=True)
class Package:
    cases: int
    documents: int
    files: int


def _text(parent: ET.Element, tag: str, value: Any, **attributes: str) -> ET.Element | None:
    if value in (None, ""):
        return None
    element = ET.SubElement(parent, _q(tag), attributes)
    element.text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return element


def _agent(parent: ET.Element, role: str, person: Any, unit: Any) -> None:
    if person is None:
        return
    agent = ET.SubElement(parent, _q("Agent"))
    _text(agent, "Roll", role)
    _text(agent, "Namn", str(person))
    _text(agent, "Enhetsnamn", str(unit))


def _document(parent: ET.Element, d: Document, blobs: dict[str, Any]) -> None:
    element = ET.SubElement(
        parent, _q("ArkivobjektHandling"), {"Systemidentifierare": f"{d.lineage}:{d.version}"}
    )
    _text(element, "ArkivobjektID", d.number)
    _text(element, "Lopnummer", d.seq)
    _text(element, "Version", d.version)
    if d.supersedes_id:
        _text(element, "Ersatter", f"{d.lineage}:{d.version - 1}")
        _text(element, "Rattelseorsak", d.correction_reason)
    _text(element, "Handlingstyp", d.kind)
    _text(element, "Riktning", d.get_direction_display())
    date_tag = {"incoming": "Inkommen", "outgoing": "Expedierad"}.get(d.direction, "Upprattad")
    _text(element, date_tag, d.date)
    party_tag = "Avsandare" if d.direction == Document.Direction.INCOMING else "Mottagare"
    for name in (d.counterparty, d.counterparty_restricted):
        if name:
            party = ET.SubElement(element, _q(party_tag))
            _text(party, "Namn", name)
    _text(element, "Beskrivning", d.description)
    _text(element, "Anteckning", d.details)
    _text(element, "Registrerad", d.sealed_at)
    _agent(element, "Registrator", d.sealed_by, d.unit)
    if d.external_number:
        _text(element, "ExtraID", d.external_number, ExtraIDTyp=d.external_system)
    if d.secrecy_provision_id:
        restriction = ET.SubElement(element, _q("Restriktion"), {"Typ": "Sekretess"})
        _text(restriction, "Lagrum", d.secrecy_provision.reference)  # type: ignore[union-attr]
        _text(restriction, "ForklarandeText", d.secrecy_provision.title)  # type: ignore[union-attr]
        _text(restriction, "RestriktionsDatum", d.secrecy_marked_on)
        _text(restriction, "Myndighet", d.secrecy_marked_by)
    gallring = ET.SubElement(
        element, _q("Gallring"), {"Gallras": "true" if d.disposal_id else "false"}
    )
    if d.disposal_id:
        _text(gallring, "GallringsBeslut", d.disposal.reference)  # type: ignore[union-attr]
        _text(gallring, "Gallrad", d.disposed_at)
    for link in d.files.all():
        attributes = {"Namn": link.name}
        if link.file is not None and link.file.removed_at is None:
            blobs[link.file.sha256] = link.file
            attributes.update(
                Lank=f"files/{link.file.sha256}",
                Storlek=str(link.file.size),
                Mimetyp=link.file.content_type,
                Checksumma=link.file.sha256,
                ChecksummaMetod="SHA256",
            )
        ET.SubElement(element, _q("Bilaga"), attributes)


def _case(
    parent: ET.Element, case: Case, documents: Iterable[Document], blobs: dict[str, Any]
) -> None:
    element = ET.SubElement(parent, _q("ArkivobjektArende"), {"Systemidentifierare": str(case.pk)})
    _text(element, "ArkivobjektID", case.number)
    _text(element, "Arendemening", case.title)
    _text(element, "ArendemeningSkyddad", case.title_restricted)
    _text(element, "StatusArande", case.get_status_display())
    _text(element, "Skapad", case.created_at)
    _text(element, "Avslutat", case.closed_at)
    if case.classification_id:
        _text(element, "Klass", str(case.classification))
    _agent(element, "Handläggare", case.officer, case.unit)
    if case.parties:
        party = ET.SubElement(element, _q("Motpart"))
        _text(party, "Namn", case.parties)
    if case.external_number:
        _text(element, "ExtraID", case.external_number, ExtraIDTyp=case.external_system)
    listing = ET.SubElement(element, _q("ArkivobjektListaHandlingar"))
    for d in documents:
        _document(listing, d, blobs)


@transaction.atomic
def export_package(
    *, actor: Any, cases: QuerySet[Case], out: IO[bytes], reason: str = ""
) -> Package:
    """Write the archive package of ``cases`` (every document and version, registered ones
    only) to ``out``. Registrars export (the archive keepers); the export is audited."""
    require(actor, access.may_register)
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(_q("Leveransobjekt"), {"Skapad": timezone.now().isoformat()})
    listing = ET.SubElement(root, _q("ArkivobjektListaArenden"))
    blobs: dict[str, Any] = {}
    selected = list(cases.select_related("unit", "officer", "classification").order_by("number"))
    documents = (
        Document.objects.filter(case__in=selected, sealed_at__isnull=False)
        .select_related("unit", "secrecy_provision", "sealed_by", "disposal")
        .prefetch_related("files__file")
        .order_by("seq", "version")
    )
    by_case: dict[int, list[Document]] = {}
    for d in documents:
        by_case.setdefault(d.case_id, []).append(d)  # type: ignore[arg-type]
    for case in selected:
        _case(listing, case, by_case.get(case.pk, []), blobs)
    content = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    manifest = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr(CONTENT, content)
        manifest.append(f"{hashlib.sha256(content).hexdigest()}  {CONTENT}")
        for sha256, stored in sorted(blobs.items()):
            package.writestr(f"files/{sha256}", files.read_verified(stored))
            manifest.append(f"{sha256}  files/{sha256}")
        package.writestr(MANIFEST, "\n".join(manifest) + "\n")
    summary = Package(len(selected), sum(len(v) for v in by_case.values()), len(blobs))
    audit.record(
        actor=actor,
        action=Action.PACKAGE_EXPORT,
        obj=selected[0] if selected else _nothing(),
        after={
            "cases": [c.number for c in selected],
            "documents": summary.documents,
            "files": summary.files,
            "manifest_sha256": hashlib.sha256("\n".join(manifest).encode()).hexdigest(),
        },
        reason=reason,
    )
    return summary


def _nothing() -> Case:
    """An empty package is audited against no case (object id empty)."""
    return Case(pk=None, number="", title="")


def verify_package(source: str | IO[bytes]) -> list[str]:
    """What is wrong with a package (nothing if it is whole): entries missing from the manifest
    or the zip, a digest that does not match, a content.xml that does not parse or names a file
    that is not there or has another digest."""
    problems: list[str] = []
    try:
        package = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        return [f"not a zip archive: {exc}"]
    with package:
        names = set(package.namelist())
        if MANIFEST not in names:
            return ["manifest.txt is missing"]
        listed: dict[str, str] = {}
        for line in package.read(MANIFEST).decode("utf-8").splitlines():
            if not line.strip():
                continue
            digest, _sep, path = line.partition("  ")
            listed[path] = digest
        for path in sorted(names - set(listed) - {MANIFEST}):
            problems.append(f"{path}: in the package but not in the manifest")
        for path, digest in sorted(listed.items()):
            if path not in names:
                problems.append(f"{path}: in the manifest but missing from the package")
                continue
            actual = hashlib.sha256(package.read(path)).hexdigest()
            if actual != digest:
                problems.append(f"{path}: SHA-256 {actual} where the manifest says {digest}")
        if CONTENT in names:
            content = package.read(CONTENT)
            if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
                # Entities are how a crafted XML file exhausts memory; ours declares none.
                return [*problems, "content.xml declares a DOCTYPE or entities: refused"]
            try:
                root = ET.fromstring(content)  # noqa: S314 (no DOCTYPE, no entities: checked above)
            except ET.ParseError as exc:
                return [*problems, f"content.xml does not parse: {exc}"]
            for bilaga in root.iter(f"{{{NAMESPACE}}}Bilaga"):
                link, checksum = bilaga.get("Lank"), bilaga.get("Checksumma")
                if not link:
                    continue
                if link not in names:
                    problems.append(f"{bilaga.get('Namn')}: its file {link} is missing")
                elif hashlib.sha256(package.read(link)).hexdigest() != checksum:
                    problems.append(f"{bilaga.get('Namn')}: {link} does not match its Checksumma")
        else:
            problems.append("content.xml is missing")
    return problems
