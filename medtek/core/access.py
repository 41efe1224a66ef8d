"""The bridge between generic views (history, audit log) and each app's scoping functions.

Apps register, for each audited model, the function that answers "which of these may this person
see?". Core never imports the apps; the apps register themselves in ``AppConfig.ready``.
"""

from collections.abc import Callable
from typing import Any

from django.db import models

VisibleFn = Callable[[Any], models.QuerySet[Any]]

_visible: dict[str, VisibleFn] = {}


def register_scope(model: type[models.Model], visible_to: VisibleFn) -> None:
    _visible[model._meta.label_lower] = visible_to


def scope_for(label: str) -> VisibleFn | None:
    return _visible.get(label)


def scoped_labels() -> list[str]:
    return sorted(_visible)
