"""``medtek export KIND --format csv|xlsx``: stream an export, scoped like the list page."""

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict
from django.utils import translation

from medtek.core.exports import csv_rows, encoded, write_xlsx
from medtek.imports import registry
from medtek.organisation.models import User


class Command(BaseCommand):
    help = "Export records (e.g. devices) as CSV or XLSX, as the given user may see them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=registry.kinds())
        parser.add_argument("--user", required=True, help="Export what this user may see.")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument(
            "--output", "-o", type=Path, help="File to write (default: standard output for CSV)."
        )
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="A list filter, e.g. --filter status=in_use --filter due=overdue",
        )
        parser.add_argument(
            "--codes",
            action="store_true",
            help="Field names and stored codes instead of labels and values as shown.",
        )
        parser.add_argument(
            "--lang",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="The language of the labels (Swedish by default).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        try:
            user = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user {options['user']!r}.") from None
        params = QueryDict(mutable=True)
        for item in options["filter"]:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter {item!r}: write NAME=VALUE.")
            params.appendlist(name, value)
        importer = registry.get(options["kind"])(user, update_existing=False)
        try:
            header, rows = importer.export(user, params)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        if not options["codes"]:
            header, rows = importer.present(header, rows)
        out: Path | None = options["output"]
        if options["format"] == "xlsx":
            if out is None:
                raise CommandError("XLSX needs --output FILE.")
            with out.open("wb") as f:
                write_xlsx(f, header, rows)
            return
        if out is None:
            sys.stdout.flush()
            for data in encoded(csv_rows(header, rows)):
                sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        with out.open("wb") as f:
            for data in encoded(csv_rows(header, rows)):
                f.write(data)
