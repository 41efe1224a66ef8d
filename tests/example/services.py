from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from medtek.core import audit
from medtek.core.actors import require, user_or_none
from medtek.core.changes import Updated, apply_changes, audited_update
from medtek.core.records import record_correct, record_seal
from medtek.core.transitions import Lifecycle, Transition

from .access import may_write
from .actions import Action
from .models import ENTRY_FIELDS, Attachment, Entry, Task


@transaction.atomic
def entry_create(
    *, actor: Any, attachments: tuple[str, ...] = (), file: Any = None, **fields: Any
) -> Entry:
    entry = Entry(created_by=user_or_none(actor), file=file)
    apply_changes(entry, fields, ENTRY_FIELDS)
    require(actor, may_write, entry.unit)
    entry.full_clean()
    entry.save()
    for name in attachments:
        Attachment.objects.create(entry=entry, name=name, note=f"Note on {name}")
    audit.record(actor=actor, action=Action.ENTRY_CREATE, obj=entry, after=audit.snapshot(entry))
    return entry


def entry_update(*, actor: Any, entry: Entry, reason: str = "", **changes: Any) -> Updated[Entry]:
    def authorize(row: Entry) -> None:
        require(actor, may_write, row.unit)
        if row.is_sealed:
            raise ValidationError("This entry is registered: correct it instead.")

    return audited_update(
        actor=actor,
        obj=entry,
        changes=changes,
        allowed=ENTRY_FIELDS,
        action=Action.ENTRY_UPDATE,
        reason=reason,
        authorize=authorize,
    )


def entry_register(*, actor: Any, entry: Entry) -> Entry:
    require(actor, may_write, entry.unit)
    return record_seal(actor=actor, record=entry, action=Action.ENTRY_REGISTER)


def _copy_attachments(old: Entry, new: Entry) -> None:
    for a in old.attachments.all():
        Attachment.objects.create(entry=new, name=a.name, note=a.note)


def entry_correct(*, actor: Any, entry: Entry, reason: str, **changes: Any) -> Entry:
    require(actor, may_write, entry.unit)
    return record_correct(
        actor=actor,
        record=entry,
        changes=changes,
        allowed=("title", "description", "party"),
        action=Action.ENTRY_CORRECT,
        reason=reason,
        children=_copy_attachments,
    )


@transaction.atomic
def task_create(*, actor: Any, title: str, unit: Any) -> Task:
    require(actor, may_write, unit)
    task = Task(title=title, unit=unit)
    task.full_clean()
    task.save()
    audit.record(actor=actor, action=Action.TASK_CREATE, obj=task, after=audit.snapshot(task))
    return task


def _checked(task: Task, **arguments: Any) -> str | None:
    return None if task.checked else "The task has not been checked."


def _not_after_deadline(task: Task, *, late: bool = False, **arguments: Any) -> Any:
    return ("late", "The deadline has passed.") if late else None


def _may(actor: Any, task: Task) -> bool:
    return may_write(actor, task.unit)


S = Task.Status
LIFECYCLE = Lifecycle(
    model=Task,
    field="status",
    action=Action.TASK_STATUS,
    transitions=[
        Transition(sources=(S.OPEN,), target=S.IN_PROGRESS, who=_may, needs_reason=False),
        Transition(
            sources=(S.IN_PROGRESS,),
            target=S.DONE,
            who=_may,
            who_message="Only the unit's registrars and heads finish tasks.",
            guards=(_checked, _not_after_deadline),
        ),
        Transition(sources=(S.OPEN, S.IN_PROGRESS), target=S.CANCELLED, who=_may),
    ],
)


def task_move(*, actor: Any, task: Task, status: str, reason: str = "", **arguments: Any) -> Task:
    return LIFECYCLE.perform(actor=actor, obj=task, target=status, reason=reason, **arguments)
