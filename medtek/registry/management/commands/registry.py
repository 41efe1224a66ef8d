"""``medtek registry export-package`` and ``medtek registry verify-package``: the diary's
archive packages from the command line, as a registrar would script them."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from medtek.core.audit import audit_context
from medtek.organisation.models import User
from medtek.registry import archive
from medtek.registry.access import cases_visible_to


class Command(BaseCommand):
    help = "Archive packages of the diary: export-package, verify-package."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export-package", help="Write the archive package of cases.")
        export.add_argument("--user", required=True, help="The registrar who exports.")
        export.add_argument("--case", action="append", default=[], help="A case number (repeat).")
        export.add_argument(
            "--from", dest="start", help="Cases opened or with documents from (YYYY-MM-DD)."
        )
        export.add_argument("--to", dest="end", help="… to (YYYY-MM-DD).")
        export.add_argument("-o", "--output", required=True, help="The zip file to write.")
        export.add_argument("--reason", default="", help="Why the package is made.")
        verify = sub.add_parser("verify-package", help="Check a package against its manifest.")
        verify.add_argument("file")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "verify-package":
            problems = archive.verify_package(options["file"])
            if problems:
                for problem in problems:
                    self.stderr.write(problem)
                raise CommandError(f"{len(problems)} problem(s): the package is not whole.")
            self.stdout.write("The package is whole: every file matches its SHA-256.")
            return
        try:
            user = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user {options['user']!r}.") from None
        cases = cases_visible_to(user)
        if options["case"]:
            cases = cases.filter(number__in=options["case"])
            missing = set(options["case"]) - set(cases.values_list("number", flat=True))
            if missing:
                raise CommandError(f"No such case: {', '.join(sorted(missing))}")
        if options["start"] or options["end"]:
            start = _date(options["start"]) or datetime.date.min
            end = _date(options["end"]) or datetime.date.max
            cases = cases.filter(
                Q(documents__date__range=(start, end)) | Q(created_at__date__range=(start, end))
            ).distinct()
        with audit_context(source="cli"), open(options["output"], "wb") as out:
            summary = archive.export_package(
                actor=user, cases=cases, out=out, reason=options["reason"]
            )
        self.stdout.write(
            f"Wrote {options['output']}: {summary.cases} cases, {summary.documents} document "
            f"versions, {summary.files} files."
        )


def _date(text: str | None) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).") from None
