"""The register's headline figures on the start page (core.figures): devices by status and by
risk class, and the share of devices in service whose inspection is overdue — for those who keep
or review the register, over the devices they see. Each count links to the device list filtered
to exactly those devices, and is counted over the same scoped queryset and with the same
conditions as that list's filters (``status``, ``risk_class``, ``due=overdue``)."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from medtek.core.figures import Chart, Figure, Row, Share
from medtek.organisation.access import has_role

from .access import CATALOGUE_READERS
from .filters import DueFilter
from .models import DeviceStatus, RiskClass
from .selectors import device_list_queryset


def reads_figures(user: Any) -> bool:
    """Those who keep or review the register: MT engineers, quality leads, auditors and
    administrators, wherever they hold the role (and superusers). The figures count the devices
    they see: the whole register for the region's, their own units' for a clinic's."""
    return has_role(user, CATALOGUE_READERS)


def figures(user: Any, today: datetime.date) -> Iterable[Figure]:
    if not reads_figures(user):
        return []
    live = ~Q(status=DeviceStatus.SCRAPPED)
    # One query: the devices grouped by status and risk class (at most 4 × 11 groups).
    groups = (
        device_list_queryset(user)
        .order_by()
        .values("status", "model__risk_class")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=live & Q(next_due__lt=today)),
        )
    )
    by_status: dict[str, int] = {}
    by_risk: dict[str, int] = {}
    overdue = in_service = 0
    for g in groups:
        by_status[g["status"]] = by_status.get(g["status"], 0) + g["n"]
        by_risk[g["model__risk_class"]] = by_risk.get(g["model__risk_class"], 0) + g["n"]
        overdue += g["overdue"]
        if g["status"] != DeviceStatus.SCRAPPED:
            in_service += g["n"]

    url = reverse("devices:device_list")

    def link(**query: str) -> str:
        return f"{url}?{urlencode(query)}"

    return [
        Share(
            key="devices.overdue_share",
            label=_("Share of devices with an overdue inspection"),
            part=overdue,
            whole=in_service,
            url=link(due=DueFilter.OVERDUE),
            of_what=_("devices not scrapped"),
        ),
        Chart(
            key="devices.by_status",
            title=_("Devices by status"),
            category=_("Status"),
            counted=_("Devices"),
            rows=tuple(
                Row(label=str(s.label), count=by_status.get(s.value, 0), url=link(status=s.value))
                for s in DeviceStatus
            ),
        ),
        Chart(
            key="devices.by_risk_class",
            title=_("Devices by risk class"),
            category=_("Risk class"),
            counted=_("Devices"),
            rows=tuple(
                Row(label=str(c.label), count=by_risk[c.value], url=link(risk_class=c.value))
                for c in RiskClass
                if by_risk.get(c.value)
            ),
        ),
    ]
