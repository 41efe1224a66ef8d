"""``medtek remind``: one e-mail per person about the inspections they must see to."""

import datetime
import io
import socket

import pytest
from django.core import mail
from django.core.management import call_command

from medtek.core.models import OutboxMessage
from medtek.devices import services
from medtek.devices.models import DeviceStatus
from medtek.organisation import services as org_services
from medtek.organisation.models import RoleGrant
from medtek.organisation.roles import Role
from tests import factories

TODAY = datetime.date(2025, 3, 1)

# The reminders go out through the outbox once their transaction commits, so every test here
# commits for real (a test inside a transaction would never see the commit).
pytestmark = pytest.mark.django_db(transaction=True)


def _remind(*args, today=TODAY):
    out = io.StringIO()
    call_command("remind", "--date", today.isoformat(), *args, stdout=out)
    return out.getvalue()


def _days(n):
    return TODAY + datetime.timedelta(days=n)


def _mail_to(address):
    found = [m for m in mail.outbox if m.to == [address]]
    assert len(found) == 1, [m.to for m in mail.outbox]
    return found[0]


@pytest.fixture
def people(org):
    return {
        "anna": factories.person("anna", role=Role.MT_ENGINEER, unit=org.unit_a),
        "bo": factories.person("bo", role=Role.MT_ENGINEER, unit=org.unit_b),
    }


@pytest.fixture
def due(org, mt, people, make_device, make_plan):
    """Anna answers for two devices in unit A (one overdue), Bo for one in unit B; one plan is
    not due for a long time."""
    made = {}
    for inv, unit, days, who in [
        ("A-OVERDUE", org.unit_a, -10, "anna"),
        ("A-SOON", org.unit_a, 20, "anna"),
        ("B-SOON", org.unit_b, 5, "bo"),
        ("A-LATER", org.unit_a, 100, "anna"),
    ]:
        made[inv] = make_device(unit, inv)
        make_plan(made[inv], next_due=_days(days), responsible=people[who])
    return made


def test_it_sends_one_email_per_responsible_person(due):
    out = _remind()
    assert sorted(m.to[0] for m in mail.outbox) == ["anna@example.org", "bo@example.org"]
    assert "Sent to anna@example.org: 2 device(s)" in out
    assert "Sent 2 reminder(s)." in out


def test_it_lists_the_due_devices_and_marks_the_overdue(due):
    _remind()
    anna = _mail_to("anna@example.org")
    assert "2 kontroller" in anna.subject and "1 försenade" in anna.subject
    assert len([line for line in anna.body.splitlines() if line.startswith("- ")]) == 2
    overdue = next(line for line in anna.body.splitlines() if "A-OVERDUE" in line)
    soon = next(line for line in anna.body.splitlines() if "A-SOON" in line)
    assert overdue.startswith(f"- {_days(-10):%Y-%m-%d} FÖRSENAD")
    assert "FÖRSENAD" not in soon
    assert "Unit A" in overdue and "Acme Medical Infusionspump P1" in overdue
    assert "A-LATER" not in anna.body
    assert "B-SOON" not in anna.body
    bo = _mail_to("bo@example.org")
    assert "B-SOON" in bo.body and "A-" not in bo.body


def test_it_looks_further_ahead_when_asked(due):
    _remind("--days", "120")
    assert "A-LATER" in _mail_to("anna@example.org").body


def test_it_skips_scrapped_devices(mt, due):
    services.device_change_status(
        actor=mt, device=due["B-SOON"], status=DeviceStatus.SCRAPPED, reason="Kasserad"
    )
    _remind()
    assert [m.to for m in mail.outbox] == [["anna@example.org"]]


def test_it_skips_ended_plans(mt, due):
    plan = due["A-OVERDUE"].plans.get()
    services.inspection_plan_end(actor=mt, plan=plan, reason="Ersatt")
    _remind()
    assert "A-OVERDUE" not in _mail_to("anna@example.org").body


def test_it_sends_nothing_on_a_dry_run(due):
    out = _remind("--dry-run")
    assert mail.outbox == []
    assert "Would send to anna@example.org: 2 device(s)" in out
    assert "Would send 2 reminder(s)." in out


def test_it_sends_nothing_when_nothing_is_due(org, make_device, make_plan):
    make_plan(make_device(org.unit_a, "A-1"), next_due=_days(365))
    assert "Sent 0 reminder(s)." in _remind()
    assert mail.outbox == []


@pytest.fixture
def unassigned(org, make_device, make_plan):
    """An overdue device in unit A1 whose plan names nobody."""
    device = make_device(org.unit_a_child, "A1-NOBODY")
    make_plan(device, next_due=_days(-1))
    return device


def test_it_falls_back_to_engineers_and_heads_covering_the_unit(org, mt, people, unassigned):
    head_b = factories.person("head_b", role=Role.HEAD_OF_UNIT, unit=org.unit_b)
    _remind()
    told = sorted(m.to[0] for m in mail.outbox)
    # Engineers of the administration and of unit A, and the head of unit A (the unit above
    # A1); not unit staff, auditors, administrators or those of unit B.
    assert told == ["anna@example.org", "mt@example.org", "owner@example.org"]
    assert head_b.email not in told
    assert "A1-NOBODY" in _mail_to("owner@example.org").body


def test_it_falls_back_when_the_responsible_person_has_left(org, people, make_device, make_plan):
    leaver = factories.person("leaver")
    leaver.is_active = False
    leaver.save()
    make_plan(make_device(org.unit_b, "B-1"), next_due=_days(-1), responsible=leaver)
    _remind()
    assert sorted(m.to[0] for m in mail.outbox) == ["bo@example.org", "mt@example.org"]


def test_it_does_not_fall_back_to_revoked_grants(org, mt, people, unassigned):
    grant = RoleGrant.objects.get(user=people["anna"], revoked_at__isnull=True)
    org_services.role_revoke(actor=org.admin, grant=grant, reason="Slutat")
    _remind()
    assert "anna@example.org" not in [m.to[0] for m in mail.outbox]


def test_it_tells_each_person_once_about_each_device(org, mt, people, unassigned, make_plan):
    # Two plans of the same device, and a second grant that covers it: still one e-mail,
    # listing each plan once.
    make_plan(unassigned, kind="calibration", next_due=_days(3))
    org_services.role_grant(actor=org.admin, user=mt, unit=org.unit_a, role=Role.HEAD_OF_UNIT)
    _remind()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "anna@example.org",
        "mt@example.org",
        "owner@example.org",
    ]
    body = _mail_to("mt@example.org").body
    assert body.count("A1-NOBODY") == 2


# Through the outbox -------------------------------------------------------------------------------


def test_it_reminds_each_person_once_a_day(people, due):
    _remind()
    again = _remind()

    assert sorted(m.to[0] for m in mail.outbox) == ["anna@example.org", "bo@example.org"]
    assert OutboxMessage.objects.count() == 2
    assert "Already reminded anna@example.org for 2025-03-01 (sent)" in again
    assert "Sent 0 reminder(s)." in again
    assert "2 person(s) already reminded for 2025-03-01." in again
    assert {m.key for m in OutboxMessage.objects.all()} == {
        f"reminder:2025-03-01:user {people['anna'].pk}",
        f"reminder:2025-03-01:user {people['bo'].pk}",
    }


def test_it_reminds_again_the_next_day(due):
    _remind()
    out = _remind(today=_days(1))

    assert "Sent 2 reminder(s)." in out
    assert sorted(m.to[0] for m in mail.outbox) == [
        "anna@example.org",
        "anna@example.org",
        "bo@example.org",
        "bo@example.org",
    ]


def test_it_queues_nothing_on_a_dry_run(due):
    _remind("--dry-run")
    assert not OutboxMessage.objects.exists()


def test_it_traces_the_reminders_to_the_run_that_queued_them(due):
    _remind()

    runs = set(OutboxMessage.objects.values_list("source", "request_id"))
    assert len(runs) == 1
    ((source, request_id),) = runs
    assert source == "cli"
    assert request_id


def test_it_leaves_the_reminders_to_the_outbox_when_not_sending_after_commit(settings, due):
    settings.OUTBOX_DELIVER_ON_COMMIT = False

    out = _remind()
    assert mail.outbox == []
    assert "Queued for anna@example.org: 2 device(s), not sent yet" in out
    assert "Sent 0 reminder(s)." in out
    assert "Queued 2 reminder(s) not sent yet: `medtek outbox` sends them." in out

    call_command("outbox", "--once", stdout=io.StringIO())
    assert sorted(m.to[0] for m in mail.outbox) == ["anna@example.org", "bo@example.org"]
    assert "Already reminded anna@example.org for 2025-03-01 (sent)" in _remind()
    assert len(mail.outbox) == 2


def test_it_keeps_the_reminders_while_the_mail_server_is_down(settings, due):
    with socket.socket() as probe:  # a local port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.OUTBOX_RETRY_SECONDS = 0

    out = _remind()
    assert "Queued for bo@example.org: 1 device(s), not sent yet (ConnectionRefusedError" in out
    assert "Sent 0 reminder(s)." in out

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("outbox", "--once", stdout=io.StringIO())
    assert sorted(m.to[0] for m in mail.outbox) == ["anna@example.org", "bo@example.org"]
    assert "A-OVERDUE" in _mail_to("anna@example.org").body
