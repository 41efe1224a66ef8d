"""The report's lifecycle through its services: drafting (recipient, due date, the device's
identification, no personal numbers), four eyes, sending that registers in the same
transaction, the manufacturer's copy, replies, supplements, closing, and a sent report that
never changes — through the services, the ORM or SQL, on SQLite and PostgreSQL."""

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from medtek.core.models import AuditEvent
from medtek.registry.models import Case, Document
from medtek.reports import services
from medtek.reports.models import Dispatch, Reply, Report
from tests import factories

from .conftest import EVENT, KNOWN, PERSONNUMMER, incident_fields

pytestmark = pytest.mark.django_db


# Drafting ------------------------------------------------------------------------------------


def test_a_draft_gets_its_number_recipient_due_date_and_the_device_identification(
    draft: Report, mt: Any, org: Any
) -> None:
    assert draft.number == f"RAP-{datetime.date.today().year}-0001"
    assert draft.status == Report.Status.DRAFT
    assert draft.authority.code == "lv"
    assert draft.care_provider == org.region_provider
    # Serious deterioration, not unexpected: the default 15 days from when it became known.
    assert draft.due_date == KNOWN + datetime.timedelta(days=15)
    assert (draft.manufacturer, draft.trade_name, draft.model_version) == (
        "Acme Medical",
        "Infusionspump",
        "P1",
    )
    assert (draft.udi_di, draft.serial_or_lot) == ("4006381333931", "SN-998877")
    event = AuditEvent.objects.get(action="report.draft", object_id=str(draft.pk))
    assert event.actor == mt


@pytest.mark.parametrize(
    ("facts", "days"),
    [
        ({"outcome": "death"}, 10),
        ({"unexpected": True}, 10),
        ({"public_health_threat": True}, 2),
    ],
)
def test_the_due_date_follows_the_facts(org, mt, pump, kinds, series, facts, days) -> None:
    report = services.report_draft(
        actor=mt, kind="device_incident", **incident_fields(org, pump, **facts)
    )
    assert report.due_date == KNOWN + datetime.timedelta(days=days)


def test_a_kinds_deadline_is_the_regions_to_set(org, mt, pump, kinds, series) -> None:
    kind = kinds["device_incident"]
    kind.days_other = 7
    kind.save()
    report = services.report_draft(actor=mt, kind="device_incident", **incident_fields(org, pump))
    assert report.due_date == KNOWN + datetime.timedelta(days=7)


def test_an_unregistered_device_is_named_by_its_identification(org, mt, kinds, series) -> None:
    fields = incident_fields(
        org,
        None,
        manufacturer="Other Med",
        trade_name="Sprutpump",
        udi_di="07350000000001",
        serial_or_lot="LOT-42",
    )
    report = services.report_draft(actor=mt, kind="device_incident", **fields)
    assert (report.device, report.trade_name, report.serial_or_lot) == (None, "Sprutpump", "LOT-42")


def test_a_device_report_names_its_device_and_a_ce_incident_its_manufacturer(
    org, mt, kinds, series
) -> None:
    with pytest.raises(ValidationError) as error:
        services.report_draft(actor=mt, kind="device_incident", **incident_fields(org, None))
    assert set(error.value.message_dict) == {"device", "manufacturer"}
    assert not Report.objects.exists()


def test_a_personal_number_in_the_text_is_refused_unless_confirmed_not_one(
    org, mt, pump, kinds, series
) -> None:
    fields = incident_fields(org, pump, description=f"Patient {PERSONNUMMER} fick för låg dos.")
    with pytest.raises(ValidationError) as error:
        services.report_draft(actor=mt, kind="device_incident", **fields)
    assert PERSONNUMMER in error.value.message_dict["description"][0]
    assert "personal identity number" in error.value.message_dict["description"][0]
    assert not Report.objects.exists()
    report = services.report_draft(
        actor=mt, kind="device_incident", personal_numbers_confirmed=True, **fields
    )
    assert PERSONNUMMER in report.description


def test_the_event_cannot_become_known_before_it_happened(org, mt, pump, kinds, series) -> None:
    fields = incident_fields(org, pump, awareness_date=EVENT - datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        services.report_draft(actor=mt, kind="device_incident", **fields)
    assert "awareness_date" in error.value.message_dict


def test_a_contact_is_required(org, mt, pump, kinds, series) -> None:
    with pytest.raises(ValidationError) as error:
        services.report_draft(
            actor=mt, kind="device_incident", **incident_fields(org, pump, contact_phone="")
        )
    assert "contact_person" in error.value.message_dict


def test_only_the_kinds_drafters_draft(org, pump, kinds, series) -> None:
    for person in (org.owner, org.colleague, org.auditor, org.admin):
        with pytest.raises(PermissionDenied):
            services.report_draft(
                actor=person, kind="device_incident", **incident_fields(org, pump)
            )
    # An MT engineer of unit B only may not report for unit A.
    other = factories.person("mt_b", role="mt_engineer", unit=org.unit_b)
    with pytest.raises(PermissionDenied):
        services.report_draft(actor=other, kind="device_incident", **incident_fields(org, pump))
    assert not Report.objects.exists()


def test_only_a_draft_changes(draft, approved, mt) -> None:
    with pytest.raises(ValidationError, match="return an approved report to draft"):
        services.report_update(actor=mt, report=approved, description="Ny text")


def test_a_change_recomputes_the_due_date(draft, mt) -> None:
    updated = services.report_update(actor=mt, report=draft, outcome="death").obj
    assert updated.due_date == KNOWN + datetime.timedelta(days=10)


# The private-centre rule ------------------------------------------------------------------------


def test_the_region_never_reports_for_a_private_centre(org, pso, mt, kinds, series) -> None:
    fields = incident_fields(
        org, None, unit=org.private_pcc, manufacturer="Acme Medical", trade_name="Pump"
    )
    # Roles held above the centre, on the region's units, do not make one a reporter for it.
    for person in (pso, mt):
        with pytest.raises(PermissionDenied):
            services.report_draft(actor=person, kind="device_incident", **fields)
    assert not Report.objects.exists()


def test_a_private_centre_reports_itself(org, private_quality, kinds, series) -> None:
    fields = incident_fields(
        org, None, unit=org.private_pcc, manufacturer="Acme Medical", trade_name="Pump"
    )
    report = services.report_draft(actor=private_quality, kind="device_incident", **fields)
    assert report.care_provider == org.private_provider


# Four eyes --------------------------------------------------------------------------------------


def test_the_drafter_cannot_approve(draft, mt) -> None:
    with pytest.raises(ValidationError) as error:
        services.report_approve(actor=mt, report=draft)
    assert "four eyes" in str(error.value)
    draft.refresh_from_db()
    assert draft.status == Report.Status.DRAFT


def test_whoever_changed_the_draft_cannot_approve_it(draft, quality) -> None:
    services.report_update(actor=quality, report=draft, consequence="Förlängd vård, 2 dygn.")
    with pytest.raises(ValidationError, match="four eyes"):
        services.report_approve(actor=quality, report=draft)


def test_another_person_with_an_approver_role_approves(draft, quality) -> None:
    approved = services.report_approve(actor=quality, report=draft)
    assert (approved.status, approved.approved_by) == (Report.Status.APPROVED, quality)
    event = AuditEvent.objects.filter(action="report.status", object_id=str(draft.pk)).get()
    assert (event.before["status"], event.after["status"]) == ("draft", "approved")


def test_a_person_without_an_approver_role_cannot_approve(draft, org) -> None:
    for person in (org.colleague, org.auditor, org.admin):
        with pytest.raises(PermissionDenied):
            services.report_approve(actor=person, report=draft)


def test_a_lex_maria_report_is_approved_by_a_patient_safety_officer(
    org, quality, pso, kinds, series
) -> None:
    report = services.report_draft(
        actor=quality,
        kind="lex_maria",
        unit=org.unit_a,
        contact_phone="010-1",
        event_date=EVENT,
        awareness_date=KNOWN,
        description="Fördröjd behandling efter larm som inte uppmärksammades.",
        care_injury="serious",
    )
    head = factories.person("verksamhetschef", role="head_of_unit", unit=org.hsf)
    with pytest.raises(PermissionDenied, match="approve"):
        services.report_approve(actor=head, report=report)
    assert services.report_approve(actor=pso, report=report).status == Report.Status.APPROVED


def test_returning_to_draft_lets_the_approval_lapse(approved, mt) -> None:
    returned = services.report_return(actor=mt, report=approved, reason="Fel programversion")
    assert (returned.status, returned.approved_by) == (Report.Status.DRAFT, None)
    again = services.report_approve(
        actor=factories.person("kvalitet2", role="quality_lead", unit=returned.unit),
        report=returned,
    )
    with pytest.raises(ValidationError, match="reason"):
        services.report_return(actor=mt, report=again, reason="")


# Sending ----------------------------------------------------------------------------------------


def test_sending_registers_the_copy_in_the_diary_in_the_same_act(sent, mt, org) -> None:
    assert sent.status == Report.Status.SENT
    assert sent.sealed_at is not None and sent.sent_on == KNOWN
    document = sent.sent_document
    assert document is not None and document.sealed_at is not None
    assert document.direction == Document.Direction.OUTGOING
    assert document.counterparty == "Läkemedelsverket"
    assert document.number == f"{sent.case.number}-1"
    assert sent.number in document.description
    # The public entry says what kind of report it is, not what happened.
    assert "ocklusion" not in document.description
    [file] = document.files.all()
    assert file.name.endswith(".pdf") and file.file.content_type == "application/pdf"
    [dispatch] = sent.dispatches.all()
    assert (dispatch.purpose, dispatch.channel, dispatch.document) == (
        "report",
        "e_service",
        document,
    )
    # A case was opened for it in MFT's series, at the unit.
    assert sent.case.unit == org.unit_a and sent.case.number.startswith("MFT ")


def test_a_report_sent_into_a_chosen_case_is_registered_there(draft, quality, mt, org) -> None:
    from medtek.registry import services as registry

    registrar = factories.person("reg", role="registrar", unit=org.region)
    case = registry.case_open(actor=registrar, series="mft", title="Pumpar", unit=org.unit_a)
    services.report_update(actor=mt, report=draft, case=case)
    approved = services.report_approve(actor=quality, report=draft)
    sent = services.report_send(actor=mt, report=approved, channel="post")
    assert sent.case == case and sent.sent_document.number == f"{case.number}-1"


def test_a_draft_cannot_be_sent(draft, mt) -> None:
    with pytest.raises(ValidationError, match="cannot go from"):
        services.report_send(actor=mt, report=draft, channel="e_service")


def test_a_lex_maria_report_is_never_sent_by_email(org, quality, pso, kinds, series) -> None:
    report = services.report_draft(
        actor=quality,
        kind="lex_maria",
        unit=org.unit_a,
        contact_phone="010-1",
        event_date=EVENT,
        awareness_date=KNOWN,
        description="Fördröjd behandling.",
        care_injury="serious",
    )
    report = services.report_approve(actor=pso, report=report)
    with pytest.raises(ValidationError) as error:
        services.report_send(actor=quality, report=report, channel="email")
    assert "never by e-mail" in error.value.message_dict["channel"][0]
    assert (
        services.report_send(actor=quality, report=report, channel="post").authority.code == "ivo"
    )


def test_a_failure_while_registering_leaves_the_report_unsent_and_no_document(
    approved, mt, monkeypatch
) -> None:
    from medtek.registry import services as registry

    real = registry._register

    def fail(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise RuntimeError("the diary failed")

    monkeypatch.setattr(registry, "_register", fail)
    with pytest.raises(RuntimeError):
        services.report_send(actor=mt, report=approved, channel="e_service")
    approved.refresh_from_db()
    assert (approved.status, approved.sealed_at, approved.sent_document) == (
        Report.Status.APPROVED,
        None,
        None,
    )
    assert not Document.objects.exists() and not Case.objects.exists()
    assert not Dispatch.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["document.register", "case.open"]).exists()


def test_without_a_diary_series_the_send_says_what_to_do(approved, mt, settings) -> None:
    settings.REPORTS_CASE_SERIES = "missing"
    with pytest.raises(ValidationError) as error:
        services.report_send(actor=mt, report=approved, channel="e_service")
    assert "REPORTS_CASE_SERIES=missing" in error.value.message_dict["case"][0]
    approved.refresh_from_db()
    assert approved.status == Report.Status.APPROVED


def test_a_report_cannot_be_sent_on_a_day_to_come(approved, mt) -> None:
    with pytest.raises(ValidationError) as error:
        services.report_send(
            actor=mt,
            report=approved,
            channel="e_service",
            sent_on=datetime.date.today() + datetime.timedelta(days=1),
        )
    assert "sent_on" in error.value.message_dict


# A sent report never changes ------------------------------------------------------------------


def test_a_sent_report_cannot_be_changed_by_its_services(sent, mt) -> None:
    with pytest.raises(ValidationError, match="supplement"):
        services.report_update(actor=mt, report=sent, description="Annan text")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE reports_report SET description = 'X' WHERE id = %s",
        "UPDATE reports_report SET event_date = '2020-01-01' WHERE id = %s",
        "UPDATE reports_report SET sealed_at = NULL WHERE id = %s",
        "DELETE FROM reports_report WHERE id = %s",
    ],
)
def test_a_sent_report_cannot_be_changed_in_sql(sent, statement) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [sent.pk])
    sent.refresh_from_db()
    assert sent.description.startswith("Pumpen larmade")


def test_a_sent_report_cannot_be_changed_through_the_orm(sent) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=sent.pk).update(description="X", status="closed")
    [dispatch] = sent.dispatches.all()
    for change in (
        lambda: Dispatch.objects.filter(pk=dispatch.pk).update(recipient="Någon annan"),
        lambda: Dispatch.objects.filter(pk=dispatch.pk).delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()


def test_a_sent_reports_lifecycle_goes_on(sent) -> None:
    # Only the lifecycle's own columns move after sending.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE reports_report SET status = 'closed' WHERE id = %s", [sent.pk])
    sent.refresh_from_db()
    assert sent.status == "closed"


def test_a_draft_is_not_yet_frozen(draft) -> None:
    Report.objects.filter(pk=draft.pk).update(contact_phone="010-2")


# The manufacturer's copy, replies, supplements ------------------------------------------------


def test_the_manufacturer_gets_its_own_copy_with_its_own_date(sent, mt) -> None:
    copy = services.report_send_manufacturer_copy(
        actor=mt,
        report=sent,
        recipient="Acme Medical, vigilance",
        channel="email",
        sent_on=KNOWN + datetime.timedelta(days=1),
    )
    assert copy.purpose == "manufacturer_copy" and copy.sent_on == KNOWN + datetime.timedelta(1)
    assert copy.document.counterparty == "Acme Medical, vigilance"
    assert copy.document.number == f"{sent.case.number}-2"
    with pytest.raises(ValidationError, match="already"):
        services.report_send_manufacturer_copy(actor=mt, report=sent, channel="email")


def test_a_lex_maria_report_sends_no_manufacturer_copy(org, quality, pso, kinds, series) -> None:
    report = services.report_draft(
        actor=quality,
        kind="lex_maria",
        unit=org.unit_a,
        contact_phone="1",
        event_date=EVENT,
        awareness_date=KNOWN,
        description="Händelse.",
        care_injury="serious",
    )
    report = services.report_send(
        actor=quality, report=services.report_approve(actor=pso, report=report), channel="post"
    )
    with pytest.raises(ValidationError, match="no copy"):
        services.report_send_manufacturer_copy(actor=quality, report=report, channel="post")


def test_the_authoritys_reply_acknowledges_the_report_and_is_registered(sent, mt) -> None:
    reply = services.report_record_reply(
        actor=mt,
        report=sent,
        received_on=KNOWN,
        reference="LV 4.3.1-2026-123456",
        summary="Mottagningsbekräftelse",
    )
    sent.refresh_from_db()
    assert sent.status == Report.Status.ACKNOWLEDGED
    assert (sent.authority_reference, sent.acknowledged_on) == ("LV 4.3.1-2026-123456", KNOWN)
    assert reply.document.direction == Document.Direction.INCOMING
    assert reply.document.external_number == "LV 4.3.1-2026-123456"
    assert reply.document.counterparty == "Läkemedelsverket"
    assert reply.document.case == sent.case


def test_the_authoritys_reply_needs_its_reference(sent, mt) -> None:
    with pytest.raises(ValidationError) as error:
        services.report_record_reply(actor=mt, report=sent, received_on=KNOWN, summary="Svar")
    assert "reference" in error.value.message_dict
    assert not Reply.objects.exists()


def test_a_supplement_is_a_new_document_and_the_report_stays_as_sent(sent, mt) -> None:
    before = Report.objects.get(pk=sent.pk).description
    supplement = services.report_supplement(
        actor=mt, report=sent, text="Tillverkarens analys bifogas.", channel="e_service"
    )
    sent.refresh_from_db()
    assert sent.status == Report.Status.SUPPLEMENTED and sent.description == before
    assert supplement.document.number == f"{sent.case.number}-2"
    assert supplement.document.details == "Tillverkarens analys bifogas."
    with pytest.raises(ValidationError) as error:
        services.report_supplement(
            actor=mt, report=sent, text=f"Patienten {PERSONNUMMER}", channel="e_service"
        )
    assert "text" in error.value.message_dict


def test_closing_needs_a_reason_and_ends_the_lifecycle(sent, mt) -> None:
    with pytest.raises(ValidationError, match="reason"):
        services.report_close(actor=mt, report=sent, reason="")
    closed = services.report_close(actor=mt, report=sent, reason="IVO har avslutat ärendet")
    assert closed.status == Report.Status.CLOSED and closed.closed_by == mt
    with pytest.raises(ValidationError, match="closed"):
        services.report_supplement(actor=mt, report=closed, text="Mer", channel="post")


def test_what_comes_back_is_recorded_only_by_the_reports_people(sent, org) -> None:
    for person in (org.colleague, org.auditor, org.outsider):
        with pytest.raises(PermissionDenied):
            services.report_record_reply(
                actor=person, report=sent, received_on=KNOWN, reference="X", summary="Svar"
            )


# Deadlines with a frozen clock -----------------------------------------------------------------


def test_due_and_overdue_follow_the_clock(draft, mt) -> None:
    from medtek.reports import selectors

    due = draft.due_date
    with time_machine.travel(datetime.datetime.combine(due, datetime.time(12)), tick=False):
        assert list(selectors.due_soon_for(mt)) == [draft]
        assert not selectors.overdue_for(mt).exists()
        assert not Report.objects.get(pk=draft.pk).is_overdue
    later = due + datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime.combine(later, datetime.time(12)), tick=False):
        assert list(selectors.overdue_for(mt)) == [draft]
        assert Report.objects.get(pk=draft.pk).is_overdue


def test_a_sent_report_is_never_overdue(sent, mt) -> None:
    from medtek.reports import selectors

    later = sent.due_date + datetime.timedelta(days=30)
    with time_machine.travel(datetime.datetime.combine(later, datetime.time(12)), tick=False):
        assert not selectors.overdue_for(mt).exists()


# In-house devices and the recipient setting --------------------------------------------------


@pytest.fixture
def in_house_model(mt: Any) -> Any:
    from medtek.devices import services as devices

    return devices.device_model_create(
        actor=mt,
        manufacturer="Region Test MFT",
        trade_name="Trycksensoradapter",
        risk_class="IIa",
        conformity="in_house",
    )


def in_house_fields(org: Any, model: Any) -> dict[str, Any]:
    return incident_fields(org, None, device_model=model)


def test_an_in_house_device_incident_goes_to_ivo(org, mt, kinds, series, in_house_model) -> None:
    report = services.report_draft(
        actor=mt, kind="in_house_incident", **in_house_fields(org, in_house_model)
    )
    assert report.authority.code == "ivo"
    assert report.manufacturer == "Region Test MFT"


def test_in_house_matters_go_where_the_setting_says(
    org, mt, kinds, series, in_house_model, settings
) -> None:
    settings.REPORTS_IN_HOUSE_AUTHORITY = "lv"
    incident = services.report_draft(
        actor=mt, kind="in_house_incident", **in_house_fields(org, in_house_model)
    )
    information = services.report_draft(
        actor=mt,
        kind="in_house_information",
        **in_house_fields(org, in_house_model),
        planned_use_date=datetime.date(2027, 2, 1),
    )
    assert incident.authority.code == information.authority.code == "lv"
    assert information.due_date == datetime.date(2027, 1, 31)
    # A CE-device report is not the setting's: it stays with Läkemedelsverket, and Lex Maria
    # with IVO.
    assert kinds["lex_maria"].recipient().code == "ivo"


def test_the_kind_must_fit_the_device(org, mt, kinds, series, in_house_model, pump) -> None:
    with pytest.raises(ValidationError) as error:
        services.report_draft(
            actor=mt, kind="device_incident", **in_house_fields(org, in_house_model)
        )
    assert "in-house" in error.value.message_dict["kind"][0]
    with pytest.raises(ValidationError) as error:
        services.report_draft(actor=mt, kind="in_house_incident", **incident_fields(org, pump))
    assert "CE-marked" in error.value.message_dict["kind"][0]


def test_the_needed_reports_come_with_the_regions_kinds(kinds) -> None:
    from medtek.reports.routing import Facts

    needed = services.needed_reports(
        Facts(device="ce", device_problem=True, outcome="death", care_injury="serious")
    )
    assert [(n.kind, kind.authority.code) for n, kind in needed] == [
        ("device_incident", "lv"),
        ("lex_maria", "ivo"),
    ]


# Disposal --------------------------------------------------------------------------------------


def test_a_sent_report_is_disposed_of_only_under_a_decision(org, sent, registrar) -> None:
    from medtek.core import records

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        # No decision: emptying the text is refused like any other change.
        cursor.execute("UPDATE reports_report SET description = '' WHERE id = %s", [sent.pk])
    decision = records.disposal_decision_record(
        actor=org.admin,
        reference="RS 2026/0201",
        title="Gallring av rapporter",
        legal_basis="Informationshanteringsplan 4.3",
        decided_by="Regionstyrelsen",
        decided_on=datetime.date(2026, 1, 1),
        record_types=["reports.report"],
        retention_years=0,
    )
    records.record_dispose(actor=registrar, record=sent, decision=decision, reason="Gallringsfrist")
    sent.refresh_from_db()
    assert (sent.description, sent.consequence, sent.actions_taken) == ("", "", "")
    assert (sent.number, sent.status, sent.event_date) == (sent.number, "sent", EVENT)
    # And the disposal is no way in for other changes.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_report SET event_date = '2020-01-01' WHERE id = %s", [sent.pk]
        )


def test_a_personal_number_slipped_into_an_approved_report_stops_the_send(approved, mt) -> None:
    Report.objects.filter(pk=approved.pk).update(description=f"Patient {PERSONNUMMER}")
    with pytest.raises(ValidationError, match="personal identity number"):
        services.report_send(actor=mt, report=approved, channel="e_service")
    approved.refresh_from_db()
    assert approved.status == Report.Status.APPROVED and not Document.objects.exists()


def test_the_diary_keeps_the_text_apart_and_the_copy_is_dated_the_day_it_was_sent(sent) -> None:
    document = sent.sent_document
    assert document.details == sent.description
    assert sent.sent_on == KNOWN


def test_a_number_that_only_looks_personal_may_be_confirmed_in_a_supplement(sent, mt) -> None:
    text = f"Tillverkarens serienummer {PERSONNUMMER.replace('-', '')} bekräftat."
    supplement = services.report_supplement(
        actor=mt, report=sent, text=text, channel="post", personal_numbers_confirmed=True
    )
    assert supplement.text == text
