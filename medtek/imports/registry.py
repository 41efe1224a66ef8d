"""What an importable kind of record must provide. Each app registers its importer, e.g. the
device register registers ``devices`` in ``DevicesConfig.ready``."""

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils import translation
from django.utils.functional import Promise


def normalise(header: str) -> str:
    """A header as matching compares it: any case, spaces and dashes alike."""
    return " ".join(header.strip().casefold().replace("_", " ").replace("-", " ").split())


@dataclass(frozen=True)
class Column:
    """A field that a file may fill, with the headers that map to it automatically: its name,
    its label in the interface (in every language the interface has) and its ``aliases``, the
    headers other registers use for it."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    #: Exported for information but never written by an import (e.g. a calculated date).
    read_only: bool = False
    #: The field's label in the interface (a lazy translation); the name when there is none.
    label: Any = ""
    #: The values the field takes, as (code, label) pairs, when it has a fixed set of them (a
    #: status): a file may write a code or a label in any of the interface's languages, and
    #: any other value may be mapped to one of them (``ImportSession.value_map``).
    choices: tuple[tuple[str, Any], ...] | None = None

    def display(self) -> str:
        return str(self.label) if self.label else self.name

    def headers(self) -> set[str]:
        """Every header that maps to this column without asking, normalised."""
        found = {normalise(self.name), *(normalise(a) for a in self.aliases)}
        if self.label:
            for language in _languages():
                with translation.override(language):
                    found.add(normalise(str(self.label)))
        return found

    def matches(self, header: str) -> bool:
        return normalise(header) in self.headers()


def field_label(model: Any, name: str) -> Any:
    """A model field's label (lazy), as the interface shows the field: a column's ``label``."""
    return model._meta.get_field(name).verbose_name


def _languages() -> list[str]:
    from django.conf import settings

    return [code for code, _name in settings.LANGUAGES]


@dataclass
class RowResult:
    """A row's validation outcome: the parsed object (unsaved) or its errors by field."""

    key: str = ""
    obj: Any = None
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field, message)
    existing_pk: Any = None
    fields: frozenset[str] = frozenset()  # the fields the row's file had columns for
    #: For a new record: its validated values as JSON data, stored with the row, from which
    #: ``Importer.commit`` writes it without parsing and validating the row again.
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class ValidRow:
    """A row that was valid at validation, as the commit hands it to the importer: with the
    ``data`` validation prepared for it (``RowResult.data``), or, if it prepared none (an update
    of an existing record), with the row's ``values`` (field → text) to validate again."""

    data: dict[str, Any] | None = None
    values: dict[str, str] | None = None


#: What the commit did with a row it wrote.
Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class Committed:
    """The commit's answer for one row: written (``outcome``, and ``pk`` of the record), or not
    written, with the ``errors`` (field, message) of a row that is no longer valid."""

    outcome: Outcome | None = None
    pk: Any = None
    errors: Sequence[tuple[str, str]] = ()


class Importer(ABC):
    """Validate rows exactly as the UI would, and commit them through the app's services."""

    kind: str = ""
    #: What the interface calls the kind (a lazy translation).
    label: str | Promise = ""
    columns: Sequence[Column] = ()
    key_field: str = ""
    #: The models a commit writes many rows of: analysed after a large import (core.planner).
    models_written: Sequence[Any] = ()

    def __init__(self, actor: Any, *, update_existing: bool) -> None:
        self.actor = actor
        self.update_existing = update_existing

    def value_choices(self, field: str) -> list[tuple[str, str]] | None:
        """The values a file's unrecognised values in ``field`` may be mapped to, as (value,
        label), or None when the field takes free text. By default a column's ``choices``; an
        importer adds lookups of its own (e.g. the units the actor may register devices at)."""
        column = self.column(field)
        if column is None or column.choices is None:
            return None
        return [(code, str(label)) for code, label in column.choices]

    def recognise(self, field: str, value: str) -> str | None:
        """The value ``value`` stands for in ``field`` without a value mapping (a code, or a
        label in any of the interface's languages), or None when it is not recognised."""
        column = self.column(field)
        if column is None or column.choices is None:
            return None
        return choice_lookup(column.choices).get(value.strip().casefold())

    def column(self, field: str) -> Column | None:
        for column in self.columns:
            if column.name == field:
                return column
        return None

    @abstractmethod
    def may_import(self) -> bool:
        """May the actor import this kind at all (row-level checks come in ``validate``)?"""

    @abstractmethod
    def validate(self, rows: Sequence[dict[str, str]]) -> list[RowResult]:
        """Validate a chunk of rows (field → text); must not write anything."""

    @abstractmethod
    def commit(self, rows: Sequence[ValidRow], *, reason: str) -> list[Committed]:
        """Write a chunk of rows that were valid at validation, inside the caller's transaction,
        through the app's services, without a query per row where the services allow it.

        The register, the actor's rights and the catalogue may have changed since validation.
        A new record is written from its prepared data once what its values do not decide alone
        has been checked again (its key is still free, the actor may still write there); a row
        without prepared data is validated again in full, and an existing record it updates is
        changed only in the fields the file has columns for. Returns one ``Committed`` per row,
        in order; a row with errors is not written."""

    def commit_prepared(self, prepared: Any, *, reason: str) -> int | None:
        """Write, in one SQL statement inside the caller's transaction, the new records of the
        rows ``prepared`` (``imports.rows.Prepared``) selects, and mark those rows created;
        returns how many it wrote, or None if this importer (or the database) has no such
        path. It writes only rows that pass every check ``commit`` makes of prepared data,
        with the same records and audit events; what it leaves alone ``commit`` then handles
        (and explains, for a row no longer valid). An optional fast path: by default none."""
        return None

    @abstractmethod
    def export(self, user: Any, params: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
        """Header and rows of the export, scoped to ``user`` and filtered by ``params``: field
        names and stored values (``present`` shows them as the interface does)."""

    def present(
        self, header: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> tuple[list[str], Iterable[Sequence[Any]]]:
        """The export under the columns' labels, with choices by their labels: what the import
        reads back without a profile."""
        from medtek.core.exports import presented

        labels = {c.name: c.label for c in self.columns if c.label}
        choices = {c.name: dict(c.choices) for c in self.columns if c.choices}
        return presented(header, rows, labels=labels, choices=choices)


def choice_lookup(choices: Sequence[tuple[str, Any]]) -> dict[str, str]:
    """Casefolded code or label (in every language of the interface) → code."""
    lookup: dict[str, str] = {}
    for language in _languages():
        with translation.override(language):
            for code, label in choices:
                lookup.setdefault(str(label).strip().casefold(), code)
    for code, _label in choices:
        lookup[code.casefold()] = code
    return lookup


_importers: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    _importers[importer.kind] = importer
    return importer


def get(kind: str) -> type[Importer]:
    return _importers[kind]


def kind_label(kind: str) -> str:
    """What the interface calls ``kind``; the code itself for a kind no app registers (any
    longer)."""
    importer = _importers.get(kind)
    return str(importer.label) if importer is not None and importer.label else kind


def kinds() -> list[str]:
    return sorted(_importers)
