"""The start page: what each role needs first."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medtek.core import figures, todo
from medtek.organisation.access import grants_of, may_read_audit_log, units_visible_to
from medtek.organisation.models import RoleGrant
from medtek.organisation.roles import Role

# What each role is told first on the start page (modules link here as they land).
ROLE_FOCUS: dict[str, Any] = {
    Role.MT_ENGINEER: _("Keep the device register and in-house manufacture files; draft reports."),
    Role.QUALITY_LEAD: _("Approve in-house documentation, own routines, follow up actions."),
    Role.REGISTRAR: _("Register incoming and outgoing documents in the diary."),
    Role.PATIENT_SAFETY_OFFICER: _("Decide on reports to IVO and Läkemedelsverket."),
    Role.HEAD_OF_UNIT: _("See and act on your unit's deviations, devices and actions."),
    Role.UNIT_STAFF: _("Report deviations and device incidents for your unit."),
    Role.BOARD_SECRETARY: _("Keep board cases, meetings, decisions and minutes extracts."),
    Role.AUDITOR: _("Read everything, including history; export evidence. You change nothing."),
    Role.ADMINISTRATOR: _("Manage the organisation, people, roles and configuration."),
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    grants = (
        RoleGrant.objects.filter(user=request.user.pk, revoked_at__isnull=True)
        .select_related("unit")
        .order_by("role", "unit__path")
    )
    roles = []
    for grant in grants:
        roles.append(
            {
                "role": grant.get_role_display(),
                "unit": grant.unit,
                "focus": ROLE_FOCUS.get(grant.role, ""),
            }
        )
    today = timezone.localdate()
    context = {
        "roles": roles,
        "unit_count": units_visible_to(request.user).count(),
        "is_superuser": grants_of(request.user).superuser,
        "may_read_audit_log": may_read_audit_log(request.user),
        "todo": todo.for_user(request.user, today),
        "figures": figures.for_user(request.user, today),
    }
    return render(request, "home.html", context)
