"""Access scoping for the device register (design.md, Access).

A device belongs to a unit; whoever holds any role on that unit or above sees it. Only MT
engineers and administrators on the device's unit change the register. The model catalogue is
regional: those who keep or review the register see all of it, others see the models of the
devices they can see.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet

from medtek.core.access import one_or_404
from medtek.organisation.access import (
    grants_of,
    has_role,
    holds_role_on_region,
    path_q,
    unit_ids_visible_to,
)
from medtek.organisation.models import Unit
from medtek.organisation.roles import Role

from .models import Device, DeviceModel, Inspection, InspectionPlan

REGISTER_WRITERS = frozenset({Role.MT_ENGINEER, Role.ADMINISTRATOR})
CATALOGUE_READERS = frozenset(
    {Role.MT_ENGINEER, Role.ADMINISTRATOR, Role.QUALITY_LEAD, Role.AUDITOR}
)


def devices_visible_to(user: Any) -> QuerySet[Device]:
    """The devices of the units in or below the user's grants.

    A role on the region covers every unit, and every device has a unit: such a user's list
    carries no condition per row, so its count needs no join to the unit tree (issue 14).
    """
    if grants_of(user).superuser or holds_role_on_region(user):
        return Device.objects.all()
    return Device.objects.filter(unit_id__in=unit_ids_visible_to(user))


def device_for_user(user: Any, pk: Any, *, write: bool = False) -> Device:
    """One device, or 404 if the user may not see it; with ``write``, 403 unless they may change
    it."""
    device: Device = one_or_404(devices_visible_to(user).select_related("model", "unit"), pk)
    if write and not may_change_register(user, device.unit):
        raise PermissionDenied
    return device


def may_change_register(user: Any, unit: Unit | None = None) -> bool:
    return has_role(user, REGISTER_WRITERS, unit)


def writable_units(user: Any) -> QuerySet[Unit]:
    """Units where the user may register devices."""
    return Unit.objects.filter(path_q(user, roles=REGISTER_WRITERS))


def device_models_visible_to(user: Any) -> QuerySet[DeviceModel]:
    if grants_of(user).superuser or has_role(user, CATALOGUE_READERS):
        return DeviceModel.objects.all()
    return DeviceModel.objects.filter(Exists(devices_visible_to(user).filter(model=OuterRef("pk"))))


def device_model_for_user(user: Any, pk: Any, *, write: bool = False) -> DeviceModel:
    model: DeviceModel = one_or_404(device_models_visible_to(user), pk)
    if write and not may_change_register(user):
        raise PermissionDenied
    return model


def inspection_plans_visible_to(user: Any) -> QuerySet[InspectionPlan]:
    return InspectionPlan.objects.filter(path_q(user, "device__unit__path"))


def inspections_visible_to(user: Any) -> QuerySet[Inspection]:
    return Inspection.objects.filter(path_q(user, "device__unit__path"))
