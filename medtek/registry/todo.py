"""The diary's item on the start page (core.todo): for registrars, the documents waiting in
their inbox, marked urgent when one is past its registration target (OSL ch. 5 § 1: without
delay) — counted as the inbox shows them."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from medtek.core.todo import Todo
from medtek.organisation.access import has_role

from .access import REGISTRARS
from .selectors import inbox


def todo(user: Any, today: datetime.date) -> Iterable[Todo]:
    if not has_role(user, REGISTRARS):
        return []
    waiting = inbox(user)
    return [
        Todo(
            key="registry.inbox",
            label=_("Documents to register"),
            count=len(waiting),
            url=reverse("registry:inbox"),
            urgent=any(w.overdue for w in waiting),
        )
    ]
