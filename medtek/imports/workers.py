"""Validation of an upload's batches in forked worker processes (ADR 0006, "Validated as
stored"): the importing process stores each batch's outcome, in order, while the workers check
the batches after it.

A worker is forked from the importing process, so it inherits the importer as it stands (its
catalogue and the actor's units already read) and needs no set-up of its own beyond a database
connection: what validation reads (the register, the catalogue) is committed data, which a new
connection sees as the importing process does.
"""

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from django.db import connections

from .rows import Row

Check = Callable[[list[Row]], list[Row]]
#: A row's outcome as a worker sends it back: status, errors, prepared data (not its values).
Outcome = tuple[str, list[dict[str, Any]], Any]

#: The check a forked process runs (set just before the processes are forked).
_check: Check | None = None
#: In a forked process: the connections it inherited, kept (never used, never closed).
_inherited: list[Any] = []


def check_in_processes(
    check: Check, batches: Iterator[list[Row]], workers: int
) -> Iterator[list[Row]]:
    """``check`` each batch in one of ``workers`` forked processes; yields the batches in order,
    with their rows' status, errors and prepared data set. At most two batches per worker are
    under way, so the file's rows are never all held twice (sent and waiting)."""
    global _check
    _check = check
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_forked) as pool:
            under_way: deque[tuple[list[Row], Future[list[Outcome]]]] = deque()
            for batch in batches:
                under_way.append((batch, pool.submit(_check_forked, batch)))
                if len(under_way) > 2 * workers:
                    yield _checked(*under_way.popleft())
            while under_way:
                yield _checked(*under_way.popleft())
    finally:
        _check = None


def _forked() -> None:
    """In a new worker: its own database connections. The inherited ones are the importing
    process's, in the middle of its transaction: they are kept as they are, since closing one
    would end that process's session (a forked process ends with ``os._exit``, which closes
    nothing)."""
    for alias in list(connections):
        _inherited.append(connections[alias])
        connections[alias] = connections.create_connection(alias)


def _check_forked(batch: list[Row]) -> list[Outcome]:
    assert _check is not None  # set before the processes were forked
    return [(r.status, r.errors, r.data) for r in _check(batch)]


def _checked(batch: list[Row], outcomes: Future[list[Outcome]]) -> list[Row]:
    for row, (status, errors, data) in zip(batch, outcomes.result(), strict=True):
        row.status, row.errors, row.data = status, errors, data
    return batch
