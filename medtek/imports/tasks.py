"""The background worker's tasks of the import workflow (imports.background; run by
``medtek db_worker``). Each returns what became of its run: "done", "refused" or "superseded"."""

from django_tasks import TaskContext, task

from . import background


@task(takes_context=True)
def validate_session(context: TaskContext, session_id: int, user_id: int, language: str) -> str:
    """Validate an import session's rows, as ``user_id`` asked (messages in ``language``)."""
    run_id = str(context.task_result.id)
    return background.run(session_id, user_id, run_id, background.VALIDATE, language=language).state


@task(takes_context=True)
def commit_session(context: TaskContext, session_id: int, user_id: int, language: str) -> str:
    """Import a validated session's rows, in the mode it was queued in."""
    run_id = str(context.task_result.id)
    return background.run(session_id, user_id, run_id, background.COMMIT, language=language).state
