"""Applying a service's keyword changes to a model instance: only the fields the service allows,
and a field error for any other (design.md: services validate before they save)."""

from collections.abc import Collection, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def apply_changes(obj: Any, changes: Mapping[str, Any], allowed: Collection[str]) -> None:
    """Set ``changes`` on ``obj``; a ValidationError naming every field outside ``allowed``, and
    nothing set, if there is one."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in unknown})
    for name, value in changes.items():
        setattr(obj, name, value)
