"""The reports' items on the start page (core.todo): for those who draft and send reports,
the unsent ones past their due date and those due within three days; for approvers, the drafts
that wait for their approval (docs/domain/reporting.md#deadlines) — each counted with the
report list's own filter, so the figure is the list's."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from medtek.core.todo import Todo
from medtek.organisation.access import has_role

from . import selectors
from .access import ANY_DRAFTER
from .filters import DueFilter
from .models import Report


def todo(user: Any, today: datetime.date) -> Iterable[Todo]:
    if not has_role(user, ANY_DRAFTER):
        return []
    reports = selectors.reports_for(user)
    url = reverse("reports:report_list")
    due = DueFilter()
    return [
        Todo(
            key="reports.overdue",
            label=_("Reports to authorities past their due date"),
            count=due.filter(reports, DueFilter.OVERDUE).count(),
            url=f"{url}?due={DueFilter.OVERDUE}",
            urgent=True,
        ),
        Todo(
            key="reports.soon",
            label=_("Reports to authorities due within three days"),
            count=due.filter(reports, DueFilter.SOON).count(),
            url=f"{url}?due={DueFilter.SOON}",
        ),
        Todo(
            key="reports.drafts",
            label=_("Report drafts waiting for approval"),
            count=reports.filter(status=Report.Status.DRAFT).count(),
            url=f"{url}?status={Report.Status.DRAFT}",
        ),
    ]
