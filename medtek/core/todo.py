"""What a person needs to do now: the start page's list, from every app (docs/decisions/
0016-start-page.md).

An app registers a provider (``register("devices", provider)`` in its ``AppConfig.ready``) that
says, for a person and a day, what waits for them in that app — each item a count and a link to
the list that shows exactly those records, so the start page's figure and the list always agree.
The start page asks every provider and shows the items with something to do. Core knows no app:
the apps come to it, and nothing imports upward.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Todo:
    """One thing to do: ``count`` records behind ``url`` (a list filtered to exactly them)."""

    key: str
    label: str
    count: int
    url: str
    #: Overdue, or otherwise past what the rules allow: shown first, marked.
    urgent: bool = False


#: (person, today) → the person's items of one app.
Provider = Callable[[Any, datetime.date], Iterable[Todo]]
_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    _providers[name] = provider


def for_user(user: Any, today: datetime.date) -> list[Todo]:
    """Every item with something to do, the urgent ones first, in the apps' order."""
    found = [t for p in _providers.values() for t in p(user, today) if t.count]
    return sorted(found, key=lambda t: not t.urgent)
