"""Fresh statistics for PostgreSQL's planner after writes of a size it would not notice soon.

PostgreSQL chooses each query's plan from statistics of the tables (``ANALYZE``), which its
autovacuum refreshes only once a table has changed by a tenth of itself plus 50 rows. A small
table loaded once (the region's 22 units) is therefore never analysed, and a large import is
planned against statistics from before it; either can turn an index lookup into a scan of a
whole table (a device list page took 428 ms instead of 60 until ``organisation_unit`` was
analysed: benchmarks/README.md). So the demo, the benchmark data and large imports analyse
what they wrote. Nothing happens on SQLite, whose planner keeps no such statistics unless asked.
"""

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction


def analyse(models: Iterable[Any] = ()) -> None:
    """``ANALYZE`` the tables of ``models`` (every table of the database if none is given).

    Inside a transaction the statistics are refreshed once it has committed (and not at all if
    it rolls back), so that the transaction holds no lock for it and the statistics describe
    committed rows.
    """
    if connection.vendor != "postgresql":
        return
    tables = [m._meta.db_table for m in models]

    def run() -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE " + ", ".join(quote(t) for t in tables) if tables else "ANALYZE"
            )

    transaction.on_commit(run)
