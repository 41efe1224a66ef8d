"""``medtek demo``: load the fictional demo region (and print how to log in)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from medtek.core import planner
from medtek.demo import region


class Command(BaseCommand):
    help = "Load the demo region (fictional data; demo passwords are printed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the log-ins) if a region exists.",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load even with DEBUG off (never on a real region's database).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: the demo users have "
                "printed passwords. Use --allow-production on a test server."
            )
        if region.region_exists():
            if options["if_empty"]:
                self.stdout.write("The database already holds a region; demo not loaded.")
                self._print_logins()
                return
            raise CommandError(
                "The database already holds a region; the demo loads only into an empty database."
            )
        self.stdout.write("Loading the demo region …")
        region.load(stdout_write=self.stdout.write)
        planner.analyse()  # its small tables would never reach autovacuum's threshold
        self.stdout.write(self.style.SUCCESS("Demo region loaded."))
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo log-ins (password for all: {region.DEMO_PASSWORD}):")
        for d in region.DEMO_USERS:
            self.stdout.write(f"  {d.username:<18} {d.title}")
