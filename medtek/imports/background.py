"""Validation and commit of large files outside the web request: a *run* of the background worker
(ADR 0019).

A web request has a time limit (30 s behind a production server) that a large file's commit
outlasts, so files of more data rows than ``IMPORT_INLINE_ROWS`` are validated and imported by
``medtek db_worker``: the page queues a task and shows the session's own counters, so a reload
shows the same progress. The workflow itself is unchanged (``services.session_validate`` and
``services.session_commit``), and so are its guarantees: an all-or-nothing commit is one
transaction, a valid-only commit is batches that each commit fully.

A run is recorded on its session: the id of its task (``run_id``), who asked and when, and the
time of its last progress (``heartbeat_at``, after every chunk). Rules:

- **One run at a time.** A run is queued in the transaction that records it on the session
  (the queue is a table of the same database), so a run exists exactly when its task does. A
  task that finds another run recorded on its session stops without doing anything, and so does
  a run that finds, after a chunk, that it is no longer the session's run.
- **A run that died can be resumed.** A run counts as stopped when its task failed, or when it
  made no progress for ``IMPORT_RUN_STALE_SECONDS`` and no transaction holds the session (an
  all-or-nothing commit writes no progress until it ends, but holds the session's row; SQLite
  has no row locks, so there only the progress counts). Its owner may then resume it: validation
  goes on with the rows not yet checked, a valid-only commit after the last whole batch, and an
  all-or-nothing commit from the start, since its transaction was rolled back. Rows change status
  in the transaction that writes their records, so nothing is written twice.
- The command line resumes a session in its own process (``medtek import --resume``), recorded
  as a run like any other, so that the page shows its progress and no worker starts a second one.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from medtek.core import audit
from medtek.organisation.models import User

from . import services
from .actions import Action
from .models import ImportSession

Status = ImportSession.Status
#: What a run does.
VALIDATE, COMMIT = "validate", "commit"
#: Runs of the command line are named so, not by a task.
CLI_PREFIX = "cli-"


class Superseded(Exception):
    """The session's run is no longer this one: it stops at once."""


def in_background(session: ImportSession) -> bool:
    """Is the session too large to be validated or imported inside a web request?"""
    return session.total_rows - session.blank_rows > settings.IMPORT_INLINE_ROWS


@dataclass(frozen=True)
class Run:
    """The session's run as its page shows it."""

    #: "queued" (waiting for a worker), "running" or "stopped" (died or failed: may be resumed).
    state: str
    work: str
    #: Queued for longer than a worker takes to pick a task up: no worker seems to be running.
    waiting_for_worker: bool
    #: An all-or-nothing commit: one transaction, so its counts appear only when it ends.
    whole: bool
    from_command_line: bool
    last_progress: datetime | None


def run_state(session: ImportSession) -> Run | None:
    """The session's run, or None if none is under way."""
    if not session.run_id:
        return None
    work = COMMIT if session.status == Status.COMMITTING else VALIDATE
    cli = session.run_id.startswith(CLI_PREFIX)
    task_status = "RUNNING" if cli else _task_status(session.run_id)
    now = timezone.now()
    if task_status == "READY":
        waited = now - (session.run_requested_at or now)
        state = "queued"
    elif task_status == "RUNNING" and _alive(session, now):
        waited, state = timedelta(0), "running"
    else:
        waited, state = timedelta(0), "stopped"
    return Run(
        state=state,
        work=work,
        waiting_for_worker=waited > timedelta(seconds=settings.IMPORT_WORKER_WAIT_SECONDS),
        whole=work == COMMIT and session.mode == ImportSession.Mode.ALL_OR_NOTHING,
        from_command_line=cli,
        last_progress=session.heartbeat_at,
    )


def _task_status(run_id: str) -> str | None:
    """The queue's status of the run's task (None once its result has been pruned)."""
    status = DBTaskResult.objects.filter(id=run_id).values_list("status", flat=True).first()
    return str(status) if status is not None else None


def _alive(session: ImportSession, now: datetime) -> bool:
    if session.run_error:  # it recorded why it stopped
        return False
    last = session.heartbeat_at or session.run_requested_at
    if last and now - last < timedelta(seconds=settings.IMPORT_RUN_STALE_SECONDS):
        return True
    return _held(session)


def _held(session: ImportSession) -> bool:
    """Does another transaction hold the session's row (an all-or-nothing commit does, from its
    start to its end)? PostgreSQL answers without waiting; SQLite has no row locks."""
    if connection.vendor != "postgresql":
        return False
    with transaction.atomic():
        free = (
            ImportSession.objects.select_for_update(skip_locked=True)
            .filter(pk=session.pk)
            .values_list("pk", flat=True)
        )
        return not list(free)


# Starting and resuming ---------------------------------------------------------------------------


def start(*, actor: Any, session: ImportSession, mode: str | None = None) -> ImportSession:
    """Queue the session's validation (without ``mode``) or its commit in ``mode`` for the
    background worker. What would refuse the work is checked now, so the page says so at once."""
    with transaction.atomic():
        session = _lock(session)
        run = run_state(session)
        if run is not None and run.state != "stopped":
            raise ValidationError(_("This import is already under way in the background."))
        if mode is None:
            services.check_validate(actor, session)
            session.status = Status.VALIDATING
        else:
            services.check_commit(actor, session, mode)
            session.status, session.mode = Status.COMMITTING, mode
        return _queue(actor, session, resumed=run is not None)


def resume(*, actor: Any, session: ImportSession) -> ImportSession:
    """Queue the work of a run that stopped (or of a session left half done) once more."""
    with transaction.atomic():
        session = _lock(session)
        if session.created_by_id != getattr(actor, "pk", None):
            raise PermissionDenied
        run = run_state(session)
        if run is not None and run.state != "stopped":
            raise ValidationError(_("This import is already under way in the background."))
        _check_resumable(actor, session)
        return _queue(actor, session, resumed=True)


def _check_resumable(actor: Any, session: ImportSession) -> None:
    if session.status == Status.VALIDATING:
        services.check_validate(actor, session)
    elif session.status == Status.COMMITTING:
        services.check_commit(actor, session, session.mode)
    else:
        raise ValidationError(_("There is nothing to resume in this import."))


def _lock(session: ImportSession) -> ImportSession:
    """The session, locked; refused at once if a transaction holds it (an all-or-nothing commit
    under way), instead of waiting for that commit to end."""
    locked = (
        ImportSession.objects.defer("source")
        .select_for_update(skip_locked=True)
        .filter(pk=session.pk)
        .first()
    )
    if locked is None:
        raise ValidationError(_("This import is already under way in the background."))
    return locked


def _queue(actor: Any, session: ImportSession, *, resumed: bool) -> ImportSession:
    from . import tasks

    _give_up_task(session)
    task = tasks.validate_session if session.status == Status.VALIDATING else tasks.commit_session
    # The queue is a table of this database: the task is queued in this transaction, with the
    # session's record of it, or not at all.
    # Messages stored with the rows are written in the language of the person who asked.
    result = task.enqueue(session.pk, actor.pk, translation.get_language() or "")
    _record_run(actor, session, result.id)
    audit.record(
        actor=actor,
        action=Action.IMPORT_QUEUE,
        obj=session,
        after={
            "work": VALIDATE if session.status == Status.VALIDATING else COMMIT,
            "mode": session.mode,
            "resumed": resumed,
            "task": result.id,
        },
    )
    return session


def _record_run(actor: Any, session: ImportSession, run_id: str) -> None:
    session.run_id, session.run_by = run_id, actor
    session.run_requested_at, session.heartbeat_at, session.run_error = timezone.now(), None, ""
    session.save()


def _give_up_task(session: ImportSession) -> None:
    """A stopped run's task that the queue still lists as running (its worker was killed) is
    marked failed, so that the queue tells the truth and its result can be pruned."""
    if session.run_id and not session.run_id.startswith(CLI_PREFIX):
        DBTaskResult.objects.filter(id=session.run_id, status="RUNNING").update(
            status="FAILED",
            finished_at=timezone.now(),
            exception_class_path="medtek.imports.background.Superseded",
            traceback=f"The run stopped without finishing; import session {session.pk} resumed.",
        )


def claim_for_command_line(*, actor: Any, session: ImportSession) -> str:
    """Record a run of the command line on the session (refused while another is under way);
    returns its id, for :func:`run`."""
    with transaction.atomic():
        session = _lock(session)
        if session.created_by_id != getattr(actor, "pk", None):
            raise PermissionDenied
        run = run_state(session)
        if run is not None and run.state != "stopped":
            raise ValidationError(_("This import is already under way in the background."))
        if session.status in (Status.COMMITTED, Status.REJECTED, Status.EXPIRED):
            raise ValidationError(_("There is nothing to resume in this import."))
        _give_up_task(session)
        run_id = f"{CLI_PREFIX}{uuid.uuid4().hex}"
        _record_run(actor, session, run_id)
        return run_id


# Running ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    #: "done", "refused" (the workflow said no: ``message`` says why) or "superseded".
    state: str
    message: str = ""
    session: ImportSession | None = None


def run(
    session_id: int,
    user_id: int,
    run_id: str,
    work: str,
    *,
    mode: str | None = None,
    progress: Callable[[ImportSession], None] | None = None,
    language: str = "",
) -> Outcome:
    """Carry out a run: validate the session's pending rows, or commit it (in ``mode``, by
    default the one it was queued in), with messages in ``language`` (by default the active
    one). Called by the worker's tasks and by the command line."""
    with translation.override(language or translation.get_language()):
        return _run(session_id, user_id, run_id, work, mode, progress)


def _run(
    session_id: int,
    user_id: int,
    run_id: str,
    work: str,
    mode: str | None,
    progress: Callable[[ImportSession], None] | None,
) -> Outcome:
    actor = User.objects.get(pk=user_id)
    with transaction.atomic():
        session = ImportSession.objects.defer("source").select_for_update().get(pk=session_id)
        if session.run_id != run_id:
            return Outcome("superseded")
        session.heartbeat_at = timezone.now()
        session.save(update_fields=["heartbeat_at", "updated_at"])

    def step(s: ImportSession) -> None:
        now = timezone.now()
        beat = ImportSession.objects.filter(pk=session_id, run_id=run_id)
        if not beat.update(heartbeat_at=now, updated_at=now):
            raise Superseded
        if progress:
            progress(s)

    try:
        with audit.audit_context(source="cli" if run_id.startswith(CLI_PREFIX) else "task"):
            if work == VALIDATE:
                session = services.session_validate(actor=actor, session=session, progress=step)
            else:
                session = services.session_commit(
                    actor=actor, session=session, mode=mode or session.mode, progress=step
                )
    except Superseded:
        return Outcome("superseded")
    except ValidationError as exc:
        message = " ".join(exc.messages)
        _end(session_id, run_id, refused=message)
        return Outcome("refused", message)
    except BaseException as exc:
        # Kept as the session's run, stopped: the page offers to resume it.
        ImportSession.objects.filter(pk=session_id, run_id=run_id).update(
            run_error=_("The work stopped because of an error (%(error)s).")
            % {"error": type(exc).__name__}
        )
        raise
    _end(session_id, run_id)
    return Outcome("done", session=session)


def _end(session_id: int, run_id: str, *, refused: str = "") -> None:
    """The run is over: the session is free for the next step. A refused all-or-nothing commit
    wrote nothing, so its session is back where it was before the commit."""
    with transaction.atomic():
        session = ImportSession.objects.defer("source").select_for_update().get(pk=session_id)
        if session.run_id != run_id:
            return
        session.run_id, session.heartbeat_at, session.run_error = "", None, refused
        if (
            refused
            and session.status == Status.COMMITTING
            and session.mode == ImportSession.Mode.ALL_OR_NOTHING
        ):
            session.status = Status.VALIDATED
        session.save()


def require_idle(session: ImportSession) -> None:
    """Refuse a change of the session while a run works on it (``session_set_mapping``); a
    stopped run is given up, since the change starts the work afresh."""
    run = run_state(session)
    if run is not None and run.state != "stopped":
        raise ValidationError(_("This import is already under way in the background."))
    if run is not None:
        _give_up_task(session)
        session.run_id, session.heartbeat_at, session.run_error = "", None, ""
