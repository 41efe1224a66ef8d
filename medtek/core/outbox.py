"""Side effects after commit: the outbox (ADR 0011).

What must not happen for a change that rolls back — an e-mail, later a report sent to an
authority — is queued with :func:`enqueue` inside the change's own transaction, as an
:class:`~medtek.core.models.OutboxMessage` row, and performed by :func:`deliver` once that
transaction has committed. So a rolled-back change sends nothing, and a committed one loses
nothing when the process dies before its mail went out: the row is still there, and
``medtek outbox`` delivers it.

By default a message is attempted as soon as its transaction commits (``transaction.on_commit``,
setting ``OUTBOX_DELIVER_ON_COMMIT``), so a web request's e-mail leaves at once; ``medtek outbox
--loop`` (a worker) or ``--once`` (from cron) delivers what that missed and retries failures.

Each kind of message has one handler (:func:`register_handler`, from an app's ``ready()``); core
provides ``email``. A handler raises to say the effect did not happen; it is then retried with a
growing wait, up to ``OUTBOX_MAX_ATTEMPTS``, after which the message stays unsent and is listed as
failed (:func:`failed_messages`), never dropped.
"""

import datetime
import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parseaddr
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import models, transaction
from django.utils import timezone

from .audit import current_context
from .models import OutboxMessage

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]

#: The kind of an e-mail message (payload: ``to``, ``subject``, ``body``, ``from_email``).
EMAIL = "email"

#: The longest wait between two attempts, however many there were.
MAX_RETRY_DELAY = datetime.timedelta(hours=6)

_handlers: dict[str, Handler] = {}


def register_handler(kind: str, handler: Handler) -> None:
    """Let ``handler(message)`` perform messages of ``kind``. It must raise if the effect did not
    happen, and should make a repeat recognisable to whoever receives it (after a crash between
    the effect and the commit that records it, the message is delivered again)."""
    known = _handlers.get(kind)
    if known is not None and known is not handler:
        raise ValueError(f"Outbox kind {kind!r} already has another handler")
    _handlers[kind] = handler


def enqueue(*, kind: str, payload: dict[str, Any], key: str | None = None) -> OutboxMessage:
    """Queue a message in the current transaction; it is delivered only if that commits.

    ``key`` names the message: queueing a key again (in this transaction or any later one)
    returns the message already queued, sent or not, and queues nothing new. Without a key every
    call queues a message of its own. The message records the request id and source of the audit
    context, so it traces back to the change that queued it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "outbox.enqueue() must run inside the transaction of the change that causes it"
        )
    if kind not in _handlers:
        raise ValueError(f"No outbox handler for {kind!r}: register one with register_handler()")
    ctx = current_context()
    # get_or_create inserts in a savepoint and reads the row back on a unique-key conflict, so
    # a concurrent transaction queueing the same key leaves one message, not an error.
    message, created = OutboxMessage.objects.get_or_create(
        key=key or f"{kind}:{uuid.uuid4().hex}",
        defaults={
            "kind": kind,
            "payload": payload,
            "request_id": ctx.request_id,
            "source": ctx.source,
        },
    )
    if not created:
        if message.kind != kind:
            raise ValueError(f"Outbox key {message.key!r} is taken by a {message.kind} message")
        return message
    if settings.OUTBOX_DELIVER_ON_COMMIT:
        # robust: the change has committed by then; a failed delivery must not turn its request
        # into an error (the message stays queued for the next attempt).
        transaction.on_commit(partial(_deliver_after_commit, message.pk), robust=True)
    return message


def _deliver_after_commit(pk: int) -> None:
    deliver(ids=[pk])


# Delivery ----------------------------------------------------------------------------------------


@dataclass
class Delivery:
    """What one :func:`deliver` run did, by message id."""

    sent: list[int] = field(default_factory=list)
    #: Failed this time; due again after a wait.
    retrying: list[int] = field(default_factory=list)
    #: Failed for the last allowed time: given up, left for an operator.
    failed: list[int] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed)


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed attempt: ``OUTBOX_RETRY_SECONDS``, doubled for
    every further attempt, at most :data:`MAX_RETRY_DELAY`."""
    seconds = settings.OUTBOX_RETRY_SECONDS * 2 ** min(max(attempts - 1, 0), 30)
    return min(datetime.timedelta(seconds=seconds), MAX_RETRY_DELAY)


def due_messages(now: datetime.datetime | None = None) -> models.QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(
        sent_at__isnull=True,
        attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
        available_at__lte=now or timezone.now(),
    )


def failed_messages() -> models.QuerySet[OutboxMessage]:
    """Messages given up after ``OUTBOX_MAX_ATTEMPTS`` attempts: unsent, waiting for an operator
    (``medtek outbox --failed``, ``--retry``)."""
    return OutboxMessage.objects.filter(
        sent_at__isnull=True, attempts__gte=settings.OUTBOX_MAX_ATTEMPTS
    )


def deliver(
    *,
    limit: int = 100,
    now: datetime.datetime | None = None,
    ids: Iterable[int] | None = None,
) -> Delivery:
    """Deliver up to ``limit`` due messages (only those of ``ids``, if given), one at a time,
    each in its own transaction.

    A message is locked while its handler runs and marked sent in the same transaction, so two
    deliverers never both take it. Call it outside a transaction: inside one, a message's
    "sent" is only kept if the caller's transaction commits too. ``now`` fixes the clock (tests).
    """
    result = Delivery()
    tried: list[int] = []
    wanted = list(ids) if ids is not None else None
    while len(tried) < limit:
        outcome = _deliver_next(now=now or timezone.now(), exclude=tried, ids=wanted)
        if outcome is None:
            break
        pk, state = outcome
        tried.append(pk)
        getattr(result, state).append(pk)
    return result


def _deliver_next(
    *, now: datetime.datetime, exclude: list[int], ids: list[int] | None
) -> tuple[int, str] | None:
    with transaction.atomic():
        due = due_messages(now).exclude(pk__in=exclude)
        if ids is not None:
            due = due.filter(pk__in=ids)
        # PostgreSQL: a message another deliverer holds is skipped, not waited for. SQLite has no
        # row locks (Django leaves FOR UPDATE out); its writers take turns on the database lock,
        # which every transaction takes at BEGIN (settings: transaction_mode IMMEDIATE).
        message = due.select_for_update(skip_locked=True).order_by("available_at", "pk").first()
        if message is None:
            return None
        try:
            handler = _handlers.get(message.kind)
            if handler is None:
                raise LookupError(f"no handler is registered for {message.kind!r} messages")
            # A savepoint: a handler's failed query must not spoil the recording of the failure.
            with transaction.atomic():
                handler(message)
        except Exception as exc:
            return message.pk, _record_failure(message, exc, now=now)
        message.attempts += 1
        message.sent_at = timezone.now()
        message.save(update_fields=["attempts", "sent_at"])
        return message.pk, "sent"


def _record_failure(message: OutboxMessage, exc: Exception, *, now: datetime.datetime) -> str:
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    message.available_at = now + retry_delay(message.attempts)
    message.save(update_fields=["attempts", "last_error", "available_at"])
    if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        logger.error(
            "Outbox message %s (%s) given up after %s attempts: %s",
            message.pk,
            message.key,
            message.attempts,
            message.last_error,
        )
        return "failed"
    logger.warning(
        "Outbox message %s (%s) failed (attempt %s), retried after %s: %s",
        message.pk,
        message.key,
        message.attempts,
        message.available_at.isoformat(),
        message.last_error,
    )
    return "retrying"


def retry(*, ids: Iterable[int]) -> int:
    """Make unsent messages due now with a fresh count of attempts (after the cause of their
    failure is mended); returns how many there were. Their last error stays until they go."""
    return OutboxMessage.objects.filter(pk__in=list(ids), sent_at__isnull=True).update(
        attempts=0, available_at=timezone.now()
    )


# E-mail ------------------------------------------------------------------------------------------


def enqueue_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    from_email: str | None = None,
    key: str | None = None,
) -> OutboxMessage:
    """Queue a plain-text e-mail, sent once the current transaction commits (:func:`enqueue`)."""
    if not to or not all(to):
        raise ValueError("An e-mail needs at least one address, and no empty one")
    return enqueue(
        kind=EMAIL,
        payload={
            "to": list(to),
            "subject": str(subject),
            "body": str(body),
            "from_email": from_email or settings.DEFAULT_FROM_EMAIL,
        },
        key=key,
    )


def message_id(message: OutboxMessage) -> str:
    """The Message-ID (RFC 5322 §3.6.4) of every attempt to send ``message``: the same each time,
    so a receiving system can recognise a repeat; the key's digest keeps it apart from another
    installation's message of the same number."""
    digest = hashlib.sha256(message.key.encode("utf-8")).hexdigest()[:20]
    address = parseaddr(str(message.payload.get("from_email", "")))[1]
    domain = address.rpartition("@")[2] or str(DNS_NAME)
    return f"<outbox.{message.pk}.{digest}@{domain}>"


def send_email(message: OutboxMessage) -> None:
    """The handler of ``email`` messages, through Django's mail API (``EMAIL_BACKEND``)."""
    data = message.payload
    EmailMessage(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        headers={
            "Message-ID": message_id(message),
            # RFC 3834: machine-made mail, so that out-of-office replies are not sent back.
            "Auto-Submitted": "auto-generated",
        },
    ).send(fail_silently=False)


register_handler(EMAIL, send_email)
