"""A region's existing list of in-house devices, imported through the import framework (CSV and
XLSX): each row opens a draft file through the service, numbered and audited as one opened by
hand; a bad row is named with its column and what is wrong, and then nothing is imported."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from openpyxl import Workbook

from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent
from medtek.imports import services as imports
from medtek.imports.models import ImportSession
from medtek.inhouse.models import InhouseDevice
from medtek.organisation import services as organisation
from medtek.organisation.models import Unit
from medtek.organisation.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db

MFT_HSA = "SE2321000099-2100"

#: The region's spreadsheet, in Swedish, as it was kept before.
HEADER = [
    "Tillverkare",
    "Handelsnamn",
    "Modell",
    "Riskklass",
    "Typ",
    "Utgår från",
    "Avsett ändamål",
    "Tillverkande enhetens HSA-id",
    "Användande enhet",
    "Ej överlåten",
    "Ledningssystem",
    "Motivering",
    "Marknadsgenomgång",
    "Marknadsgenomgång gjord",
    "Ses över senast",
]
_COLUMNS = {name: i for i, name in enumerate(HEADER)}
ADAPTER = [
    "Region Test MFT",
    "Trycksensoradapter",
    "1.2",
    "IIa",
    "Kombinerad",
    "CE-märkt trycksensor och monitorkabel",
    "Invasiv blodtrycksmätning vid förflyttning",
    MFT_HSA,
    "Unit A",
    "ja",
    "Rutin MFT-R-012",
    "Ingen CE-märkt adapter finns för kombinationen",
    "Eudamed och tre leverantörer",
    "2026-01-15",
    "2027-01-15",
]
COUPLING = [
    "Region Test MFT",
    "Sugkoppling neonatal",
    "",
    "IIa",
    "manufactured",
    "",
    "Koppling mellan sugslang och sugkateter för neonatalvård",
    MFT_HSA,
    "Unit A",
    "nej",
    "Rutin MFT-R-012",
    "Ingen koppling i rätt dimension finns på marknaden",
    "Två leverantörer tillfrågade",
    "2026-02-01",
    "2027-02-01",
]


def _row(base: list[str], **changes: str) -> list[str]:
    row = list(base)
    for header, value in changes.items():
        row[_COLUMNS[header]] = value
    return row


def _csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    lines = [";".join(header), *(";".join(r) for r in rows)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _session(actor: Any, rows: list[list[str]]) -> ImportSession:
    session = imports.session_create(
        actor=actor, kind="inhouse", filename="egentillverkade.csv", data=_csv(rows)
    )
    assert session.file_errors == []
    return imports.session_validate(actor=actor, session=session)


def _import(actor: Any, rows: list[list[str]], mode: str = "all_or_nothing") -> ImportSession:
    return imports.session_commit(actor=actor, session=_session(actor, rows), mode=mode)


def _errors(session: ImportSession) -> dict[int, dict[str, str]]:
    """{row number: {column: message}} of the rows with errors."""
    return {
        r.number: {e["column"]: e["message"] for e in r.errors}
        for r in session.rows.filter(status="invalid")
    }


@pytest.fixture
def mft(org) -> Unit:
    """The MT department, with its HSA id (as the region's spreadsheet names it)."""
    return organisation.unit_create(
        actor=SYSTEM,
        name="MFT",
        kind=Unit.Kind.DEPARTMENT,
        parent=org.hsf,
        care_provider=org.region_provider,
        hsa_id=MFT_HSA,
    )


@pytest.fixture
def models(make_model):
    make_model("Trycksensoradapter", model_version="1.2")
    make_model("Sugkoppling neonatal")


# A good file ---------------------------------------------------------------------------------


def test_it_opens_a_draft_file_for_every_row_numbered_and_audited(org, mt, mft, models) -> None:
    session = _import(mt, [ADAPTER, COUPLING])

    assert (session.status, session.created_count, session.error_rows) == ("committed", 2, 0)
    files = list(InhouseDevice.objects.order_by("file_number"))
    assert [f.device_model.trade_name for f in files] == [
        "Trycksensoradapter",
        "Sugkoppling neonatal",
    ]
    year = files[0].file_number.split("-")[1]
    assert [f.file_number for f in files] == [f"EGT-{year}-001", f"EGT-{year}-002"]
    assert {f.status for f in files} == {InhouseDevice.Status.DRAFT}
    adapter, coupling = files
    assert adapter.kind == InhouseDevice.Kind.COMBINED
    assert coupling.kind == InhouseDevice.Kind.MANUFACTURED
    assert (adapter.manufacturer_unit, adapter.using_unit) == (mft, org.unit_a)
    assert (adapter.not_transferred, coupling.not_transferred) == (True, False)
    assert adapter.market_searched_on.isoformat() == "2026-01-15"
    assert adapter.justification_review_due.isoformat() == "2027-01-15"
    assert adapter.qms_reference == "Rutin MFT-R-012"
    # Opened through the service: one event per file, by the importer, tagged with the session.
    events = AuditEvent.objects.filter(action="inhouse_device.create").order_by("pk")
    assert [e.object_id for e in events] == [str(f.pk) for f in files]
    assert {(e.actor, e.source, e.batch) for e in events} == {(mt, "import", str(session.batch))}
    assert events[0].after["file_number"] == adapter.file_number
    rows = session.rows.order_by("number")
    assert [r.object_id for r in rows] == [str(f.pk) for f in files]


def test_it_reads_an_xlsx_file_with_english_headers_and_words(org, mt, mft, models) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "manufacturer",
            "trade_name",
            "model_version",
            "kind",
            "based_on",
            "intended_purpose",
            "manufacturer_unit",
            "using_unit",
            "not_transferred",
            "market_searched_on",
            "review_due",
        ]
    )
    sheet.append(
        [
            "region test mft",  # any case, as the device import matches models
            "trycksensoradapter",
            "1.2",
            "CE-marked device modified",
            "Trycksensor",
            "Blodtrycksmätning",
            "MFT",
            "Unit A",
            "yes",
            "2026-01-15",
            "2027-01-15",
        ]
    )
    data = io.BytesIO()
    book.save(data)
    session = imports.session_create(
        actor=mt, kind="inhouse", filename="list.xlsx", data=data.getvalue()
    )
    session = imports.session_validate(actor=mt, session=session)
    session = imports.session_commit(actor=mt, session=session, mode="all_or_nothing")

    file = InhouseDevice.objects.get()
    assert session.created_count == 1
    assert file.kind == InhouseDevice.Kind.MODIFIED and file.not_transferred
    assert file.device_model.trade_name == "Trycksensoradapter"


def test_the_preview_writes_nothing(mt, mft, models) -> None:
    session = _session(mt, [ADAPTER, COUPLING])

    assert (session.valid_rows, session.error_rows) == (2, 0)
    assert not InhouseDevice.objects.exists()


def test_the_command_imports_and_its_dry_run_does_not(mt, mft, models, tmp_path: Path) -> None:
    path = tmp_path / "egentillverkade.csv"
    path.write_bytes(_csv([ADAPTER, COUPLING]))
    out = io.StringIO()

    call_command(
        "import", "inhouse", str(path), "--user", mt.username, "--dry-run", "--no-progress",
        "--lang", "en", stdout=out,
    )  # fmt: skip
    assert "2 valid rows, 0 with errors" in out.getvalue()
    assert not InhouseDevice.objects.exists()

    call_command("import", "inhouse", str(path), "--user", mt.username, "--no-progress", stdout=out)
    assert InhouseDevice.objects.count() == 2


# Bad rows ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "column", "says"),
    [
        ({"Tillverkande enhetens HSA-id": "SE0000000000-9999"}, "Tillverkande enhetens HSA-id",
         "No unit with HSA id SE0000000000-9999 where you keep in-house files."),
        ({"Användande enhet": "Unit Z"}, "Användande enhet",
         "No unit named “Unit Z” in the region."),
        ({"Marknadsgenomgång gjord": "2026-02-30"}, "Marknadsgenomgång gjord",
         "Enter a valid date."),
        ({"Ses över senast": "snart"}, "Ses över senast", "Enter a valid date."),
        ({"Typ": "lånad"}, "Typ", "Unknown kind “lånad”"),
        ({"Ej överlåten": "kanske"}, "Ej överlåten", "Write ja or nej"),
        ({"Handelsnamn": "Trycksensoradaptor"}, "Handelsnamn", "No device model"),
        ({"Riskklass": "III"}, "Riskklass", "in risk class IIa"),
        ({"Utgår från": ""}, "Utgår från", "Name the CE-marked devices"),
        ({"Ses över senast": "2025-12-31"}, "Ses över senast", "must come after the market search"),
        ({"Användande enhet": "Privat VC"}, "Användande enhet", "another care provider"),
    ],
)  # fmt: skip
def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_imported(
    mt, mft, models, changes, column, says
) -> None:
    session = _session(mt, [COUPLING, _row(ADAPTER, **changes)])

    errors = _errors(session)
    assert list(errors) == [3]  # the file's third line: the header is line 1
    assert says in errors[3][column], errors
    with pytest.raises(ValidationError, match="1 row has errors, so nothing was imported"):
        imports.session_commit(actor=mt, session=session, mode="all_or_nothing")
    assert not InhouseDevice.objects.exists()
    assert not AuditEvent.objects.filter(action="inhouse_device.create").exists()


def test_a_model_that_already_has_a_file_is_an_error_on_its_row(mt, mft, models, make_file) -> None:
    from medtek.devices.models import DeviceModel

    existing = make_file(DeviceModel.objects.get(trade_name="Sugkoppling neonatal"))

    session = _session(mt, [ADAPTER, COUPLING])

    errors = _errors(session)
    assert list(errors) == [3]
    assert f"already has the in-house file {existing.file_number}" in errors[3]["Handelsnamn"]
    with pytest.raises(ValidationError):
        imports.session_commit(actor=mt, session=session, mode="all_or_nothing")
    assert InhouseDevice.objects.get() == existing


def test_a_model_on_two_rows_is_an_error_on_both(mt, mft, models) -> None:
    session = _session(mt, [ADAPTER, COUPLING, _row(ADAPTER, Typ="modifierad")])

    errors = _errors(session)
    assert sorted(errors) == [2, 4]
    assert all("stands on more than one row" in e["Handelsnamn"] for e in errors.values())


def test_a_ce_marked_model_gets_no_file(mt, mft, models, pump) -> None:
    session = _session(
        mt,
        [
            _row(
                ADAPTER,
                Tillverkare=pump.manufacturer,
                Handelsnamn=pump.trade_name,
                Modell=pump.model_version,
                Riskklass="",
            )
        ],
    )

    [errors] = _errors(session).values()
    assert "registered as CE-marked" in errors["Handelsnamn"]


def test_valid_rows_only_imports_the_good_rows(mt, mft, models) -> None:
    session = _import(mt, [ADAPTER, _row(COUPLING, Typ="okänd")], mode="valid_only")

    assert (session.created_count, session.error_rows) == (1, 1)
    assert InhouseDevice.objects.get().device_model.trade_name == "Trycksensoradapter"


def test_a_file_opened_since_the_preview_imports_nothing(mt, mft, models, make_file) -> None:
    from medtek.devices.models import DeviceModel

    session = _session(mt, [ADAPTER, COUPLING])
    make_file(DeviceModel.objects.get(trade_name="Sugkoppling neonatal"))

    with pytest.raises(ValidationError, match="changed since the preview"):
        imports.session_commit(actor=mt, session=session, mode="all_or_nothing")
    assert InhouseDevice.objects.count() == 1


# Scoping -------------------------------------------------------------------------------------


def test_a_keeper_of_another_unit_gets_the_row_refused(org, mft, models) -> None:
    other = factories.person("mt_b", role=Role.MT_ENGINEER, unit=org.unit_b)

    session = _session(other, [_row(ADAPTER, **{"Tillverkande enhetens HSA-id": MFT_HSA})])

    [errors] = _errors(session).values()
    assert "where you keep in-house files" in errors["Tillverkande enhetens HSA-id"]
    with pytest.raises(ValidationError):
        imports.session_commit(actor=other, session=session, mode="all_or_nothing")
    assert not InhouseDevice.objects.exists()


def test_a_person_who_keeps_no_files_cannot_import_them(org, mft, models) -> None:
    with pytest.raises(PermissionDenied):
        imports.session_create(
            actor=org.owner, kind="inhouse", filename="e.csv", data=_csv([ADAPTER])
        )


def test_rights_lost_since_the_preview_refuse_the_row(org, mft, models) -> None:
    engineer = factories.person("mt_mft", role=Role.MT_ENGINEER, unit=mft)
    session = _session(engineer, [ADAPTER])
    organisation.role_revoke(actor=SYSTEM, grant=engineer.grants.get(), reason="Bytt enhet")
    organisation.role_grant(actor=SYSTEM, user=engineer, unit=org.unit_b, role=Role.MT_ENGINEER)

    with pytest.raises(ValidationError, match="changed since the preview"):
        imports.session_commit(actor=engineer, session=session, mode="all_or_nothing")
    assert not InhouseDevice.objects.exists()


# Export --------------------------------------------------------------------------------------


def test_the_export_lists_the_files_the_user_sees(org, mt, mft, models) -> None:
    _import(mt, [ADAPTER, COUPLING])
    importer = imports.registry.get("inhouse")(mt, update_existing=False)

    header, rows = importer.export(mt, {})

    rows = list(rows)
    assert header[:3] == ["manufacturer", "trade_name", "model_version"]
    assert [r[header.index("trade_name")] for r in rows] == [
        "Trycksensoradapter",
        "Sugkoppling neonatal",
    ]
    assert rows[0][header.index("manufacturer_unit_hsa_id")] == MFT_HSA
    assert rows[0][header.index("status")] == "draft"
    _outsider_header, outsider_rows = importer.export(org.outsider, {})
    assert list(outsider_rows) == []
