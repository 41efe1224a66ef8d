"""``medtek import KIND FILE``: the same upload → map → check → import workflow as the web page,
with the same profiles, the same grouped report of errors, and a progress bar on the terminal.

Messages are in the interface's language (Swedish unless ``--lang en``). The exit status tells a
script what happened:

- 0: every row was imported, or a dry run found no errors;
- 1: rows have errors (a dry run, or an import that left them out or was refused for them);
- 2: the file could not be read or its columns cannot be mapped (nothing was checked).
"""

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medtek.core.audit import audit_context
from medtek.imports import profiles, registry, services
from medtek.imports.models import ImportProfile, ImportRow, ImportSession
from medtek.imports.parsing import size_error
from medtek.imports.resume import resume_session
from medtek.organisation.models import User

#: Exit statuses (see the module's docstring).
ROWS_WITH_ERRORS = 1
UNREADABLE = 2


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
        parser.add_argument(
            "--profile", help="A saved mapping profile by name (NAME, or NAME@VERSION)."
        )
        parser.add_argument(
            "--map", type=Path, help="A profile file (JSON, as exported) to read the file with."
        )
        parser.add_argument(
            "--ignore",
            action="append",
            default=[],
            metavar="COLUMN",
            help="Leave a column of the file out (may be given several times).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check only.")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--lang",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="The language of the messages (Swedish by default).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        try:
            actor = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(
                _("No active user “%(user)s”.") % {"user": options["user"]}, returncode=UNREADABLE
            ) from None
        show = not options["no_progress"]
        err = sys.stderr

        def validating(s: ImportSession) -> None:
            if show:
                progress_bar(_("checking"), s.validated_rows, s.total_rows - s.blank_rows, err)

        def committing(s: ImportSession) -> None:
            if show:
                progress_bar(_("importing"), s.committed_rows, s.valid_rows, err)

        if options["resume"] is not None:
            resumed = resume_session(
                self,
                actor,
                options["resume"],
                mode=options["mode"],
                dry_run=options["dry_run"],
                progress=(validating, committing) if show else None,
            )
            if resumed is not None:
                self._imported(resumed)
            return
        path: Path | None = options["file"]
        if options["kind"] is None or path is None:
            raise CommandError(
                _("Give the kind and the file to import, or --resume SESSION_ID."),
                returncode=UNREADABLE,
            )
        if not path.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": path}, returncode=UNREADABLE)
        too_large = size_error(path.stat().st_size)
        if too_large:  # said before a byte is read
            raise CommandError(f"{path}: {too_large}", returncode=UNREADABLE)
        profile = self._profile(actor, options)

        with audit_context(source="cli"):
            try:
                session = services.session_create(
                    actor=actor,
                    kind=options["kind"],
                    filename=path.name,
                    data=path.read_bytes(),
                    update_existing=options["update"],
                    profile=profile,
                    ignore=options["ignore"],
                    validate=True,  # each batch as it is stored
                    progress=validating,
                )
            except PermissionDenied:
                raise CommandError(
                    _("%(user)s may not import this kind of record.") % {"user": actor},
                    returncode=UNREADABLE,
                ) from None
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages), returncode=UNREADABLE) from None
            if session.file_errors:
                for e in session.file_errors:
                    self.stderr.write(_("file: %(error)s") % {"error": e})
                raise CommandError(
                    _("Nothing imported (session %(id)s).") % {"id": session.pk},
                    returncode=UNREADABLE,
                )
            if show:
                err.write("\n")
            self._report(session, options["verbosity"])
            self.stdout.write(
                _("%(valid)d valid rows, %(errors)d with errors, %(blank)d blank (session %(id)s).")
                % {
                    "valid": session.valid_rows,
                    "errors": session.error_rows,
                    "blank": session.blank_rows,
                    "id": session.pk,
                }
            )
            if options["dry_run"]:
                if session.error_rows:
                    raise CommandError(
                        _("Checked only: %(n)d rows have errors.") % {"n": session.error_rows},
                        returncode=ROWS_WITH_ERRORS,
                    )
                return
            try:
                session = services.session_commit(
                    actor=actor, session=session, mode=options["mode"], progress=committing
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages), returncode=ROWS_WITH_ERRORS) from None
            if show:
                err.write("\n")
        self._imported(session)

    def _imported(self, session: ImportSession) -> None:
        """What the import did; exit status 1 when rows with errors were left out."""
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported: %(c)d created, %(u)d updated, %(n)d unchanged, %(e)d rows with "
                    "errors left out."
                )
                % {
                    "c": session.created_count,
                    "u": session.updated_count,
                    "n": session.unchanged_count,
                    "e": session.error_rows,
                }
            )
        )
        if session.error_rows:
            raise CommandError(
                _("%(n)d rows with errors were left out (session %(id)s).")
                % {"n": session.error_rows, "id": session.pk},
                returncode=ROWS_WITH_ERRORS,
            )

    def _profile(self, actor: Any, options: dict[str, Any]) -> ImportProfile | None:
        if options["profile"] and options["map"]:
            raise CommandError(
                _("Give either --profile or --map, not both."), returncode=UNREADABLE
            )
        if options["profile"]:
            profile = profiles.latest(actor, options["kind"], options["profile"])
            if profile is None:
                raise CommandError(
                    _("No profile “%(name)s” for %(kind)s.")
                    % {"name": options["profile"], "kind": options["kind"]},
                    returncode=UNREADABLE,
                )
            return profile
        if options["map"]:
            path: Path = options["map"]
            if not path.is_file():
                raise CommandError(
                    _("%(path)s is not a file.") % {"path": path}, returncode=UNREADABLE
                )
            try:
                parsed = profiles.parse(actor, path.read_bytes())
            except (ValidationError, PermissionDenied) as exc:
                messages = getattr(exc, "messages", [str(exc)])
                raise CommandError(
                    _("The profile file cannot be used: %(errors)s")
                    % {"errors": " ".join(messages)},
                    returncode=UNREADABLE,
                ) from None
            if parsed.kind != options["kind"]:
                raise CommandError(
                    _("The profile file is for %(kind)s.") % {"kind": parsed.kind},
                    returncode=UNREADABLE,
                )
            for entry in parsed.left_out:
                self.stderr.write(_("profile: left out, does not exist here: %(e)s") % {"e": entry})
            return profiles.unsaved(parsed)
        return None

    def _print_errors(self, session: ImportSession) -> None:
        """The grouped errors, as ``resume_session`` prints them after checking."""
        self._report(session, 1)

    def _report(self, session: ImportSession, verbosity: int, rows_shown: int = 10) -> None:
        """The errors grouped by kind, each with its count and first rows; with ``-v 2`` every
        error of every row as well."""
        for group in session.error_summary:
            numbers = ", ".join(map(str, group["rows"][:rows_shown]))
            if group["count"] > rows_shown:
                numbers += " …"
            column = f" [{group['column']}]" if group["column"] else ""
            text = group["example"] if group["count"] == 1 else group["pattern"]
            self.stderr.write(
                ngettext(
                    "%(n)d row%(column)s: %(text)s (row %(rows)s)",
                    "%(n)d rows%(column)s: %(text)s (rows %(rows)s)",
                    group["count"],
                )
                % {"n": group["count"], "column": column, "text": text, "rows": numbers}
            )
        if verbosity < 2:
            return
        for row in session.rows.filter(status=ImportRow.Status.INVALID).order_by("number"):
            for e in row.errors:
                col = f" [{e['column']}={e['value']!r}]" if e.get("column") else ""
                self.stderr.write(
                    _("row %(n)d%(col)s: %(message)s")
                    % {"n": row.number, "col": col, "message": e["message"]}
                )
