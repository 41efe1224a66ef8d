"""The diary's services: numbers, registration with the four facts of OSL ch. 5 § 2, secrecy
markings, corrections as versions, the inbox's targets, cases opened, taken over and closed."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from medtek.core import audit, records
from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent
from medtek.core.numbering import number_series_continue_from, number_series_create
from medtek.registry import selectors, services
from medtek.registry.models import Case, Document, DocumentFile
from tests.registry.conftest import PATIENT, PDF

pytestmark = pytest.mark.django_db
STOCKHOLM = datetime.timezone(datetime.timedelta(hours=1))


# Numbers --------------------------------------------------------------------------------------


def test_a_case_takes_the_next_number_of_its_series(org, registrar, series):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, tzinfo=STOCKHOLM)):
        first = services.case_open(actor=registrar, series="mft", title="A", unit=org.unit_a)
        second = services.case_open(actor=registrar, series="mft", title="B", unit=org.unit_a)
    assert (first.number, second.number, first.year) == ("MFT 2026/0001", "MFT 2026/0002", 2026)


def test_case_numbers_start_again_every_year(org, registrar, series):
    with time_machine.travel(datetime.datetime(2026, 12, 31, 23, 30, tzinfo=STOCKHOLM)):
        old = services.case_open(actor=registrar, series="mft", title="A", unit=org.unit_a)
    with time_machine.travel(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=STOCKHOLM)):
        new = services.case_open(actor=registrar, series="mft", title="B", unit=org.unit_a)
    assert (old.number, new.number) == ("MFT 2026/0001", "MFT 2027/0001")


def test_a_document_number_is_the_case_number_and_a_running_suffix(
    submit, registrar, case, provision
):
    one = services.document_register(actor=registrar, document=submit(), case=case)
    two = services.document_register(actor=registrar, document=submit(), case=case)
    three = services.document_draw_up(
        actor=registrar,
        case=case,
        direction=Document.Direction.INTERNAL,
        kind="Tjänsteutlåtande",
        date=datetime.date(2026, 12, 1),
        description="Utredning av händelsen",
    )
    assert [d.number for d in (one, two, three)] == [f"{case.number}-{n}" for n in (1, 2, 3)]
    assert [d.seq for d in (one, two, three)] == [1, 2, 3]


def test_a_rolled_back_registration_gives_its_number_back(submit, registrar, case):
    document = submit()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.document_register(actor=registrar, document=document, case=case)
        raise RuntimeError("the transaction fails after the number was taken")
    again = services.document_register(actor=registrar, document=document, case=case)
    assert again.number == f"{case.number}-1"


def test_a_case_is_taken_over_with_the_number_it_had(org, registrar):
    rs = number_series_create(
        actor=SYSTEM, key="rs-led", name="Regionstyrelsen", format="RS-LED{yy}-{seq:04}"
    )
    with pytest.raises(ValidationError, match="not been handed out"):
        services.case_record_existing(
            actor=registrar,
            series="rs-led",
            number="RS-LED26-0847",
            title="X",
            unit=org.unit_a,
            reason="Previous system",
        )
    number_series_continue_from(
        actor=SYSTEM, series=rs, year=2026, last_value=847, reason="Previous system"
    )
    case = services.case_record_existing(
        actor=registrar,
        series="rs-led",
        number="RS-LED26-0847",
        title="Yttrande över granskningsrapport",
        unit=org.unit_a,
        external_system="Public 360",
        external_number="RS 2026/123",
        reason="Previous system",
    )
    assert (case.number, case.year) == ("RS-LED26-0847", 2026)
    with pytest.raises(ValidationError, match="not a number of the series"):
        services.case_record_existing(
            actor=registrar,
            series="rs-led",
            number="MFT 2026/0001",
            title="X",
            unit=org.unit_a,
            reason="Previous system",
        )
    with pytest.raises(ValidationError):
        services.case_record_existing(
            actor=registrar,
            series="rs-led",
            number="RS-LED26-0847",
            title="Again",
            unit=org.unit_a,
            reason="Previous system",
        )


# Registration ---------------------------------------------------------------------------------


def test_registration_records_the_four_facts_and_seals_the_document(org, submit, registrar, case):
    document = submit(files=[("svar.pdf", PDF)])
    assert document.is_waiting and document.number == ""

    registered = services.document_register(actor=registrar, document=document, case=case)

    assert registered.sealed_at is not None and registered.sealed_by == registrar
    assert (registered.date, registered.number) == (datetime.date(2026, 11, 30), f"{case.number}-1")
    assert (registered.counterparty, registered.description) == (
        "Läkemedelsverket",
        "Svar om infusionspumpen",
    )
    assert [f.name for f in registered.files.all()] == ["svar.pdf"]
    event = AuditEvent.objects.get(action="document.register", object_id=str(registered.pk))
    assert (event.before["number"], event.after["number"]) == ("", registered.number)
    assert event.actor == registrar


def test_a_registered_document_and_its_files_never_change(registered):
    for statement in (
        "UPDATE registry_document SET description = 'X' WHERE id = %s",
        "DELETE FROM registry_document WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [registered.pk])
    for change in (
        lambda: DocumentFile.objects.filter(document=registered).update(name="annat.pdf"),
        lambda: DocumentFile.objects.filter(document=registered).delete(),
        lambda: DocumentFile.objects.create(document=registered, name="smygad.pdf"),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()
    registered.refresh_from_db()
    assert registered.description == "Svar om infusionspumpen"
    assert [f.name for f in registered.files.all()] == ["svar.pdf"]


@pytest.mark.parametrize(
    ("direction", "field"),
    [(Document.Direction.INCOMING, "counterparty"), (Document.Direction.OUTGOING, "counterparty")],
)
def test_an_incoming_or_outgoing_document_names_its_counterparty(
    submit, registrar, case, direction, field
):
    with pytest.raises(ValidationError) as refused:
        submit(direction=direction, counterparty="")
    assert field in refused.value.message_dict


def test_a_marking_names_its_provision_date_and_authority(submit, registrar, case, provision):
    document = submit()
    with pytest.raises(ValidationError):
        services.document_register(
            actor=registrar, document=document, case=case, secrecy_provision=provision
        )
    registered = services.document_register(
        actor=registrar,
        document=document,
        case=case,
        secrecy_provision=provision,
        secrecy_marked_on=datetime.date(2026, 12, 1),
    )
    assert registered.is_marked
    assert registered.secrecy_marked_by == "Regionstyrelsen"


def test_only_registrars_register(org, submit, case):
    document = submit()
    for person in (org.colleague, org.owner, org.auditor, org.outsider):
        with pytest.raises(PermissionDenied):
            services.document_register(actor=person, document=document, case=case)
    assert Document.objects.get(pk=document.pk).is_waiting


def test_a_document_is_registered_only_once_and_only_in_an_open_case(submit, registrar, case):
    document = submit()
    services.document_register(actor=registrar, document=document, case=case)
    with pytest.raises(ValidationError, match="already registered"):
        services.document_register(actor=registrar, document=document, case=case)
    services.case_close(actor=registrar, case=case)
    with pytest.raises(ValidationError, match="closed"):
        services.document_register(actor=registrar, document=submit(), case=case)


def test_unit_staff_submit_only_for_their_own_units(org, submit):
    submit(actor=org.colleague)
    with pytest.raises(PermissionDenied):
        submit(actor=org.outsider)
    with pytest.raises(PermissionDenied):
        submit(actor=org.auditor)
    assert Document.objects.count() == 1


def test_a_refused_upload_changes_nothing(settings, org, submit):
    settings.FILE_UPLOAD_MAX_BYTES = 1000
    count = Document.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        submit(files=[("stor.pdf", PDF + b"%" * 2000)])
    with pytest.raises(ValidationError):
        submit(files=[("inte-en.pdf", b"MZ\x90\x00 this is no PDF")])
    assert (Document.objects.count(), AuditEvent.objects.count()) == count


# Corrections ----------------------------------------------------------------------------------


def test_a_correction_keeps_the_original_and_names_it(registered, registrar):
    corrected = services.document_correct(
        actor=registrar,
        document=registered,
        reason="Fel datum",
        date=datetime.date(2026, 11, 29),
    )
    assert (corrected.number, corrected.version, corrected.supersedes_id) == (
        registered.number,
        2,
        registered.pk,
    )
    assert corrected.correction_reason == "Fel datum" and corrected.created_by == registrar
    assert [f.name for f in corrected.files.all()] == ["svar.pdf"]
    registered.refresh_from_db()
    assert registered.date == datetime.date(2026, 11, 30)
    diary = list(selectors.diary_queryset(registrar))
    assert diary == [corrected]
    assert list(Document.objects.versions_of(registered)) == [registered, corrected]


def test_a_correction_needs_a_reason_and_a_registrar(org, registered, registrar):
    with pytest.raises(ValidationError):
        services.document_correct(actor=registrar, document=registered, reason=" ", kind="Brev")
    with pytest.raises(PermissionDenied):
        services.document_correct(actor=org.colleague, document=registered, reason="X", kind="Brev")
    assert Document.objects.count() == 1


# The inbox ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submitted", "now", "overdue"),
    [
        # Friday afternoon: due Monday; overdue on Tuesday, not over the weekend.
        ("2026-12-04 15:00", "2026-12-07 16:00", False),
        ("2026-12-04 15:00", "2026-12-08 08:00", True),
        # 23 December: Christmas Eve, Christmas, Boxing Day and the weekend are no working days.
        ("2026-12-23 12:00", "2026-12-28 16:00", False),
        ("2026-12-23 12:00", "2026-12-29 08:00", True),
        # Maundy Thursday: Good Friday and Easter Monday are holidays.
        ("2026-04-02 12:00", "2026-04-07 16:00", False),
        ("2026-04-02 12:00", "2026-04-08 08:00", True),
    ],
)
def test_the_inbox_flags_what_waits_past_the_next_working_day(
    submit, registrar, submitted, now, overdue
):
    at = datetime.datetime.fromisoformat(submitted).replace(tzinfo=STOCKHOLM)
    with time_machine.travel(at):
        document = submit()
    with time_machine.travel(datetime.datetime.fromisoformat(now).replace(tzinfo=STOCKHOLM)):
        [waiting] = selectors.inbox(registrar)
    assert waiting.document == document
    assert waiting.overdue is overdue


def test_the_inbox_target_is_configurable(settings, submit, registrar):
    settings.REGISTRY_TARGET_WORKING_DAYS = 3
    with time_machine.travel(datetime.datetime(2026, 12, 4, 15, tzinfo=STOCKHOLM)):
        submit()
    with time_machine.travel(datetime.datetime(2026, 12, 9, 16, tzinfo=STOCKHOLM)):
        [waiting] = selectors.inbox(registrar)
    assert (waiting.target, waiting.overdue) == (datetime.date(2026, 12, 9), False)


def test_the_inbox_shows_only_what_the_registrar_registers(org, submit, registrar):
    submit()
    assert len(selectors.inbox(registrar)) == 1
    assert selectors.inbox(org.owner) == []


# Cases ----------------------------------------------------------------------------------------


def test_a_case_closes_only_when_nothing_waits_and_reopens_with_a_reason(
    org, submit, registrar, case
):
    waiting = submit(case=case)
    with pytest.raises(ValidationError, match="wait to be registered"):
        services.case_close(actor=registrar, case=case)
    services.document_register(actor=registrar, document=waiting, case=case)
    closed = services.case_close(actor=registrar, case=case)
    assert (closed.status, closed.closed_by) == (Case.Status.CLOSED, registrar)
    with pytest.raises(ValidationError):
        services.case_reopen(actor=registrar, case=case, reason=" ")
    reopened = services.case_reopen(actor=registrar, case=case, reason="Komplettering kom in")
    assert (reopened.status, reopened.closed_at) == (Case.Status.OPEN, None)
    events = audit.history_for(case).filter(action="case.status").order_by("at", "id")
    assert [e.after["status"] for e in events] == [
        "closed",
        "open",
    ]


def test_the_case_officer_works_in_the_case(org, registrar, case):
    officer = org.owner
    with pytest.raises(PermissionDenied):
        services.case_update(actor=officer, case=case, parties="IVO")
    services.case_update(actor=registrar, case=case, officer=officer)
    result = services.case_update(actor=officer, case=case, parties="Läkemedelsverket, IVO")
    assert result.changed and result.obj.parties == "Läkemedelsverket, IVO"
    services.case_close(actor=officer, case=case)


def test_only_registrars_open_cases(org, series):
    for person in (org.owner, org.auditor, org.admin):
        with pytest.raises(PermissionDenied):
            services.case_open(actor=person, series="mft", title="X", unit=org.unit_a)
    assert not Case.objects.exists()


# Disposal -------------------------------------------------------------------------------------


def test_a_disposal_removes_the_text_and_files_and_leaves_the_trace(org, registered, registrar):
    decision = records.disposal_decision_record(
        actor=org.admin,
        reference="RS 2026/0200",
        title="Gallring av svar om produkter",
        legal_basis="Informationshanteringsplan 4.2.1",
        decided_by="Regionstyrelsen",
        decided_on=datetime.date(2026, 1, 1),
        record_types=["registry.document"],
        retention_years=0,
    )
    stored = registered.files.get().file

    trace = records.record_dispose(
        actor=registrar, record=registered, decision=decision, reason="Gallringsfrist"
    )

    registered.refresh_from_db()
    assert (registered.description, registered.details, registered.counterparty_restricted) == (
        "",
        "",
        "",
    )
    assert (registered.number, registered.date, registered.kind) == (
        trace.object_repr,
        datetime.date(2026, 11, 30),
        "Svar",
    )
    [link] = registered.files.all()
    assert link.file is None and link.name == "svar.pdf"
    stored.refresh_from_db()
    assert stored.removed_at is not None
    assert trace.files[0]["sha256"] == stored.sha256
    assert PATIENT not in str(AuditEvent.objects.filter(object_type="registry.document").values())
