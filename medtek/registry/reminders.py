"""The registrars' reminder: documents waiting in the inbox at the units they register for, with
those past their registration target flagged (OSL ch. 5 § 1: registered without delay)."""

import datetime
from typing import Any

from django.utils import timezone

from medtek.core import reminders
from medtek.organisation.models import RoleGrant

from .access import REGISTRARS
from .models import Document
from .services import waiting_target


def compose(today: datetime.date, days: int) -> list[reminders.Reminder]:
    waiting = list(
        Document.objects.filter(sealed_at__isnull=True, submitted_at__isnull=False)
        .select_related("unit")
        .order_by("submitted_at", "pk")
    )
    if not waiting:
        return []
    grants = (
        RoleGrant.objects.filter(role__in=REGISTRARS, revoked_at__isnull=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "unit")
    )
    by_user: dict[Any, list[Document]] = {}
    for grant in grants:
        for d in waiting:
            if d.unit.path.startswith(grant.unit.path) and d not in by_user.get(grant.user, []):
                by_user.setdefault(grant.user, []).append(d)
    found = []
    for user, documents in sorted(by_user.items(), key=lambda kv: kv[0].username):
        overdue = [d for d in documents if today > waiting_target(d.submitted_at)]  # type: ignore[arg-type]
        lines = [
            f"Hej {user.get_full_name() or user.username},",
            "",
            "Följande handlingar väntar på registrering (these documents wait to be registered):",
            "",
        ]
        for d in documents:
            flag = " FÖRSENAD/OVERDUE" if d in overdue else ""
            submitted = timezone.localtime(d.submitted_at).date()  # type: ignore[arg-type]
            lines.append(f"- {submitted:%Y-%m-%d}{flag}  {d.unit.name}  {d.description}")
        lines += ["", "/medtek"]
        found.append(
            reminders.Reminder(
                kind="registry",
                user=user,
                subject=(
                    f"medtek: {len(documents)} handlingar att registrera ({len(overdue)} "
                    f"försenade) / {len(documents)} documents to register"
                ),
                body="\n".join(lines),
                summary=f"{len(documents)} document(s) to register, {len(overdue)} overdue",
            )
        )
    return found
