"""How a file's columns and values become an importer's fields (ADR 0020).

- **Columns.** A header that is a field's name, its label in the interface (Swedish or English)
  or one of its aliases maps to that field at once. A header that only resembles one (a close
  match, e.g. "Serienr." for "serienummer") is *suggested*: the mapping step shows the
  suggestion and the user confirms it; until then the column counts as unmapped and the file is
  not checked. A column may be left out ("ignored"); any other unmapped column blocks the file,
  so that nothing in it is silently dropped.
- **Values.** A field with a fixed set of values (a status) takes the code, or the label as the
  interface shows it in either language ("Avställd"). Any other value a source writes can be
  mapped by the user to one of them, per field ("På service" → in repair), and so can a lookup
  the importer offers (the old register's unit names → units). The user's mapping comes first.
- A confirmed mapping can be stored as a **profile** (``profiles``) and applied to the next
  file from the same source.
"""

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.fields.json import KeyTextTransform
from django.utils.translation import gettext as _

from . import registry
from .models import ImportSession
from .registry import normalise

#: How alike a header must be to a field's name, label or alias to be suggested (difflib ratio).
HEADER_CUTOFF = 0.8
#: How alike a value must be to a choice's label or code to be suggested.
VALUE_CUTOFF = 0.75
#: Distinct values of a column the value-mapping step lists at most.
MAX_DISTINCT = 200


def suggest(
    headers: Sequence[str], columns: Sequence[registry.Column]
) -> tuple[dict[str, str], dict[str, str]]:
    """(mapping, suggestions): headers that map to a field at once (two that name one field
    both map to it, so that the mapping step says so), and headers that only resemble a field
    still free, each suggested field at most once."""
    mapping: dict[str, str] = {}
    for header in headers:
        for column in columns:
            if header and column.matches(header):
                mapping[header] = column.name
                break
    taken = set(mapping.values())
    candidates: dict[str, str] = {}
    for column in columns:
        if column.name not in taken:
            for text in column.headers():
                candidates.setdefault(text, column.name)
    suggestions: dict[str, str] = {}
    for header in headers:
        if not header or header in mapping:
            continue
        close = difflib.get_close_matches(normalise(header), candidates, n=1, cutoff=HEADER_CUTOFF)
        if close and candidates[close[0]] not in suggestions.values():
            suggestions[header] = candidates[close[0]]
    return mapping, suggestions


def key(value: str) -> str:
    """A value as value mappings store and compare it."""
    return value.strip().casefold()


class Reader:
    """Turns a stored row (header → text, as in the file) into the importer's field values: the
    mapped columns, with each value put through the session's value mapping and the field's
    choices. Built once per session and reused for every row."""

    def __init__(self, session: ImportSession) -> None:
        ignored = set(session.ignored)
        self.pairs = [(h, f) for h, f in session.mapping.items() if f and h not in ignored]
        columns = {c.name: c for c in registry.get(session.kind).columns}
        self.lookups: dict[str, dict[str, str]] = {}
        for _header, field in self.pairs:
            lookup: dict[str, str] = {}
            column = columns.get(field)
            if column is not None and column.choices is not None:
                lookup.update(registry.choice_lookup(column.choices))
            lookup.update(session.value_map.get(field, {}))
            if lookup:
                self.lookups[field] = lookup

    def __call__(self, values: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        lookups = self.lookups
        for header, field in self.pairs:
            value = values.get(header, "")
            lookup = lookups.get(field)
            if lookup is not None and value:
                value = lookup.get(value.strip().casefold(), value)
            out[field] = value
        return out


def reader(session: ImportSession) -> Reader:
    """The session's reader, built on first use (the session object keeps it)."""
    cached: Reader | None = getattr(session, "_reader", None)
    if cached is None:
        cached = Reader(session)
        session._reader = cached  # type: ignore[attr-defined]
    return cached


def forget_reader(session: ImportSession) -> None:
    session.__dict__.pop("_reader", None)


# The value-mapping step --------------------------------------------------------------------------


@dataclass
class Value:
    """A distinct value of a mapped column that may be mapped: how often it stands in the file,
    what it stands for now (``current``: the user's mapping or what is recognised), and a
    close match to suggest."""

    field: str
    header: str
    value: str
    count: int
    current: str = ""
    recognised: str = ""
    suggestion: str = ""


@dataclass
class FieldValues:
    field: str
    label: str
    header: str
    choices: list[tuple[str, str]]
    values: list[Value]
    more: int = 0  # distinct values beyond those listed

    @property
    def unmapped(self) -> list[Value]:
        return [v for v in self.values if not v.current]


def distinct_values(session: ImportSession, header: str) -> list[tuple[str, int]]:
    """(value, rows) of one column of the session, most frequent first, blanks left out."""
    rows = (
        session.rows.annotate(value=KeyTextTransform(header, "values"))
        .values("value")
        .annotate(n=Count("pk"))
        .order_by("-n", "value")
    )
    found: dict[str, int] = {}
    for row in rows.iterator(chunk_size=1000):
        text = (row["value"] or "").strip()
        if text:
            found[text] = found.get(text, 0) + row["n"]
    return sorted(found.items(), key=lambda item: (-item[1], item[0]))


def value_fields(session: ImportSession, importer: registry.Importer) -> list[FieldValues]:
    """For every mapped column whose field takes a fixed set of values (or a lookup the
    importer offers): its distinct values in the file, each with what it stands for."""
    out = []
    ignored = set(session.ignored)
    for header, field in session.mapping.items():
        if not field or header in ignored:
            continue
        choices = importer.value_choices(field)
        if choices is None:
            continue
        column = importer.column(field)
        # Labels in every language of the interface, for a field with a fixed set of values.
        candidates = registry.choice_lookup(
            column.choices if column is not None and column.choices else choices
        )
        mapped = session.value_map.get(field, {})
        found = distinct_values(session, header)
        listed = []
        for text, count in found[:MAX_DISTINCT]:
            recognised = importer.recognise(field, text) or ""
            current = mapped.get(key(text), "") or recognised
            suggestion = ""
            if not current:
                close = difflib.get_close_matches(key(text), candidates, n=1, cutoff=VALUE_CUTOFF)
                suggestion = candidates[close[0]] if close else ""
            listed.append(
                Value(field, header, text, count, current, recognised, suggestion),
            )
        out.append(
            FieldValues(
                field=field,
                label=column.display() if column else field,
                header=header,
                choices=choices,
                values=listed,
                more=max(0, len(found) - MAX_DISTINCT),
            )
        )
    return out


def clean_value_map(
    importer: registry.Importer, value_map: dict[str, dict[str, str]]
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """A value mapping with its keys normalised, and the problems of entries that name a field
    without a fixed set of values or a value the field does not take."""
    errors: list[str] = []
    cleaned: dict[str, dict[str, str]] = {}
    for field, entries in value_map.items():
        choices = importer.value_choices(field)
        if choices is None:
            errors.append(
                _("The field “%(field)s” takes any text, so its values are not mapped.")
                % {"field": describe(importer.columns, field)}
            )
            continue
        allowed = {code for code, _label in choices}
        for source, target in entries.items():
            if not target:
                continue
            if target not in allowed:
                errors.append(
                    _("“%(target)s” is not a value of the field “%(field)s” (for “%(source)s”).")
                    % {
                        "target": target,
                        "field": describe(importer.columns, field),
                        "source": source,
                    }
                )
                continue
            cleaned.setdefault(field, {})[key(source)] = target
    return cleaned, errors


def describe(columns: Sequence[registry.Column], field: str) -> str:
    for column in columns:
        if column.name == field:
            return column.display()
    return field
