"""``medtek remind``: e-mail the responsible people about overdue and due-soon inspections."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from medtek.devices.reminders import send_reminders


class Command(BaseCommand):
    help = "E-mail reminders of overdue and due-soon inspections (run daily, e.g. from cron)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=30,
            help="Include inspections due within this many days (default 30).",
        )
        parser.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            help="Pretend today is this date (YYYY-MM-DD).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List, do not send.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["date"] or timezone.localdate()
        summary = send_reminders(today=today, days=options["days"], dry_run=options["dry_run"])
        verb = "Would send" if options["dry_run"] else "Sent"
        for address, count in summary:
            self.stdout.write(f"{verb} to {address}: {count} device(s)")
        self.stdout.write(f"{verb} {len(summary)} reminder(s).")
