"""Device list benchmark: the register's list page and API list at region scale (250,000
devices), on PostgreSQL.

Each scenario is a filtered, searched or sorted page of 50, requested through Django's test
Client (the whole server side: middleware, access scoping, filter set, queries, template or
serializer) as an MT engineer of the region and as the head of one unit. Reports median and p95
server time and the SQL queries per request.

    DATABASE_URL=postgresql://medtek:medtek@localhost/medtek_bench DEBUG=true \\
        .venv/bin/python benchmarks/device_list.py [--repeat 20] [--explain] [--profile]

Make the data first: ``medtek synthesize --scale 250000`` (see benchmarks/README.md).
"""

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from _common import machine_note, percentile, print_table, settings_in_force, setup_django

#: Issue 14: every scenario at p50 ≤ 65 ms and p95 ≤ 100 ms server time, PostgreSQL defaults.
TARGET_P50_MS = 65
TARGET_P95_MS = 100
MT_USER, HEAD_USER = "mt", "verksamhetschef"


@dataclass
class Scenario:
    name: str
    user: str
    url: str


def scenarios(mt_within: int, head_within: int) -> list[Scenario]:
    out = []
    for user, within in ((MT_USER, mt_within), (HEAD_USER, head_within)):
        searched = f"q=infus&status=in_use&within={within}"
        out += [
            Scenario("page: search+status+unit", user, f"/devices/?{searched}"),
            Scenario("page: search, by next due", user, "/devices/?q=infus&sort=next_due"),
            Scenario("page: overdue, by next due", user, "/devices/?due=overdue&sort=next_due"),
            Scenario("page: unfiltered", user, "/devices/"),
            Scenario("page: unfiltered, page 40", user, "/devices/?page=40"),
            Scenario("api: search+status+unit", user, f"/api/v1/devices/?{searched}"),
            Scenario(
                "api: overdue, by next due", user, "/api/v1/devices/?due=overdue&ordering=next_due"
            ),
            Scenario(
                "api: search, by next due", user, "/api/v1/devices/?q=infus&ordering=next_due"
            ),
        ]
    return out


def explain(queries: list[dict[str, Any]]) -> None:
    from django.db import connection

    for q in queries:
        sql = q["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n      ".join(r[0] for r in cur.fetchall())
        print(f"    [{q['time']} s] {sql[:300]}\n      {plan}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="Timed requests per scenario.")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--only", help="Run only scenarios whose name contains this text.")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE every query.")
    parser.add_argument("--profile", action="store_true", help="cProfile each scenario (top 30).")
    args = parser.parse_args()

    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from medtek.devices.models import Device
    from medtek.organisation.models import Unit, User

    total = Device.objects.count()
    print(f"Device list benchmark: {total} devices ({machine_note()})")
    print(f"PostgreSQL: {settings_in_force()}")
    if total < 250_000:
        print("  (fewer than 250,000 devices: run `medtek synthesize --scale 250000` first)")
    mt_within = Unit.objects.get(name="Centralsjukhuset Mälarstad").pk
    head_within = Unit.objects.get(name="Intensivvårdsavdelningen").pk
    clients = {}
    for username in (MT_USER, HEAD_USER):
        client = Client()
        client.force_login(User.objects.get(username=username))
        clients[username] = client

    rows = []
    for sc in scenarios(mt_within, head_within):
        if args.only and args.only not in sc.name:
            continue
        client = clients[sc.user]
        for _ in range(args.warmup):
            client.get(sc.url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(sc.url)
        if response.status_code != 200:
            sys.exit(f"{sc.url} as {sc.user}: HTTP {response.status_code}")
        if sc.url.startswith("/api/"):
            count = response.json()["count"]
        else:
            found = re.search(rb'data-testid="result-count">\s*(\d+)', response.content)
            count = int(found.group(1)) if found else "?"
        queries = ctx.captured_queries  # before the next request resets the log
        sql_ms = sum(float(q["time"]) for q in queries) * 1000
        timings = []
        profiler = cProfile.Profile() if args.profile else None
        for _ in range(args.repeat):
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            client.get(sc.url)
            timings.append((time.perf_counter() - started) * 1000)
            if profiler:
                profiler.disable()
        median, p95 = statistics.median(timings), percentile(timings, 95)
        rows.append(
            [
                sc.name,
                sc.user,
                count,
                f"{median:.1f}",
                f"{p95:.1f}",
                len(queries),
                f"{sql_ms:.1f}",
                "yes" if median <= TARGET_P50_MS and p95 <= TARGET_P95_MS else "NO",
            ]
        )
        print(f"  {sc.name} as {sc.user}: median {median:.1f} ms", flush=True)
        if args.explain:
            print(f"  {sc.url}")
            explain(queries)
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(r"medtek|django/(template|db|forms)", 30)
    print()
    print_table(
        ["scenario", "user", "matches", "median ms", "p95 ms", "queries", "SQL ms", "target"],
        rows,
    )
    print(
        f"\n{args.repeat} timed requests per scenario after {args.warmup} warm-up; server time "
        "through the test Client; SQL ms from one extra request with queries captured. "
        f"Load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())}."
    )


if __name__ == "__main__":
    main()
