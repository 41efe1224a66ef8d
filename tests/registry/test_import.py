"""An existing diary list imported through the import framework keeps its numbers."""

import pytest

from medtek.core.actors import SYSTEM
from medtek.core.numbering import number_series_continue_from, number_series_create
from medtek.imports import services as imports
from medtek.imports.models import ImportSession
from medtek.registry import selectors
from medtek.registry.models import Case, Document

pytestmark = pytest.mark.django_db

HEADER = ";".join(
    [
        "Diarienummer",
        "Ärendemening",
        "Dokumentnummer",
        "Datum",
        "Riktning",
        "Handlingstyp",
        "Avsändare/mottagare",
        "Beskrivning",
        "Enhet",
        "System",
    ]
)


def row(*cells: str) -> str:
    return ";".join(cells)


CASE = ("RS 2026/123", "Tillsyn av egentillverkning")
ROWS = [
    row(*CASE, "RS 2026/123-1", "2026-03-02", "Inkommande", "Begäran", "IVO",
        "IVO begär uppgifter", "Unit A", "Public 360"),
    row(*CASE, "RS 2026/123-2", "2026-03-20", "Utgående", "Svar", "IVO",
        "Regionens svar till IVO", "Unit A", "Public 360"),
    row("RS 2026/200", "Avtal om service", "RS 2026/200-1", "2026-04-01", "Upprättad", "PM", "",
        "PM om serviceavtal", "Unit A", "Public 360"),
]  # fmt: skip


def _file(rows: list[str]) -> bytes:
    return ("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")


def _import(registrar, rows: list[str]) -> ImportSession:  # type: ignore[no-untyped-def]
    session = imports.session_create(
        actor=registrar, kind="diary", filename="diarium.csv", data=_file(rows)
    )
    assert session.file_errors == []
    session = imports.session_validate(actor=registrar, session=session)
    return imports.session_commit(actor=registrar, session=session, mode="valid_only")


def test_it_imports_a_diary_list_and_keeps_its_numbers(org, registrar, series):
    session = _import(registrar, ROWS)

    assert (session.created_count, session.error_rows) == (3, 0)
    case = Case.objects.get(external_number="RS 2026/123")
    assert (case.external_system, case.title) == ("Public 360", "Tillsyn av egentillverkning")
    documents = list(Document.objects.filter(case=case).order_by("seq"))
    assert [(d.number, d.external_number) for d in documents] == [
        (f"{case.number}-1", "RS 2026/123-1"),
        (f"{case.number}-2", "RS 2026/123-2"),
    ]
    assert all(d.is_sealed for d in documents)
    found = selectors.diary_queryset(registrar).filter(external_number="RS 2026/123-2")
    assert found.count() == 1


def test_importing_the_list_again_creates_nothing_twice(org, registrar, series):
    _import(registrar, ROWS)
    again = _import(registrar, ROWS)
    assert (again.created_count, again.error_rows) == (0, 3)
    assert Document.objects.count() == 3


def test_a_case_of_our_own_series_keeps_its_number(org, registrar, series):
    rs = number_series_create(actor=SYSTEM, key="rs-led", name="RS", format="RS-LED{yy}-{seq:04}")
    number_series_continue_from(
        actor=SYSTEM, series=rs, year=2026, last_value=900, reason="Tidigare"
    )
    seed = row("RS-LED26-0847", "Yttrande", "RS-LED26-0847-2", "2026-05-05", "Upprättad",
               "Tjänsteutlåtande", "", "Tjänsteutlåtande om granskningen", "Unit A",
               "Tidigare system", "rs-led")  # fmt: skip
    data = ("\r\n".join([HEADER + ";Nummerserie", seed]) + "\r\n").encode("utf-8")
    session = imports.session_create(actor=registrar, kind="diary", filename="d.csv", data=data)
    session = imports.session_validate(actor=registrar, session=session)
    imports.session_commit(actor=registrar, session=session, mode="valid_only")
    assert Case.objects.filter(number="RS-LED26-0847").exists()


def test_it_reports_every_bad_row_and_imports_the_rest(org, registrar, series):
    bad = [
        row("RS 1", "X", "RS 1-1", "2026-13-40", "Inkommande", "Brev", "IVO", "Fel", "Unit A", "P"),
        row("RS 1", "X", "RS 1-2", "2026-01-10", "Sidled", "Brev", "IVO", "Fel", "Unit A", "P"),
        row("RS 1", "X", "RS 1-3", "2026-01-10", "Inkommande", "Brev", "", "Fel", "Unit A", "P"),
        row("RS 1", "X", "RS 1-4", "2026-01-10", "Inkommande", "Brev", "IVO", "Fel", "Unit Z", "P"),
        ROWS[0],
    ]
    session = _import(registrar, bad)
    assert (session.created_count, session.error_rows) == (1, 4)
    errors = {
        r.number: {e["field"] for e in r.errors} for r in session.rows.filter(status="invalid")
    }
    assert errors == {2: {"date"}, 3: {"direction"}, 4: {"counterparty"}, 5: {"unit"}}


def test_only_registrars_import_the_diary(org, series):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        imports.session_create(actor=org.owner, kind="diary", filename="d.csv", data=_file(ROWS))
