"""The in-house reminder (``medtek remind``): reviews of clinical experience (MDR art. 5(5)(h))
overdue or due within the reminder's days, to the people who keep the file; open corrective
actions due, to their owner (docs/domain/inhouse.md#periodic-review)."""

import datetime
from typing import Any

from medtek.core import reminders
from medtek.organisation.models import RoleGrant

from .access import FILE_WRITERS
from .models import CorrectiveAction, InhouseDevice


def compose(today: datetime.date, days: int) -> list[reminders.Reminder]:
    horizon = today + datetime.timedelta(days=days)
    files = list(
        InhouseDevice.objects.filter(
            status__in=[InhouseDevice.Status.APPROVED, InhouseDevice.Status.SUSPENDED],
            review_due__lte=horizon,
        )
        .select_related("device_model", "manufacturer_unit")
        .order_by("review_due", "file_number")
    )
    actions = list(
        CorrectiveAction.objects.filter(status=CorrectiveAction.Status.OPEN, due_date__lte=horizon)
        .exclude(owner__email="")
        .filter(owner__is_active=True)
        .select_related("owner", "review__file")
        .order_by("due_date", "pk")
    )
    by_user: dict[Any, list[str]] = {}
    overdue: dict[Any, int] = {}
    if files:
        grants = (
            RoleGrant.objects.filter(
                revoked_at__isnull=True, user__is_active=True, role__in=FILE_WRITERS
            )
            .exclude(user__email="")
            .select_related("user", "unit")
        )
        for grant in grants:
            for f in files:
                if not f.manufacturer_unit.path.startswith(grant.unit.path):
                    continue
                late = f.review_due is not None and f.review_due < today
                line = (
                    f"- {f.review_due:%Y-%m-%d}{' FÖRSENAD/OVERDUE' if late else ''}"
                    f"  {f.file_number}  {f.device_model.trade_name}: uppföljning av klinisk "
                    "erfarenhet (review of clinical experience)"
                )
                if line not in by_user.get(grant.user, []):
                    by_user.setdefault(grant.user, []).append(line)
                    overdue[grant.user] = overdue.get(grant.user, 0) + late
    for a in actions:
        late = a.due_date < today
        by_user.setdefault(a.owner, []).append(
            f"- {a.due_date:%Y-%m-%d}{' FÖRSENAD/OVERDUE' if late else ''}  "
            f"{a.review.file.file_number}: korrigerande åtgärd (corrective action): "
            f"{a.description[:80]}"
        )
        overdue[a.owner] = overdue.get(a.owner, 0) + late
    found = []
    for user, lines in sorted(by_user.items(), key=lambda kv: kv[0].username):
        count = overdue.get(user, 0)
        body = [
            f"Hej {user.get_full_name() or user.username},",
            "",
            "Följande för egentillverkade produkter ska göras (in-house devices: due):",
            "",
            *lines,
            "",
            "/medtek",
        ]
        found.append(
            reminders.Reminder(
                kind="inhouse",
                user=user,
                subject=(
                    f"medtek: {len(lines)} att göra för egentillverkade produkter "
                    f"({count} försenade) / {len(lines)} in-house items due"
                ),
                body="\n".join(body),
                summary=f"{len(lines)} in-house item(s) due, {count} overdue",
            )
        )
    return found
