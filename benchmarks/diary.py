"""Diary benchmark, on PostgreSQL: concurrent registration and the diary's search at scale.

1. **Numbers under concurrency**: W writers (threads, each its own database connection) each
   submit and register N documents into **one** case, so every registration queues on the same
   case row. Checks that the W × N document numbers are distinct and gap-free (suffixes 1 … W×N)
   and reports the throughput.
2. **Search over many documents**: makes the diary hold at least D registered documents (written
   set-based, as an import from a previous diary would be; only once per database), then times
   searched pages of 50 through Django's test Client as the registrar (region-wide) and as the
   head of one unit, with the SQL time and the queries per request (which must not depend on the
   page size).

    DATABASE_URL=postgresql://medtek:medtek@localhost/medtek_bench DEBUG=true \\
        .venv/bin/python benchmarks/diary.py [--writers 32] [--each 100] [--documents 100000]

The database needs the demo region (``medtek demo``); run it on a benchmark database only.
"""

import argparse
import statistics
import sys
import threading
import time

from _common import machine_note, percentile, print_table, setup_django

TARGET_MS = 100


def concurrent_registrations(writers: int, each: int) -> None:
    from django.db import connections

    from medtek.organisation.models import Unit, User
    from medtek.registry import services
    from medtek.registry.models import Document

    registrar = User.objects.get(username="registrator")
    staff = User.objects.get(username="iva")
    unit = Unit.objects.get(short_name="IVA")
    case = services.case_open(
        actor=registrar, series="mft", title=f"Benchmark {time.time():.0f}", unit=unit
    )
    errors: list[str] = []
    barrier = threading.Barrier(writers)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(each):
                document = services.document_submit(
                    actor=staff,
                    unit=unit,
                    direction="incoming",
                    kind="Svar",
                    date=case.created_at.date(),
                    counterparty="Läkemedelsverket",
                    description="Benchmark",
                )
                services.document_register(actor=registrar, document=document, case=case)
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(writers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    seqs = sorted(Document.objects.filter(case=case).values_list("seq", flat=True))
    expected = list(range(1, writers * each + 1))
    print(f"\n{writers} writers × {each} registrations into one case ({case.number})")
    print(
        f"  {len(seqs)} documents in {seconds:.1f} s: {len(seqs) / seconds:.0f} registrations/s "
        f"(each a submit and a registration, two transactions)"
    )
    print(f"  numbers distinct and gap-free: {seqs == expected}; errors: {len(errors)}")
    if errors:
        print("  first error:", errors[0])
    if seqs != expected:
        sys.exit("Document numbers are not gap-free and distinct.")


def ensure_documents(target: int) -> int:
    """At least ``target`` registered documents, made set-based in cases of 100 (as a diary
    taken over from a previous system would arrive)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from medtek.organisation.models import Unit, User
    from medtek.registry import services
    from medtek.registry.models import Case, Document

    have = Document.objects.filter(sealed_at__isnull=False).count()
    if have >= target:
        return have
    registrar = User.objects.get(username="registrator")
    units = list(Unit.objects.filter(kind__in=["clinic", "department", "primary_care_centre"]))
    words = ["infusionspump", "defibrillator", "respirator", "dialysmaskin", "ultraljud", "EKG"]
    parties = ["Läkemedelsverket", "IVO", "Tillverkaren", "Leverantören", "Patientnämnden"]
    missing = target - have
    started = time.perf_counter()
    made = 0
    while made < missing:
        with transaction.atomic():
            case = services.case_open(
                actor=registrar,
                series="mft",
                title=f"Ärende om {words[made % len(words)]}",
                unit=units[made % len(units)],
            )
            now = timezone.now()
            batch = [
                Document(
                    case=case,
                    unit=case.unit,
                    number=f"{case.number}-{i}",
                    seq=i,
                    direction=("incoming", "outgoing", "internal")[i % 3],
                    kind="Svar",
                    date=now.date(),
                    counterparty=parties[(made + i) % len(parties)] if i % 3 != 2 else "",
                    description=f"Handling {made + i} om {words[(made + i) % len(words)]}",
                    sealed_at=now,
                    sealed_by=registrar,
                    created_by=registrar,
                )
                for i in range(1, 101)
            ]
            for d in batch:
                d.refresh_search()
            Document.objects.bulk_create(batch)
            Case.objects.filter(pk=case.pk).update(last_document_seq=100)
        made += 100
        if made % 10000 == 0:
            print(f"  … {made} documents ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) registry_document")
        cursor.execute("VACUUM (ANALYZE) registry_case")
    return Document.objects.filter(sealed_at__isnull=False).count()


def search(repeat: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from medtek.organisation.models import User

    rows = []
    for username in ("registrator", "verksamhetschef"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for name, url in (
            ("search text", "/registry/?q=defibrillator"),
            ("search number", "/registry/?number=MFT"),
            ("party + direction", "/registry/?party=IVO&direction=incoming"),
            ("unfiltered", "/registry/"),
            ("api search", "/api/v1/documents/?q=defibrillator"),
        ):
            times, sql, counts = [], [], []
            for i in range(repeat + 2):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    sys.exit(f"{url} answered {response.status_code}")
                if i >= 2:
                    times.append(elapsed)
                    sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
                    counts.append(len(captured.captured_queries))
            rows.append(
                [
                    f"{username}: {name}",
                    f"{statistics.median(times):.0f}",
                    f"{percentile(times, 95):.0f}",
                    f"{statistics.median(sql):.0f}",
                    max(counts),
                    "yes" if percentile(times, 95) <= TARGET_MS else "no",
                ]
            )
    print(f"\nSearched pages of 50 (target p95 ≤ {TARGET_MS} ms server time)")
    print_table(["scenario", "p50 ms", "p95 ms", "SQL ms", "queries", "in target"], rows)


def page_size_independence() -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from medtek.organisation.models import User

    client = Client()
    client.force_login(User.objects.get(username="registrator"))
    counts = {}
    for size in (10, 50, 100):
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/api/v1/documents/?q=defibrillator&page_size={size}")
        counts[size] = len(captured.captured_queries)
    print(f"\nQueries per API page by page size: {counts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--each", type=int, default=100)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip-concurrency", action="store_true")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    print(f"medtek diary benchmark — {machine_note()}")
    print(f"PostgreSQL: {settings.DATABASES['default']['NAME']}")
    if not args.skip_concurrency:
        concurrent_registrations(args.writers, args.each)
    print(f"\nDocuments in the diary: {ensure_documents(args.documents)}")
    search(args.repeat)
    page_size_independence()


if __name__ == "__main__":
    main()
