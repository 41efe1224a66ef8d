"""Diary pages: the diary list, the registrar's inbox, cases, documents, their files, and the
public diary. Each view: access check → form → service → redirect."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from medtek.core.formviews import changes_of, form_view
from medtek.core.listing import list_page
from medtek.organisation.access import people_visible_to

from . import access, selectors, services
from .filters import CaseFilter, DocumentFilter
from .forms import (
    CaseForm,
    DocumentCorrectForm,
    DocumentDrawUpForm,
    DocumentRegisterForm,
    DocumentSubmitForm,
    ReasonForm,
    uploads,
)
from .models import CASE_FIELDS, DOCUMENT_FIELDS, MARKING_FIELDS, Case, Document


def _document_url(pk: int) -> str:
    return reverse("registry:document_detail", args=[pk])


def _case_url(pk: int) -> str:
    return reverse("registry:case_detail", args=[pk])


def _open_cases(request: HttpRequest) -> Any:
    return access.cases_visible_to(request.user).filter(status=Case.Status.OPEN)


# The diary ------------------------------------------------------------


@login_required
def document_list(request: HttpRequest) -> HttpResponseBase:
    header, row = selectors.export_columns(request.user)
    return list_page(
        request,
        queryset=selectors.diary_queryset(request.user),
        filterset_class=DocumentFilter,
        template="registry/document_list.html",
        sort_fields={"number": "number", "date": "date", "counterparty": "counterparty"},
        default_sort="-date",
        export_name="diary",
        export_header=header,
        export_row=row,
        export_labels={
            "case_title": _("case title"),
            "registered_at": _("registered"),
            "registered_by": _("registered by"),
        },
        extra={
            "may_submit": access.may_submit(request.user),
            "may_register": access.may_register(request.user),
            "may_read_inbox": access.may_read_inbox(request.user),
        },
    )


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    if not access.may_read_inbox(request.user):
        raise PermissionDenied
    waiting = selectors.inbox(request.user)
    registers = {u.pk for u in access.registration_units(request.user)}
    return render(
        request,
        "registry/inbox.html",
        {
            "waiting": waiting,
            "overdue": sum(1 for w in waiting if w.overdue),
            "registers": registers,
        },
    )


@login_required
def document_submit(request: HttpRequest) -> HttpResponse:
    units = access.submission_units(request.user)
    if not units.exists():
        raise PermissionDenied
    form = DocumentSubmitForm(
        request.POST or None, request.FILES or None, units=units, cases=_open_cases(request)
    )

    def save(f: Any) -> Document:
        data = dict(f.cleaned_data)
        files = data.pop("files")
        return services.document_submit(actor=request.user, files=uploads(files), **data)

    return form_view(
        request,
        form=form,
        save=save,
        title=_("Submit a document for registration"),
        cancel_url=reverse("registry:document_list"),
        success_url=lambda d: _document_url(d.pk),
        success_message=_("The document waits for the registrar, who registers it."),
    )


@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = access.document_for_user(request.user, pk)
    versions = (
        Document.objects.versions_of(document).select_related("sealed_by", "created_by")
        if document.sealed_at
        else [document]
    )
    may_register = access.may_register(request.user, document.unit)
    return render(
        request,
        "registry/document_detail.html",
        {
            "document": document,
            "files": document.files.select_related("file"),
            "versions": versions,
            "restricted": access.may_read_restricted(request.user, document),
            "may_register": may_register and document.is_waiting,
            "may_correct": may_register and document.sealed_at and document.is_current,
        },
    )


@login_required
def document_register(request: HttpRequest, pk: int) -> HttpResponse:
    document = access.document_for_user(request.user, pk, write=True)
    if not document.is_waiting:
        raise Http404
    form = DocumentRegisterForm(
        request.POST or None,
        instance=document,
        units=access.registration_units(request.user),
        cases=_open_cases(request),
    )

    def save(f: Any) -> Document:
        changes = {k: f.cleaned_data[k] for k in (*DOCUMENT_FIELDS, *MARKING_FIELDS)}
        return services.document_register(
            actor=request.user, document=document, case=f.cleaned_data["case"], **changes
        )

    return form_view(
        request,
        form=form,
        save=save,
        title=_("Register a document"),
        cancel_url=_document_url(document.pk),
        success_url=lambda d: _document_url(d.pk),
        success_message=lambda d: _("Registered as %(number)s.") % {"number": d.number},
    )


@login_required
def document_correct(request: HttpRequest, pk: int) -> HttpResponse:
    document = access.document_for_user(request.user, pk, write=True)
    if document.is_waiting or not document.is_current:
        raise Http404
    form = DocumentCorrectForm(
        request.POST or None, instance=document, units=access.registration_units(request.user)
    )

    def save(f: Any) -> Document:
        changes = changes_of(f)
        reason = changes.pop("reason", "")
        return services.document_correct(
            actor=request.user, document=document, reason=reason, **changes
        )

    return form_view(
        request,
        form=form,
        save=save,
        title=_("Correct %(number)s") % {"number": document.number},
        cancel_url=_document_url(document.pk),
        success_url=lambda d: _document_url(d.pk),
        success_message=lambda d: _("Corrected: version %(version)s.") % {"version": d.version},
    )


@login_required
def document_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    """A document's file, for those who see the document — and, when the document is marked as
    under secrecy, only for those who may read what it keeps apart."""
    document = access.document_for_user(request.user, pk)
    if document.is_marked and not access.may_read_restricted(request.user, document):
        raise PermissionDenied
    link = document.files.select_related("file").filter(pk=file_pk).first()
    if link is None or link.file is None:
        raise Http404
    from medtek.core import files

    content = files.read_verified(link.file)
    response = FileResponse(
        iter([content]), content_type=link.file.content_type, as_attachment=True, filename=link.name
    )
    response["Content-Length"] = str(len(content))
    return response


# Cases ------------------------------------------------------------


@login_required
def case_list(request: HttpRequest) -> HttpResponseBase:
    restricted = access.may_read_restricted_anywhere(request.user)
    header = [
        "number",
        "title",
        "unit",
        "officer",
        "classification",
        "status",
        "parties",
        "external_system",
        "external_number",
    ] + (["title_restricted"] if restricted else [])

    def row(c: Case) -> list[Any]:
        values = [
            c.number,
            c.title,
            c.unit.name,
            str(c.officer) if c.officer else "",
            str(c.classification) if c.classification else "",
            c.get_status_display(),
            c.parties,
            c.external_system,
            c.external_number,
        ]
        return values + ([c.title_restricted] if restricted else [])

    return list_page(
        request,
        queryset=selectors.cases_queryset(request.user),
        filterset_class=CaseFilter,
        template="registry/case_list.html",
        sort_fields={"number": "number", "title": "title", "opened": "created_at"},
        default_sort="-opened",
        export_name="cases",
        export_header=header,
        export_row=row,
        extra={"may_open": access.may_open_case(request.user)},
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.case_for_user(request.user, pk)
    documents = (
        access.documents_visible_to(request.user)
        .current()
        .filter(case=case)
        .select_related("secrecy_provision")
        .order_by("seq", "pk")
    )
    return render(
        request,
        "registry/case_detail.html",
        {
            "case": case,
            "documents": documents,
            "restricted": access.may_read_restricted(request.user, case=case),
            "may_work": access.may_work_in_case(request.user, case),
            "may_draw_up": access.may_register(request.user, case.unit)
            and case.status == Case.Status.OPEN,
        },
    )


def _case_form(request: HttpRequest, **kwargs: Any) -> CaseForm:
    return CaseForm(
        request.POST or None,
        units=access.registration_units(request.user),
        officers=people_visible_to(request.user).filter(is_active=True),
        **kwargs,
    )


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    if not access.may_open_case(request.user):
        raise PermissionDenied
    form = _case_form(request)

    def save(f: Any) -> Case:
        data = {k: f.cleaned_data[k] for k in CASE_FIELDS}
        return services.case_open(actor=request.user, series=f.cleaned_data["series"].key, **data)

    return form_view(
        request,
        form=form,
        save=save,
        title=_("Open a case"),
        cancel_url=reverse("registry:case_list"),
        success_url=lambda c: _case_url(c.pk),
        success_message=lambda c: _("Case %(number)s opened.") % {"number": c.number},
    )


@login_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.case_for_user(request.user, pk, write=True)
    form = _case_form(request, instance=case)
    return form_view(
        request,
        form=form,
        save=lambda f: services.case_update(actor=request.user, case=case, **changes_of(f)),
        title=_("Edit %(number)s") % {"number": case.number},
        cancel_url=_case_url(case.pk),
        success_url=lambda c: _case_url(c.pk),
    )


@login_required
def case_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Close an open case, or reopen a closed one (with a reason)."""
    case = access.case_for_user(request.user, pk, write=True)
    closing = case.status == Case.Status.OPEN
    form = ReasonForm(request.POST or None)
    service = services.case_close if closing else services.case_reopen
    return form_view(
        request,
        form=form,
        save=lambda f: service(actor=request.user, case=case, reason=f.cleaned_data["reason"]),
        title=(_("Close %(number)s") if closing else _("Reopen %(number)s"))
        % {"number": case.number},
        cancel_url=_case_url(case.pk),
        success_url=_case_url(case.pk),
        success_message=_("Case closed.") if closing else _("Case reopened."),
    )


@login_required
def document_draw_up(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.case_for_user(request.user, pk)
    if not access.may_register(request.user, case.unit):
        raise PermissionDenied
    form = DocumentDrawUpForm(request.POST or None, request.FILES or None)

    def save(f: Any) -> Document:
        data = dict(f.cleaned_data)
        files = data.pop("files")
        return services.document_draw_up(
            actor=request.user, case=case, files=uploads(files), **data
        )

    return form_view(
        request,
        form=form,
        save=save,
        title=_("New document in %(number)s") % {"number": case.number},
        cancel_url=_case_url(case.pk),
        success_url=lambda d: _document_url(d.pk),
        success_message=lambda d: _("Registered as %(number)s.") % {"number": d.number},
    )


# The public diary ------------------------------------------------------------


def public_diary(request: HttpRequest) -> HttpResponse:
    """The diary as anyone may see it, without logging in: the public facts of every registered
    document; of a document marked as under secrecy only that it exists, its number and date,
    and that it is marked (docs/domain/registry.md#secrecy-marking)."""
    from django.core.paginator import Paginator
    from django.db.models import Q

    documents = selectors.public_diary()
    text = request.GET.get("q", "").strip()
    if text:
        documents = documents.filter(
            Q(number__istartswith=text)
            | Q(secrecy_provision__isnull=True, description__icontains=text)
            | Q(secrecy_provision__isnull=True, counterparty__icontains=text)
        )
    documents = documents.order_by("-date", "-pk")
    page = Paginator(documents, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "registry/public_diary.html",
        {"page": page, "q": text, "query": params.urlencode()},
    )
