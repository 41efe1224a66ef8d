"""Removing the stored rows of import sessions that nobody touches any more (ADR 0019).

Every uploaded row is stored with its session (``ImportRow``) so that every error can be shown
and every outcome answered for; a large file is 100,000 rows, and the table grew to 1.2 GB
after 14 large sessions. The rows are a working copy: the original file stays with its session,
and every record an import created or changed has its audit event, tagged with the session's
batch. So after ``IMPORT_SESSION_EXPIRY_DAYS`` without a change (``updated_at``):

- an **unfinished** session (uploaded, validated, half imported) *expires*: its rows are removed
  and it can no longer be validated or imported (the file can be uploaded again);
- a **finished** session (imported) keeps its status and counts, and loses its rows too: the
  trail of its records, its counts and its file answer what it did;
- a rejected file has no rows, and is left as it is.

Each removal is audited (by the system) with the number of rows removed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from medtek.core import audit
from medtek.core.actors import SYSTEM

from .actions import Action
from .models import ImportSession

Status = ImportSession.Status


@dataclass(frozen=True)
class Removed:
    session_id: int
    status: str  # before the removal
    rows: int


def due(now: datetime | None = None) -> list[int]:
    """The sessions whose rows are due for removal."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.IMPORT_SESSION_EXPIRY_DAYS)
    return list(
        ImportSession.objects.filter(updated_at__lt=cutoff, rows_removed_at__isnull=True)
        .exclude(status=Status.REJECTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def expire(now: datetime | None = None) -> list[Removed]:
    """Remove the rows of every session due, each in its own transaction."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.IMPORT_SESSION_EXPIRY_DAYS)
    removed = []
    for pk in due(now):
        with transaction.atomic():
            session = ImportSession.objects.defer("source").select_for_update().get(pk=pk)
            if session.updated_at >= cutoff or session.rows_removed_at is not None:
                continue  # touched since
            before = session.status
            count, _per_model = session.rows.all().delete()
            session.rows_removed_at = now
            if before == Status.COMMITTED:
                action = Action.IMPORT_REMOVE_ROWS
            else:
                action = Action.IMPORT_EXPIRE
                session.status = Status.EXPIRED
                session.run_id, session.heartbeat_at = "", None
            untouched_since = session.updated_at
            session.save()
            audit.record(
                actor=SYSTEM,
                action=action,
                obj=session,
                before={"status": before},
                after={
                    "status": session.status,
                    "rows_removed": count,
                    "untouched_since": untouched_since,
                    "expiry_days": settings.IMPORT_SESSION_EXPIRY_DAYS,
                },
            )
            removed.append(Removed(session.pk, before, count))
    return removed
