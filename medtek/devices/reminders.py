"""Reminders of due inspections: who is told about which device.

The plan's responsible person is told; a plan without one falls to the MT engineers and heads of
unit whose grants cover the device's unit.
"""

import datetime
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail

from medtek.organisation.models import RoleGrant, User
from medtek.organisation.roles import Role

from .models import DeviceStatus, InspectionPlan

FALLBACK_ROLES = (Role.MT_ENGINEER, Role.HEAD_OF_UNIT)


def due_plans(*, today: datetime.date, days: int) -> Any:
    return (
        InspectionPlan.objects.filter(
            active=True, next_due__lte=today + datetime.timedelta(days=days)
        )
        .exclude(device__status=DeviceStatus.SCRAPPED)
        .select_related("device__unit", "device__model", "responsible")
        .order_by("next_due")
    )


def recipients_for(plans: Any) -> dict[User, list[InspectionPlan]]:
    grants = list(
        RoleGrant.objects.filter(
            role__in=FALLBACK_ROLES, revoked_at__isnull=True, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user", "unit")
    )
    out: dict[User, list[InspectionPlan]] = defaultdict(list)
    for plan in plans:
        if plan.responsible is not None and plan.responsible.is_active and plan.responsible.email:
            out[plan.responsible].append(plan)
            continue
        for grant in grants:
            covers = plan.device.unit.path.startswith(grant.unit.path)
            if covers and plan not in out[grant.user]:
                out[grant.user].append(plan)
    return out


def compose(user: User, plans: list[InspectionPlan], today: datetime.date) -> tuple[str, str]:
    overdue = [p for p in plans if p.next_due < today]
    subject = (
        f"medtek: {len(plans)} kontroller att göra ({len(overdue)} försenade) / "
        f"{len(plans)} inspections due"
    )
    lines = [
        f"Hej {user.get_full_name() or user.username},",
        "",
        "Följande medicintekniska produkter ska kontrolleras "
        "(the following devices are due for inspection):",
        "",
    ]
    for p in plans:
        flag = " FÖRSENAD/OVERDUE" if p.next_due < today else ""
        lines.append(
            f"- {p.next_due:%Y-%m-%d}{flag}  {p.device.inventory_number}  "
            f"{p.device.model}  ({p.device.unit.name})  {p.get_kind_display()}"
        )
    lines += ["", "/medtek"]
    return subject, "\n".join(lines)


def send_reminders(
    *, today: datetime.date, days: int, dry_run: bool = False
) -> list[tuple[str, int]]:
    """Send one e-mail per person; returns (address, number of devices) per message."""
    plans = list(due_plans(today=today, days=days))
    messages = []
    summary = []
    for user, user_plans in sorted(recipients_for(plans).items(), key=lambda kv: kv[0].username):
        subject, body = compose(user, user_plans, today)
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
        summary.append((user.email, len(user_plans)))
    if messages and not dry_run:
        send_mass_mail(messages, fail_silently=False)
    return summary
