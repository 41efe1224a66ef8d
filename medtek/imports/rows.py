"""The stored rows of an import session, read and written set-based.

An import of 100,000 rows handles each row several times (stored, validated, committed), so
what costs per row here is multiplied: rows are inserted with ``COPY`` on PostgreSQL, read as
plain tuples rather than model instances, read chunk by chunk along the file's line numbers, and
saved one statement per chunk (benchmarks/README.md). SQLite gets the ordinary ORM paths; the
stored result is the same on both.
"""

import dataclasses
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.fields.json import KeyTextTransform

from .models import ImportRow, ImportSession

#: Upload rows built and written at a time (a large file is never held as row objects at once).
UPLOAD_BATCH = 2000

#: An upload row before it is stored: (line number, column header → value, upload errors).
NewRow = tuple[int, dict[str, str], list[dict[str, Any]]]

Status = ImportRow.Status


@dataclass(slots=True)
class Row:
    """A stored row as the workflow handles it (a model instance per row cost more than the
    work done with it). Only the fields it was fetched with are filled in."""

    pk: int
    number: int
    status: str
    values: dict[str, str] = dataclasses.field(default_factory=dict)
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    data: dict[str, Any] | None = None
    object_id: str = ""


# Inserting -------------------------------------------------------------------------------------


def insert(
    session: ImportSession,
    rows: Iterable[NewRow],
    prepare: Callable[[Iterator[list[Row]]], Iterator[list[Row]]] | None = None,
) -> int:
    """Store the upload's rows, ``UPLOAD_BATCH`` at a time; returns how many were stored.

    Each row waits for validation, unless ``prepare`` validates the batches before they are
    stored (it yields each batch, in order, with the rows' status, errors and prepared data
    set): then a row is written once, not written and then updated."""
    batches = _batches(rows)
    if prepare is not None:
        batches = prepare(batches)
    return sum(_insert(session, batch) for batch in batches)


def _batches(rows: Iterable[NewRow]) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for number, values, errors in rows:
        batch.append(Row(0, number, Status.PENDING, values, errors))
        if len(batch) == UPLOAD_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(session: ImportSession, rows: list[Row]) -> int:
    """On PostgreSQL with ``COPY`` (a fifth of the time ``INSERT`` takes for a large file, most
    of it spent quoting the rows' values into arrays), elsewhere with ``bulk_create``. Nothing
    reads the new rows' ids back."""
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        ImportRow.objects.bulk_create(
            ImportRow(
                session=session,
                number=r.number,
                values=r.values,
                errors=r.errors,
                status=r.status,
                data=r.data,
            )
            for r in rows
        )
        return len(rows)
    qn = connection.ops.quote_name
    sql = "COPY {} (session_id, number, {}, errors, status, data, object_id) FROM STDIN".format(
        qn(ImportRow._meta.db_table), qn("values")
    )
    dumps = json.dumps
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for r in rows:
            copy.write_row(
                (
                    session.pk,
                    r.number,
                    dumps(r.values),
                    dumps(r.errors) if r.errors else "[]",
                    r.status,
                    None if r.data is None else dumps(r.data),
                    "",
                )
            )
    return len(rows)


# Fetching --------------------------------------------------------------------------------------


def exist(session: ImportSession, status: str) -> bool:
    """Has the session rows of ``status`` left?"""
    return session.rows.filter(status=status).exists()


def fetch(
    session: ImportSession,
    status: str,
    *,
    after: int,
    size: int,
    fields: Sequence[str] = (),
    last: int | None = None,
) -> list[Row]:
    """The next ``size`` rows of ``status`` after line ``after``, in line order, with ``fields``
    besides their pk, number and status.

    The rows are read window by window of line numbers (``number > a AND number <= b``), each
    window one range of the unique (session, number) index. A query with ``ORDER BY number
    LIMIT size`` instead leaves the plan to the statistics: while they still say that few rows
    have the status wanted (a table analysed before this session's rows were written or
    validated), PostgreSQL reads the whole table and sorts it for every chunk, which cost an
    import of 100,000 rows 9 s (benchmarks/README.md). A window asks for a range the index
    answers whatever the statistics say. ``last`` is the session's last line number (looked up
    if not given).
    """
    if last is None:
        last = last_number(session)
    found: list[Row] = []
    low = after
    while len(found) < size and low < last:
        high = low + size - len(found)
        window = session.rows.filter(status=status, number__gt=low, number__lte=high)
        found.extend(_rows(window.order_by("number"), fields))
        low = high
    return found


def last_number(session: ImportSession) -> int:
    """The line number of the session's last stored row (0 if it has none).

    Read as the first row backwards along the (session, number) index: ``MAX(number)``, planned
    from statistics taken before the session's rows were stored, read all of them instead
    (0.15 s for 100,000 rows)."""
    last: int | None = session.rows.order_by("-number").values_list("number", flat=True).first()
    return last or 0


def first_number(session: ImportSession, status: str) -> int | None:
    """The line number of the session's first row of ``status`` (None if it has none), read
    along the (session, number) index as ``last_number``."""
    rows = session.rows.filter(status=status).order_by("number")
    first: int | None = rows.values_list("number", flat=True).first()
    return first


def chunks(
    session: ImportSession,
    status: str,
    size: int,
    limit: int | None = None,
    fields: Sequence[str] = (),
) -> Iterator[list[Row]]:
    """The session's rows of ``status`` in chunks of ``size``, at most ``limit`` rows in all.

    Rows change status as they are handled, so every chunk is fetched anew (``fetch``) when the
    one before has been handled.
    """
    after, done, last = 0, 0, last_number(session)
    while limit is None or done < limit:
        want = size if limit is None else min(size, limit - done)
        chunk = fetch(session, status, after=after, size=want, fields=fields, last=last)
        if not chunk:
            return
        after = chunk[-1].number
        done += len(chunk)
        yield chunk


def _rows(rows: QuerySet[ImportRow], fields: Sequence[str]) -> list[Row]:
    names = ("pk", "number", "status", *fields)
    return [Row(**dict(zip(names, values, strict=True))) for values in rows.values_list(*names)]


def load_values(rows: Sequence[Row]) -> None:
    """Read the file's values of ``rows``, which were fetched without them."""
    if rows:
        stored = ImportRow.objects.filter(pk__in=[r.pk for r in rows])
        values = dict(stored.values_list("pk", "values"))
        for row in rows:
            row.values = values[row.pk]


def column(session: ImportSession, header: str) -> Iterator[tuple[int, str]]:
    """(number, value) of one column on every row of the session ("" where the row has none).

    The database reads the value out of each row's stored values, so the rows' values need not
    be decoded here; a header that is a whole number would be read as an array index, so such a
    column is read from the decoded values instead."""
    # In line order by the (session, number) index; the rows' default order (by session, then
    # number) would join every row to its session to sort by the session's own order.
    in_order = session.rows.order_by("number")
    try:
        int(header)
    except ValueError:
        rows = in_order.annotate(value=KeyTextTransform(header, "values"))
        for number, value in rows.values_list("number", "value").iterator(chunk_size=5000):
            yield number, value or ""
    else:
        for number, values in in_order.values_list("number", "values").iterator(5000):
            yield number, str(values.get(header, ""))


# Prepared rows, for an importer that writes them in SQL ----------------------------------------


@dataclass(frozen=True)
class Prepared:
    """The session's valid rows with prepared data (``ImportRow.data``) on lines ``after`` <
    number ≤ ``upto``, as SQL for an importer that writes them in one statement
    (``Importer.commit_prepared``): the rows never travel to Python and back.

    :meth:`source` selects them (``row_id``, ``data``); :meth:`mark_created` is the
    data-modifying part of the same statement that records which record each row created. A
    row the statement leaves alone stays valid, for the importer's ordinary path.
    """

    session_id: int
    after: int
    upto: int

    def source(self) -> tuple[str, dict[str, Any]]:
        qn = connection.ops.quote_name
        sql = (
            f"SELECT r.id AS row_id, r.data FROM {qn(ImportRow._meta.db_table)} AS r "  # noqa: S608 (the model's table)
            "WHERE r.session_id = %(rows_session)s AND r.number > %(rows_after)s "
            "AND r.number <= %(rows_upto)s AND r.status = %(rows_valid)s AND r.data IS NOT NULL"
        )
        params = {
            "rows_session": self.session_id,
            "rows_after": self.after,
            "rows_upto": self.upto,
            "rows_valid": Status.VALID,
        }
        return sql, params

    def mark_created(self, relation: str) -> tuple[str, dict[str, Any]]:
        """An ``UPDATE`` for a ``WITH`` clause: the rows named by ``relation`` (``row_id``,
        ``object_id`` text) created those records."""
        qn = connection.ops.quote_name
        sql = (
            f"UPDATE {qn(ImportRow._meta.db_table)} AS r SET status = %(rows_created)s, "  # noqa: S608 (the model's table)
            f"object_id = c.object_id FROM {relation} AS c WHERE r.id = c.row_id"
        )
        return sql, {"rows_created": Status.CREATED}


# Saving ----------------------------------------------------------------------------------------


def save(rows: Sequence[Row], fields: Sequence[str]) -> None:
    """Save ``fields`` of ``rows`` (each row its own values) in one statement on PostgreSQL
    (``UPDATE … FROM jsonb_to_recordset(…)``: the new values go as one JSON document, which
    costs a fraction of quoting them one by one into arrays), and as one statement per row, sent
    together, elsewhere.

    ``bulk_update`` builds a CASE expression per field over every row, which cost more than
    validating the rows; one UPDATE per row costs PostgreSQL five times what one UPDATE of all
    rows costs.
    """
    if not rows:
        return
    by_name = {f.name: f for f in ImportRow._meta.concrete_fields}
    model_fields = [by_name[f] for f in fields]
    qn = connection.ops.quote_name
    pk_column: str = ImportRow._meta.pk.column  # type: ignore[union-attr]
    table, pk = qn(ImportRow._meta.db_table), qn(pk_column)
    if connection.vendor == "postgresql":
        types = ", ".join(f"{qn(f.column)} {f.db_type(connection)}" for f in model_fields)
        assignments = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in model_fields)
        sql = (
            f"UPDATE {table} AS t SET {assignments} "  # noqa: S608 (names from the model)
            f"FROM jsonb_to_recordset(%s::jsonb) AS v({pk} bigint, {types}) "
            f"WHERE t.{pk} = v.{pk}"
        )
        document = json.dumps(
            [
                {pk_column: r.pk, **{f.column: getattr(r, f.name) for f in model_fields}}
                for r in rows
            ]
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [document])
        return
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (names from the model)
        table, ", ".join(f"{qn(f.column)} = %s" for f in model_fields), pk
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [f.get_db_prep_save(getattr(r, f.name), connection) for f in model_fields] + [r.pk]
                for r in rows
            ],
        )


def reset(session: ImportSession) -> None:
    """Make every row of the session wait for validation again."""
    session.rows.update(status=Status.PENDING, errors=[])


# Counting --------------------------------------------------------------------------------------


def count(session: ImportSession) -> dict[str, int]:
    """How many rows the session has of each status."""
    found: dict[str, int] = defaultdict(int)
    # No ORDER BY: the rows' default order (by session, then number) joined every row to its
    # session and sorted them all before counting.
    by_status = session.rows.order_by().values_list("status").annotate(n=Count("pk"))
    for status, n in by_status.values_list("status", "n"):
        found[status] = n
    return found


def move(counts: dict[str, int], old: str, rows: Sequence[Row]) -> None:
    """Account in ``counts`` for ``rows`` having gone from status ``old`` to their present one,
    so that a chunk loop counts a large session once, not again after every chunk."""
    counts[old] -= len(rows)
    for row in rows:
        counts[row.status] += 1


#: The session's fields ``set_counters`` sets.
COUNTERS = (
    "valid_rows",
    "error_rows",
    "validated_rows",
    "committed_rows",
    "created_count",
    "updated_count",
    "unchanged_count",
)


def set_counters(session: ImportSession, counts: dict[str, int] | None = None) -> None:
    """Set the session's counters from its rows' statuses: ``counts`` as a chunk loop keeps
    them, or counted now. Rows written by the commit stay valid rows."""
    if counts is None:
        counts = count(session)
    committed = counts[Status.CREATED] + counts[Status.UPDATED] + counts[Status.UNCHANGED]
    session.valid_rows = counts[Status.VALID] + committed
    session.error_rows = counts[Status.INVALID]
    session.validated_rows = session.valid_rows + session.error_rows
    session.committed_rows = committed
    session.created_count = counts[Status.CREATED]
    session.updated_count = counts[Status.UPDATED]
    session.unchanged_count = counts[Status.UNCHANGED]
