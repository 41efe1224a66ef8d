"""``medtek remind`` tells the people who draft and send a unit's reports which of them are due
and which are overdue — and nobody else, and nobody twice a day."""

import datetime
import io
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from medtek.core.models import OutboxMessage
from medtek.reports import services
from medtek.reports.models import Report
from tests import factories

from .conftest import KNOWN, incident_fields

pytestmark = pytest.mark.django_db(transaction=True)
STOCKHOLM = datetime.timezone(datetime.timedelta(hours=1))
#: Today, in these tests: the conftest's draft (known 2026-11-23, due in 15 days) is two days late.
TODAY = datetime.date(2026, 12, 10)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(datetime.datetime(2026, 12, 10, 9, tzinfo=STOCKHOLM)):
        yield


def remind(*args: str) -> str:
    out = io.StringIO()
    call_command("remind", *args, stdout=out)
    return out.getvalue()


def report_mails(user: Any) -> list[Any]:
    return [m for m in mail.outbox if m.to == [user.email] and "rapporter att skicka" in m.subject]


@pytest.fixture
def due(
    org: Any, mt: Any, quality: Any, private_quality: Any, pump: Any, kinds: Any, series: Any
) -> dict[str, Report]:
    """Unit A's reports: one overdue draft, one approved and due in five days, one sent, one due
    beyond the reminder's days; and a private centre's overdue draft."""
    overdue = services.report_draft(actor=mt, kind="device_incident", **incident_fields(org, pump))
    soon = services.report_draft(
        actor=mt,
        kind="device_incident",
        **incident_fields(
            org,
            pump,
            event_date=datetime.date(2026, 11, 30),
            awareness_date=datetime.date(2026, 11, 30),
        ),
    )
    soon = services.report_approve(actor=quality, report=soon)
    sent = services.report_draft(actor=mt, kind="device_incident", **incident_fields(org, pump))
    sent = services.report_approve(actor=quality, report=sent)
    sent = services.report_send(actor=mt, report=sent, channel="e_service", sent_on=KNOWN)
    later = services.report_draft(
        actor=mt,
        kind="in_house_information",
        unit=org.unit_a,
        contact_phone="010-123 45 67",
        event_date=TODAY,
        awareness_date=TODAY,
        planned_use_date=datetime.date(2027, 3, 1),
        description="Egentillverkning av en adapter påbörjas.",
        manufacturer="Region Test MFT",
        trade_name="Adapter",
    )
    private = services.report_draft(
        actor=private_quality,
        kind="device_incident",
        **incident_fields(
            org, None, unit=org.private_pcc, manufacturer="Acme Medical", trade_name="Pump"
        ),
    )
    assert overdue.due_date == datetime.date(2026, 12, 8)
    assert soon.due_date == datetime.date(2026, 12, 15)
    assert later.due_date == datetime.date(2027, 2, 28)
    return {"overdue": overdue, "soon": soon, "sent": sent, "later": later, "private": private}


def test_the_units_drafters_get_one_reminder_of_the_due_and_overdue_reports(
    due: dict[str, Report], mt: Any
) -> None:
    output = remind()

    assert f"Sent to {mt.email}: 2 report(s) due, 1 overdue" in output
    [message] = report_mails(mt)
    assert "2 rapporter att skicka (1 försenade)" in message.subject
    overdue, soon = due["overdue"], due["soon"]
    assert f"- 2026-12-08 FÖRSENAD/OVERDUE  {overdue.number}  {overdue.kind.name}  Unit A" in (
        message.body
    )
    assert f"- 2026-12-15  {soon.number}  {soon.kind.name}  Unit A" in message.body
    # The overdue one first, and nothing of what happened to the patient.
    assert message.body.index(overdue.number) < message.body.index(soon.number)
    assert overdue.description not in message.body


def test_every_role_that_drafts_the_kind_for_the_unit_is_reminded(
    due: dict[str, Report], mt: Any, quality: Any, pso: Any
) -> None:
    remind()

    for drafter in (mt, quality, pso):  # an MT engineer, a quality lead, a patient-safety officer
        [message] = report_mails(drafter)
        assert due["overdue"].number in message.body and due["soon"].number in message.body


def test_nobody_else_is_reminded(due: dict[str, Report], org: Any, registrar: Any, mt: Any) -> None:
    mt_b = factories.person("mt_b", role="mt_engineer", unit=org.unit_b)

    remind()

    # Reading reports (auditor, registrar, head of unit A: not a drafter of device reports), other
    # units' staff and drafters, and a private centre's staff for a unit of the region: none.
    for person in (org.auditor, registrar, org.owner, org.outsider, org.private_staff, mt_b):
        assert report_mails(person) == [], person.username
    assert due["private"].number not in report_mails(mt)[0].body


def test_a_private_centres_report_reminds_its_own_reporters_only(
    due: dict[str, Report], mt: Any, pso: Any, private_quality: Any
) -> None:
    remind()

    private = due["private"]
    [message] = report_mails(private_quality)
    assert private.number in message.body and "Privat VC" in message.body
    assert due["overdue"].number not in message.body
    for region_drafter in (mt, pso):  # roles above the centre, held on the region's units
        assert private.number not in report_mails(region_drafter)[0].body


def test_a_sent_report_and_one_due_later_are_not_listed(due: dict[str, Report], mt: Any) -> None:
    remind()

    [message] = report_mails(mt)
    assert due["sent"].number not in message.body
    assert due["later"].number not in message.body


def test_a_report_due_within_the_days_asked_for_is_listed(due: dict[str, Report], mt: Any) -> None:
    remind("--days", "90")

    [message] = report_mails(mt)
    assert f"- 2027-02-28  {due['later'].number}" in message.body


def test_running_twice_the_same_day_queues_nothing_new(due: dict[str, Report], mt: Any) -> None:
    remind()
    queued, sent = OutboxMessage.objects.count(), len(mail.outbox)

    output = remind()

    assert f"Already reminded {mt.email} for {TODAY}" in output
    assert OutboxMessage.objects.count() == queued
    assert len(mail.outbox) == sent
    assert len(report_mails(mt)) == 1


def test_it_tells_nobody_when_every_report_is_sent(sent: Report, mt: Any) -> None:
    output = remind("--dry-run")

    assert "report(s) due" not in output
