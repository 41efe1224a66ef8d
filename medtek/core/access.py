"""The bridge between core's generic machinery and each app's access rules.

Core never imports the apps (ADR 0001); the apps register themselves in ``AppConfig.ready``:

- **scopes**: for each audited model, the function that answers "which of these may this person
  see?" (the history page, the audit log and the generic tests ask it);
- **sensitive fields**: for a model whose records hold text only some roles may read (patient
  details in a deviation, say), which fields, and who may read them. The history pages and the
  audit exports show those fields' values only to such readers;
- **rules**: named permission predicates that core's own pages and services need but cannot
  decide (``"administrator"``: may configure the system; ``"dispose"``: may carry out a disposal).
  A rule nobody registered answers no.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from django.db import models

VisibleFn = Callable[[Any], models.QuerySet[Any]]
ReaderFn = Callable[[Any], bool]


@dataclass(frozen=True)
class Scope:
    visible_to: VisibleFn
    sensitive: frozenset[str] = frozenset()
    sensitive_readers: ReaderFn | None = None


_scopes: dict[str, Scope] = {}


def register_scope(
    model: type[models.Model],
    visible_to: VisibleFn,
    *,
    sensitive: Collection[str] = (),
    sensitive_readers: ReaderFn | None = None,
) -> None:
    """Register how ``model``'s records are scoped, and which of its fields are sensitive.

    ``sensitive_readers(user)`` says who may read the sensitive fields' values; without it
    nobody may (they show as hidden everywhere but the record's own page, whose view decides).
    """
    unknown = set(sensitive) - {f.name for f in model._meta.concrete_fields}
    if unknown:
        raise ValueError(f"{model._meta.label}: no fields {sorted(unknown)} to mark sensitive")
    _scopes[model._meta.label_lower] = Scope(visible_to, frozenset(sensitive), sensitive_readers)


def scope_for(label: str) -> VisibleFn | None:
    scope = _scopes.get(label)
    return scope.visible_to if scope else None


def scoped_labels() -> list[str]:
    return sorted(_scopes)


def sensitive_fields(label: str) -> frozenset[str]:
    scope = _scopes.get(label)
    return scope.sensitive if scope else frozenset()


def hidden_fields(user: Any, label: str) -> frozenset[str]:
    """The fields of ``label`` whose values ``user`` may not read in histories and exports."""
    scope = _scopes.get(label)
    if scope is None or not scope.sensitive:
        return frozenset()
    if scope.sensitive_readers is not None and scope.sensitive_readers(user):
        return frozenset()
    return scope.sensitive


#: What a hidden value shows as.
HIDDEN = "•••"


def mask(values: dict[str, Any] | None, hidden: Collection[str]) -> dict[str, Any] | None:
    """``values`` (an audit event's before or after) with the ``hidden`` fields' values masked;
    a field whose value is empty stays empty, since that reveals nothing."""
    if values is None or not hidden:
        return values
    return {
        k: (HIDDEN if k in hidden and v not in (None, "", [], {}) else v) for k, v in values.items()
    }


# Named rules ------------------------------------------------------------------------------------

_rules: dict[str, Callable[..., bool]] = {}


def register_rule(name: str, predicate: Callable[..., bool]) -> None:
    _rules[name] = predicate


def _deny(*args: Any, **kwargs: Any) -> bool:
    return False


def rule(name: str) -> Callable[..., bool]:
    """The predicate registered as ``name``; one that always answers no if none is."""
    return _rules.get(name, _deny)


# One record through a scope -------------------------------------------------------------------


def one_or_404(queryset: models.QuerySet[Any], pk: Any) -> Any:
    """The record ``pk`` of a scoped ``queryset``, or ``Http404``: a record the person may not
    see answers exactly like one that does not exist (as does a malformed id)."""
    from django.http import Http404

    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
