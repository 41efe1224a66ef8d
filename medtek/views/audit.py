"""History of one object, and the audit log for auditors (filter, export)."""

from typing import Any

import django_filters
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from medtek.core.access import scope_for, scoped_labels
from medtek.core.exports import export_response
from medtek.core.models import AuditEvent
from medtek.organisation.access import may_read_audit_log
from medtek.organisation.models import User


@login_required
def object_history(request: HttpRequest, label: str, pk: str) -> HttpResponse:
    """Every audit event of one object, for anyone who may see the object itself."""
    visible = scope_for(label)
    if visible is None:
        raise Http404
    obj = visible(request.user).filter(pk=pk).first() if pk.isdigit() else None
    if obj is None:
        raise Http404
    events = AuditEvent.objects.filter(object_type=label, object_id=str(obj.pk)).order_by(
        "at", "id"
    )
    return render(request, "core/history.html", {"object": obj, "events": events, "label": label})


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(queryset=User.objects.all(), label=_("Person"))
    object_type = django_filters.ChoiceFilter(label=_("Object type"), choices=[])
    object_id = django_filters.CharFilter(label=_("Object id"))
    action = django_filters.CharFilter(label=_("Action"), lookup_expr="icontains")
    after = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"))
    before = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["object_type"].extra["choices"] = [(x, x) for x in scoped_labels()]


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
    "batch",
    "before",
    "after",
]


@login_required
def audit_log(request: HttpRequest) -> HttpResponseBase:
    """The whole trail, for auditors and administrators of the region."""
    if not may_read_audit_log(request.user):
        raise PermissionDenied
    filterset = AuditEventFilter(request.GET or None, queryset=AuditEvent.objects.all())
    events = (
        filterset.qs
        if filterset.is_bound and filterset.is_valid()
        else (AuditEvent.objects.all() if not filterset.is_bound else AuditEvent.objects.none())
    )
    events = events.order_by("-at", "-id")
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        import json

        rows = (
            [
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
                e.batch,
                json.dumps(e.before, ensure_ascii=False) if e.before is not None else "",
                json.dumps(e.after, ensure_ascii=False) if e.after is not None else "",
            ]
            for e in events.iterator(chunk_size=2000)
        )
        return export_response(fmt, "audit-log", EXPORT_HEADER, rows)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/auditevent_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )
