"""The outbox: a side effect is queued with its change and performed only after that commits.

The tests of commit and rollback commit for real (``transaction=True``: a test inside a
transaction never sees a commit); the others deliver explicitly. "The mail server is down" is a
real SMTP connection to a port where nothing listens.
"""

import datetime
import io
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from medtek.core import outbox
from medtek.core.actors import SYSTEM
from medtek.core.audit import audit_context
from medtek.core.models import AuditEvent, NumberSeries, OutboxMessage
from medtek.core.numbering import number_series_create
from tests.test_settings import assert_refused, production, start

committing = pytest.mark.django_db(transaction=True)

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class Rollback(Exception):
    pass


def _write_and_mail(key: str | None = None, *, series: str = "rs-led") -> OutboxMessage:
    """A change with business meaning (a number series, audited) and the e-mail it causes, in
    one transaction."""
    with transaction.atomic():
        number_series_create(actor=SYSTEM, key=series, name="Diary", format="RS{yy}-{seq}")
        return outbox.enqueue_email(
            to=["anna@example.org"], subject="Ny serie", body="En ny nummerserie.", key=key
        )


def _outbox(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("outbox", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _refresh(message: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message.pk)


@pytest.fixture
def no_delivery_after_commit(settings):  # type: ignore[no-untyped-def]
    """As if the process died right after the commit: only ``medtek outbox`` delivers."""
    settings.OUTBOX_DELIVER_ON_COMMIT = False
    return settings


@pytest.fixture
def mail_server_down(settings):  # type: ignore[no-untyped-def]
    """Real SMTP to a local port nobody listens on; ``settings.EMAIL_BACKEND = LOCMEM`` brings
    the mail server back."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 5
    return settings


# Commit and rollback -----------------------------------------------------------------------------


@committing
def test_it_queues_and_sends_nothing_for_a_write_that_rolls_back() -> None:
    with pytest.raises(Rollback), transaction.atomic():
        number_series_create(actor=SYSTEM, key="rs-led", name="Diary", format="RS{yy}-{seq}")
        outbox.enqueue_email(to=["anna@example.org"], subject="Ny serie", body="…")
        raise Rollback

    assert not NumberSeries.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []
    assert _outbox("--once")[0] == "Sent 0 message(s).\n"
    assert mail.outbox == []


@committing
def test_it_sends_once_when_the_write_commits() -> None:
    message = _write_and_mail()

    assert [m.to for m in mail.outbox] == [["anna@example.org"]]
    assert mail.outbox[0].subject == "Ny serie"
    sent = _refresh(message)
    assert sent.sent_at is not None
    assert sent.attempts == 1
    assert _outbox("--once")[0] == "Sent 0 message(s).\n"
    assert len(mail.outbox) == 1


@committing
def test_it_sends_after_a_crash_between_commit_and_delivery(no_delivery_after_commit) -> None:  # type: ignore[no-untyped-def]
    message = _write_and_mail()
    assert mail.outbox == []
    assert _refresh(message).sent_at is None

    assert _outbox("--once")[0] == "Sent 1 message(s).\n"
    assert [m.to for m in mail.outbox] == [["anna@example.org"]]
    assert _refresh(message).sent_at is not None

    assert _outbox("--once")[0] == "Sent 0 message(s).\n"
    assert len(mail.outbox) == 1


@committing
def test_it_does_not_fail_the_committed_write_when_sending_fails(mail_server_down) -> None:  # type: ignore[no-untyped-def]
    message = _write_and_mail()

    assert NumberSeries.objects.filter(key="rs-led").exists()
    kept = _refresh(message)
    assert kept.sent_at is None
    assert kept.attempts == 1
    assert "ConnectionRefusedError" in kept.last_error


@committing
def test_it_refuses_to_queue_outside_a_transaction() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox.enqueue_email(to=["anna@example.org"], subject="Hej", body="…")

    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_kind_nobody_handles() -> None:
    with pytest.raises(ValueError, match="No outbox handler"), transaction.atomic():
        outbox.enqueue(kind="carrier-pigeon", payload={})

    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_it_refuses_an_email_without_an_address() -> None:
    with pytest.raises(ValueError, match="address"), transaction.atomic():
        outbox.enqueue_email(to=[""], subject="Hej", body="…")


# Keys and tracing --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_queues_a_key_once() -> None:
    first = _write_and_mail(key="reminder:2026-12-01:user 7", series="one")
    again = _write_and_mail(key="reminder:2026-12-01:user 7", series="two")
    with transaction.atomic():
        twice = [
            outbox.enqueue_email(to=["anna@example.org"], subject="Hej", body="…", key="same")
            for _ in range(2)
        ]

    assert again.pk == first.pk
    assert twice[0].pk == twice[1].pk
    assert OutboxMessage.objects.count() == 2
    outbox.deliver()
    assert [m.subject for m in mail.outbox] == ["Ny serie", "Hej"]


@pytest.mark.django_db
def test_it_refuses_a_key_taken_by_another_kind() -> None:
    _write_and_mail(key="shared")

    with pytest.raises(ValueError, match="taken by a email message"), transaction.atomic():
        outbox.enqueue(kind="test.breaks", payload={}, key="shared")


@pytest.mark.django_db
def test_it_traces_a_message_to_the_change_that_queued_it() -> None:
    with audit_context(source="web") as ctx:
        message = _write_and_mail()

    event = AuditEvent.objects.get(action="number_series.create")
    assert message.request_id == event.request_id == ctx.request_id
    assert message.source == "web"


@pytest.mark.django_db
def test_it_marks_each_mail_with_the_message_id_of_its_message(mail_server_down) -> None:  # type: ignore[no-untyped-def]
    first = _write_and_mail(key="first", series="one")
    other = _write_and_mail(key="other", series="two")
    assert len(outbox.deliver().retrying) == 2

    mail_server_down.EMAIL_BACKEND = LOCMEM
    outbox.deliver(now=timezone.now() + datetime.timedelta(hours=1))

    sent = {m.message()["Message-ID"]: m for m in mail.outbox}
    assert set(sent) == {outbox.message_id(_refresh(first)), outbox.message_id(_refresh(other))}
    assert all(mid.endswith("@localhost>") for mid in sent)
    assert all(m.message()["Auto-Submitted"] == "auto-generated" for m in mail.outbox)


# Failures ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_retries_after_a_growing_wait_and_keeps_the_error(  # type: ignore[no-untyped-def]
    no_delivery_after_commit, mail_server_down
) -> None:
    mail_server_down.OUTBOX_RETRY_SECONDS = 60
    message = _write_and_mail()
    t = timezone.now()

    assert outbox.deliver(now=t).retrying == [message.pk]
    failed = _refresh(message)
    assert failed.attempts == 1
    assert failed.last_error.startswith("ConnectionRefusedError")
    assert failed.available_at == t + datetime.timedelta(seconds=60)

    assert outbox.deliver(now=t + datetime.timedelta(seconds=59)).attempted == 0
    assert outbox.deliver(now=t + datetime.timedelta(seconds=60)).retrying == [message.pk]
    assert _refresh(message).available_at == t + datetime.timedelta(seconds=60 + 120)

    mail_server_down.EMAIL_BACKEND = LOCMEM
    assert outbox.deliver(now=t + datetime.timedelta(seconds=180)).sent == [message.pk]
    sent = _refresh(message)
    assert sent.sent_at is not None
    assert sent.attempts == 3
    assert len(mail.outbox) == 1


def test_it_waits_no_longer_than_six_hours_between_attempts(settings) -> None:  # type: ignore[no-untyped-def]
    settings.OUTBOX_RETRY_SECONDS = 60

    assert [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert outbox.retry_delay(9) == datetime.timedelta(seconds=60 * 256)
    assert outbox.retry_delay(10) == datetime.timedelta(hours=6)
    assert outbox.retry_delay(1000) == datetime.timedelta(hours=6)


@pytest.mark.django_db
def test_it_gives_up_after_the_last_attempt_and_reports_it(  # type: ignore[no-untyped-def]
    no_delivery_after_commit, mail_server_down
) -> None:
    mail_server_down.OUTBOX_MAX_ATTEMPTS = 2
    mail_server_down.OUTBOX_RETRY_SECONDS = 0
    message = _write_and_mail(key="reminder:2026-12-01:user 7")

    out, err = _outbox("--once")
    assert "1 message(s) failed and will be retried." in out
    assert err == ""
    out, err = _outbox("--once")
    assert f"Given up after 2 attempt(s): message {message.pk} (reminder:2026-12-01:user 7)" in err
    assert "ConnectionRefusedError" in err
    assert "1 message(s) given up, waiting for an operator" in out

    mail_server_down.EMAIL_BACKEND = LOCMEM
    out, _err = _outbox("--once")
    assert out.startswith("Sent 0 message(s).")
    assert "1 message(s) given up" in out
    assert mail.outbox == []
    kept = _refresh(message)
    assert kept.sent_at is None
    assert kept.attempts == 2

    out, _err = _outbox("--failed")
    assert f"{message.pk}  email  reminder:2026-12-01:user 7" in out
    assert "2 attempt(s)" in out
    assert "ConnectionRefusedError" in out
    assert "1 message(s) given up after 2 attempts." in out


@pytest.mark.django_db
def test_it_sends_a_given_up_message_once_retried(  # type: ignore[no-untyped-def]
    no_delivery_after_commit, mail_server_down
) -> None:
    mail_server_down.OUTBOX_MAX_ATTEMPTS = 1
    message = _write_and_mail()
    assert outbox.deliver().failed == [message.pk]

    mail_server_down.EMAIL_BACKEND = LOCMEM
    out, _err = _outbox("--retry", str(message.pk))
    assert "1 message(s) due again" in out
    assert _outbox("--once")[0] == "Sent 1 message(s).\n"
    assert len(mail.outbox) == 1
    assert _outbox("--failed")[0] == "0 message(s) given up after 1 attempts.\n"


def _break_the_transaction(message: OutboxMessage) -> None:
    """A handler whose database work fails (a duplicate key) before it raises."""
    NumberSeries.objects.create(key="rs-led", name="Again", format="X{seq}")


outbox.register_handler("test.breaks", _break_the_transaction)


@pytest.mark.django_db
def test_it_records_a_failure_even_when_the_handler_broke_its_transaction(  # type: ignore[no-untyped-def]
    no_delivery_after_commit,
) -> None:
    with transaction.atomic():
        number_series_create(actor=SYSTEM, key="rs-led", name="Diary", format="RS{yy}-{seq}")
        message = outbox.enqueue(kind="test.breaks", payload={})

    assert outbox.deliver().retrying == [message.pk]
    failed = _refresh(message)
    assert failed.attempts == 1
    assert failed.last_error.startswith("IntegrityError")
    assert NumberSeries.objects.get().name == "Diary"


def test_it_refuses_to_start_on_a_bad_outbox_setting() -> None:
    assert_refused(start(**production(OUTBOX_MAX_ATTEMPTS="0")), "OUTBOX_MAX_ATTEMPTS")
    assert_refused(start(**production(OUTBOX_RETRY_SECONDS="-1")), "OUTBOX_RETRY_SECONDS")
    assert_refused(start(**production(OUTBOX_DELIVER_ON_COMMIT="maybe")), "OUTBOX_DELIVER")
    assert_refused(start(**production(EMAIL_TIMEOUT="0")), "EMAIL_TIMEOUT")


# Concurrent delivery -----------------------------------------------------------------------------

MESSAGES = 30
_meeting: dict[str, Any] = {}


def _meet_then_send(message: OutboxMessage) -> None:
    """Sends like ``email``, but the first message each deliverer takes waits until the other
    deliverer holds one too: only possible if neither waits for the other's locked row."""
    local = _meeting["local"]
    if not getattr(local, "met", False):
        local.met = True
        _meeting["barrier"].wait()
    outbox.send_email(message)


outbox.register_handler("test.meet", _meet_then_send)


@pytest.mark.postgres
@committing
def test_it_delivers_each_message_once_to_concurrent_deliverers(no_delivery_after_commit) -> None:  # type: ignore[no-untyped-def]
    with transaction.atomic():
        queued = [
            outbox.enqueue(
                kind="test.meet",
                payload={
                    "to": [f"person{i}@example.org"],
                    "subject": f"Message {i}",
                    "body": "…",
                    "from_email": "medtek@example.org",
                },
            )
            for i in range(MESSAGES)
        ]
    _meeting.update(barrier=threading.Barrier(2, timeout=10), local=threading.local())

    def deliverer() -> outbox.Delivery:
        try:
            return outbox.deliver(limit=MESSAGES)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = [f.result() for f in [pool.submit(deliverer) for _ in range(2)]]

    assert all(result.sent for result in results), "both deliverers took part"
    assert not any(result.retrying or result.failed for result in results)
    delivered = [pk for result in results for pk in result.sent]
    assert sorted(delivered) == sorted(m.pk for m in queued)
    assert sorted(m.subject for m in mail.outbox) == sorted(f"Message {i}" for i in range(MESSAGES))
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
