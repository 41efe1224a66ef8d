from typing import Any

from django.db.models import QuerySet

from medtek.core.access import one_or_404
from medtek.organisation.access import has_role, path_q
from medtek.organisation.roles import Role

from .models import Attachment, Entry, Task

WRITERS = frozenset({Role.REGISTRAR, Role.HEAD_OF_UNIT, Role.ADMINISTRATOR})


def entries_visible_to(user: Any) -> QuerySet[Entry]:
    return Entry.objects.filter(path_q(user, "unit__path"))


def entry_for_user(user: Any, pk: Any, *, write: bool = False) -> Entry:
    from django.core.exceptions import PermissionDenied

    entry: Entry = one_or_404(entries_visible_to(user).select_related("unit"), pk)
    if write and not may_write(user, entry.unit):
        raise PermissionDenied
    return entry


def attachments_visible_to(user: Any) -> QuerySet[Attachment]:
    return Attachment.objects.filter(path_q(user, "entry__unit__path"))


def tasks_visible_to(user: Any) -> QuerySet[Task]:
    return Task.objects.filter(path_q(user, "unit__path"))


def may_write(user: Any, unit: Any = None) -> bool:
    return has_role(user, WRITERS, unit)


def may_read_party(user: Any) -> bool:
    return has_role(user, {Role.REGISTRAR, Role.PATIENT_SAFETY_OFFICER})
