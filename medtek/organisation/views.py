"""Organisation pages: units, care providers, people and their roles.

Each view reads top to bottom: access check (through ``access``) → form → service → redirect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from medtek.core.formviews import add_service_errors, form_page
from medtek.core.listing import list_page

from . import access, services
from .filters import CareProviderFilter, PersonFilter, UnitFilter
from .forms import (
    CareProviderForm,
    PersonEditForm,
    PersonForm,
    RevokeForm,
    RoleGrantForm,
    UnitForm,
)


def unit_url(pk: int) -> str:
    return reverse("organisation:unit_detail", args=[pk])


def person_url(pk: int) -> str:
    return reverse("organisation:person_detail", args=[pk])


# Units ---------------------------------------------------------------------------------------


@login_required
def unit_list(request: HttpRequest) -> HttpResponseBase:
    qs = access.units_visible_to(request.user).select_related("care_provider", "parent")
    return list_page(
        request,
        queryset=qs,
        filterset_class=UnitFilter,
        template="organisation/unit_list.html",
        sort_fields={
            "tree": "path",
            "name": "name",
            "kind": "kind",
            "provider": "care_provider__name",
        },
        default_sort="tree",
        export_name="units",
        export_header=[
            "id",
            "name",
            "short_name",
            "kind",
            "parent",
            "care_provider",
            "operator",
            "hsa_id",
            "active",
        ],
        export_row=lambda u: [
            u.pk,
            u.name,
            u.short_name,
            u.kind,
            u.parent.name if u.parent else "",
            u.care_provider.name,
            u.care_provider.operator,
            u.hsa_id,
            u.active,
        ],
        extra={"may_manage": access.may_manage_organisation(request.user)},
    )


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.unit_for_user(request.user, pk)
    children = (
        access.units_visible_to(request.user).filter(parent=unit).select_related("care_provider")
    )
    grants = (
        access.role_grants_visible_to(request.user)
        .filter(unit=unit, revoked_at__isnull=True)
        .select_related("user")
    )
    return render(
        request,
        "organisation/unit_detail.html",
        {
            "unit": unit,
            "ancestors": unit.ancestors().filter(pk__in=access.units_visible_to(request.user)),
            "children": children,
            "grants": grants,
            "may_manage": access.may_manage_organisation(request.user, unit),
        },
    )


@login_required
def unit_create(request: HttpRequest) -> HttpResponse:
    parents = access.units_visible_to(request.user)
    parent_id = request.GET.get("parent")
    if not access.may_manage_organisation(request.user):
        raise PermissionDenied
    form = UnitForm(
        request.POST or None, parents=parents, initial={"parent": parent_id} if parent_id else None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.unit_create(
                actor=request.user,
                name=data["name"],
                kind=data["kind"],
                parent=data["parent"],
                care_provider=data["care_provider"],
                hsa_id=data["hsa_id"],
                short_name=data["short_name"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Unit %(name)s created.") % {"name": unit.name})
            return redirect("organisation:unit_detail", pk=unit.pk)
    return form_page(request, form, _("New unit"), reverse("organisation:unit_list"))


@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.unit_for_user(request.user, pk, write=True)
    form = UnitForm(
        request.POST or None,
        instance=unit,
        parents=access.units_visible_to(request.user).exclude(path__startswith=unit.path),
    )
    if unit.parent_id is None:
        form.fields["parent"].required = False
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.changed_data}
        try:
            services.unit_update(actor=request.user, unit=unit, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("organisation:unit_detail", pk=unit.pk)
    return form_page(request, form, _("Edit %(name)s") % {"name": unit.name}, unit_url(unit.pk))


# Care providers ------------------------------------------------------------------------------


@login_required
def care_provider_list(request: HttpRequest) -> HttpResponseBase:
    return list_page(
        request,
        queryset=access.care_providers_visible_to(request.user),
        filterset_class=CareProviderFilter,
        template="organisation/careprovider_list.html",
        sort_fields={"name": "name", "org_number": "org_number", "operator": "operator"},
        default_sort="name",
        export_name="care-providers",
        export_header=["id", "name", "org_number", "operator", "contract_reference", "active"],
        export_row=lambda p: [
            p.pk,
            p.name,
            p.org_number,
            p.operator,
            p.contract_reference,
            p.active,
        ],
        extra={"may_manage": access.may_manage_organisation(request.user, access.region_root())},
    )


@login_required
def care_provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    provider = access.care_provider_for_user(request.user, pk)
    units = access.units_visible_to(request.user).filter(care_provider=provider)
    return render(
        request,
        "organisation/careprovider_detail.html",
        {
            "provider": provider,
            "units": units,
            "may_manage": access.may_manage_organisation(request.user, access.region_root()),
        },
    )


@login_required
def care_provider_create(request: HttpRequest) -> HttpResponse:
    if not access.may_manage_organisation(request.user, access.region_root()):
        raise PermissionDenied
    form = CareProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            provider = services.care_provider_create(
                actor=request.user,
                name=data["name"],
                org_number=data["org_number"],
                operator=data["operator"],
                contract_reference=data["contract_reference"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Care provider %(name)s created.") % {"name": provider})
            return redirect("organisation:care_provider_detail", pk=provider.pk)
    return form_page(
        request, form, _("New care provider"), reverse("organisation:care_provider_list")
    )


@login_required
def care_provider_edit(request: HttpRequest, pk: int) -> HttpResponse:
    provider = access.care_provider_for_user(request.user, pk, write=True)
    form = CareProviderForm(request.POST or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.changed_data}
        try:
            services.care_provider_update(actor=request.user, provider=provider, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("organisation:care_provider_detail", pk=provider.pk)
    return form_page(
        request,
        form,
        _("Edit %(name)s") % {"name": provider.name},
        reverse("organisation:care_provider_detail", args=[provider.pk]),
    )


# People --------------------------------------------------------------------------------------


@login_required
def person_list(request: HttpRequest) -> HttpResponseBase:
    return list_page(
        request,
        queryset=access.people_visible_to(request.user),
        filterset_class=PersonFilter,
        template="organisation/user_list.html",
        sort_fields={"name": "last_name", "username": "username", "title": "title"},
        default_sort="name",
        export_name="people",
        export_header=["id", "username", "first_name", "last_name", "email", "title", "active"],
        export_row=lambda p: [
            p.pk,
            p.username,
            p.first_name,
            p.last_name,
            p.email,
            p.title,
            p.is_active,
        ],
        extra={"may_manage": access.may_manage_organisation(request.user)},
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.person_for_user(request.user, pk)
    grants = access.role_grants_visible_to(request.user).filter(user=person).select_related("unit")
    return render(
        request,
        "organisation/user_detail.html",
        {
            "person": person,
            "grants": grants,
            "may_manage": access.may_manage_organisation(request.user),
        },
    )


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    if not access.may_manage_organisation(request.user):
        raise PermissionDenied
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.person_create(
                actor=request.user,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                title=data["title"],
                hsa_id=data["hsa_id"],
                phone=data["phone"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s added. Give them a role so that they see something.")
                % {"name": person},
            )
            return redirect("organisation:person_detail", pk=person.pk)
    return form_page(request, form, _("New person"), reverse("organisation:person_list"))


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.person_for_user(request.user, pk, write=True)
    form = PersonEditForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.changed_data}
        try:
            services.person_update(actor=request.user, person=person, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("organisation:person_detail", pk=person.pk)
    return form_page(request, form, _("Edit %(name)s") % {"name": person}, person_url(person.pk))


@login_required
def grant_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.person_for_user(request.user, pk)
    units = access.units_visible_to(request.user)
    if not access.may_manage_organisation(request.user):
        raise PermissionDenied
    form = RoleGrantForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_grant(
                actor=request.user,
                user=person,
                unit=form.cleaned_data["unit"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Role granted."))
            return redirect("organisation:person_detail", pk=person.pk)
    return form_page(
        request, form, _("Give %(name)s a role") % {"name": person}, person_url(person.pk)
    )


@login_required
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_object_or_404(
        access.role_grants_visible_to(request.user).select_related("unit", "user"),
        pk=pk,
        revoked_at__isnull=True,
    )
    if not access.may_manage_organisation(request.user, grant.unit):
        raise PermissionDenied
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_revoke(
                actor=request.user, grant=grant, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Role revoked."))
            return redirect("organisation:person_detail", pk=grant.user_id)
    return form_page(
        request, form, _("Revoke: %(grant)s") % {"grant": grant}, person_url(grant.user_id)
    )
