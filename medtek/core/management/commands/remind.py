"""``medtek remind``: e-mail each person what they must do soon — overdue and due-soon
inspections, documents waiting to be registered, and what later modules register.

The e-mails are queued in the outbox (one per person, kind and day) and sent once queued; what
could not be sent yet is sent by ``medtek outbox``. Each app adds its kind of reminder
(core.reminders.register).
"""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from medtek.core.audit import audit_context
from medtek.core.models import OutboxMessage
from medtek.core.reminders import compose_all, queue_all


class Command(BaseCommand):
    help = "E-mail each person what they must do soon (run daily, e.g. from cron)."

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
        if options["dry_run"]:
            reminders = compose_all(today=today, days=options["days"])
            for r in reminders:
                self.stdout.write(f"Would send to {r.address}: {r.summary}")
            self.stdout.write(f"Would send {len(reminders)} reminder(s).")
            return

        started = timezone.now()
        with audit_context(source="cli"):
            reminders = queue_all(today=today, days=options["days"])
        # Read back after the commit, when delivery after commit has had its go.
        messages = OutboxMessage.objects.in_bulk(
            [r.message.pk for r in reminders if r.message is not None]
        )
        sent = waiting = earlier = 0
        for r in reminders:
            assert r.message is not None
            message = messages[r.message.pk]
            if message.created_at < started:
                earlier += 1
                state = "sent" if message.sent_at else "queued, not sent yet"
                self.stdout.write(f"Already reminded {r.address} for {today} ({state})")
            elif message.sent_at:
                sent += 1
                self.stdout.write(f"Sent to {r.address}: {r.summary}")
            else:
                waiting += 1
                why = f" ({message.last_error})" if message.last_error else ""
                self.stdout.write(f"Queued for {r.address}: {r.summary}, not sent yet{why}")
        self.stdout.write(f"Sent {sent} reminder(s).")
        if waiting:
            self.stdout.write(
                f"Queued {waiting} reminder(s) not sent yet: `medtek outbox` sends them."
            )
        if earlier:
            self.stdout.write(f"{earlier} person(s) already reminded for {today}.")
