"""The in-house files' items on the start page (core.todo), each counted as the file list filters
it: files whose MDR art. 5(5) evidence is missing or out of date and files whose review of clinical
experience is overdue, for those who keep files; files waiting for the signature of a head of
unit (docs/domain/inhouse.md#sign-off)."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from medtek.core.todo import Todo
from medtek.organisation.access import has_role
from medtek.organisation.roles import Role

from .access import may_keep_file
from .filters import awaiting_signature_q
from .gates import review_overdue_q
from .models import incomplete_q
from .selectors import inhouse_list_queryset


def todo(user: Any, today: datetime.date) -> Iterable[Todo]:
    found = []
    files = inhouse_list_queryset(user, today)
    url = reverse("inhouse:file_list")
    if may_keep_file(user):
        counts = files.aggregate(
            incomplete=Count("pk", filter=incomplete_q(today)),
            review=Count("pk", filter=review_overdue_q(today)),
        )
        found.append(
            Todo(
                key="inhouse.incomplete",
                label=_("In-house files with missing evidence (MDR art. 5(5))"),
                count=counts["incomplete"],
                url=f"{url}?evidence=incomplete",
                urgent=True,
            )
        )
        found.append(
            Todo(
                key="inhouse.review",
                label=_("In-house files with an overdue review of clinical experience"),
                count=counts["review"],
                url=f"{url}?review=overdue",
                urgent=True,
            )
        )
    if has_role(user, {Role.HEAD_OF_UNIT}):
        found.append(
            Todo(
                key="inhouse.signature",
                label=_("In-house files waiting for your signature"),
                count=files.filter(awaiting_signature_q(user)).count(),
                url=f"{url}?signature=mine",
            )
        )
    return found
