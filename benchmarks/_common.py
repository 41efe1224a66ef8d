"""What every benchmark script shares: Django set-up against ``DATABASE_URL`` (PostgreSQL only),
production-like settings while measuring, and a plain table printer."""

import os
import resource
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    """Set Django up from the environment; refuse anything but PostgreSQL."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medtek.settings")
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit(
            "These benchmarks run on PostgreSQL only: set DATABASE_URL=postgresql://… "
            "(e.g. postgresql://medtek:medtek@localhost/medtek_bench; see benchmarks/README.md)."
        )
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(f"Refusing to run on {connection.vendor}: the benchmarks are for PostgreSQL.")
    # Measure as production runs: no query log in memory, no template debug information.
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def maxrss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) by linear interpolation."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def cpu_calibration_ms() -> float:
    """Milliseconds for a fixed pure-Python workload (best of 5): compare it between runs, as
    a shared or throttled machine can be slower than its load average tells."""
    import time

    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(300_000):
            total += i % 7
        best = min(best, time.perf_counter() - started)
    return best * 1000


def settings_in_force() -> str:
    """The PostgreSQL settings that decide the plans and the write speed, as the server has them."""
    from django.db import connection

    names = [
        "server_version", "shared_buffers", "work_mem", "random_page_cost",
        "effective_cache_size", "max_wal_size", "synchronous_commit", "jit",
    ]  # fmt: skip
    with connection.cursor() as cur:
        cur.execute("SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [names])
        found = {n: f"{v}{' ' + u if u else ''}" for n, v, u in cur.fetchall()}
    return ", ".join(f"{n}={found.get(n, '?')}" for n in names)


def machine_note() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs, load average {load}, CPU calibration {cpu_calibration_ms():.1f} ms"
    )


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return " | ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    print(line(cells[0]))
    print("-+-".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))
