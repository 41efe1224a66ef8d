"""History of one object, and the audit log for auditors (filter, search, sort, export).

Both show the values of a model's sensitive fields (core.access, ``register_scope(...,
sensitive=...)``) only to the roles that may read them; to everyone else they show as hidden, in
the page and in the exports alike.
"""

import json
from collections.abc import Callable
from typing import Any

import django_filters
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from medtek.core.access import hidden_fields, mask, scope_for, scoped_labels
from medtek.core.listing import list_page
from medtek.core.models import AuditEvent
from medtek.organisation.access import may_read_audit_log
from medtek.organisation.models import User


def _masked(event: AuditEvent, hidden: frozenset[str]) -> AuditEvent:
    """``event`` with the ``hidden`` fields' values masked (on this copy in memory only)."""
    if hidden:
        event.before = mask(event.before, hidden)
        event.after = mask(event.after, hidden)
    return event


@login_required
def object_history(request: HttpRequest, label: str, pk: str) -> HttpResponse:
    """Every audit event of one object, for anyone who may see the object itself."""
    visible = scope_for(label)
    if visible is None:
        raise Http404
    obj = visible(request.user).filter(pk=pk).first() if pk.isdigit() else None
    if obj is None:
        raise Http404
    hidden = hidden_fields(request.user, label)
    events = [
        _masked(e, hidden)
        for e in AuditEvent.objects.filter(object_type=label, object_id=str(obj.pk)).order_by(
            "at", "id"
        )
    ]
    return render(
        request,
        "core/history.html",
        {"object": obj, "events": events, "label": label, "hidden": sorted(hidden)},
    )


class AuditEventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    actor = django_filters.ModelChoiceFilter(queryset=User.objects.all(), label=_("Person"))
    object_type = django_filters.ChoiceFilter(label=_("Object type"), choices=[])
    object_id = django_filters.CharFilter(label=_("Object id"))
    action = django_filters.CharFilter(label=_("Action"), lookup_expr="icontains")
    source = django_filters.ChoiceFilter(
        label=_("Source"),
        choices=[(s, s) for s in ("web", "api", "import", "cli", "admin", "demo")],
    )
    request_id = django_filters.CharFilter(label=_("Request"))
    after = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"))
    before = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["object_type"].extra["choices"] = [(x, x) for x in scoped_labels()]

    def search(self, qs: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        """The object's text or id, the person's name, the request id or the batch."""
        text = value.strip()
        return qs.filter(
            Q(object_repr__icontains=text)
            | Q(object_id=text)
            | Q(actor_name__icontains=text)
            | Q(request_id=text)
            | Q(client_request_id=text)
            | Q(batch=text)
        )


EXPORT_HEADER = [
    "id",
    "time",
    "actor",
    "action",
    "object_type",
    "object_id",
    "object",
    "reason",
    "source",
    "request_id",
    "client_request_id",
    "batch",
    "before",
    "after",
]
#: Columns of the export named otherwise than their field.
_EXPORT_FIELDS = {"time": "at", "object": "object_repr"}


def _export_row(user: Any) -> Callable[[AuditEvent], list[Any]]:
    hidden_by_label: dict[str, frozenset[str]] = {}

    def row(e: AuditEvent) -> list[Any]:
        if e.object_type not in hidden_by_label:
            hidden_by_label[e.object_type] = hidden_fields(user, e.object_type)
        _masked(e, hidden_by_label[e.object_type])
        return [
            e.pk,
            e.at,
            e.actor_name,
            e.action,
            e.object_type,
            e.object_id,
            e.object_repr,
            e.reason,
            e.source,
            e.request_id,
            e.client_request_id,
            e.batch,
            json.dumps(e.before, ensure_ascii=False) if e.before is not None else "",
            json.dumps(e.after, ensure_ascii=False) if e.after is not None else "",
        ]

    return row


@login_required
def audit_log(request: HttpRequest) -> HttpResponseBase:
    """The whole trail, for auditors and administrators of the region."""
    if not may_read_audit_log(request.user):
        raise PermissionDenied
    return list_page(
        request,
        queryset=AuditEvent.objects.all(),
        filterset_class=AuditEventFilter,
        template="core/auditevent_list.html",
        sort_fields={"at": "at", "actor": "actor_name", "action": "action"},
        default_sort="-at",
        export_name="audit-log",
        export_header=EXPORT_HEADER,
        export_row=_export_row(request.user),
        export_fields={name: AuditEvent._meta.get_field(f) for name, f in _EXPORT_FIELDS.items()},
    )
