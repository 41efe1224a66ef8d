"""Import benchmark: 100,000 device rows through ``medtek.imports.services`` on PostgreSQL.

For each commit mode (all-or-nothing on an all-valid file; valid-only on a file with about 1 % bad
rows) a fresh child process uploads, validates and commits the file exactly as ``medtek import
devices`` does, and reports rows/s and its peak memory. The baseline is PostgreSQL ``COPY`` of
the same file into a scratch table of the same columns (psycopg3 ``cursor.copy``).

    DATABASE_URL=postgresql://medtek:medtek@localhost/medtek_bench DEBUG=true \\
        .venv/bin/python benchmarks/import_devices.py [--rows 100000] [--profile]

Needs a region in the database (``medtek synthesize --scale 250000`` makes one). The devices the
benchmark imports are deleted again afterwards (``--keep`` keeps them); their audit events stay,
as the trail is append-only.
"""

import argparse
import contextlib
import cProfile
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from _common import machine_note, maxrss_mb, print_table, setup_django

TARGET_ROWS_PER_S = 10_000
TARGET_MB = 500
MODES = ("all_or_nothing", "valid_only")

SCRATCH_COLUMNS = """
    inventory_number varchar(40), manufacturer varchar(200), trade_name varchar(200),
    model_version varchar(100), serial_number varchar(100), udi_lot varchar(60),
    udi_serial varchar(60), manufactured_on date, expires_on date, udi_carrier varchar(200),
    unit_hsa_id varchar(64), location varchar(200), supplier varchar(200), purchased_on date,
    delivered_on date, warranty_until date, acceptance_checked_on date, status varchar(20)
"""


def copy_baseline(path: Path) -> tuple[int, float]:
    """COPY the file into a scratch table (created and dropped here): (rows, seconds)."""
    from django.db import connection, transaction

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_copy_devices")
        cur.execute(f"CREATE TABLE bench_copy_devices ({SCRATCH_COLUMNS})")
    try:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            copy_sql = (
                "COPY bench_copy_devices FROM STDIN "
                "(FORMAT csv, DELIMITER ';', HEADER true, ENCODING 'UTF8')"
            )
            with cur.copy(copy_sql) as copy, path.open("rb") as f:
                f.read(3)  # the byte-order mark
                while block := f.read(1 << 20):
                    copy.write(block)
            rows = cur.rowcount
        elapsed = time.perf_counter() - started  # including the commit
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_copy_devices")
    return rows, elapsed


def run_child(args: argparse.Namespace) -> None:
    """One import, in this (fresh) process; prints its numbers as one JSON line."""
    setup_django()
    from django.db import connection

    from medtek.core.audit import audit_context
    from medtek.imports import services
    from medtek.organisation.models import User

    if args.tracemalloc:
        tracemalloc.start()
    actor = User.objects.get(username=args.user)
    data = Path(args.child_file).read_bytes()
    connection.ensure_connection()
    rss_before = maxrss_mb()
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    sql_times: dict[str, list[float]] = {}

    def time_sql(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = " ".join(sql.split())[:90]
            sql_times.setdefault(kind, []).append(time.perf_counter() - started)

    times = {}
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if args.sql:
            stack.enter_context(connection.execute_wrapper(time_sql))
        stack.enter_context(audit_context(source="cli"))
        session = services.session_create(
            actor=actor, kind="devices", filename=Path(args.child_file).name, data=data
        )
        times["upload"] = time.perf_counter() - t0
        session = services.session_validate(actor=actor, session=session)
        times["validate"] = time.perf_counter() - t0 - times["upload"]
        t1 = time.perf_counter()
        session = services.session_commit(actor=actor, session=session, mode=args.child)
        times["commit"] = time.perf_counter() - t1
    total = time.perf_counter() - t0
    if profiler:
        profiler.disable()
        out = Path(args.profile_dir) / f"import-{args.child}.prof"
        profiler.dump_stats(out)
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    print(
        json.dumps(
            {
                "mode": args.child,
                "session": session.pk,
                "status": session.status,
                "rows": session.total_rows - session.blank_rows,
                "created": session.created_count,
                "errors": session.error_rows,
                "times": times,
                "total": total,
                "rss_before_mb": rss_before,
                "rss_peak_mb": maxrss_mb(),
                "tracemalloc_peak_mb": traced,
                "sql": sorted(
                    ((sum(t), len(t), kind) for kind, t in sql_times.items()), reverse=True
                )[:12],
            }
        )
    )


def spawn(mode: str, path: Path, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", mode, "--child-file", str(path)]
    cmd += ["--user", args.user, "--profile-dir", args.profile_dir]
    if args.profile:
        cmd.append("--profile")
    if args.tracemalloc:
        cmd.append("--tracemalloc")
    if args.sql:
        cmd.append("--sql")
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stderr)
        sys.exit(f"The {mode} import failed.")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cleanup(prefixes: list[str], sessions: list[int]) -> None:
    from django.db import connection as db
    from django.db import transaction

    from medtek.core import append_only
    from medtek.devices.models import Device, DeviceStatusChange, InspectionPlan
    from medtek.imports.models import ImportSession

    # The status history is append-only: the benchmark's own rows are removed with its guard
    # lifted for this one transaction (a benchmark database only), and the guard put back.
    with transaction.atomic():
        append_only.unprotect(db, "devices_devicestatuschange")
        for prefix in prefixes:
            devices = Device.objects.filter(inventory_number__startswith=prefix)
            DeviceStatusChange.objects.filter(device__in=devices).delete()
            InspectionPlan.objects.filter(device__in=devices).delete()
            devices.delete()
        ImportSession.objects.filter(pk__in=sessions).delete()
        append_only.protect(db, "devices_devicestatuschange")
    # Leave the tables as the list benchmark expects them (no dead rows, fresh statistics).
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("devices_device", "devices_devicestatuschange", "imports_importrow"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--user", default="mt", help="Who imports (an MT engineer of the region).")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument(
        "--errors", type=float, default=0.01, help="Share of bad rows in the valid-only file."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the imported devices.")
    parser.add_argument("--profile", action="store_true", help="cProfile each import.")
    parser.add_argument("--profile-dir", default=tempfile.gettempdir())
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="Also report Python's traced peak allocation (slows the import down).",
    )
    parser.add_argument(
        "--sql", action="store_true", help="Report the statements that took the most time."
    )
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--child-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return

    setup_django()
    from django.db.models import Count

    from medtek.demo.management.commands.synthesize import write_import_csv
    from medtek.devices.models import Device

    print(f"Device import benchmark: {args.rows} rows ({machine_note()})")
    print(f"Devices in the database: {Device.objects.aggregate(n=Count('pk'))['n']}")
    workdir = Path(tempfile.mkdtemp(prefix="medtek-bench-"))
    results, prefixes, sessions = [], [], []
    copy_rows = copy_time = None
    try:
        for i, mode in enumerate(args.modes):
            path = workdir / f"devices-{mode}.csv"
            share = 0.0 if mode == "all_or_nothing" else args.errors
            prefixes.append(
                write_import_csv(path, args.rows, seed=int(time.time()) + i, error_share=share)
            )
            if copy_time is None:
                copy_rows, copy_time = copy_baseline(path)
                print(f"COPY: {copy_rows} rows in {copy_time:.2f} s")
            print(f"{mode}: importing {path.stat().st_size / 2**20:.1f} MB …", flush=True)
            result = spawn(mode, path, args)
            sessions.append(result["session"])
            results.append(result)
            if result["status"] != "committed":
                sys.exit(f"The {mode} import ended as {result['status']}, not committed.")
    finally:
        if not args.keep:
            cleanup(prefixes, sessions)
        for f in workdir.iterdir():
            f.unlink()
        workdir.rmdir()

    assert copy_rows and copy_time
    print()
    rows_out = []
    for r in results:
        rate = r["rows"] / r["total"]
        t = r["times"]
        rows_out.append(
            [
                r["mode"],
                r["rows"],
                r["created"],
                r["errors"],
                f"{t['upload']:.1f}",
                f"{t['validate']:.1f}",
                f"{t['commit']:.1f}",
                f"{r['total']:.1f}",
                f"{rate:,.0f}",
                f"{r['rss_peak_mb']:.0f}",
                f"{r['tracemalloc_peak_mb']:.0f}" if r["tracemalloc_peak_mb"] else "-",
                f"{r['total'] / copy_time:.0f}x",
                "yes" if rate >= TARGET_ROWS_PER_S and r["rss_peak_mb"] <= TARGET_MB else "NO",
            ]
        )
    print_table(
        [
            "mode",
            "rows",
            "created",
            "bad",
            "upload s",
            "validate s",
            "commit s",
            "total s",
            "rows/s",
            "peak RSS MB",
            "traced MB",
            "vs COPY",
            "target",
        ],
        rows_out,
    )
    print(
        f"\nCOPY of the same {copy_rows} rows: {copy_time:.2f} s = {copy_rows / copy_time:,.0f} "
        f"rows/s. Targets: ≥ {TARGET_ROWS_PER_S:,} rows/s, peak ≤ {TARGET_MB} MB."
    )
    if args.profile:
        print(f"Profiles: {args.profile_dir}/import-<mode>.prof")
    for r in results:
        if r["sql"]:
            print(f"\nStatements that took most time ({r['mode']}): seconds, count, statement")
            for seconds, count, kind in r["sql"]:
                print(f"  {seconds:7.2f} {count:6d}  {kind}")


if __name__ == "__main__":
    main()
