from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse

from medtek.core.formviews import changes_of, form_view
from medtek.core.listing import list_page
from medtek.organisation.access import units_visible_to

from . import access, services
from .filters import EntryFilter
from .forms import EntryForm
from .models import ENTRY_FIELDS


def _url(pk: int) -> str:
    return reverse("example:entry_detail", args=[pk])


@login_required
def entry_list(request: HttpRequest) -> HttpResponseBase:
    return list_page(
        request,
        queryset=access.entries_visible_to(request.user).current().select_related("unit"),
        filterset_class=EntryFilter,
        template="example/entry_list.html",
        sort_fields={"number": "number", "title": "title"},
        default_sort="number",
        export_name="entries",
        export_header=list(ENTRY_FIELDS),
        export_row=lambda e: [e.number, e.title, e.description, e.party, e.unit.name],
    )


@login_required
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access.entry_for_user(request.user, pk)
    return render(request, "example/entry_detail.html", {"entry": entry})


@login_required
def entry_create(request: HttpRequest) -> HttpResponse:
    if not access.may_write(request.user):
        raise PermissionDenied
    form = EntryForm(request.POST or None)
    form.fields["unit"].queryset = units_visible_to(request.user)  # type: ignore[attr-defined]
    return form_view(
        request,
        form=form,
        save=lambda f: services.entry_create(actor=request.user, **f.cleaned_data),
        title="New entry",
        cancel_url=reverse("example:entry_list"),
        success_url=lambda e: _url(e.pk),
    )


@login_required
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access.entry_for_user(request.user, pk, write=True)
    form = EntryForm(request.POST or None, instance=entry)
    form.fields["unit"].queryset = units_visible_to(request.user)  # type: ignore[attr-defined]
    return form_view(
        request,
        form=form,
        save=lambda f: services.entry_update(actor=request.user, entry=entry, **changes_of(f)),
        title=f"Edit {entry}",
        cancel_url=_url(entry.pk),
        success_url=lambda e: _url(e.pk),
    )
