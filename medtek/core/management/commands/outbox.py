"""``medtek outbox``: deliver the queued e-mail (and other side effects) that were not delivered
when their change was saved, retry failures, and list what was given up (ADR 0011).

Run it as a worker (``--loop``) or from cron (``--once``, the default, every few minutes).
"""

import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from medtek.core import outbox
from medtek.core.audit import audit_context


class Command(BaseCommand):
    help = (
        "Deliver queued messages (e-mail) that are due: what was not sent right after its change "
        "was saved, and retries. Lists and retries the messages given up."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--once", action="store_true", help="Deliver what is due, then stop (the default)."
        )
        mode.add_argument(
            "--loop",
            action="store_true",
            help="Keep delivering every --interval seconds until stopped (a worker).",
        )
        mode.add_argument(
            "--failed",
            action="store_true",
            help="List the messages given up after the last allowed attempt.",
        )
        mode.add_argument(
            "--retry",
            type=int,
            nargs="+",
            metavar="ID",
            help="Make these unsent messages due now, with a fresh count of attempts.",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=30.0,
            help="Seconds between two passes of --loop (default 30).",
        )
        parser.add_argument(
            "--limit", type=int, default=100, help="Messages per pass at most (default 100)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["limit"] < 1:
            raise CommandError("--limit must be at least 1")
        if options["interval"] < 0:
            raise CommandError("--interval must not be negative")
        with audit_context(source="cli"):
            if options["failed"]:
                self.list_failed()
            elif options["retry"]:
                self.retry(options["retry"])
            elif options["loop"]:
                self.loop(limit=options["limit"], interval=options["interval"])
            else:
                self.report(outbox.deliver(limit=options["limit"]), quiet=False)
                self.report_failed()

    def report(self, result: outbox.Delivery, *, quiet: bool) -> None:
        if quiet and not result.attempted:
            return
        self.stdout.write(f"Sent {len(result.sent)} message(s).")
        if result.retrying:
            self.stdout.write(f"{len(result.retrying)} message(s) failed and will be retried.")
        for message in outbox.failed_messages().filter(pk__in=result.failed):
            self.stderr.write(
                f"Given up after {message.attempts} attempt(s): message {message.pk} "
                f"({message.key}): {message.last_error}"
            )

    def report_failed(self) -> None:
        count = outbox.failed_messages().count()
        if count:
            self.stdout.write(
                f"{count} message(s) given up, waiting for an operator: "
                "`medtek outbox --failed` lists them, `--retry ID` sends them again."
            )

    def list_failed(self) -> None:
        failed = list(outbox.failed_messages().order_by("created_at", "pk"))
        for m in failed:
            queued = timezone.localtime(m.created_at)
            self.stdout.write(
                f"{m.pk}  {m.kind}  {m.key}  queued {queued:%Y-%m-%d %H:%M}  "
                f"{m.attempts} attempt(s)  request {m.request_id or '-'} ({m.source or '-'})"
            )
            self.stdout.write(f"    {m.last_error}")
        self.stdout.write(
            f"{len(failed)} message(s) given up after {settings.OUTBOX_MAX_ATTEMPTS} attempts."
        )

    def retry(self, ids: list[int]) -> None:
        made = outbox.retry(ids=ids)
        self.stdout.write(f"{made} message(s) due again; the next delivery sends them.")
        if made < len(set(ids)):
            self.stderr.write("The others are sent already or do not exist.")

    def loop(self, *, limit: int, interval: float) -> None:
        stop = threading.Event()

        def ask_to_stop(signum: int, frame: FrameType | None) -> None:
            # Finish the message at hand (its transaction) rather than die in the middle of it.
            stop.set()

        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, ask_to_stop)
        self.stdout.write(f"Delivering every {interval:g} s; stop with Ctrl-C or SIGTERM.")
        try:
            while not stop.is_set():
                close_old_connections()
                try:
                    result = outbox.deliver(limit=limit)
                except DatabaseError as exc:
                    # The database went away: the messages are safe in it; try again later.
                    self.stderr.write(f"Delivery failed, trying again: {exc}")
                    result = outbox.Delivery()
                self.report(result, quiet=True)
                if result.attempted < limit:  # a full pass may have left more: go on at once
                    stop.wait(interval)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("Stopped.")
