"""Reads of the diary that are more than one line: the diary list, the inbox, the public diary,
and the export rows (with what each reader may see)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from medtek.core.records import VersionedQuerySet

from . import access
from .models import Case, Document
from .services import waiting_target

#: Public facts first (the four of OSL ch. 5 § 2), then what only some may read.
EXPORT_HEADER = [
    "number",
    "date",
    "direction",
    "kind",
    "counterparty",
    "description",
    "case",
    "case_title",
    "unit",
    "secrecy_provision",
    "secrecy_marked_on",
    "secrecy_marked_by",
    "external_system",
    "external_number",
    "registered_at",
    "registered_by",
    "version",
]
RESTRICTED_HEADER = ["counterparty_restricted", "details"]


def diary_queryset(user: Any) -> VersionedQuerySet:
    """The registered documents the user sees, in their current version, with what a list row
    shows (no per-row queries)."""
    return (
        access.documents_visible_to(user)
        .current()
        .filter(sealed_at__isnull=False)
        .select_related("case", "unit", "secrecy_provision", "sealed_by")
    )


def export_columns(user: Any) -> tuple[list[str], Callable[[Document], list[Any]]]:
    """The export's header and row function for ``user``: restricted columns only for those who
    may read them."""
    restricted = access.may_read_restricted_anywhere(user)

    def row(d: Document) -> list[Any]:
        values = [
            d.number,
            d.date,
            d.get_direction_display(),
            d.kind,
            d.counterparty,
            d.description,
            d.case.number if d.case else "",
            d.case.title if d.case else "",
            d.unit.name,
            d.secrecy_provision.reference if d.secrecy_provision else "",
            d.secrecy_marked_on,
            d.secrecy_marked_by,
            d.external_system,
            d.external_number,
            d.sealed_at,
            str(d.sealed_by) if d.sealed_by else "",
            d.version,
        ]
        if restricted:
            values += [d.counterparty_restricted, d.details]
        return values

    return (EXPORT_HEADER + (RESTRICTED_HEADER if restricted else [])), row


@dataclass(frozen=True)
class Waiting:
    """A document in the inbox, with how long it has waited, the day it should be registered by,
    and whether that day has passed."""

    document: Document
    target: datetime.date
    waited_days: int
    overdue: bool


def inbox(user: Any) -> list[Waiting]:
    """Documents waiting to be registered at units where ``user`` registers (or, for an
    auditor, reads the inbox), oldest first."""
    today = timezone.localdate()
    waiting = (
        Document.objects.filter(
            sealed_at__isnull=True,
            submitted_at__isnull=False,
            unit__in=access.inbox_units(user),
        )
        .select_related("unit", "case", "submitted_by")
        .prefetch_related("files")
        .order_by("submitted_at", "pk")
    )
    found = []
    for d in waiting:
        target = waiting_target(d.submitted_at)  # type: ignore[arg-type]
        submitted = timezone.localtime(d.submitted_at).date()  # type: ignore[arg-type]
        found.append(Waiting(d, target, (today - submitted).days, today > target))
    return found


def public_diary() -> VersionedQuerySet:
    """The public diary: every registered document, current version, for anyone (no log-in).
    The page shows only its public facts, and of a marked one only that it exists."""
    return (
        Document.objects.current()
        .filter(sealed_at__isnull=False)
        .select_related("case", "secrecy_provision")
    )


def cases_queryset(user: Any) -> QuerySet[Case]:
    return access.cases_visible_to(user).select_related("unit", "officer", "classification")
