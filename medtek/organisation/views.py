"""Organisation pages: units, care providers, people and their roles.

Each view reads top to bottom: access check (through ``access``) → form → service → redirect.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from medtek.core.formviews import changes_of, form_view
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
from .models import CareProvider, User


def unit_url(pk: int) -> str:
    return reverse("organisation:unit_detail", args=[pk])


def person_url(pk: int) -> str:
    return reverse("organisation:person_detail", args=[pk])


def provider_url(pk: int) -> str:
    return reverse("organisation:care_provider_detail", args=[pk])


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
        export_fields={"operator": CareProvider._meta.get_field("operator")},
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
    return form_view(
        request,
        form=form,
        save=lambda f: services.unit_create(
            actor=request.user,
            name=f.cleaned_data["name"],
            kind=f.cleaned_data["kind"],
            parent=f.cleaned_data["parent"],
            care_provider=f.cleaned_data["care_provider"],
            hsa_id=f.cleaned_data["hsa_id"],
            short_name=f.cleaned_data["short_name"],
        ),
        title=_("New unit"),
        cancel_url=reverse("organisation:unit_list"),
        success_url=lambda unit: unit_url(unit.pk),
        success_message=lambda unit: _("Unit %(name)s created.") % {"name": unit.name},
    )


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
    return form_view(
        request,
        form=form,
        save=lambda f: services.unit_update(actor=request.user, unit=unit, **changes_of(f)),
        title=_("Edit %(name)s") % {"name": unit.name},
        cancel_url=unit_url(unit.pk),
        success_url=lambda u: unit_url(u.pk),
    )


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
    return form_view(
        request,
        form=form,
        save=lambda f: services.care_provider_create(
            actor=request.user,
            name=f.cleaned_data["name"],
            org_number=f.cleaned_data["org_number"],
            operator=f.cleaned_data["operator"],
            contract_reference=f.cleaned_data["contract_reference"],
            address=f.cleaned_data["address"],
        ),
        title=_("New care provider"),
        cancel_url=reverse("organisation:care_provider_list"),
        success_url=lambda p: provider_url(p.pk),
        success_message=lambda p: _("Care provider %(name)s created.") % {"name": p},
    )


@login_required
def care_provider_edit(request: HttpRequest, pk: int) -> HttpResponse:
    provider = access.care_provider_for_user(request.user, pk, write=True)
    form = CareProviderForm(request.POST or None, instance=provider)
    return form_view(
        request,
        form=form,
        save=lambda f: services.care_provider_update(
            actor=request.user, provider=provider, **changes_of(f)
        ),
        title=_("Edit %(name)s") % {"name": provider.name},
        cancel_url=provider_url(provider.pk),
        success_url=lambda p: provider_url(p.pk),
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
        export_fields={"active": User._meta.get_field("is_active")},
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
    return form_view(
        request,
        form=form,
        save=lambda f: services.person_create(actor=request.user, **f.cleaned_data),
        title=_("New person"),
        cancel_url=reverse("organisation:person_list"),
        success_url=lambda p: person_url(p.pk),
        success_message=lambda p: _("%(name)s added. Give them a role so that they see something.")
        % {"name": p},
    )


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.person_for_user(request.user, pk, write=True)
    form = PersonEditForm(request.POST or None, instance=person)
    return form_view(
        request,
        form=form,
        save=lambda f: services.person_update(actor=request.user, person=person, **changes_of(f)),
        title=_("Edit %(name)s") % {"name": person},
        cancel_url=person_url(person.pk),
        success_url=lambda p: person_url(p.pk),
    )


@login_required
def grant_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.person_for_user(request.user, pk)
    units = access.units_visible_to(request.user)
    if not access.may_manage_organisation(request.user):
        raise PermissionDenied
    form = RoleGrantForm(request.POST or None, units=units)
    return form_view(
        request,
        form=form,
        save=lambda f: services.role_grant(
            actor=request.user,
            user=person,
            unit=f.cleaned_data["unit"],
            role=f.cleaned_data["role"],
        ),
        title=_("Give %(name)s a role") % {"name": person},
        cancel_url=person_url(person.pk),
        success_url=person_url(person.pk),
        success_message=_("Role granted."),
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
    return form_view(
        request,
        form=form,
        save=lambda f: services.role_revoke(
            actor=request.user, grant=grant, reason=f.cleaned_data["reason"]
        ),
        title=_("Revoke: %(grant)s") % {"grant": grant},
        cancel_url=person_url(grant.user_id),
        success_url=person_url(grant.user_id),
        success_message=_("Role revoked."),
    )
