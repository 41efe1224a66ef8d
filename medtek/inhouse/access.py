"""Access scoping for in-house files (design.md, Access).

Whoever sees a device model in the register sees its in-house file: the register's keepers and
reviewers see the whole catalogue, everyone else the models of the devices they can see (so staff
who use an in-house device can read what it is for and why it is made here). Anyone with a role
on the manufacturing unit sees the files it answers for. MT engineers, quality leads and
administrators on the manufacturing unit keep the file.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from medtek.core.access import one_or_404
from medtek.devices.access import device_models_visible_to
from medtek.organisation.access import grants_of, has_role, path_q
from medtek.organisation.models import Unit
from medtek.organisation.roles import Role

from .models import InhouseDevice

FILE_WRITERS = frozenset({Role.MT_ENGINEER, Role.QUALITY_LEAD, Role.ADMINISTRATOR})


def inhouse_devices_visible_to(user: Any) -> QuerySet[InhouseDevice]:
    if grants_of(user).superuser:
        return InhouseDevice.objects.all()
    return InhouseDevice.objects.filter(
        Q(device_model__in=device_models_visible_to(user).values("pk"))
        | path_q(user, "manufacturer_unit__path")
        | path_q(user, "using_unit__path")
    )


def inhouse_device_for_user(user: Any, pk: Any, *, write: bool = False) -> InhouseDevice:
    """One in-house file, or 404 if the user may not see it; with ``write``, 403 unless they may
    keep it."""
    file: InhouseDevice = one_or_404(
        inhouse_devices_visible_to(user).select_related(
            "device_model", "manufacturer_unit__care_provider"
        ),
        pk,
    )
    if write and not may_keep_file(user, file.manufacturer_unit):
        raise PermissionDenied
    return file


def may_keep_file(user: Any, unit: Unit | None = None) -> bool:
    """May ``user`` keep in-house files of ``unit`` (or of some unit, if none is given)?"""
    return has_role(user, FILE_WRITERS, unit)


def manufacturing_units(user: Any) -> QuerySet[Unit]:
    """Units whose in-house files the user may keep."""
    return Unit.objects.filter(path_q(user, roles=FILE_WRITERS))


def may_sign(user: Any, file: InhouseDevice, capacity: str) -> bool:
    """May ``user`` sign the file as ``capacity``: head of the using unit, or head of the
    manufacturing unit — the medical technology department that makes the device
    (docs/domain/inhouse.md#sign-off)."""
    from .models import SignOff

    unit = file.using_unit if capacity == SignOff.Capacity.USING_UNIT else file.manufacturer_unit
    return unit is not None and has_role(user, {Role.HEAD_OF_UNIT}, unit)


def may_govern(user: Any, file: InhouseDevice) -> bool:
    """Who moves a file through its lifecycle: its keepers and the two heads who sign it."""
    from .models import SignOff

    return may_keep_file(user, file.manufacturer_unit) or any(
        may_sign(user, file, c) for c in SignOff.Capacity.values
    )


def file_records_visible_to(model: Any, path: str) -> Any:
    """The scope of a model whose rows belong to a file (through ``path``): seen by whoever sees
    the file."""

    def visible(user: Any) -> QuerySet[Any]:
        return model._default_manager.filter(
            **{f"{path}__in": inhouse_devices_visible_to(user).values("pk")}
        )

    return visible
