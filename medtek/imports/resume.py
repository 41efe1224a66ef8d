"""``medtek import --resume SESSION_ID``: finish, in the command's own process, an import
session that stopped half way, on the web or on the command line (imports.background)."""

import sys
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from . import background
from .models import ImportSession

Status = ImportSession.Status
Progress = Callable[[ImportSession], None]


def resume_session(
    command: BaseCommand,
    actor: Any,
    session_id: int,
    *,
    mode: str,
    dry_run: bool,
    progress: tuple[Progress, Progress] | None,
) -> ImportSession | None:
    """Validate the rows not checked yet and import the session: a half-done commit in the mode
    it was started in, a validated session in ``mode``. Returns the imported session (None after
    a dry run)."""
    session = ImportSession.objects.defer("source").filter(pk=session_id).first()
    if session is None:
        raise CommandError(
            _("There is no import session %(id)s.") % {"id": session_id}, returncode=2
        )
    if session.created_by_id != actor.pk:
        raise CommandError(
            _("Import session %(id)s was uploaded by someone else; only they may resume it.")
            % {"id": session_id},
            returncode=2,
        )
    validating, committing = progress or (None, None)
    if session.status in (Status.UPLOADED, Status.VALIDATING):
        session = _run(actor, session, background.VALIDATE, None, validating)
        print_errors = getattr(command, "_print_errors", None)
        if print_errors:
            print_errors(session)
        command.stdout.write(
            _("%(valid)d valid rows, %(errors)d with errors, %(blank)d blank (session %(id)s).")
            % {
                "valid": session.valid_rows,
                "errors": session.error_rows,
                "blank": session.blank_rows,
                "id": session.pk,
            }
        )
    if dry_run:
        return None
    if session.status not in (Status.VALIDATED, Status.COMMITTING):
        raise CommandError(
            _("Import session %(id)s is %(status)s: there is nothing to resume.")
            % {"id": session_id, "status": session.get_status_display().lower()},
            returncode=2,
        )
    commit_mode = session.mode if session.status == Status.COMMITTING else mode
    return _run(actor, session, background.COMMIT, commit_mode, committing)


def _run(
    actor: Any, session: ImportSession, work: str, mode: str | None, progress: Progress | None
) -> ImportSession:
    try:
        run_id = background.claim_for_command_line(actor=actor, session=session)
    except (ValidationError, PermissionDenied) as exc:
        raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from None
    outcome = background.run(session.pk, actor.pk, run_id, work, mode=mode, progress=progress)
    if progress:
        sys.stderr.write("\n")
    if outcome.state == "refused":
        raise CommandError(outcome.message)
    if outcome.state == "superseded":
        raise CommandError(
            _("Import session %(id)s was resumed elsewhere in the meantime.") % {"id": session.pk}
        )
    return ImportSession.objects.defer("source").get(pk=session.pk)
