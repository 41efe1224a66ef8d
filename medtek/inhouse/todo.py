"""The in-house files' item on the start page (core.todo): files whose MDR art. 5(5) evidence
is missing or out of date, for those who keep files — counted as the file list filters them."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from medtek.core.todo import Todo

from .access import may_keep_file
from .models import incomplete_q
from .selectors import inhouse_list_queryset


def todo(user: Any, today: datetime.date) -> Iterable[Todo]:
    if not may_keep_file(user):
        return []
    files = inhouse_list_queryset(user, today).filter(incomplete_q(today))
    return [
        Todo(
            key="inhouse.incomplete",
            label=_("In-house files with missing evidence (MDR art. 5(5))"),
            count=files.count(),
            url=f"{reverse('inhouse:file_list')}?evidence=incomplete",
            urgent=True,
        )
    ]
