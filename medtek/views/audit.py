"""History of one object, and the audit log for auditors (filter, search, sort, export), in
words (medtek.core.presentation).

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
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from medtek.core import audit
from medtek.core.access import hidden_fields, mask, scope_for
from medtek.core.documents import Document, document_response
from medtek.core.listing import list_page
from medtek.core.models import AuditEvent
from medtek.core.presentation import (
    SOURCES,
    export_header,
    export_rows,
    kind_of,
    kinds,
    label_of,
    local_time,
    model_for,
    present,
)
from medtek.organisation.access import may_read_audit_log
from medtek.organisation.models import User

#: The history extract goes to an auditor's file in the region's language (as the diary's do).
DOCUMENT_LANGUAGE = "sv"


def _history_events(request: HttpRequest, label: str, pk: str) -> tuple[Any, str, list[Any]]:
    """(the object or None, its name in words, its events in words), or Http404.

    Anyone who may see the object sees its history. Those who may read the whole audit log also
    see the history of a record that has no page of its own or no longer exists (a number series,
    a stored file, a record since removed): it is shown here, in place, from the trail.
    """
    visible = scope_for(label)
    obj = None
    if visible is not None and pk.isdigit():
        obj = visible(request.user).filter(pk=pk).first()
    if obj is None and not may_read_audit_log(request.user):
        raise Http404
    events = list(
        AuditEvent.objects.filter(object_type=label, object_id=str(pk)).order_by("at", "id")
    )
    if obj is None and not events:
        raise Http404
    shown = present(events, request.user)
    name = str(obj) if obj is not None else events[-1].object_repr
    return obj, f"{kind_of(label)} {name}", shown


def _hidden_labels(user: Any, label: str) -> list[str]:
    model = model_for(label)
    fields = {f.name: f for f in model._meta.concrete_fields} if model is not None else {}
    return sorted(label_of(fields.get(name), name) for name in hidden_fields(user, label))


@login_required
def object_history(request: HttpRequest, label: str, pk: str) -> HttpResponse:
    """Every audit event of one object, in words, oldest first."""
    obj, title, events = _history_events(request, label, pk)
    return render(
        request,
        "core/history.html",
        {
            "object": obj,
            "title": title,
            "events": events,
            "label": label,
            "pk": pk,
            "hidden": _hidden_labels(request.user, label),
            "may_read_log": may_read_audit_log(request.user),
        },
    )


@login_required
def object_history_pdf(request: HttpRequest, label: str, pk: str) -> HttpResponse:
    """One record's full history as a PDF/A extract for an auditor's file (in Swedish)."""
    with translation.override(DOCUMENT_LANGUAGE):
        _obj, title, events = _history_events(request, label, pk)
        document = Document(
            template="core/history_extract.html",
            title=str(_("History extract: %(record)s") % {"record": title}),
            subject=str(_("Every recorded change of one record, from the audit trail")),
            date=timezone.localdate(),
            language=DOCUMENT_LANGUAGE,
            context={
                "events": events,
                "record": title,
                "hidden": _hidden_labels(request.user, label),
                "reader": str(request.user),
                "printed": local_time(timezone.now()),
            },
        )
    return document_response(request, document)


class AuditEventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    actor = django_filters.ModelChoiceFilter(queryset=User.objects.all(), label=_("Person"))
    object_type = django_filters.ChoiceFilter(label=_("Kind of object"), choices=[])
    object_id = django_filters.CharFilter(label=_("Object id"))
    action = django_filters.ChoiceFilter(label=_("Event"), choices=[])
    source = django_filters.ChoiceFilter(label=_("Source"), choices=list(SOURCES.items()))
    request_id = django_filters.CharFilter(method="same_request", label=_("Request or batch"))
    after = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"))
    before = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["object_type"].extra["choices"] = kinds()
        self.filters["action"].extra["choices"] = sorted(
            ((name, str(label)) for name, label in audit.known_actions().items()),
            key=lambda pair: pair[1].lower(),
        )

    def same_request(self, qs: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        """Everything one request, or one batch (an import session), did."""
        text = value.strip()
        return qs.filter(Q(request_id=text) | Q(batch=text) | Q(client_request_id=text))

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
    """A row of the export in codes (``&codes=1``): stored names and JSON, sensitive values
    masked as everywhere."""
    hidden_by_label: dict[str, frozenset[str]] = {}

    def row(e: AuditEvent) -> list[Any]:
        if e.object_type not in hidden_by_label:
            hidden_by_label[e.object_type] = hidden_fields(user, e.object_type)
        hidden = hidden_by_label[e.object_type]
        if hidden:
            e.before = mask(e.before, hidden)
            e.after = mask(e.after, hidden)
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
        export_words=(export_header(), export_rows(request.user)),
    )
