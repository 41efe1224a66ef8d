"""The import workflow: upload → map columns → validate every row → commit.

Rules the users rely on:
- every row is validated, and every error is shown at once (row, column, value, message);
- unknown columns reject the file until they are mapped; blank rows are skipped and counted;
- duplicates inside the file and against the register are found before anything is written;
- the commit is **all-or-nothing** (one transaction; any invalid row blocks it) or **valid rows
  only** (batches that each commit fully); a crash leaves no half-written record, and re-running
  the same file creates nothing twice (existing keys are errors, or updates when asked for);
- every created or changed record gets its AuditEvent, tagged with the session's batch id.
"""

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medtek.core import audit, exports, planner
from medtek.core.collector import spared_from_collection

from . import mapping as mapping_rules
from . import registry, rows, summary, workers
from .actions import Action
from .models import ImportProfile, ImportRow, ImportSession
from .parsing import FileError, Table, read_table, size_error
from .rows import Row

#: Rows validated, or committed through an importer's ``commit``, at a time. (A valid-only commit
#: writes ``IMPORT_COMMIT_BATCH`` lines per transaction.)
CHUNK = 1000
#: Lines an all-or-nothing commit hands at a time to an importer's SQL path (``commit_prepared``).
PREPARED_WINDOW = 20_000
#: The column the failed-rows file adds, under its label ("Fel", "Errors"); ignored when that
#: file comes back fixed, under the label in any language of the interface or under this name
#: (which files written before the label had).
ERRORS_COLUMN = "errors"


def errors_column_names() -> set[str]:
    """Every header the errors column of a failed-rows file may come back under."""
    names = {ERRORS_COLUMN}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            names.add(_("Errors"))
    return names


Progress = Callable[[ImportSession], None]

#: What validation reads of a row, and what the commit reads (it needs a row's values only to
#: validate it again, which rows without prepared data are).
_TO_VALIDATE = ("values", "errors")
_TO_COMMIT = ("data",)


def auto_map(headers: Sequence[str], columns: Sequence[registry.Column]) -> dict[str, str]:
    """Match headers to fields by name, label or alias (Swedish or English, any case)."""
    return mapping_rules.suggest(headers, columns)[0]


def check_mapping(
    headers: Sequence[str],
    mapping: dict[str, str],
    columns: Sequence[registry.Column],
    ignored: Sequence[str] = (),
    suggestions: dict[str, str] | None = None,
) -> list[str]:
    """File-level errors: unmapped columns (neither mapped nor left out), a field filled twice,
    a required field missing."""
    errors = []
    known = {c.name for c in columns}
    left_out = set(ignored)
    errors_columns = errors_column_names()
    suggestions = suggestions or {}
    for header in headers:
        if header in left_out:
            continue
        if not header:
            errors.append(_("A column has no name in the first row."))
        elif (header in errors_columns and header not in mapping) or (
            header in mapping and mapping[header] in known
        ):
            continue
        elif header in suggestions:
            errors.append(
                _(
                    "The column “%(col)s” is not mapped yet: confirm the suggested field "
                    "“%(field)s”, choose another, or leave the column out."
                )
                % {"col": header, "field": mapping_rules.describe(columns, suggestions[header])}
            )
        else:
            errors.append(
                _("Unknown column “%(col)s”: map it to a field or leave it out.") % {"col": header}
            )
    by_field: dict[str, list[str]] = defaultdict(list)
    for header, field in mapping.items():
        if header not in left_out:
            by_field[field].append(header)
    for field, hs in by_field.items():
        if len(hs) > 1:
            errors.append(
                _("The columns %(cols)s all map to “%(field)s”.")
                % {
                    "cols": ", ".join(f"“{h}”" for h in hs),
                    "field": mapping_rules.describe(columns, field),
                }
            )
    for column in columns:
        if column.required and column.name not in by_field:
            errors.append(
                _("The required column “%(field)s” is missing.") % {"field": column.display()}
            )
    return errors


@transaction.atomic
def session_create(
    *,
    actor: Any,
    kind: str,
    filename: str,
    data: bytes,
    update_existing: bool = False,
    profile: ImportProfile | None = None,
    ignore: Sequence[str] = (),
    validate: bool = False,
    progress: Progress | None = None,
) -> ImportSession:
    """Store the upload with its rows; file-level problems are recorded on the session.

    With a ``profile`` (of the same kind) its columns, left-out columns and value mappings
    apply to the file; headers the profile does not know are matched as without one. ``ignore``
    leaves further columns out.

    With ``validate`` (the command line), a file whose columns are all mapped is validated as
    its rows are stored, each batch before it is written (``progress`` is told after each):
    the session ends validated, as ``session_validate`` would leave it, with every row written
    once instead of written and then updated with its outcome. The web stores the rows only and
    validates them in the background, with a progress bar."""
    try:
        importer_cls = registry.get(kind)
    except KeyError:
        raise ValidationError(
            {"kind": _("Nothing of kind “%(kind)s” can be imported.") % {"kind": kind}}
        ) from None
    if not importer_cls(actor, update_existing=update_existing).may_import():
        raise PermissionDenied
    if profile is not None and profile.kind != kind:
        raise ValidationError(
            {
                "profile": _("The profile “%(name)s” is not for this kind of file.")
                % {"name": profile}
            }
        )
    session = ImportSession(
        kind=kind,
        created_by=actor,
        filename=filename[:255],
        source=data if size_error(len(data)) is None else b"",  # refused below, not kept
        update_existing=update_existing,
        profile=profile if profile is not None and profile.pk else None,
    )
    try:
        table = read_table(data, filename)
    except FileError as exc:
        session.status = ImportSession.Status.REJECTED
        session.file_errors = [str(exc)]
        session.file_format = "unknown"
        session.save()
        audit.record(
            actor=actor,
            action=Action.IMPORT_REJECT,
            obj=session,
            after={"filename": filename, "errors": session.file_errors},
        )
        return session
    session.headers = table.headers
    session.file_format = table.file_format
    session.encoding, session.delimiter = table.encoding, table.delimiter
    _apply_profile(session, importer_cls.columns, profile, ignore)
    session.save()
    # The parsed file is held until every row is stored: the collector need not walk it again
    # and again while the rows are checked and written (a third of the upload's time).
    with spared_from_collection():
        check = None
        if validate and not session.file_errors:
            check = _UploadCheck(actor, session, table, progress)
        stored = rows.insert(session, _upload_rows(session, table), check)
    del table
    session.total_rows = stored + session.blank_rows
    session.save(update_fields=["total_rows", "blank_rows"])
    audit.record(
        actor=actor,
        action=Action.IMPORT_UPLOAD,
        obj=session,
        after={
            "filename": filename,
            "kind": kind,
            "rows": stored,
            "blank_rows": session.blank_rows,
            "update_existing": update_existing,
            "profile": str(profile) if profile else "",
            "mapping": session.mapping,
            "ignored": session.ignored,
            "file_errors": session.file_errors,
        },
    )
    if check is not None:
        _validated(actor, session, check.counts)
    return session


class _UploadCheck:
    """Validation of an upload's rows batch by batch as they are stored (``rows.insert``),
    exactly as ``session_validate`` validates stored rows: the duplicates within the file are
    found first, from the whole table."""

    def __init__(
        self, actor: Any, session: ImportSession, table: Table, progress: Progress | None
    ) -> None:
        self.session, self.progress = session, progress
        self.importer = _importer(session, actor)
        headers = table.headers

        def column(header: str) -> Iterator[tuple[int, str]]:
            # The cell a stored row's values have under ``header``: the last of that name.
            i = len(headers) - 1 - headers[::-1].index(header)
            for number, cells in table.rows:
                if any(cells):
                    yield number, cells[i] if i < len(cells) else ""

        self.duplicates = _duplicate_keys(session, self.importer.key_field, column)
        self.counts: dict[str, int] = defaultdict(int)
        session.total_rows = len(table.rows)  # blank or stored, each; for the progress shown

    def __call__(self, batches: Iterator[list[Row]]) -> Iterator[list[Row]]:
        """Each batch validated, in order: in worker processes for a large file (below)."""
        checked: Iterable[list[Row]]
        if self._in_processes():
            checked = workers.check_in_processes(
                self.check, batches, settings.IMPORT_VALIDATION_PROCESSES
            )
        else:
            checked = (self.check(batch) for batch in batches)
        for batch in checked:
            for row in batch:
                self.counts[row.status] += 1
            rows.set_counters(self.session, self.counts)
            if self.progress:
                self.progress(self.session)
            yield batch

    def check(self, batch: list[Row]) -> list[Row]:
        results = self.importer.validate([_field_values(self.session, r) for r in batch])
        _apply_results(self.session, self.importer, batch, results, self.duplicates)
        return batch

    def _in_processes(self) -> bool:
        """Whether to validate in ``IMPORT_VALIDATION_PROCESSES`` processes: a file of at least
        ``IMPORT_PARALLEL_ROWS`` rows, on PostgreSQL (each worker opens its own connection; what
        validation reads, the register and its catalogue, is committed data, which they see as
        this process does)."""
        return (
            settings.IMPORT_VALIDATION_PROCESSES > 1
            and self.session.total_rows >= settings.IMPORT_PARALLEL_ROWS
            and connection.vendor == "postgresql"
        )


def _apply_profile(
    session: ImportSession,
    columns: Sequence[registry.Column],
    profile: ImportProfile | None,
    ignore: Sequence[str],
) -> None:
    """The session's mapping from the profile (for the headers it knows) and the headers'
    own names; its suggestions, left-out columns, value mappings and file errors."""
    headers = session.headers
    known = {c.name for c in columns}
    by_header = {h.casefold(): h for h in headers}
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    if profile is not None:
        for header, field in profile.columns.items():
            actual = by_header.get(header.casefold())
            if actual is not None and field in known:
                mapping[actual] = field
        for header in profile.ignored:
            actual = by_header.get(header.casefold())
            if actual is not None and actual not in mapping:
                ignored.append(actual)
        session.value_map = {f: dict(m) for f, m in profile.values.items() if f in known}
    for header in ignore:
        actual = by_header.get(header.casefold())
        if actual is None:
            raise ValidationError(
                {"ignore": _("The file has no column “%(col)s” to leave out.") % {"col": header}}
            )
        mapping.pop(actual, None)
        if actual not in ignored:
            ignored.append(actual)
    rest = [h for h in headers if h not in mapping and h not in ignored]
    free = [c for c in columns if c.name not in mapping.values()]
    found, suggestions = mapping_rules.suggest(rest, free)
    mapping.update(found)
    session.mapping = mapping
    session.ignored = ignored
    session.suggestions = suggestions
    session.file_errors = check_mapping(headers, mapping, columns, ignored, suggestions)


def _upload_rows(session: ImportSession, table: Table) -> Iterator[rows.NewRow]:
    """The table's rows to store, with the problems a row has before it is mapped; blank rows
    are counted on the session instead."""
    width = len(table.headers)
    for number, cells in table.rows:
        if not any(cells):
            session.blank_rows += 1
            continue
        values = dict(zip(table.headers, cells, strict=False))
        errors = []
        if len(cells) > width and any(cells[width:]):
            errors.append(
                {
                    "column": "",
                    "value": "",
                    "message": _("The row has more cells than the file has columns."),
                }
            )
        yield number, values, errors


@transaction.atomic
def session_set_mapping(
    *,
    actor: Any,
    session: ImportSession,
    mapping: dict[str, str],
    ignored: Sequence[str] = (),
) -> ImportSession:
    """Map columns by hand (the user confirms or changes what was suggested, and leaves
    columns out); re-validation starts from scratch."""
    from .background import require_idle  # it builds on this module

    session = _sessions().select_for_update().get(pk=session.pk)
    _require_open(session, actor)
    require_idle(session)
    columns = registry.get(session.kind).columns
    known = {c.name for c in columns}
    session.ignored = [h for h in session.headers if h in set(ignored)]
    session.mapping = {
        h: f
        for h, f in mapping.items()
        if h in session.headers and f in known and h not in session.ignored
    }
    session.suggestions = {}
    session.file_errors = check_mapping(session.headers, session.mapping, columns, session.ignored)
    _restart(session)
    audit.record(
        actor=actor,
        action=Action.IMPORT_MAP,
        obj=session,
        after={
            "mapping": session.mapping,
            "ignored": session.ignored,
            "file_errors": session.file_errors,
        },
    )
    return session


@transaction.atomic
def session_set_values(
    *, actor: Any, session: ImportSession, value_map: dict[str, dict[str, str]]
) -> ImportSession:
    """Map values as the file writes them to values a field takes (field → {value in the file
    → value}), replacing the mapping of each field given; re-validation starts from scratch."""
    session = _sessions().select_for_update().get(pk=session.pk)
    _require_open(session, actor)
    importer = _importer(session, actor)
    cleaned, errors = mapping_rules.clean_value_map(importer, value_map)
    if errors:
        raise ValidationError(errors)
    merged = {f: m for f, m in session.value_map.items() if f not in value_map}
    merged.update(cleaned)
    session.value_map = merged
    _restart(session)
    audit.record(
        actor=actor,
        action=Action.IMPORT_MAP_VALUES,
        obj=session,
        after={"value_map": session.value_map},
    )
    return session


def _restart(session: ImportSession) -> None:
    """Every row waits for validation again, with what the session now says of the file;
    refused while a run (in the background or on the command line) works on the session."""
    from .background import require_idle  # it builds on this module

    require_idle(session)
    mapping_rules.forget_reader(session)
    rows.reset(session)
    session.status = ImportSession.Status.UPLOADED
    session.validated_rows = session.valid_rows = session.error_rows = 0
    session.error_summary = []
    session.save()


@transaction.atomic
def session_reset(*, actor: Any, session: ImportSession) -> ImportSession:
    """Have every row validated again, as after a new mapping: for when what the rows are
    checked against has changed (the catalogue has gained the models the file names)."""
    session = _sessions().select_for_update().get(pk=session.pk)
    _require_open(session, actor)
    _restart(session)
    return session


def _sessions() -> QuerySet[ImportSession]:
    """Sessions without their stored file: saving such a session (after every chunk, for the
    progress bar) writes its other fields only, not the whole file again."""
    return ImportSession.objects.defer("source")


def _require_open(session: ImportSession, actor: Any) -> None:
    if session.created_by_id != getattr(actor, "pk", None):
        raise PermissionDenied
    if session.status in (
        ImportSession.Status.COMMITTING,
        ImportSession.Status.COMMITTED,
        ImportSession.Status.REJECTED,
        ImportSession.Status.EXPIRED,
    ):
        raise ValidationError(_("This import can no longer be changed."))


# Validation ------------------------------------------------------------------------------------


def check_validate(actor: Any, session: ImportSession) -> None:
    """Refuse validation that cannot start (also before it is queued, imports.background)."""
    _require_open(session, actor)
    if session.file_errors:
        raise ValidationError(session.file_errors)


def session_validate(
    *,
    actor: Any,
    session: ImportSession,
    max_rows: int | None = None,
    progress: Progress | None = None,
) -> ImportSession:
    """Validate pending rows (all of them, or at most ``max_rows`` for a progress step).

    Validation writes no business data, only each row's errors, so every chunk is its own
    transaction and a page can poll for progress.
    """
    session = _sessions().get(pk=session.pk)
    check_validate(actor, session)
    if session.status == ImportSession.Status.VALIDATED:  # nothing waits (a change restarts)
        return session
    importer = _importer(session, actor)
    duplicates = _duplicate_keys(session, importer.key_field)
    counts = rows.count(session)
    for chunk in rows.chunks(session, ImportRow.Status.PENDING, CHUNK, max_rows, _TO_VALIDATE):
        results = importer.validate([_field_values(session, r) for r in chunk])
        _apply_results(session, importer, chunk, results, duplicates)
        rows.move(counts, ImportRow.Status.PENDING, chunk)
        with transaction.atomic():
            rows.save(chunk, ["errors", "status", "data"])
            session.status = ImportSession.Status.VALIDATING
            rows.set_counters(session, counts)
            session.save()
        if progress:
            progress(session)
    if not rows.exist(session, ImportRow.Status.PENDING):
        with transaction.atomic():
            _validated(actor, session)
    return session


def _validated(actor: Any, session: ImportSession, counts: dict[str, int] | None = None) -> None:
    """Every row of ``session`` is validated (``counts``: of each status, if known)."""
    session.status = ImportSession.Status.VALIDATED
    rows.set_counters(session, counts)
    session.error_summary = summary.summarise(session)
    # Only these fields: a session fresh from its upload holds the file, not written again.
    session.save(update_fields=["status", "error_summary", "updated_at", *rows.COUNTERS])
    audit.record(
        actor=actor,
        action=Action.IMPORT_VALIDATE,
        obj=session,
        after={"valid_rows": session.valid_rows, "error_rows": session.error_rows},
    )


def _importer(session: ImportSession, actor: Any) -> registry.Importer:
    return registry.get(session.kind)(actor, update_existing=session.update_existing)


def _field_values(session: ImportSession, row: Row) -> dict[str, str]:
    """A row's values by field, through the session's mapping of columns and values."""
    return mapping_rules.reader(session)(row.values)


def _duplicate_keys(
    session: ImportSession,
    key_field: str,
    column: Callable[[str], Iterable[tuple[int, str]]] | None = None,
) -> dict[str, list[int]]:
    """Keys that stand on more than one row of the file, with those rows' numbers: read from
    the stored rows, or from ``column`` (header → (line number, value) of each row)."""
    headers = [h for h, f in session.mapping.items() if f == key_field]
    if not headers:
        return {}
    seen: dict[str, list[int]] = defaultdict(list)
    cells = rows.column(session, headers[0]) if column is None else column(headers[0])
    for number, raw in cells:
        key = raw.strip().casefold()
        if key:
            seen[key].append(number)
    return {k: v for k, v in seen.items() if len(v) > 1}


def _apply_results(
    session: ImportSession,
    importer: registry.Importer,
    chunk: list[Row],
    results: list[registry.RowResult],
    duplicates: dict[str, list[int]],
) -> None:
    column_of = {f: h for h, f in session.mapping.items()}
    for row, result in zip(chunk, results, strict=True):
        # Keep row-level problems found at upload (they name no field); redo the rest.
        errors = [e for e in row.errors if not e.get("field")]
        errors.extend(_row_errors(row, result.errors, column_of))
        key = result.key.casefold()
        if key in duplicates:
            others = [n for n in duplicates[key] if n != row.number]
            header = column_of.get(importer.key_field, "")
            errors.append(
                {
                    "field": importer.key_field,
                    "column": header,
                    "value": result.key,
                    "message": ngettext(
                        "“%(key)s” also stands on row %(rows)s of this file.",
                        "“%(key)s” also stands on rows %(rows)s of this file.",
                        len(others),
                    )
                    % {"key": result.key, "rows": ", ".join(map(str, others))},
                }
            )
        row.errors = errors
        row.status = ImportRow.Status.INVALID if errors else ImportRow.Status.VALID
        row.data = None if errors else result.data


def _row_errors(
    row: Row, errors: Sequence[tuple[str, str]], column_of: dict[str, str]
) -> list[dict[str, Any]]:
    """(field, message) errors as the row shows them: with the file's column and value."""
    out = []
    for field, message in errors:
        header = column_of.get(field, "")
        out.append(
            {
                "field": field,
                "column": header,
                "value": row.values.get(header, "") if header else "",
                "message": str(message),
            }
        )
    return out


# Commit ----------------------------------------------------------------------------------------


def check_commit(actor: Any, session: ImportSession, mode: str) -> None:
    """Refuse a commit that cannot start (also before it is queued, imports.background)."""
    if session.created_by_id != getattr(actor, "pk", None):
        raise PermissionDenied
    if session.status == ImportSession.Status.COMMITTED:
        raise ValidationError(_("This file has already been imported."))
    if session.status not in (ImportSession.Status.VALIDATED, ImportSession.Status.COMMITTING):
        raise ValidationError(_("Validate the file before importing it."))
    if session.status == ImportSession.Status.COMMITTING and session.mode != mode:
        raise ValidationError(
            _("This import is under way as “%(mode)s”.") % {"mode": session.get_mode_display()}
        )
    if mode not in ImportSession.Mode.values:
        raise ValidationError({"mode": _("Choose all-or-nothing or valid rows only.")})
    if mode == ImportSession.Mode.ALL_OR_NOTHING and session.error_rows:
        raise ValidationError(
            ngettext(
                "%(n)d row has errors, so nothing was imported. Fix the file, or import the "
                "valid rows only.",
                "%(n)d rows have errors, so nothing was imported. Fix the file, or import the "
                "valid rows only.",
                session.error_rows,
            )
            % {"n": session.error_rows}
        )


def session_commit(
    *,
    actor: Any,
    session: ImportSession,
    mode: str,
    max_rows: int | None = None,
    progress: Progress | None = None,
) -> ImportSession:
    """Write the validated rows. What may have changed since the preview (the register, the
    actor's rights) is checked again inside the commit's transaction (``Importer.commit``)."""
    session = _sessions().get(pk=session.pk)
    check_commit(actor, session, mode)
    importer = _importer(session, actor)
    with audit.audit_context(source="import", batch=str(session.batch)):
        if mode == ImportSession.Mode.ALL_OR_NOTHING:
            return _commit_all(actor, session, importer)
        return _commit_valid_only(actor, session, importer, max_rows, progress)


def _commit_all(actor: Any, session: ImportSession, importer: registry.Importer) -> ImportSession:
    with transaction.atomic():
        if _lock(session) == ImportSession.Status.COMMITTED:  # by a commit that ran at once
            raise ValidationError(_("This file has already been imported."))
        first, end = rows.first_number(session, ImportRow.Status.VALID), rows.last_number(session)
        for after in range(first - 1 if first else end, end, PREPARED_WINDOW):
            upto = min(after + PREPARED_WINDOW, end)
            _commit_prepared(session, importer, after, upto)
            rest = _still_valid(session, after, upto)
            for start in range(0, len(rest), CHUNK):
                if _commit_chunk(session, importer, rest[start : start + CHUNK]):
                    raise ValidationError(
                        _(
                            "The register changed since the preview and some rows are no longer "
                            "valid; nothing was imported. Validate the file again."
                        )
                    )
            _pause()
        session.mode = ImportSession.Mode.ALL_OR_NOTHING
        return _finish(actor, session)


def _commit_valid_only(
    actor: Any,
    session: ImportSession,
    importer: registry.Importer,
    max_rows: int | None,
    progress: Progress | None,
) -> ImportSession:
    if session.status != ImportSession.Status.COMMITTING:
        ImportSession.objects.filter(pk=session.pk).update(
            status=ImportSession.Status.COMMITTING, mode=ImportSession.Mode.VALID_ONLY
        )
        session.status, session.mode = ImportSession.Status.COMMITTING, "valid_only"
    done = 0
    counts = rows.count(session)
    first, end = rows.first_number(session, ImportRow.Status.VALID), rows.last_number(session)
    last = first - 1 if first else end  # a commit resumed goes on from its first row left
    # Batch by batch of line numbers, each batch its own transaction: IMPORT_COMMIT_BATCH lines
    # (or what is left of ``max_rows``) hold at most that many valid rows.
    while last < end and (max_rows is None or done < max_rows):
        with transaction.atomic():
            # Locked before the batch is read, so that a second commit of the session waits
            # and then finds these rows no longer valid.
            _lock(session)
            batch = settings.IMPORT_COMMIT_BATCH
            size = batch if max_rows is None else min(batch, max_rows - done)
            upto = min(last + size, end)
            written = _commit_prepared(session, importer, last, upto)
            counts[ImportRow.Status.VALID] -= written
            counts[ImportRow.Status.CREATED] += written
            chunk = _still_valid(session, last, upto)
            stale = _commit_chunk(session, importer, chunk)
            _mark_stale(session, stale)
            rows.move(counts, ImportRow.Status.VALID, chunk)
            rows.set_counters(session, counts)
            session.save()
            done += written + len(chunk)
            last = upto
            _pause()
        if progress and written + len(chunk):
            progress(session)
    # Once the batches have passed the last line, no row is left valid (each batch wrote or
    # marked every valid row of its lines, and rows are never added); a commit stopped by
    # ``max_rows`` asks (which reads every row of the session: 0.5 s for 100,000).
    if last >= end or not rows.exist(session, ImportRow.Status.VALID):
        with transaction.atomic():
            return _finish(actor, session)
    return session


def _lock(session: ImportSession) -> str:
    """Lock the session's row until the end of the transaction, and return its status.

    Two commits of one session (two tabs, a double click) thus take turns, batch by batch: the
    second one finds the rows the first has written no longer valid, and skips them.
    """
    return str(_sessions().select_for_update().values_list("status", flat=True).get(pk=session.pk))


def _commit_chunk(
    session: ImportSession, importer: registry.Importer, chunk: list[Row]
) -> list[tuple[Row, Sequence[tuple[str, str]]]]:
    """Write a chunk of valid rows through the importer and record each row's outcome; returns
    the rows that are no longer valid, with their errors (nothing of them is written).

    A row that validation prepared (``ImportRow.data``) goes to the importer with that data; a
    row without it (an update of an existing record) with its values, to be validated again.
    """
    if not chunk:
        return []
    reason = _reason(session)
    rows.load_values([r for r in chunk if r.data is None])
    committed = importer.commit(
        [
            registry.ValidRow(data=r.data)
            if r.data is not None
            else registry.ValidRow(values=_field_values(session, r))
            for r in chunk
        ],
        reason=reason,
    )
    stale: list[tuple[Row, Sequence[tuple[str, str]]]] = []
    for row, outcome in zip(chunk, committed, strict=True):
        if outcome.errors:
            stale.append((row, outcome.errors))
        elif outcome.outcome is None:
            raise ValueError(f"The {importer.kind} importer gave row {row.number} no outcome.")
        else:
            row.status, row.object_id = outcome.outcome, str(outcome.pk)
    rows.save([r for r in chunk if r.status != ImportRow.Status.VALID], ["status", "object_id"])
    return stale


def _commit_prepared(
    session: ImportSession, importer: registry.Importer, after: int, upto: int
) -> int:
    """Write what the importer can write of lines ``after`` < number ≤ ``upto`` in one SQL
    statement (``Importer.commit_prepared``); returns how many rows it wrote (0 when it has no
    such path). The rows it leaves valid go through ``_commit_chunk``."""
    written = importer.commit_prepared(
        rows.Prepared(session.pk, after, upto), reason=_reason(session)
    )
    return written or 0


def _still_valid(session: ImportSession, after: int, upto: int) -> list[Row]:
    """The valid rows of lines ``after`` < number ≤ ``upto`` that ``_commit_prepared`` left."""
    return rows.fetch(
        session,
        ImportRow.Status.VALID,
        after=after,
        size=upto - after,
        fields=_TO_COMMIT,
        last=upto,
    )


def _reason(session: ImportSession) -> str:
    """The reason every record an import writes carries (status changes, audit events)."""
    return _("Import of %(file)s (session %(id)s)") % {"file": session.filename, "id": session.pk}


def _pause() -> None:
    if settings.IMPORT_CHUNK_PAUSE:  # tests only: time to stop a worker in mid-commit
        time.sleep(settings.IMPORT_CHUNK_PAUSE)


def _mark_stale(
    session: ImportSession, stale: Sequence[tuple[Row, Sequence[tuple[str, str]]]]
) -> None:
    """Rows that were valid at validation but no longer are at commit: they get their errors."""
    if not stale:
        return
    rows.load_values([r for r, _errors in stale if not r.values])  # prepared rows came without
    column_of = {f: h for h, f in session.mapping.items()}
    for row, errors in stale:
        row.errors = _row_errors(row, errors, column_of)
        row.status, row.data = ImportRow.Status.INVALID, None
    rows.save([r for r, _errors in stale], ["errors", "status", "data"])
    session.error_summary = summary.summarise(session)


#: An import that writes at least this many records has the planner's statistics of the tables it
#: wrote refreshed once it has committed (core.planner): autovacuum would take its time.
ANALYSE_AFTER_ROWS = 10_000


def _finish(actor: Any, session: ImportSession) -> ImportSession:
    rows.set_counters(session)
    if session.created_count + session.updated_count >= ANALYSE_AFTER_ROWS:
        planner.analyse(registry.get(session.kind).models_written)
    session.status = ImportSession.Status.COMMITTED
    session.committed_at = timezone.now()
    session.save()
    audit.record(
        actor=actor,
        action=Action.IMPORT_COMMIT,
        obj=session,
        after={
            "mode": session.mode,
            "created": session.created_count,
            "updated": session.updated_count,
            "unchanged": session.unchanged_count,
            "skipped_with_errors": session.error_rows,
        },
    )
    return session


def failed_rows(session: ImportSession) -> tuple[list[str], Iterator[list[str]]]:
    """The rows with errors, in the file's own columns plus a column "Errors" (in the person's
    language) that names the file's column of each error, to fix and upload again (as CSV in
    the file's own encoding and delimiter: :func:`failed_rows_csv`)."""
    errors_columns = errors_column_names()
    columns = [h for h in session.headers if h not in errors_columns]
    header = [*columns, _("Errors")]

    def lines() -> Iterator[list[str]]:
        for row in session.rows.filter(status=ImportRow.Status.INVALID).order_by("number"):
            messages = "; ".join(
                (f"{e['column']}: " if e.get("column") else "") + e["message"] for e in row.errors
            )
            yield [*(row.values.get(h, "") for h in columns), messages]

    return header, lines()


def failed_rows_csv(session: ImportSession) -> dict[str, str]:
    """How to write the failed rows as CSV: as the uploaded file was written (Excel's "Unicode
    text" back as UTF-16 with tabs, an old register's Windows-1252 as that), so that the file
    opens as the user's own did; as medtek's exports for an XLSX upload."""
    return {
        "encoding": session.encoding or exports.CSV_ENCODING,
        "delimiter": session.delimiter or exports.CSV_DELIMITER,
    }
