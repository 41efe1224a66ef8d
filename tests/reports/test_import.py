"""Reports sent before medtek, imported through the import framework (CSV and XLSX): each is
recorded as sent, sealed, with the diary number its copy already has (the diary is imported
first), and every bad row is named with its column and what is wrong."""

import csv
import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent
from medtek.core.numbering import number_series_continue_from
from medtek.imports import registry
from medtek.imports import services as imports
from medtek.imports.models import ImportSession
from medtek.organisation.models import Unit
from medtek.registry.models import Document
from medtek.reports import services
from medtek.reports.models import Dispatch, Report

from .conftest import PERSONNUMMER

pytestmark = pytest.mark.django_db

DIARY_HEADER = (
    "Diarienummer;Ärendemening;Dokumentnummer;Datum;Riktning;Handlingstyp;"
    "Avsändare/mottagare;Beskrivning;Enhet;System"
)
#: The diary as it was kept before: the reports' copies, and a reply that came in.
DIARY = [
    "MFT 2026/0012;Negativ händelse, infusionspump;MFT 2026/0012-1;2026-03-05;Utgående;"
    "Anmälan;Läkemedelsverket;Rapport om negativ händelse;Unit A;Tidigare diarium",
    "MFT 2026/0012;Negativ händelse, infusionspump;MFT 2026/0012-2;2026-03-09;Inkommande;"
    "Svar;Läkemedelsverket;Mottagningsbekräftelse;Unit A;Tidigare diarium",
    "MFT 2026/0013;Tillbud, sprutpump;MFT 2026/0013-1;2026-04-02;Utgående;"
    "Anmälan;Läkemedelsverket;Rapport om tillbud;Unit A;Tidigare diarium",
    "MFT 2026/0014;Lex Maria;MFT 2026/0014-1;2026-05-04;Utgående;"
    "Anmälan;IVO;Anmälan enligt lex Maria;Unit A;Tidigare diarium",
    # Copies of reports sent long ago, one for each bad row of a file.
    *(
        f"MFT 2026/0020;Äldre anmälningar;MFT 2026/0020-{n};2026-03-05;Utgående;Anmälan;"
        f"Läkemedelsverket;Rapport {n};Unit A;Tidigare diarium"
        for n in range(1, 13)
    ),
]


def _spare(n: int) -> str:
    return f"MFT 2026/0020-{n}"


HEADER = [
    "Typ",
    "Enhet",
    "Händelsedatum",
    "Känt",
    "Skickad",
    "Beskrivning",
    "Inventarienummer",
    "Tillverkare",
    "Handelsnamn",
    "Myndighetens referens",
    "Dokumentnummer",
]
INCIDENT = [
    "device_incident",
    "Unit A",
    "2026-03-01",
    "2026-03-02",
    "2026-03-05",
    "Pumpen larmade inte vid ocklusion.",
    "MT-4711",
    "",
    "",
    "LV 4.3.1-2026-555",
    "MFT 2026/0012-1",
]
NEAR_MISS = [
    "Rapport om negativ händelse eller tillbud med medicinteknisk produkt",  # the kind's name
    "Unit A",
    "2026-03-30",
    "2026-03-31",
    "2026-04-02",
    "Sprutpumpen startade utan bekräftelse.",
    "",
    "Other Med",
    "Sprutpump S2",
    "",
    "MFT 2026/0013-1",
]


def _row(base: list[str], **changes: str) -> list[str]:
    row = list(base)
    for name, value in changes.items():
        row[_COLUMNS[name]] = value
    return row


_COLUMNS = {
    "kind": 0,
    "unit": 1,
    "event_date": 2,
    "awareness_date": 3,
    "sent_on": 4,
    "description": 5,
    "inventory_number": 6,
    "manufacturer": 7,
    "trade_name": 8,
    "authority_reference": 9,
    "document_number": 10,
}


def _csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    lines = [";".join(header), *(";".join(r) for r in rows)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _session(actor: Any, rows: list[list[str]], **kwargs: Any) -> ImportSession:
    session = imports.session_create(
        actor=actor, kind="reports", filename="rapporter.csv", data=_csv(rows, **kwargs)
    )
    assert session.file_errors == []
    return imports.session_validate(actor=actor, session=session)


def _import(actor: Any, rows: list[list[str]], mode: str = "valid_only") -> ImportSession:
    return imports.session_commit(actor=actor, session=_session(actor, rows), mode=mode)


def _errors(session: ImportSession) -> dict[int, set[str]]:
    return {r.number: {e["field"] for e in r.errors} for r in session.rows.filter(status="invalid")}


@pytest.fixture
def diary(org: Any, registrar: Any, series: Any, kinds: Any) -> None:
    """The earlier diary, imported with its numbers (MFT's series had gone past them)."""
    number_series_continue_from(
        actor=SYSTEM, series=series, year=2026, last_value=100, reason="Tidigare diarium"
    )
    data = ("\r\n".join([DIARY_HEADER, *DIARY]) + "\r\n").encode("utf-8")
    session = imports.session_create(actor=registrar, kind="diary", filename="d.csv", data=data)
    session = imports.session_validate(actor=registrar, session=session)
    session = imports.session_commit(actor=registrar, session=session, mode="all_or_nothing")
    assert session.created_count == len(DIARY)


# Keeping the numbers --------------------------------------------------------------------------


def test_it_imports_reports_already_sent_and_keeps_their_diary_numbers(
    org, quality, pump, diary
) -> None:
    session = _import(quality, [INCIDENT, NEAR_MISS])

    assert (session.created_count, session.error_rows) == (2, 0)
    incident = Report.objects.get(sent_document__number="MFT 2026/0012-1")
    assert incident.case.number == "MFT 2026/0012"
    assert incident.number == f"RAP-{datetime.date.today().year}-0001"
    assert (incident.status, incident.authority_reference) == ("acknowledged", "LV 4.3.1-2026-555")
    assert incident.sealed_at is not None and incident.sent_on == datetime.date(2026, 3, 5)
    assert (incident.device, incident.manufacturer, incident.udi_di) == (
        pump,
        "Acme Medical",
        "4006381333931",
    )
    assert incident.authority.code == "lv" and incident.care_provider == org.region_provider
    assert incident.due_date == datetime.date(2026, 3, 17)  # 15 days after it became known
    [dispatch] = incident.dispatches.all()
    assert (dispatch.purpose, dispatch.document, dispatch.sent_on) == (
        "report",
        incident.sent_document,
        incident.sent_on,
    )
    near_miss = Report.objects.get(sent_document__number="MFT 2026/0013-1")
    assert (near_miss.status, near_miss.trade_name, near_miss.device) == (
        "sent",
        "Sprutpump S2",
        None,
    )
    event = AuditEvent.objects.get(action="report.record", object_id=str(incident.pk))
    assert (event.actor, event.source, event.batch) == (quality, "import", str(session.batch))
    assert "rapporter.csv" in event.reason
    assert Document.objects.count() == len(DIARY)  # nothing registered anew


def test_an_imported_report_stays_as_it_was_sent(quality, pump, diary) -> None:
    _import(quality, [INCIDENT])
    report = Report.objects.get()
    with pytest.raises(ValidationError, match="supplement"):
        services.report_update(actor=quality, report=report, description="Annan text")
    # Its lifecycle goes on: a supplement is registered in the case it was imported into.
    supplement = services.report_supplement(
        actor=quality, report=report, text="Tillverkarens analys.", channel="e_service"
    )
    assert supplement.document.number == "MFT 2026/0012-3"


def test_it_imports_an_xlsx_file(org, quality, pump, diary) -> None:
    Unit.objects.filter(pk=org.unit_a.pk).update(hsa_id="SE2321000032-ua1")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([*HEADER[:1], "HSA-id", *HEADER[2:]])
    sheet.append(
        [
            "device_incident",
            "SE2321000032-UA1",
            datetime.datetime(2026, 3, 1),
            datetime.datetime(2026, 3, 2),
            datetime.date(2026, 3, 5),
            "Pumpen larmade inte.",
            "MT-4711",
            None,
            None,
            None,
            "MFT 2026/0012-1",
        ]
    )
    data = io.BytesIO()
    book.save(data)
    session = imports.session_create(
        actor=quality, kind="reports", filename="rapporter.xlsx", data=data.getvalue()
    )
    assert session.file_format == "xlsx" and session.file_errors == []
    session = imports.session_validate(actor=quality, session=session)
    session = imports.session_commit(actor=quality, session=session, mode="all_or_nothing")

    assert (session.created_count, session.error_rows) == (1, 0), _errors(session)
    report = Report.objects.get()
    assert (report.unit, report.event_date, report.status) == (
        org.unit_a,
        datetime.date(2026, 3, 1),
        "sent",
    )
    assert report.sent_document.number == "MFT 2026/0012-1"


def test_the_command_imports_reports_and_names_each_bad_row(
    tmp_path: Path, quality, pump, diary
) -> None:
    path = tmp_path / "rapporter.csv"
    path.write_bytes(_csv([INCIDENT, _row(NEAR_MISS, document_number="MFT 2026/0099-1")]))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 row has errors, so nothing was imported"):
        call_command(
            "import", "reports", str(path), "--user", quality.username, "--no-progress",
            "--lang", "en", "-v", "2", stdout=out, stderr=err,
        )  # fmt: skip
    assert (
        "row 3 [Dokumentnummer='MFT 2026/0099-1']: No registered document MFT 2026/0099-1 in "
        "the diary: register or import it first."
    ) in err.getvalue()
    assert not Report.objects.exists()


# Every bad row, and nothing written all-or-nothing ------------------------------------------------


def test_it_names_every_bad_row_and_imports_the_rest(quality, pump, diary) -> None:
    future = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    rows = [
        _row(INCIDENT, kind="bilrapport"),  # 2
        _row(INCIDENT, unit="Akuten"),  # 3
        _row(INCIDENT, event_date="2026-02-30"),  # 4
        _row(INCIDENT, awareness_date="2026-02-27"),  # 5: known before it happened
        _row(INCIDENT, sent_on="2026-03-01"),  # 6: sent before it became known
        _row(INCIDENT, sent_on=future),  # 7
        _row(INCIDENT, document_number="MFT 2026/0099-1"),  # 8: not in the diary
        _row(INCIDENT, document_number="MFT 2026/0012-2"),  # 9: the reply, incoming
        _row(INCIDENT, inventory_number="MT-0000"),  # 10
        _row(NEAR_MISS, manufacturer="", trade_name=""),  # 11: no device named
        _row(INCIDENT, description=f"Patienten {PERSONNUMMER} fick för låg dos."),  # 12
        _row(INCIDENT, description=""),  # 13
    ]
    # Each row names a copy of its own in the diary, but the two whose copy is what is wrong.
    rows = [
        r if n in (8, 9) else _row(r, document_number=_spare(n - 1))
        for n, r in enumerate(rows, start=2)
    ]
    rows.append(NEAR_MISS)  # 14: the one good row
    session = _import(quality, rows)

    assert (session.created_count, session.error_rows) == (1, 12)
    assert _errors(session) == {
        2: {"kind"},
        3: {"unit"},
        4: {"event_date"},
        5: {"awareness_date"},
        6: {"sent_on"},
        7: {"sent_on"},
        8: {"document_number"},
        9: {"document_number"},
        10: {"inventory_number"},
        11: {"trade_name", "manufacturer"},
        12: {"description"},
        13: {"description"},
    }
    messages = {
        r.number: " ".join(e["message"] for e in r.errors)
        for r in session.rows.filter(status="invalid")
    }
    assert "MFT 2026/0012-2 is not an outgoing document" in messages[9]
    assert PERSONNUMMER in messages[12]
    assert Report.objects.get().sent_document.number == "MFT 2026/0013-1"


def test_a_file_with_a_bad_row_imports_nothing_all_or_nothing(quality, pump, diary) -> None:
    with pytest.raises(ValidationError, match="1 row has errors, so nothing was imported"):
        _import(quality, [INCIDENT, _row(NEAR_MISS, sent_on="")], mode="all_or_nothing")
    assert not Report.objects.exists() and not Dispatch.objects.exists()


def test_a_document_taken_since_the_preview_imports_nothing_all_or_nothing(
    quality, pump, diary
) -> None:
    session = _session(quality, [NEAR_MISS, INCIDENT])
    assert session.error_rows == 0
    # Meanwhile, someone records the incident's copy by hand.
    services.report_record_existing(
        actor=quality,
        kind="device_incident",
        document_number="MFT 2026/0012-1",
        sent_on=datetime.date(2026, 3, 5),
        reason="Inlagd för hand",
        unit=pump.unit,
        event_date=datetime.date(2026, 3, 1),
        awareness_date=datetime.date(2026, 3, 2),
        description="Pumpen larmade inte.",
        device=pump,
    )
    with pytest.raises(ValidationError, match="changed since the preview"):
        imports.session_commit(actor=quality, session=session, mode="all_or_nothing")
    assert Report.objects.count() == 1  # the one recorded by hand


def test_importing_the_file_again_creates_nothing_twice(quality, pump, diary) -> None:
    _import(quality, [INCIDENT, NEAR_MISS])
    again = _import(quality, [INCIDENT, NEAR_MISS])
    assert (again.created_count, again.error_rows) == (0, 2)
    assert _errors(again) == {2: {"document_number"}, 3: {"document_number"}}
    assert "already recorded as sent" in again.rows.first().errors[0]["message"]
    assert Report.objects.count() == 2


def test_a_document_named_twice_in_the_file_is_an_error_on_both_rows(quality, pump, diary) -> None:
    session = _session(quality, [INCIDENT, _row(NEAR_MISS, document_number="MFT 2026/0012-1")])
    assert _errors(session) == {2: {"document_number"}, 3: {"document_number"}}


# Rights ------------------------------------------------------------------------------------------


def test_only_those_who_draft_reports_import_them(org, registrar, diary) -> None:
    for person in (registrar, org.owner, org.auditor, org.admin, org.colleague):
        with pytest.raises(PermissionDenied):
            imports.session_create(
                actor=person, kind="reports", filename="r.csv", data=_csv([INCIDENT])
            )


def test_a_row_of_a_kind_the_person_does_not_draft_is_refused(mt, pump, diary) -> None:
    lex_maria = [
        "lex_maria", "Unit A", "2026-05-01", "2026-05-02", "2026-05-04",
        "Fördröjd behandling.", "", "", "", "", "MFT 2026/0014-1",
    ]  # fmt: skip
    session = _import(mt, [INCIDENT, lex_maria])  # an MT engineer reports devices only
    assert (session.created_count, _errors(session)) == (1, {3: {"unit"}})


def test_the_region_does_not_import_the_reports_of_a_private_centre(pso, pump, diary) -> None:
    session = _import(pso, [_row(NEAR_MISS, unit="Privat VC")])
    assert _errors(session) == {2: {"unit"}}
    assert not Report.objects.exists()


def test_a_document_the_person_cannot_see_answers_like_a_missing_one(
    private_quality, diary
) -> None:
    """The private centre's quality lead reports for the centre, and sees nothing of unit A's
    diary: its document is as unknown to them as one that does not exist."""
    rows = [
        _row(NEAR_MISS, unit="Privat VC"),
        _row(NEAR_MISS, unit="Privat VC", document_number="MFT 2026/0099-1"),
    ]
    session = _import(private_quality, rows)
    assert _errors(session) == {2: {"document_number"}, 3: {"document_number"}}
    [invisible, missing] = [r.errors[0]["message"] for r in session.rows.order_by("number")]
    assert invisible == missing.replace("MFT 2026/0099-1", "MFT 2026/0013-1")


# The service itself -------------------------------------------------------------------------------


def test_recording_an_existing_report_needs_a_reason_and_the_drafters_right(
    org, quality, pump, diary
) -> None:
    fields = {
        "kind": "device_incident",
        "document_number": "MFT 2026/0012-1",
        "sent_on": datetime.date(2026, 3, 5),
        "unit": org.unit_a,
        "event_date": datetime.date(2026, 3, 1),
        "awareness_date": datetime.date(2026, 3, 2),
        "description": "Pumpen larmade inte.",
        "device": pump,
    }
    with pytest.raises(ValidationError) as error:
        services.report_record_existing(actor=quality, reason=" ", **fields)
    assert set(error.value.message_dict) == {"reason"}
    with pytest.raises(PermissionDenied):
        services.report_record_existing(actor=org.owner, reason="Från pärm", **fields)
    with pytest.raises(ValidationError) as error:
        services.report_record_existing(
            actor=quality, reason="Från pärm", **{**fields, "document_number": "MFT 2026/0012-2"}
        )
    assert "not an outgoing document" in error.value.message_dict["document_number"][0]
    assert not Report.objects.exists()
    report = services.report_record_existing(actor=quality, reason="Från pärm", **fields)
    assert (report.status, report.case.number) == ("sent", "MFT 2026/0012")
    event = AuditEvent.objects.get(action="report.record")
    assert (event.reason, event.actor) == ("Från pärm", quality)


# Export -------------------------------------------------------------------------------------------


def test_the_export_gives_what_the_person_sees_in_the_import_columns(
    tmp_path: Path, org, quality, pump, diary
) -> None:
    _import(quality, [INCIDENT, NEAR_MISS])
    acknowledged = Report.objects.get(status="acknowledged")
    path = tmp_path / "rapporter.csv"
    export = ["export", "reports", "--filter", "status=acknowledged", "-o", str(path)]
    call_command(*export, "--user", quality.username)
    text = path.read_text(encoding="utf-8").lstrip("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    # The columns by their labels, as the import's mapping step names them.
    assert header[:3] == ["Typ", "Enhet där händelsen inträffade", "Enhetens HSA-id"]
    names = [c.name for c in registry.get("reports").columns]
    assert len(names) == len(header)
    assert [dict(zip(names, row, strict=True)) for row in rows] == [
        {
            **dict.fromkeys(names, ""),
            "kind": "device_incident",
            "unit": "Unit A",
            "event_date": "2026-03-01",
            "awareness_date": "2026-03-02",
            "sent_on": "2026-03-05",
            "description": "Pumpen larmade inte vid ocklusion.",
            "outcome": "none",
            "care_injury": "none",
            "inventory_number": "MT-4711",
            "manufacturer": "Acme Medical",
            "trade_name": "Infusionspump",
            "model_version": "P1",
            "udi_di": "4006381333931",
            "serial_or_lot": "SN-998877",
            "channel": "e_service",
            "authority_reference": "LV 4.3.1-2026-555",
            "document_number": "MFT 2026/0012-1",
            "number": acknowledged.number,
        }
    ]
    call_command(*export, "--user", org.outsider.username)
    only_header = path.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()
    assert only_header == [";".join(header)]  # the outsider sees none of unit A's reports
