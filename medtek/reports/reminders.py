"""The reporters' reminder: reports not yet sent that are overdue or due within the reminder's
days, to the people who may send them (docs/domain/reporting.md#deadlines)."""

import datetime
from typing import Any

from medtek.core import reminders
from medtek.organisation.models import RoleGrant

from .models import Report


def compose(today: datetime.date, days: int) -> list[reminders.Reminder]:
    horizon = today + datetime.timedelta(days=days)
    open_reports = list(
        Report.objects.filter(sealed_at__isnull=True, due_date__lte=horizon)
        .select_related("unit", "unit__care_provider", "kind")
        .order_by("due_date", "pk")
    )
    if not open_reports:
        return []
    grants = (
        RoleGrant.objects.filter(revoked_at__isnull=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "unit")
    )
    by_user: dict[Any, list[Report]] = {}
    for grant in grants:
        for r in open_reports:
            if (
                grant.role in r.kind.drafter_roles
                and r.unit.path.startswith(grant.unit.path)
                and (
                    r.unit.care_provider.operator != "private"
                    or grant.unit.care_provider_id == r.unit.care_provider_id
                )
                and r not in by_user.get(grant.user, [])
            ):
                by_user.setdefault(grant.user, []).append(r)
    found = []
    for user, items in sorted(by_user.items(), key=lambda kv: kv[0].username):
        overdue = [r for r in items if r.due_date and r.due_date < today]
        lines = [
            f"Hej {user.get_full_name() or user.username},",
            "",
            "Följande rapporter till myndigheter ska skickas (these reports are due):",
            "",
        ]
        for r in items:
            flag = " FÖRSENAD/OVERDUE" if r in overdue else ""
            lines.append(
                f"- {r.due_date:%Y-%m-%d}{flag}  {r.number}  {r.kind.name}  {r.unit.name}"
                f"  ({r.get_status_display()})"
            )
        lines += ["", "/medtek"]
        found.append(
            reminders.Reminder(
                kind="reports",
                user=user,
                subject=(
                    f"medtek: {len(items)} rapporter att skicka ({len(overdue)} försenade) / "
                    f"{len(items)} reports due"
                ),
                body="\n".join(lines),
                summary=f"{len(items)} report(s) due, {len(overdue)} overdue",
            )
        )
    return found
