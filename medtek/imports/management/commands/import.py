"""``medtek import KIND FILE``: the same preview → commit workflow as the web page, with a
progress bar on the terminal."""

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from medtek.core.audit import audit_context
from medtek.imports import registry, services
from medtek.imports.models import ImportRow, ImportSession
from medtek.imports.resume import resume_session
from medtek.organisation.models import User


def progress_bar(label: str, done: int, total: int, stream: Any) -> None:
    width = 40
    filled = int(width * done / total) if total else width
    stream.write(f"\r{label:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    stream.flush()


class Command(BaseCommand):
    help = "Import a CSV or XLSX file (e.g. devices) through the import workflow."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", nargs="?", choices=registry.kinds())
        parser.add_argument("file", nargs="?", type=Path)
        parser.add_argument(
            "--resume",
            type=int,
            metavar="SESSION_ID",
            help="Finish an import session that stopped half way (on the web or here).",
        )
        parser.add_argument("--user", required=True, help="User name of the person importing.")
        parser.add_argument(
            "--mode", choices=ImportSession.Mode.values, default=ImportSession.Mode.ALL_OR_NOTHING
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="Update records that already exist (matched by key).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate only.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate("en")
        try:
            actor = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user {options['user']!r}.") from None
        show = not options["no_progress"]
        err = sys.stderr

        def validating(s: ImportSession) -> None:
            if show:
                progress_bar("checking", s.validated_rows, s.total_rows - s.blank_rows, err)

        def committing(s: ImportSession) -> None:
            if show:
                progress_bar("importing", s.committed_rows, s.valid_rows, err)

        if options["resume"] is not None:
            session = resume_session(
                self,
                actor,
                options["resume"],
                mode=options["mode"],
                dry_run=options["dry_run"],
                progress=(validating, committing) if show else None,
            )
            if session is not None:
                self._report(session)
            return
        path: Path | None = options["file"]
        if options["kind"] is None or path is None:
            raise CommandError("Give the kind and the file to import, or --resume SESSION_ID.")
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")

        with audit_context(source="cli"):
            session = services.session_create(
                actor=actor,
                kind=options["kind"],
                filename=path.name,
                data=path.read_bytes(),
                update_existing=options["update"],
            )
            if session.file_errors:
                for e in session.file_errors:
                    self.stderr.write(f"file: {e}")
                raise CommandError(f"Nothing imported (session {session.pk}).")
            session = services.session_validate(actor=actor, session=session, progress=validating)
            if show:
                err.write("\n")
            self._print_errors(session)
            self.stdout.write(
                f"{session.valid_rows} valid rows, {session.error_rows} with "
                f"errors, {session.blank_rows} blank (session {session.pk})."
            )
            if options["dry_run"]:
                return
            try:
                session = services.session_commit(
                    actor=actor, session=session, mode=options["mode"], progress=committing
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            if show:
                err.write("\n")
        self._report(session)

    def _report(self, session: ImportSession) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: {session.created_count} created, {session.updated_count} updated, "
                f"{session.unchanged_count} unchanged, {session.error_rows} rows with errors left "
                "out."
            )
        )

    def _print_errors(self, session: ImportSession, limit: int = 200) -> None:
        shown = 0
        for row in session.rows.filter(status=ImportRow.Status.INVALID).order_by("number"):
            for e in row.errors:
                if shown < limit:
                    col = f" [{e['column']}={e['value']!r}]" if e.get("column") else ""
                    self.stderr.write(f"row {row.number}{col}: {e['message']}")
                shown += 1
        if shown > limit:
            self.stderr.write(f"… and {shown - limit} more errors.")
