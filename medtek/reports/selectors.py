"""Reads of reports: the scoped list with its filters, and what is due (docs/domain/
reporting.md#deadlines)."""

import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from medtek.core.records import VersionedQuerySet

from .access import reports_visible_to
from .models import Report

#: Days ahead a report counts as due soon.
DUE_SOON_DAYS = 3


def reports_for(user: Any) -> VersionedQuerySet:
    return reports_visible_to(user).select_related(
        "kind", "authority", "unit", "care_provider", "sent_document", "case"
    )


def unsent_q() -> Q:
    return Q(sealed_at__isnull=True)


def overdue_q(today: datetime.date | None = None) -> Q:
    today = today or timezone.localdate()
    return unsent_q() & Q(due_date__lt=today)


def due_soon_q(today: datetime.date | None = None, days: int = DUE_SOON_DAYS) -> Q:
    today = today or timezone.localdate()
    return unsent_q() & Q(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=days))


def overdue_for(user: Any, today: datetime.date | None = None) -> VersionedQuerySet:
    return reports_for(user).filter(overdue_q(today))


def due_soon_for(user: Any, today: datetime.date | None = None) -> VersionedQuerySet:
    return reports_for(user).filter(due_soon_q(today))


def waiting_approval_for(user: Any) -> VersionedQuerySet:
    return reports_for(user).filter(status=Report.Status.DRAFT)
