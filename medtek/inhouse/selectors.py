"""Reads of in-house files: the scoped list with its evidence status, its export, and the units
that hold a file's devices."""

import datetime
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, QuerySet

from medtek.devices.access import devices_visible_to
from medtek.devices.models import DeviceStatus

from .access import inhouse_devices_visible_to
from .models import InhouseDevice, incomplete_q

#: Columns of the export that are the device model's fields.
MODEL_COLUMNS = ("manufacturer", "trade_name", "model_version", "risk_class")
EXPORT_HEADER = [
    "file_number",
    "manufacturer",
    "trade_name",
    "model_version",
    "risk_class",
    "kind",
    "manufacturing_unit",
    "intended_purpose",
    "not_transferred",
    "qms_reference",
    "justification",
    "market_search",
    "market_searched_on",
    "justification_review_due",
    "evidence_complete",
]


def inhouse_list_queryset(user: Any, today: datetime.date) -> QuerySet[InhouseDevice]:
    """The files the user may see, each with ``evidence_complete`` for MDR 5(5)(a)–(c) today."""
    return (
        inhouse_devices_visible_to(user)
        .select_related("device_model", "manufacturer_unit")
        .annotate(
            evidence_complete=ExpressionWrapper(~incomplete_q(today), output_field=BooleanField())
        )
    )


def inhouse_export_row(f: Any) -> list[Any]:
    m = f.device_model
    return [
        f.file_number,
        m.manufacturer,
        m.trade_name,
        m.model_version,
        m.risk_class,
        f.kind,
        f.manufacturer_unit.name,
        f.intended_purpose,
        f.not_transferred,
        f.qms_reference,
        f.justification,
        f.market_search,
        f.market_searched_on,
        f.justification_review_due,
        f.evidence_complete,
    ]


def units_using(user: Any, file: InhouseDevice) -> QuerySet[Any]:
    """The units holding devices of the file's model (not scrapped) that the user may see, with
    their care provider and how many devices each holds: the evidence for MDR 5(5)(a)."""
    return (
        devices_visible_to(user)
        .filter(model_id=file.device_model_id)
        .exclude(status=DeviceStatus.SCRAPPED)
        .values("unit", "unit__name", "unit__care_provider__name", "unit__care_provider_id")
        .annotate(devices=Count("pk"))
        .order_by("unit__name")
    )
