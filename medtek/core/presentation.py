"""The audit trail in words: what the audit log, a record's history and their exports show.

An :class:`~medtek.core.models.AuditEvent` stores codes — the action's name, the model's label,
field names and the values as JSON (ids for foreign keys, ISO text for dates). A reader sees words
instead: the action's label ("Produkt registrerad"), the object by its kind and name ("Produkt
MT-10297"), the time in the region's time zone to the second, the person's name and title at the
time, and each changed field by its label with its values as the interface shows them (Ja/Nej, a
choice's label, a date as the active language writes it, a unit by its name, "—" for nothing).

Sensitive fields follow core.access: a reader who may not read them sees :data:`HIDDEN`; a
disposable field's value is kept in the trail only as its digest (ADR 0009) and shows as such.

Note: :func:`present` looks up the records that foreign keys point to, one query per kind of
record pointed to (not per event or per field), so a page of events costs the same few queries
whatever its length. Nothing else here queries the database.
"""

import datetime
import decimal
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit
from .access import HIDDEN, hidden_fields, mask, scoped_labels
from .models import AuditEvent

#: What "nothing" shows as.
EMPTY = "—"

#: The sources an event can come from (core.audit's context), in the interface's words.
SOURCES: dict[str, Any] = {
    "web": gettext_lazy("Web"),
    "api": gettext_lazy("API"),
    "import": gettext_lazy("Import"),
    "cli": gettext_lazy("Command"),
    "admin": gettext_lazy("Admin site"),
    "demo": gettext_lazy("Demo"),
}

#: Fields that say nothing to a reader of a history (the record's own id, bookkeeping).
_SKIPPED = frozenset({"id", "password"})


def model_for(label: str) -> type[models.Model] | None:
    """The model of an event's ``object_type`` (``app_label.modelname``), or None."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def kind_of(label: str) -> str:
    """What kind of record ``label`` is, in words ("Produkt"); the label itself if unknown."""
    model = model_for(label)
    return str(capfirst(model._meta.verbose_name)) if model is not None else label


def kinds() -> list[tuple[str, str]]:
    """(label, kind in words) of every medtek model, sorted by the words: the choices of "kind
    of object" in the audit log's filter."""
    labels = {m._meta.label_lower for m in apps.get_models() if m.__module__.startswith("medtek.")}
    labels.update(scoped_labels())
    return sorted(((label, kind_of(label)) for label in labels), key=lambda p: p[1].lower())


def local_time(value: datetime.datetime) -> str:
    """A time as the region reads it: its own time zone, to the second."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def source_label(source: str) -> str:
    label = SOURCES.get(source)
    return str(label) if label is not None else source


def actor_name(event: AuditEvent) -> str:
    """The person's name as recorded ("system" for the system itself, in words)."""
    return _("The system") if event.actor_name == "system" else event.actor_name


@dataclass(frozen=True)
class Change:
    """One field of one event: its label and its values before and after, as shown."""

    name: str
    label: str
    before: str
    after: str


@dataclass
class EventView:
    """One audit event as the reader sees it."""

    event: AuditEvent
    action: str
    kind: str
    time: str
    actor: str
    actor_title: str
    source: str
    #: True when the event created the record: ``changes`` then hold the values it was given.
    created: bool
    changes: list[Change] = field(default_factory=list)

    @property
    def object(self) -> str:
        """The object by its kind and own name: "Produkt MT-10297"."""
        return f"{self.kind} {self.event.object_repr}".strip()

    @property
    def changes_text(self) -> str:
        """The changes on one line, for an export cell."""
        if self.created:
            return "; ".join(f"{c.label}: {c.after}" for c in self.changes)
        return "; ".join(f"{c.label}: {c.before} → {c.after}" for c in self.changes)


def present(events: Iterable[AuditEvent], user: Any, *, changes: bool = True) -> list[EventView]:
    """The events in words, for ``user`` (whose rights decide which sensitive values show);
    without their ``changes`` (a list of events that does not show them) it queries nothing."""
    events = list(events)
    if not changes:
        return [_view(e, frozenset(), {}, changes=False) for e in events]
    hidden: dict[str, frozenset[str]] = {}
    for e in events:
        if e.object_type not in hidden:
            hidden[e.object_type] = hidden_fields(user, e.object_type)
    names = _related_names(events)
    return [_view(e, hidden[e.object_type], names) for e in events]


def present_lazily(
    events: Iterable[AuditEvent], user: Any, *, chunk: int = 500
) -> Iterator[EventView]:
    """:func:`present` for a stream (an export): ``chunk`` events at a time."""
    iterator = iter(events)
    while batch := list(islice(iterator, chunk)):
        yield from present(batch, user)


def _fields(model: type[models.Model] | None) -> dict[str, models.Field[Any, Any]]:
    if model is None:
        return {}
    return {f.name: f for f in model._meta.concrete_fields}


def _related_names(events: Sequence[AuditEvent]) -> dict[tuple[str, str], str]:
    """The names of the records the events' foreign keys point to, one query per kind."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for e in events:
        fields = _fields(model_for(e.object_type))
        for values in (e.before, e.after):
            if not isinstance(values, dict):
                continue
            for name, value in values.items():
                f = fields.get(name)
                if f is not None and f.is_relation and value not in (None, "") and value != HIDDEN:
                    wanted[f.related_model].add(value)  # type: ignore[index]
    names: dict[tuple[str, str], str] = {}
    for model, ids in wanted.items():
        for pk, obj in model._default_manager.in_bulk(list(ids)).items():
            names[(model._meta.label_lower, str(pk))] = str(obj)
    return names


def _view(
    e: AuditEvent,
    hidden: frozenset[str],
    names: dict[tuple[str, str], str],
    *,
    changes: bool = True,
) -> EventView:
    before = mask(e.before, hidden) if isinstance(e.before, dict) else None
    after = mask(e.after, hidden) if isinstance(e.after, dict) else None
    created = before is None and after is not None
    fields = _fields(model_for(e.object_type)) if changes else {}
    order = {name: i for i, name in enumerate(fields)}
    keys = sorted(
        (set(before or {}) | set(after or {})) - _SKIPPED,
        key=lambda k: (order.get(k, len(order)), k),
    )
    shown_changes = []
    for key in keys if changes else ():
        old = (before or {}).get(key)
        new = (after or {}).get(key)
        if old == new or (created and new in (None, "", [], {})):
            continue
        f = fields.get(key)
        shown_changes.append(
            Change(
                name=key,
                label=label_of(f, key),
                before=EMPTY if created else shown(f, old, names),
                after=shown(f, new, names),
            )
        )
    return EventView(
        event=e,
        action=audit.action_label(e.action),
        kind=kind_of(e.object_type),
        time=local_time(e.at),
        actor=actor_name(e),
        actor_title=e.actor_title,
        source=source_label(e.source),
        created=created,
        changes=shown_changes,
    )


def label_of(f: models.Field[Any, Any] | None, key: str) -> str:
    """A field's label ("Inventarienummer"); a key no field has, as words."""
    if f is not None:
        return str(capfirst(f.verbose_name))
    return str(capfirst(key.replace("_", " ")))


def shown(f: models.Field[Any, Any] | None, value: Any, names: dict[tuple[str, str], str]) -> str:
    """A stored value as the interface shows it."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if value == HIDDEN:
        return HIDDEN
    if isinstance(value, dict) and set(value) == {"sha256"}:
        return _("(kept only as a checksum)")
    if f is not None and f.is_relation and f.related_model is not None:
        label = f.related_model._meta.label_lower  # type: ignore[union-attr]
        return names.get((label, str(value)), f"{kind_of(label)} {value}")
    if f is not None and f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(f, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
    if isinstance(f, models.DateField) and isinstance(value, str):
        day = parse_date(value[:10])
        if day is not None:
            return formats.date_format(day, "SHORT_DATE_FORMAT")
    if isinstance(f, models.DecimalField) and isinstance(value, str):
        try:
            return formats.number_format(decimal.Decimal(value))
        except decimal.InvalidOperation:
            return value
    if isinstance(value, float):
        return formats.number_format(value)
    if isinstance(value, list):
        return ", ".join(shown(None, v, names) for v in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{label_of(None, str(k))}: {shown(None, v, names)}" for k, v in value.items()
        )
    return str(value)


# Exports ----------------------------------------------------------------------------------------

#: The audit log's export in words: its columns, each under its field's label (or these).
EXPORT_COLUMNS = [
    "id",
    "at",
    "actor",
    "actor_title",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "reason",
    "source",
    "request_id",
    "client_request_id",
    "batch",
]
_COLUMN_LABELS = {"id": gettext_lazy("ID"), "changes": gettext_lazy("Changes")}


def export_header() -> list[str]:
    """The export's header in the active language."""
    return [
        str(_COLUMN_LABELS[name])
        if name in _COLUMN_LABELS
        else str(capfirst(getattr(AuditEvent._meta.get_field(name), "verbose_name", name)))
        for name in EXPORT_COLUMNS
    ]


def export_rows(user: Any) -> Callable[[Iterable[AuditEvent]], Iterator[list[Any]]]:
    """The rows of the audit log's export in words, for ``user``."""

    def rows(events: Iterable[AuditEvent]) -> Iterator[list[Any]]:
        for v in present_lazily(events, user):
            e = v.event
            yield [
                e.pk,
                v.time,
                v.actor,
                v.actor_title,
                v.action,
                v.kind,
                e.object_id,
                e.object_repr,
                v.changes_text,
                e.reason,
                v.source,
                e.request_id,
                e.client_request_id,
                e.batch,
            ]

    return rows
