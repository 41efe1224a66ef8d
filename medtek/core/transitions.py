"""Lifecycles: a record's states and the moves between them, declared once as a table.

A model with a lifecycle (a device's status; later a report, an in-house file, a deviation, an
action, minutes) declares one :class:`Lifecycle`: for each move, where from, where to, who may make
it and the guards that must hold. :meth:`Lifecycle.perform` is the one service helper that checks
the move, makes it and audits it with its reason, in one transaction. A refused move names
**every** unmet condition at once, so a person sees all that stands in the way, not the first.
"""

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit
from .actors import check_actor, is_system

#: A guard looks at the record (as it is, locked) and the move's arguments; it returns what is
#: missing, in words a person understands — with the field it concerns, ``(field, message)``, when
#: it is about one of the move's arguments — or nothing when it holds.
Guard = Callable[..., "str | Promise | tuple[str, str | Promise] | None"]
#: Who may make a move: a predicate on the actor and the record.
Who = Callable[[Any, Any], bool]


_YOU_MAY_NOT = gettext_lazy("You may not make this change.")


@dataclass(frozen=True)
class Transition:
    """One allowed move: from any of ``sources`` to ``target``."""

    sources: tuple[str, ...]
    target: str
    who: Who
    #: Said when ``who`` refuses: who may make the move.
    who_message: str | Promise = _YOU_MAY_NOT
    guards: tuple[Guard, ...] = ()
    needs_reason: bool = True
    label: str | Promise = ""


@dataclass
class Lifecycle:
    """The lifecycle of ``model`` held in its field ``field``, audited as ``action``."""

    model: type[models.Model]
    field: str
    action: str
    transitions: list[Transition] = dc_field(default_factory=list)

    def __post_init__(self) -> None:
        states = {value for value, _label in self._choices()}
        seen: set[tuple[str, str]] = set()
        for t in self.transitions:
            unknown = {*t.sources, t.target} - states
            if unknown:
                raise ValueError(f"{self.model.__name__}.{self.field}: no states {unknown}")
            for source in t.sources:
                if (source, t.target) in seen:
                    raise ValueError(f"{source} → {t.target} is declared twice")
                seen.add((source, t.target))

    def find(self, source: str, target: str) -> Transition | None:
        for t in self.transitions:
            if source in t.sources and t.target == target:
                return t
        return None

    def targets(self, source: str) -> list[str]:
        """The states a record in ``source`` can move to (whoever asks)."""
        return [t.target for t in self.transitions if source in t.sources]

    def is_final(self, state: str) -> bool:
        return not self.targets(state)

    def _label(self, state: str) -> str:
        return str(dict(self._choices()).get(state, state))

    def _choices(self) -> list[tuple[str, Any]]:
        return list(getattr(self.model._meta.get_field(self.field), "choices", None) or [])

    def problems(
        self, *, actor: Any, obj: Any, target: str, reason: str = "", **arguments: Any
    ) -> dict[str, list[str]]:
        """Everything that stands in the way of moving ``obj`` to ``target``, by field (empty if
        it may): the state field for the move itself and its guards, ``reason`` for a missing
        reason, an argument's name for a guard about it.

        Rights are not among them: :meth:`perform` refuses a person without the right before it
        says anything about the record.
        """
        source = getattr(obj, self.field)
        t = self.find(source, target)
        if t is None:
            return {
                self.field: [
                    _("%(record)s cannot go from %(old)s to %(new)s.")
                    % {
                        "record": str(obj._meta.verbose_name).capitalize(),
                        "old": self._label(source),
                        "new": self._label(target),
                    }
                ]
            }
        found: dict[str, list[str]] = {}
        if t.needs_reason and not reason.strip():
            found.setdefault("reason", []).append(_("Give a reason for the change."))
        for guard in t.guards:
            problem = guard(obj, **arguments)
            if isinstance(problem, tuple):
                found.setdefault(problem[0], []).append(str(problem[1]))
            elif problem:
                found.setdefault(self.field, []).append(str(problem))
        return found

    def may(self, actor: Any, obj: Any, target: str) -> bool:
        t = self.find(getattr(obj, self.field), target)
        return t is not None and (is_system(actor) or bool(t.who(actor, obj)))

    def perform(
        self,
        *,
        actor: Any,
        obj: Any,
        target: str,
        reason: str = "",
        queryset: models.QuerySet[Any] | None = None,
        effects: Callable[[Any, str], Iterable[Any] | None] | None = None,
        update_fields: Collection[str] = (),
        **arguments: Any,
    ) -> Any:
        """Move ``obj`` to ``target`` and audit it with ``reason``; returns the record as saved.

        The row is locked first and everything is checked on it as it is then. A person without
        the right gets ``PermissionDenied``; otherwise every unmet condition comes back in one
        ``ValidationError`` (on the field, so a form shows it there). ``effects(row, old)`` does
        what goes with the move (a status history row, ending plans) before the event is
        recorded; ``update_fields`` are the other fields it changed on the row itself.
        """
        check_actor(actor)
        with transaction.atomic():
            manager = queryset if queryset is not None else type(obj)._default_manager.all()
            row = manager.select_for_update(of=("self",)).get(pk=obj.pk)
            source = getattr(row, self.field)
            t = self.find(source, target)
            if t is not None and not (is_system(actor) or t.who(actor, row)):
                raise PermissionDenied(str(t.who_message))
            found = self.problems(actor=actor, obj=row, target=target, reason=reason, **arguments)
            if found:
                raise ValidationError(found)
            before = audit.snapshot(row)
            setattr(row, self.field, target)
            if effects is not None:
                effects(row, source)
            row.save(update_fields=[self.field, *update_fields])
            audit.record(
                actor=actor,
                action=self.action,
                obj=row,
                before=before,
                after=audit.snapshot(row),
                reason=reason,
            )
            return row
