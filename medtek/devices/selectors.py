"""Reads of the register that are more than one line: the scoped list and its export rows."""

from typing import Any

from django.db.models import QuerySet

from .access import devices_visible_to
from .models import Device

#: Export columns; the import framework accepts the same names, so an export can be re-imported.
EXPORT_HEADER = [
    "inventory_number",
    "manufacturer",
    "trade_name",
    "model_version",
    "serial_number",
    "udi_lot",
    "udi_serial",
    "manufactured_on",
    "expires_on",
    "udi_carrier",
    "unit_hsa_id",
    "unit",
    "location",
    "supplier",
    "purchased_on",
    "delivered_on",
    "warranty_until",
    "acceptance_checked_on",
    "status",
    "next_due",
]


def device_list_queryset(user: Any) -> QuerySet[Device]:
    """Devices the user may see, with what a list row shows (three joins, no per-row queries):
    an in-house model's file, whose status the row shows, comes by its name, not an import
    (ADR 0001)."""
    return devices_visible_to(user).select_related("model__inhouse_file", "unit")


def device_export_row(d: Device) -> list[Any]:
    m = d.model
    return [
        d.inventory_number,
        m.manufacturer,
        m.trade_name,
        m.model_version,
        d.serial_number,
        d.udi_lot,
        d.udi_serial,
        d.manufactured_on,
        d.expires_on,
        d.udi_carrier,
        d.unit.hsa_id,
        d.unit.name,
        d.location,
        d.supplier,
        d.purchased_on,
        d.delivered_on,
        d.warranty_until,
        d.acceptance_checked_on,
        d.status,
        d.next_due,
    ]
