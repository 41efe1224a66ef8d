"""Reminders by e-mail: what each person must do soon, from every app, once a day.

An app registers a composer (``register("inspections", compose)``, in its ``AppConfig.ready``)
that says, for a day, who is to be reminded of what; ``medtek remind`` asks every composer and
queues one e-mail per person and composer in the outbox (ADR 0011), keyed by the day, so running
it twice on a day tells nobody twice and a mail server that is down delays a reminder without
losing it. Core knows no app: the apps come to it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction

from . import outbox
from .models import OutboxMessage


@dataclass(frozen=True)
class Reminder:
    """One person's reminder of one kind on one day."""

    kind: str
    user: Any
    subject: str
    body: str
    #: What the command prints for it, e.g. "2 device(s)".
    summary: str
    #: The queued e-mail (``None`` until queued).
    message: OutboxMessage | None = None

    @property
    def address(self) -> str:
        return str(self.user.email)


#: (today, days ahead) → the reminders of one kind.
Composer = Callable[[datetime.date, int], list[Reminder]]
_composers: dict[str, Composer] = {}


def register(kind: str, composer: Composer) -> None:
    _composers[kind] = composer


def kinds() -> list[str]:
    return list(_composers)


def key(kind: str, user: Any, today: datetime.date) -> str:
    """The outbox key of ``user``'s reminder of ``kind`` on ``today``: one per person, kind and
    day. (The inspections' key keeps the form it had before other kinds existed.)"""
    if kind == "inspections":
        return f"reminder:{today.isoformat()}:user {user.pk}"
    return f"reminder:{kind}:{today.isoformat()}:user {user.pk}"


def compose_all(*, today: datetime.date, days: int) -> list[Reminder]:
    found: list[Reminder] = []
    for composer in _composers.values():
        found.extend(composer(today, days))
    return found


@transaction.atomic
def queue_all(*, today: datetime.date, days: int) -> list[Reminder]:
    """Queue every reminder of ``today`` in one transaction; they are sent once it commits. A
    person already reminded of a kind today gets that message back (sent or not), not a second
    one."""
    return [
        replace(
            r,
            message=outbox.enqueue_email(
                to=[r.address], subject=r.subject, body=r.body, key=key(r.kind, r.user, today)
            ),
        )
        for r in compose_all(today=today, days=days)
    ]
