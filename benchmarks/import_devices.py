"""Import benchmark: 100,000 device rows through ``medtek.imports.services`` on PostgreSQL.

For each commit mode (all-or-nothing on an all-valid file; valid-only on a file with about 1 % bad
rows) a fresh child process uploads, validates and commits the file exactly as ``medtek import
devices`` does, and reports rows/s and its peak memory. The baseline is PostgreSQL ``COPY`` of
the same file into a scratch table of the same columns (psycopg3 ``cursor.copy``).

    DATABASE_URL=postgresql://medtek:medtek@localhost/medtek_bench DEBUG=true \\
        .venv/bin/python benchmarks/import_devices.py [--rows 100000] [--profile]

``--scenario profile`` writes the same rows as an old register exports them (its own headers,
Windows-1252, statuses in its own words) and reads them with a mapping profile (columns and
value mappings, ADR 0020); ``--scenario catalogue`` writes a file (10,000 rows by default) whose
rows name 300 device models the catalogue lacks and carry an inspection interval and a last
inspection: the child accepts the proposed models as a group, checks the rows again and commits,
creating an inspection plan per device.

Needs a region in the database (``medtek synthesize --scale 250000`` makes one). The devices the
benchmark imports are deleted again afterwards (``--keep`` keeps them); their audit events stay,
as the trail is append-only.
"""

import argparse
import contextlib
import cProfile
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from _common import machine_note, maxrss_mb, print_table, settings_in_force, setup_django

TARGET_ROWS_PER_S = 10_000
#: The import may take at most this many times the floor (the same writes in plain SQL).
TARGET_FLOOR_RATIO = 2
#: …and must be at least this many times as fast as a plain per-row Django import.
TARGET_PEER_RATIO = 40
TARGET_MB = 500
MODES = ("all_or_nothing", "valid_only")
SCENARIOS = ("plain", "profile", "catalogue")

#: How the profile scenario's old register names the columns (CSV_HEADER order).
LEGACY_HEADERS = [
    "Inv.nr", "Fabrikat", "Benämning", "Modell", "Serienr", "Lot", "UDI-serienr", "Tillv.datum",
    "Utg.datum", "UDI-bärare", "Enhetens HSA", "Rum", "Lev.", "Inköpt", "Levererad",
    "Garanti t.o.m.", "Lev.kontroll", "Driftstatus",
]  # fmt: skip
#: …and its words for the statuses.
LEGACY_STATUS = {
    "in_use": "I drift",
    "out_of_service": "Ej i drift",
    "in_repair": "På service",
    "scrapped": "Kasserad",
}

SCRATCH_COLUMNS = """
    inventory_number varchar(40), manufacturer varchar(200), trade_name varchar(200),
    model_version varchar(100), serial_number varchar(100), udi_lot varchar(60),
    udi_serial varchar(60), manufactured_on date, expires_on date, udi_carrier varchar(200),
    unit_hsa_id varchar(64), location varchar(200), supplier varchar(200), purchased_on date,
    delivered_on date, warranty_until date, acceptance_checked_on date, status varchar(20)
"""


def floor(path: Path, user: str) -> dict[str, float]:
    """The database's floor: the writes an import of ``path`` must make, in plain SQL, timed
    statement by statement and rolled back.

    The file is ``COPY``-ed into a temporary table, then every new device is inserted (with all
    of the register's indexes and constraints), its first status change, one audit event each
    with the device's values, and the deferred foreign-key checks are forced before the
    rollback. No Python touches a row: whatever the import takes beyond this is its own cost.
    """
    from django.db import connection, transaction

    from medtek.organisation.models import User

    actor = User.objects.get(username=user)
    times: dict[str, float] = {}

    def timed(name: str, sql: str, params: Any = None) -> None:
        started = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(sql, params)
        times[name] = time.perf_counter() - started

    with contextlib.suppress(_Rollback), transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(f"CREATE TEMPORARY TABLE bench_floor ({SCRATCH_COLUMNS}) ON COMMIT DROP")
            texts = [c.split()[0] for c in SCRATCH_COLUMNS.split(",") if "varchar" in c]
            copy_sql = (
                "COPY bench_floor FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true, "
                f"ENCODING 'UTF8', FORCE_NOT_NULL ({', '.join(texts)}))"  # empty text is ''
            )
            with cur.copy(copy_sql) as copy, path.open("rb") as f:
                f.read(3)  # the byte-order mark
                while block := f.read(1 << 20):
                    copy.write(block)
        times["copy"] = time.perf_counter() - started
        timed(
            "devices",
            "CREATE TEMPORARY TABLE bench_floor_new ON COMMIT DROP AS WITH new AS ("
            " INSERT INTO devices_device (inventory_number, model_id, serial_number, udi_lot,"
            "  udi_serial, manufactured_on, expires_on, udi_carrier, unit_id, location, supplier,"
            "  purchased_on, delivered_on, warranty_until, acceptance_checked_on, status,"
            "  status_since, created_at)"
            " SELECT r.inventory_number, m.id, r.serial_number, r.udi_lot, r.udi_serial,"
            "  r.manufactured_on, r.expires_on, r.udi_carrier, u.id, r.location, r.supplier,"
            "  r.purchased_on, r.delivered_on, r.warranty_until, r.acceptance_checked_on,"
            "  r.status, current_date, now()"
            " FROM bench_floor r"
            " JOIN devices_devicemodel m ON m.manufacturer = r.manufacturer"
            "  AND m.trade_name = r.trade_name AND m.model_version = r.model_version"
            " JOIN organisation_unit u ON u.hsa_id = r.unit_hsa_id"
            " RETURNING *) SELECT * FROM new",
        )
        timed(
            "status history",
            "INSERT INTO devices_devicestatuschange (device_id, from_status, to_status,"
            " effective_on, reason, changed_by_id, recorded_at)"
            " SELECT id, '', status, current_date, 'floor', %s, now() FROM bench_floor_new",
            [actor.pk],
        )
        timed(
            "audit events",
            "INSERT INTO core_auditevent (at, actor_id, actor_name, action, object_type,"
            " object_id, object_repr, before, after, request_id, reason, source, batch,"
            " client_request_id)"
            " SELECT now(), %s, %s, 'device.register', 'devices.device', id::text,"
            " inventory_number, NULL, to_jsonb(n), 'bench-floor', 'floor', 'import',"
            " 'bench-floor', '' FROM bench_floor_new n",
            [actor.pk, actor.get_full_name()],
        )
        timed("foreign keys", "SET CONSTRAINTS ALL IMMEDIATE")
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM bench_floor_new")
            times["rows"] = cur.fetchone()[0]
        raise _Rollback
    times["total"] = sum(v for k, v in times.items() if k != "rows")
    return times


class _Rollback(Exception):
    """Leaves the floor's transaction, rolling it back."""


def django_peer(path: Path, user: str, rows: int) -> dict[str, float]:
    """A plain per-row Django import of the first ``rows`` rows of ``path``, as a web framework's
    generic bulk import does it (NetBox's, for one): per row a ModelForm built, validated and
    saved, its first status change and its audit event written; rolled back at the end."""
    import csv

    from django import forms
    from django.db import transaction

    from medtek.core import audit
    from medtek.devices.actions import Action
    from medtek.devices.models import Device, DeviceModel, DeviceStatusChange
    from medtek.organisation.models import Unit, User

    actor = User.objects.get(username=user)
    peer_fields = [
        "inventory_number", "model", "serial_number", "udi_lot", "udi_serial", "manufactured_on",
        "expires_on", "udi_carrier", "unit", "location", "supplier", "purchased_on",
        "delivered_on", "warranty_until", "acceptance_checked_on", "status",
    ]  # fmt: skip

    class PeerForm(forms.ModelForm):
        class Meta:
            model = Device
            fields = peer_fields

    models = {
        (m.manufacturer, m.trade_name, m.model_version): m.pk for m in DeviceModel.objects.all()
    }
    units = dict(Unit.objects.exclude(hsa_id="").values_list("hsa_id", "pk"))
    done = 0
    started = time.perf_counter()
    with contextlib.suppress(_Rollback), transaction.atomic():
        with path.open(encoding="utf-8-sig", newline="") as f:
            for record in csv.DictReader(f, delimiter=";"):
                if done == rows:
                    break
                data = {k: v for k, v in record.items() if k in peer_fields}
                data["model"] = models.get(
                    (record["manufacturer"], record["trade_name"], record["model_version"])
                )
                data["unit"] = units.get(record["unit_hsa_id"])
                form = PeerForm(data)
                if not form.is_valid():
                    raise SystemExit(f"Row {done + 2} is not valid for the peer: {form.errors}")
                with transaction.atomic():  # a savepoint per row, as a per-row import has
                    device = form.save()
                    DeviceStatusChange.objects.create(
                        device=device,
                        from_status="",
                        to_status=device.status,
                        effective_on=device.created_at.date(),
                        reason="peer",
                        changed_by=actor,
                    )
                    audit.record(
                        actor=actor, action=Action.DEVICE_REGISTER, obj=device,
                        after=audit.snapshot(device),
                    )  # fmt: skip
                done += 1
        elapsed = time.perf_counter() - started
        raise _Rollback
    return {"rows": done, "total": elapsed}


def as_legacy(path: Path) -> None:
    """Rewrite a generated file as the profile scenario's old register writes it, and write the
    profile that reads it beside it (``<file>.profile.json``)."""
    import csv

    from medtek.demo.management.commands.synthesize import CSV_HEADER

    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    status = CSV_HEADER.index("status")
    with path.open("w", encoding="cp1252", errors="replace", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\r\n")
        writer.writerow(LEGACY_HEADERS)
        for row in rows[1:]:
            row[status] = LEGACY_STATUS.get(row[status], row[status])
            writer.writerow(row)
    profile = {
        "format": "medtek-import-profile",
        "format_version": 1,
        "kind": "devices",
        "name": "Benchmark register",
        "columns": dict(zip(LEGACY_HEADERS, CSV_HEADER, strict=True)),
        "ignored": [],
        "values": {"status": {v.casefold(): k for k, v in LEGACY_STATUS.items()}},
    }
    path.with_suffix(".profile.json").write_text(json.dumps(profile), encoding="utf-8")


def with_new_models(path: Path, models: int = 300) -> None:
    """Rewrite a generated file so that its rows name ``models`` device models the catalogue
    lacks (with a risk class) and carry an inspection interval and a last inspection."""
    import csv

    from medtek.demo.management.commands.synthesize import CSV_HEADER

    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    stamp = int(time.time())
    col = {name: CSV_HEADER.index(name) for name in ("manufacturer", "trade_name", "model_version")}
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        history = ["risk_class", "inspection_interval_months", "last_inspection_on"]
        writer.writerow([*CSV_HEADER, *history])
        for i, row in enumerate(rows[1:]):
            k = i % models
            row[col["manufacturer"]] = f"Bench Medical {stamp}"
            row[col["trade_name"]] = f"Benchmodell {k}"
            row[col["model_version"]] = f"V{k % 7}"
            writer.writerow([*row, "IIa", str(6 + 6 * (k % 4)), f"2025-{1 + k % 12:02d}-15"])


def run_child(args: argparse.Namespace) -> None:
    """One import, in this (fresh) process; prints its numbers as one JSON line."""
    setup_django()
    from django.db import connection

    from medtek.core.audit import audit_context
    from medtek.imports import profiles, services
    from medtek.organisation.models import User

    if args.tracemalloc:
        tracemalloc.start()
    actor = User.objects.get(username=args.user)
    data = Path(args.child_file).read_bytes()
    profile = None
    if args.child_profile:
        profile = profiles.unsaved(profiles.parse(actor, Path(args.child_profile).read_bytes()))
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
            actor=actor,
            kind="devices",
            filename=Path(args.child_file).name,
            data=data,
            profile=profile,
            validate=not args.separate_validation,  # as `medtek import` does
        )
        assert not session.file_errors, session.file_errors
        times["upload"] = time.perf_counter() - t0
        session = services.session_validate(actor=actor, session=session)
        times["validate"] = time.perf_counter() - t0 - times["upload"]
        assert session.status == "validated", session.status
        if args.child_models:
            from medtek.devices import import_catalogue

            t1 = time.perf_counter()
            found = import_catalogue.proposals(session, actor)
            import_catalogue.create_proposed_models(
                actor=actor, session=session, models=import_catalogue.initial_forms(found)
            )
            session = services.session_validate(actor=actor, session=session)
            times["models"] = time.perf_counter() - t1
            times["proposed"] = len(found)
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
    if args.scenario == "profile":
        cmd += ["--child-profile", str(path.with_suffix(".profile.json"))]
    if args.scenario == "catalogue":
        cmd.append("--child-models")
    if args.profile:
        cmd.append("--profile")
    if args.tracemalloc:
        cmd.append("--tracemalloc")
    if args.sql:
        cmd.append("--sql")
    if args.separate_validation:
        cmd.append("--separate-validation")
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
    parser.add_argument("--rows", type=int, help="100,000 (10,000 for the catalogue scenario)")
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
    parser.add_argument(
        "--peer",
        type=int,
        default=10_000,
        help="Rows of the plain per-row Django import to time (0: none).",
    )
    parser.add_argument(
        "--separate-validation",
        action="store_true",
        help="Validate in a pass of its own after the upload, as the web does, instead of "
        "while the rows are stored, as the command line does.",
    )
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--child-file", help=argparse.SUPPRESS)
    parser.add_argument("--child-profile", help=argparse.SUPPRESS)
    parser.add_argument("--child-models", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--scenario",
        choices=SCENARIOS,
        default="plain",
        help="plain: medtek's own headers; profile: an old register's file read with a profile; "
        "catalogue: 300 new models and an inspection plan per row (10,000 rows by default).",
    )
    args = parser.parse_args()
    if args.rows is None:
        args.rows = 10_000 if args.scenario == "catalogue" else 100_000
    if args.child:
        run_child(args)
        return

    setup_django()
    from django.db.models import Count

    from medtek.demo.management.commands.synthesize import write_import_csv
    from medtek.devices.models import Device

    print(f"Device import benchmark, {args.scenario}: {args.rows} rows ({machine_note()})")
    print(f"Devices in the database: {Device.objects.aggregate(n=Count('pk'))['n']}")
    workdir = Path(tempfile.mkdtemp(prefix="medtek-bench-"))
    print(f"PostgreSQL: {settings_in_force()}")
    results, prefixes, sessions = [], [], []
    base: dict[str, float] | None = None
    peer: dict[str, float] | None = None
    try:
        for i, mode in enumerate(args.modes):
            path = workdir / f"devices-{mode}.csv"
            share = 0.0 if mode == "all_or_nothing" else args.errors
            prefixes.append(
                write_import_csv(path, args.rows, seed=int(time.time()) + i, error_share=share)
            )
            if base is None:  # of the rows as generated, before a scenario rewrites them
                valid = path
                if share:  # the floor writes every row: it needs a file without bad rows
                    valid = workdir / "floor.csv"
                    write_import_csv(valid, args.rows, seed=int(time.time()) - 1, error_share=0)
                base = floor(valid, args.user)
                print(
                    f"Floor (plain SQL, rolled back): {base['rows']:.0f} rows in "
                    f"{base['total']:.2f} s ("
                    + ", ".join(
                        f"{k} {v:.2f}" for k, v in base.items() if k not in ("rows", "total")
                    )
                    + ")",
                    flush=True,
                )
                if args.peer:
                    peer = django_peer(valid, args.user, args.peer)
                    print(
                        f"Plain Django, per row (rolled back): {peer['rows']:.0f} rows in "
                        f"{peer['total']:.1f} s = {peer['rows'] / peer['total']:,.0f} rows/s",
                        flush=True,
                    )
            if args.scenario == "profile":
                as_legacy(path)
            elif args.scenario == "catalogue":
                with_new_models(path)
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

    assert base is not None
    floor_rate = base["rows"] / base["total"]
    peer_rate = peer["rows"] / peer["total"] if peer else None
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
                f"{t['models']:.1f} ({t['proposed']})" if "models" in t else "-",
                f"{r['total']:.1f}",
                f"{rate:,.0f}",
                f"{r['rss_peak_mb']:.0f}",
                f"{r['tracemalloc_peak_mb']:.0f}" if r["tracemalloc_peak_mb"] else "-",
                f"{floor_rate / rate:.2f}x",
                f"{rate / peer_rate:.0f}x" if peer_rate else "-",
                "yes"
                if floor_rate / rate <= TARGET_FLOOR_RATIO
                and (peer_rate is None or rate / peer_rate >= TARGET_PEER_RATIO)
                and r["rss_peak_mb"] <= TARGET_MB
                else "NO",
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
            "models s (n)",
            "total s",
            "rows/s",
            "peak RSS MB",
            "traced MB",
            "× floor",
            "× Django",
            "target",
        ],
        rows_out,
    )
    print(
        f"\nFloor: {base['rows']:.0f} rows in {base['total']:.2f} s = {floor_rate:,.0f} rows/s"
        + (f"; plain Django: {peer_rate:,.0f} rows/s" if peer_rate else "")
        + f". Targets: ≤ {TARGET_FLOOR_RATIO:g}× the floor's time, ≥ {TARGET_PEER_RATIO}× plain "
        f"Django's rate, peak ≤ {TARGET_MB} MB (aim: {TARGET_ROWS_PER_S:,} rows/s). "
        f"Load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())}."
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
