"""``medtek remind`` tells the registrars what waits in their inbox, overdue ones flagged."""

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)
STOCKHOLM = datetime.timezone(datetime.timedelta(hours=1))


def test_it_tells_the_registrars_what_waits(org, submit, registrar):
    registrar.email = "registrator@example.org"
    registrar.save()
    with time_machine.travel(datetime.datetime(2026, 12, 2, 10, tzinfo=STOCKHOLM)):
        submit(description="Gammalt svar")
    with time_machine.travel(datetime.datetime(2026, 12, 4, 10, tzinfo=STOCKHOLM)):
        submit(description="Nytt svar")
        out = io.StringIO()
        call_command("remind", stdout=out)

    assert "Sent to registrator@example.org: 2 document(s) to register, 1 overdue" in out.getvalue()
    [message] = [m for m in mail.outbox if m.to == ["registrator@example.org"]]
    assert "2 handlingar att registrera (1 försenade)" in message.subject
    assert "FÖRSENAD/OVERDUE  Unit A  Gammalt svar" in message.body
    assert "Nytt svar" in message.body


def test_it_tells_nobody_when_nothing_waits(org, registrar, settings):
    out = io.StringIO()
    call_command("remind", "--dry-run", stdout=out)
    assert "document(s) to register" not in out.getvalue()
