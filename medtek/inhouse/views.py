"""In-house file pages. Each view: access check → form → service → redirect."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from medtek.core.formviews import changes_of, form_view
from medtek.core.listing import list_page
from medtek.devices.access import device_models_visible_to, devices_visible_to
from medtek.devices.models import DeviceModel

from . import access, selectors, services
from .filters import InhouseDeviceFilter
from .forms import InhouseDeviceForm


def _file_url(pk: int) -> str:
    return reverse("inhouse:file_detail", args=[pk])


@login_required
def file_list(request: HttpRequest) -> HttpResponseBase:
    today = timezone.localdate()
    return list_page(
        request,
        queryset=selectors.inhouse_list_queryset(request.user, today),
        filterset_class=InhouseDeviceFilter,
        template="inhouse/inhousedevice_list.html",
        sort_fields={
            "file_number": "file_number",
            "trade_name": "device_model__trade_name",
            "unit": "manufacturer_unit__name",
            "review": "justification_review_due",
        },
        default_sort="file_number",
        export_name="inhouse-files",
        export_header=selectors.EXPORT_HEADER,
        export_row=selectors.inhouse_export_row,
        extra={"may_open": access.may_keep_file(request.user), "today": today},
    )


@login_required
def file_detail(request: HttpRequest, pk: int) -> HttpResponse:
    file = access.inhouse_device_for_user(request.user, pk)
    today = timezone.localdate()
    return render(
        request,
        "inhouse/inhousedevice_detail.html",
        {
            "file": file,
            "model": file.device_model,
            "conditions": file.conditions(today, visible_devices=devices_visible_to(request.user)),
            "units": selectors.units_using(request.user, file),
            "may_change": access.may_keep_file(request.user, file.manufacturer_unit),
            "today": today,
        },
    )


def _models_without_file(request: HttpRequest) -> QuerySet[DeviceModel]:
    return device_models_visible_to(request.user).filter(
        conformity=DeviceModel.Conformity.IN_HOUSE, inhouse_file__isnull=True
    )


@login_required
def file_create(request: HttpRequest) -> HttpResponse:
    units = access.manufacturing_units(request.user)
    if not units.exists():
        raise PermissionDenied
    initial = {"device_model": request.GET.get("device_model")}
    form = InhouseDeviceForm(
        request.POST or None, initial=initial, units=units, models=_models_without_file(request)
    )
    return form_view(
        request,
        form=form,
        save=lambda f: services.inhouse_device_create(actor=request.user, **f.cleaned_data),
        title=_("Open an in-house file"),
        cancel_url=reverse("inhouse:file_list"),
        success_url=lambda file: _file_url(file.pk),
        success_message=lambda file: _("In-house file %(file)s opened.") % {"file": file},
    )


@login_required
def file_edit(request: HttpRequest, pk: int) -> HttpResponse:
    file = access.inhouse_device_for_user(request.user, pk, write=True)
    form = InhouseDeviceForm(
        request.POST or None, instance=file, units=access.manufacturing_units(request.user)
    )
    return form_view(
        request,
        form=form,
        save=lambda f: services.inhouse_device_update(
            actor=request.user, inhouse_device=file, **changes_of(f)
        ),
        title=_("Edit %(file)s") % {"file": file},
        cancel_url=_file_url(file.pk),
        success_url=lambda f: _file_url(f.pk),
    )
