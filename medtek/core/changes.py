"""Changing a record through a service: only the fields the service allows, validated before it
is saved, with one audit event — and none when nothing changed (design.md, Where rules live).

``audited_update`` is the shape every update service had written out by hand: lock the row, take
its snapshot, apply the changes, check, ``full_clean``, save, record one event in the same
transaction. It tells its caller whether anything changed, so that a page can say "nothing to
save" instead of "saved" and the trail holds no event that records nothing.
"""

from collections.abc import Callable, Collection, Mapping
from typing import Any, Generic, NamedTuple, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from . import audit

M = TypeVar("M", bound=models.Model)


def apply_changes(obj: Any, changes: Mapping[str, Any], allowed: Collection[str]) -> None:
    """Set ``changes`` on ``obj``; a ValidationError naming every field outside ``allowed``, and
    nothing set, if there is one."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in unknown})
    for name, value in changes.items():
        setattr(obj, name, value)


class Updated(NamedTuple, Generic[M]):
    """What an update service did: the record as it is now, and whether it changed."""

    obj: M
    changed: bool


def audited_update(
    *,
    actor: Any,
    obj: M,
    changes: Mapping[str, Any],
    allowed: Collection[str],
    action: str,
    reason: str = "",
    queryset: models.QuerySet[M] | None = None,
    authorize: Callable[[M], None] | None = None,
    validate: Callable[[M, dict[str, Any]], None] | None = None,
    effects: Callable[[M, dict[str, Any]], None] | None = None,
    clean_exclude: Collection[str] = (),
) -> Updated[M]:
    """Change ``obj`` (a fresh copy of its row, locked until the transaction ends).

    ``authorize(row)`` checks the actor's rights on the record as it stands (before the changes);
    ``validate(row, before)`` checks what ``full_clean`` cannot (the rights on a new unit, a rule
    across records); ``effects(row, before)`` does what must go with the change (moving a
    subtree). Each raises to refuse, and then nothing is saved. ``before`` is the snapshot taken
    before the changes. A change that leaves every field as it was saves nothing and records
    nothing.
    """
    with transaction.atomic():
        manager = queryset if queryset is not None else type(obj)._default_manager.all()
        row = manager.select_for_update(of=("self",)).get(pk=obj.pk)
        if authorize is not None:
            authorize(row)
        before = audit.snapshot(row)
        apply_changes(row, changes, allowed)
        if validate is not None:
            validate(row, before)
        row.full_clean(exclude=list(clean_exclude) or None)
        if audit.snapshot(row) == before:
            return Updated(row, False)
        if effects is not None:
            effects(row, before)
        row.save()
        audit.record(
            actor=actor,
            action=action,
            obj=row,
            before=before,
            after=audit.snapshot(row),
            reason=reason,
        )
        return Updated(row, True)
