"""What an importable kind of record must provide. Each app registers its importer, e.g. the
device register registers ``devices`` in ``DevicesConfig.ready``."""

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Column:
    """A field that a file may fill, with the headers that map to it automatically."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    #: Exported for information but never written by an import (e.g. a calculated date).
    read_only: bool = False

    def matches(self, header: str) -> bool:
        h = header.strip().casefold().replace(" ", "_").replace("-", "_")
        return h == self.name or h in {
            a.casefold().replace(" ", "_").replace("-", "_") for a in self.aliases
        }


@dataclass
class RowResult:
    """A row's validation outcome: the parsed object (unsaved) or its errors by field."""

    key: str = ""
    obj: Any = None
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field, message)
    existing_pk: Any = None
    fields: frozenset[str] = frozenset()  # the fields the row's file had columns for
    #: For a new record: its validated values as JSON data, stored with the row, from which
    #: ``Importer.commit_prepared`` writes it without parsing and validating the row again.
    data: dict[str, Any] | None = None


class Importer(ABC):
    """Validate rows exactly as the UI would, and commit them through the app's services."""

    kind: str = ""
    label: str = ""
    columns: Sequence[Column] = ()
    key_field: str = ""

    def __init__(self, actor: Any, *, update_existing: bool) -> None:
        self.actor = actor
        self.update_existing = update_existing

    @abstractmethod
    def may_import(self) -> bool:
        """May the actor import this kind at all (row-level checks come in ``validate``)?"""

    @abstractmethod
    def validate(self, rows: Sequence[dict[str, str]]) -> list[RowResult]:
        """Validate a chunk of rows (field → text); must not write anything."""

    @abstractmethod
    def commit(self, results: Sequence[RowResult], *, reason: str) -> list[tuple[str, Any]]:
        """Write valid rows inside the caller's transaction through the app's services;
        returns (outcome, pk) per row, outcome one of created/updated/unchanged."""

    @abstractmethod
    def commit_prepared(
        self, records: Sequence[dict[str, Any]], *, reason: str
    ) -> list[tuple[list[tuple[str, str]], Any]]:
        """Create new records from the ``RowResult.data`` that validation stored, inside the
        caller's transaction, through the app's services.

        What may have changed since validation (the register, the actor's rights, the
        catalogue) is checked again first; returns per record either its errors (and it is not
        written) or ``([], pk)`` of the record created."""

    @abstractmethod
    def export(self, user: Any, params: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
        """Header and rows of the export, scoped to ``user`` and filtered by ``params``."""


_importers: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    _importers[importer.kind] = importer
    return importer


def get(kind: str) -> type[Importer]:
    return _importers[kind]


def kinds() -> list[str]:
    return sorted(_importers)
