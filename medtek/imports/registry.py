"""What an importable kind of record must provide. Each app registers its importer, e.g. the
device register registers ``devices`` in ``DevicesConfig.ready``."""

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal


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
    def commit(self, rows: Sequence[ValidRow], *, reason: str) -> list[Committed]:
        """Write a chunk of rows that were valid at validation, inside the caller's transaction,
        through the app's services, without a query per row where the services allow it.

        The register, the actor's rights and the catalogue may have changed since validation.
        A new record is written from its prepared data once what its values do not decide alone
        has been checked again (its key is still free, the actor may still write there); a row
        without prepared data is validated again in full, and an existing record it updates is
        changed only in the fields the file has columns for. Returns one ``Committed`` per row,
        in order; a row with errors is not written."""

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
