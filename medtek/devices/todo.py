"""The register's items on the start page (core.todo): inspections overdue, and due within 30
days, in the person's units — counted with the device list's own filter, so the figure is the
list's."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from medtek.core.todo import Todo
from medtek.organisation.access import has_role
from medtek.organisation.roles import Role

from .filters import DueFilter
from .selectors import device_list_queryset

#: Who looks after the inspections of their units' devices.
RESPONSIBLE = frozenset({Role.MT_ENGINEER, Role.HEAD_OF_UNIT, Role.QUALITY_LEAD})


def todo(user: Any, today: datetime.date) -> Iterable[Todo]:
    if not has_role(user, RESPONSIBLE):
        return []
    devices = device_list_queryset(user)
    due = DueFilter()
    url = reverse("devices:device_list")
    return [
        Todo(
            key="devices.overdue",
            label=_("Inspections overdue"),
            count=due.filter(devices, DueFilter.OVERDUE).count(),
            url=f"{url}?due={DueFilter.OVERDUE}",
            urgent=True,
        ),
        Todo(
            key="devices.due_30",
            label=_("Inspections due within 30 days (overdue included)"),
            count=due.filter(devices, DueFilter.DUE_30).count(),
            url=f"{url}?due={DueFilter.DUE_30}",
        ),
    ]
