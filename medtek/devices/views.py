"""Device register pages. Each view: access check → form → service → redirect."""

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medtek.core.formviews import changes_of, form_view
from medtek.core.listing import list_page
from medtek.imports.access import session_for_user
from medtek.imports.models import ImportSession
from medtek.organisation.access import units_visible_to

from . import access, import_catalogue, services
from .filters import DeviceFilter, DeviceModelFilter
from .forms import (
    DeviceForm,
    DeviceModelForm,
    InspectionForm,
    InspectionPlanForm,
    StatusChangeForm,
)
from .importer import DeviceImporter
from .models import DeviceStatus
from .selectors import EXPORT_HEADER, device_export_row, device_list_queryset


def _detail_url(pk: int) -> str:
    return reverse("devices:device_detail", args=[pk])


def _model_url(pk: int) -> str:
    return reverse("devices:device_model_detail", args=[pk])


def _register(actor: Any, data: dict[str, Any]) -> Any:
    fields = dict(data)
    status = fields.pop("status")
    return services.device_register(actor=actor, status=status, **fields)


# Devices -------------------------------------------------------------------------------------


@login_required
def device_list(request: HttpRequest) -> HttpResponseBase:
    return list_page(
        request,
        queryset=device_list_queryset(request.user),
        filterset_class=DeviceFilter,
        template="devices/device_list.html",
        sort_fields={
            "inventory_number": "inventory_number",
            "model": "model__trade_name",
            "manufacturer": "model__manufacturer",
            "unit": "unit__name",
            "status": "status",
            "next_due": "next_due",
        },
        default_sort="inventory_number",
        export_name="devices",
        export_header=EXPORT_HEADER,
        export_row=device_export_row,
        export_labels={c.name: c.label for c in DeviceImporter.columns},
        extra={
            "may_register": access.may_change_register(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    device = access.device_for_user(request.user, pk)
    return render(
        request,
        "devices/device_detail.html",
        {
            "device": device,
            "plans": device.plans.select_related("responsible").order_by("-active", "next_due"),
            "inspections": device.inspections.select_related("performed_by")[:50],
            "status_changes": device.status_changes.select_related("changed_by"),
            "may_change": access.may_change_register(request.user, device.unit),
            "today": timezone.localdate(),
        },
    )


@login_required
def device_create(request: HttpRequest) -> HttpResponse:
    units = access.writable_units(request.user)
    if not units.exists():
        raise PermissionDenied
    form = DeviceForm(
        request.POST or None, units=units, models=access.device_models_visible_to(request.user)
    )
    return form_view(
        request,
        form=form,
        save=lambda f: _register(request.user, f.cleaned_data),
        title=_("Register a device"),
        cancel_url=reverse("devices:device_list"),
        success_url=lambda device: _detail_url(device.pk),
        success_message=lambda device: _("Device %(inv)s registered.") % {"inv": device},
    )


@login_required
def device_edit(request: HttpRequest, pk: int) -> HttpResponse:
    device = access.device_for_user(request.user, pk, write=True)
    form = DeviceForm(
        request.POST or None,
        instance=device,
        units=access.writable_units(request.user),
        models=access.device_models_visible_to(request.user),
    )
    return form_view(
        request,
        form=form,
        save=lambda f: services.device_update(actor=request.user, device=device, **changes_of(f)),
        title=_("Edit %(inv)s") % {"inv": device},
        cancel_url=_detail_url(device.pk),
        success_url=lambda d: _detail_url(d.pk),
    )


@login_required
def device_status(request: HttpRequest, pk: int) -> HttpResponse:
    device = access.device_for_user(request.user, pk, write=True)
    form = StatusChangeForm(request.POST or None, initial={"effective_on": timezone.localdate()})
    return form_view(
        request,
        form=form,
        save=lambda f: services.device_change_status(
            actor=request.user, device=device, **f.cleaned_data
        ),
        title=_("Change status of %(inv)s") % {"inv": device},
        cancel_url=_detail_url(device.pk),
        success_url=_detail_url(device.pk),
        success_message=_("Status changed."),
    )


@login_required
def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    device = access.device_for_user(request.user, pk, write=True)
    form = InspectionPlanForm(
        request.POST or None,
        initial={"interval_months": device.model.inspection_interval_months or 12},
    )
    return form_view(
        request,
        form=form,
        save=lambda f: services.inspection_plan_create(
            actor=request.user, device=device, **f.cleaned_data
        ),
        title=_("Plan an inspection of %(inv)s") % {"inv": device},
        cancel_url=_detail_url(device.pk),
        success_url=_detail_url(device.pk),
        success_message=_("Inspection plan added."),
    )


@login_required
def inspection_create(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = get_object_or_404(
        access.inspection_plans_visible_to(request.user).select_related("device__unit"), pk=plan_pk
    )
    if not access.may_change_register(request.user, plan.device.unit):
        raise PermissionDenied
    form = InspectionForm(request.POST or None, initial={"performed_on": timezone.localdate()})
    return form_view(
        request,
        form=form,
        save=lambda f: services.inspection_record(actor=request.user, plan=plan, **f.cleaned_data),
        title=_("Record inspection: %(plan)s") % {"plan": plan},
        cancel_url=_detail_url(plan.device_id),
        success_url=_detail_url(plan.device_id),
        success_message=_("Inspection recorded."),
    )


@login_required
def due_overview(request: HttpRequest) -> HttpResponse:
    """Overdue and due-soon devices, counted per owning unit."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=30)
    live = access.devices_visible_to(request.user).exclude(status=DeviceStatus.SCRAPPED)
    rows = (
        live.values("unit", "unit__name", "unit__path")
        .annotate(
            overdue=Count("pk", filter=Q(next_due__lt=today)),
            due_soon=Count("pk", filter=Q(next_due__gte=today, next_due__lte=soon)),
            total=Count("pk"),
        )
        .filter(Q(overdue__gt=0) | Q(due_soon__gt=0))
        .order_by("unit__path")
    )
    return render(
        request,
        "devices/due_overview.html",
        {
            "rows": rows,
            "today": today,
            "soon": soon,
            "units": units_visible_to(request.user).count(),
        },
    )


# Device models -------------------------------------------------------------------------------


@login_required
def device_model_list(request: HttpRequest) -> HttpResponseBase:
    return list_page(
        request,
        queryset=access.device_models_visible_to(request.user).annotate(
            device_count=Count("devices")
        ),
        filterset_class=DeviceModelFilter,
        template="devices/devicemodel_list.html",
        sort_fields={
            "manufacturer": "manufacturer",
            "trade_name": "trade_name",
            "risk_class": "risk_class",
            "devices": "device_count",
        },
        default_sort="manufacturer",
        export_name="device-models",
        export_header=[
            "id",
            "manufacturer",
            "trade_name",
            "model_version",
            "udi_issuer",
            "udi_di",
            "emdn_code",
            "risk_class",
            "implantable",
            "conformity",
            "safety_class",
            "applied_part",
            "inspection_interval_months",
        ],
        export_row=lambda m: [
            m.pk,
            m.manufacturer,
            m.trade_name,
            m.model_version,
            m.udi_issuer,
            m.udi_di,
            m.emdn_code,
            m.risk_class,
            m.implantable,
            m.conformity,
            m.safety_class,
            m.applied_part,
            m.inspection_interval_months,
        ],
        extra={"may_register": access.may_change_register(request.user)},
    )


@login_required
def device_model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    model = access.device_model_for_user(request.user, pk)
    devices = access.devices_visible_to(request.user).filter(model=model).select_related("unit")
    return render(
        request,
        "devices/devicemodel_detail.html",
        {
            "model": model,
            "devices": devices[:100],
            "device_count": devices.count(),
            "may_change": access.may_change_register(request.user),
        },
    )


@login_required
def device_model_create(request: HttpRequest) -> HttpResponse:
    if not access.may_change_register(request.user):
        raise PermissionDenied
    form = DeviceModelForm(request.POST or None)
    return form_view(
        request,
        form=form,
        save=lambda f: services.device_model_create(actor=request.user, **f.cleaned_data),
        title=_("New device model"),
        cancel_url=reverse("devices:device_model_list"),
        success_url=lambda m: _model_url(m.pk),
        success_message=lambda m: _("Device model %(m)s added.") % {"m": m},
    )


@login_required
def device_model_edit(request: HttpRequest, pk: int) -> HttpResponse:
    model = access.device_model_for_user(request.user, pk, write=True)
    form = DeviceModelForm(request.POST or None, instance=model)
    return form_view(
        request,
        form=form,
        save=lambda f: services.device_model_update(
            actor=request.user, model=model, **changes_of(f)
        ),
        title=_("Edit %(m)s") % {"m": model},
        cancel_url=_model_url(model.pk),
        success_url=lambda m: _model_url(m.pk),
    )


# The catalogue from an import file -------------------------------------------------------------


@login_required
def import_models(request: HttpRequest, pk: int) -> HttpResponse:
    """The device models an import file names that the catalogue lacks, to accept (corrected
    where need be) as one group: for the person importing, if they may add to the catalogue."""
    session = session_for_user(request.user, pk)  # 404 for whoever may not see it
    if session.kind != "devices":
        raise Http404
    if session.created_by_id != request.user.pk or not access.may_change_register(request.user):
        raise PermissionDenied
    detail = reverse("imports:session_detail", args=[session.pk])
    if session.status in _CLOSED_SESSION:
        messages.error(request, _("This import can no longer be changed."))
        return redirect(detail)
    found = import_catalogue.proposals(session, request.user)
    if request.method == "POST":
        formset = import_catalogue.proposal_formset(request.user, found, request.POST)
        if formset.is_valid():
            try:
                created = import_catalogue.create_proposed_models(
                    actor=request.user,
                    session=session,
                    models=[form.cleaned_data for form in formset.forms],
                )
            except import_catalogue.GroupRefused as refused:
                for i, error in refused.errors.items():
                    formset.forms[i].add_error(None, error)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect(detail)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d device model added to the catalogue. Check the rows again.",
                        "%(n)d device models added to the catalogue. Check the rows again.",
                        len(created),
                    )
                    % {"n": len(created)},
                )
                return redirect(detail)
    else:
        formset = import_catalogue.proposal_formset(request.user, found)
    items = [(form, found[i] if i < len(found) else None) for i, form in enumerate(formset.forms)]
    return render(
        request,
        "devices/import_models.html",
        {"session": session, "formset": formset, "items": items},
    )


_CLOSED_SESSION = (
    ImportSession.Status.COMMITTING,
    ImportSession.Status.COMMITTED,
    ImportSession.Status.REJECTED,
)
