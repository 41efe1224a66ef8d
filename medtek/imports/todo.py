"""The imports' item on the start page (core.todo): the person's own imports that wait for a
decision (uploaded or checked, neither imported nor rejected)."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from medtek.core.todo import Todo

from .models import ImportSession

WAITING = (ImportSession.Status.UPLOADED, ImportSession.Status.VALIDATED)


def todo(user: Any, today: datetime.date) -> Iterable[Todo]:
    if not getattr(user, "is_authenticated", False):
        return []
    mine = ImportSession.objects.filter(created_by=user, status__in=WAITING)
    return [
        Todo(
            key="imports.waiting",
            label=_("Your imports waiting for a decision"),
            count=mine.count(),
            url=f"{reverse('imports:session_list')}?waiting=mine",
        )
    ]
