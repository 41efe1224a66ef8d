"""Reminders of due inspections: who is told about which device.

The plan's responsible person is told; a plan without one falls to the MT engineers and heads of
unit whose grants cover the device's unit.

Each person's e-mail goes through the outbox (ADR 0011), keyed by the day: running the reminders
twice on one day tells nobody twice, and a mail server that is down delays a reminder but does
not lose it.
"""

import datetime
from collections import defaultdict
from dataclasses import replace
from typing import Any

from django.db import transaction

from medtek.core import outbox, reminders
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


def reminder_key(user: User, today: datetime.date) -> str:
    """The outbox key of ``user``'s inspection reminder of ``today``: one per person and day."""
    return reminders.key("inspections", user, today)


def compose_reminders(*, today: datetime.date, days: int) -> list[reminders.Reminder]:
    """One reminder per person with inspections due within ``days`` (or overdue)."""
    plans = list(due_plans(today=today, days=days))
    out = []
    for user, user_plans in sorted(recipients_for(plans).items(), key=lambda kv: kv[0].username):
        subject, body = compose(user, user_plans, today)
        out.append(
            reminders.Reminder(
                kind="inspections",
                user=user,
                subject=subject,
                body=body,
                summary=f"{len(user_plans)} device(s)",
            )
        )
    return out


def queue_reminders(*, today: datetime.date, days: int) -> list[reminders.Reminder]:
    """Queue the inspection reminders alone (``medtek remind`` queues every kind)."""
    with transaction.atomic():
        return [
            replace(
                r,
                message=outbox.enqueue_email(
                    to=[r.address], subject=r.subject, body=r.body, key=reminder_key(r.user, today)
                ),
            )
            for r in compose_reminders(today=today, days=days)
        ]
