"""``medtek import_expire``: remove the stored rows of import sessions left untouched for
``IMPORT_SESSION_EXPIRY_DAYS`` (imports.expiry); run it daily, e.g. from cron."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from medtek.core.audit import audit_context
from medtek.imports import expiry


class Command(BaseCommand):
    help = (
        "Remove the stored rows of import sessions untouched for IMPORT_SESSION_EXPIRY_DAYS "
        "(unfinished ones expire); run daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List, remove nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = settings.IMPORT_SESSION_EXPIRY_DAYS
        if options["dry_run"]:
            due = expiry.due()
            for pk in due:
                self.stdout.write(f"Would remove the rows of import session {pk}.")
            self.stdout.write(f"{len(due)} session(s) untouched for {days} days.")
            return
        with audit_context(source="cli"):
            removed = expiry.expire()
        for r in removed:
            what = "kept as imported" if r.status == "committed" else "expired"
            self.stdout.write(f"Import session {r.session_id}: {r.rows} rows removed ({what}).")
        self.stdout.write(f"{len(removed)} session(s) untouched for {days} days.")
