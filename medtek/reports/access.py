"""Who sees and does what with reports to the authorities (design.md, Access;
docs/domain/reporting.md#who-reports).

- **Read**: MT engineers, quality leads, patient-safety officers, heads of unit and registrars
  with a role on the unit where the event happened (or above it), and the report's drafter;
  auditors, holding their role on the region, read everything and write nothing. A privately
  run centre's reports are read only by those with such a role within its own care provider,
  so its staff see only their own centre's reports, and the region's people none of them.
  Other roles (unit staff, board secretaries, administrators) do not read reports: they carry
  what happened to a patient.
- **Draft and send**: the kind's drafter roles (MT engineers and quality leads for device
  reports; patient-safety officers any kind) on the unit — and only for the care provider where
  the event happened: a privately run centre reports itself, so for its units the role must be
  held within that care provider, never on the region above it.
- **Approve**: the kind's approver roles on the unit, never the report's drafter nor anyone who
  changed the draft (four eyes); for Lex Maria a patient-safety officer.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from medtek.core.access import one_or_404
from medtek.core.records import VersionedQuerySet
from medtek.organisation.access import grants_of, has_role, path_q
from medtek.organisation.models import CareProvider, RoleGrant, Unit
from medtek.organisation.roles import Role

from .models import Authority, Dispatch, Reply, Report, ReportKind

READERS = frozenset(
    {
        Role.MT_ENGINEER,
        Role.QUALITY_LEAD,
        Role.PATIENT_SAFETY_OFFICER,
        Role.HEAD_OF_UNIT,
        Role.REGISTRAR,
        Role.AUDITOR,
    }
)
AUDITORS = frozenset({Role.AUDITOR})
#: Who may read the free text (what happened, the consequence) in histories and exports.
CONTENT_READERS = READERS
#: Who keeps the authorities and the report kinds.
LIST_KEEPERS = frozenset({Role.ADMINISTRATOR, Role.PATIENT_SAFETY_OFFICER})
#: Anyone who may draft some kind of report somewhere (for the menu and the list's button).
ANY_DRAFTER = frozenset({Role.MT_ENGINEER, Role.QUALITY_LEAD, Role.PATIENT_SAFETY_OFFICER})


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def reports_visible_to(user: Any) -> VersionedQuerySet:
    """The reports ``user`` may read.

    A privately run centre is its own care provider: its reports are its own, read by those who
    hold a reader's role within that care provider — not by the region's people above it in
    the tree (the region receives and registers the copies the centre sends it). Auditors of
    the region read every report.
    """
    if not _authenticated(user):
        return Report.objects.none()
    grants = grants_of(user)
    root = _root_path()
    if grants.superuser or (root is not None and grants.has(AUDITORS, root)):
        return Report.objects.all()
    region_run = path_q(user, "unit__path", READERS) & Q(
        care_provider__operator=CareProvider.Operator.REGION
    )
    own = Q(created_by=user)
    private_grants = RoleGrant.objects.filter(
        user=user,
        revoked_at__isnull=True,
        role__in=READERS,
        unit__care_provider__operator=CareProvider.Operator.PRIVATE,
    ).values_list("unit__path", "unit__care_provider_id")
    for path, provider in private_grants:
        own |= Q(unit__path__startswith=path, care_provider_id=provider)
    return Report.objects.filter(region_run | own)


def _root_path() -> str | None:
    root: str | None = (
        Unit.objects.filter(parent__isnull=True).values_list("path", flat=True).first()
    )
    return root


def report_for_user(user: Any, pk: Any) -> Report:
    report: Report = one_or_404(
        reports_visible_to(user).select_related(
            "kind",
            "authority",
            "unit",
            "unit__care_provider",
            "care_provider",
            "contact_person",
            "device",
            "device_model",
            "case",
            "sent_document",
            "approved_by",
            "created_by",
            "related_report",
        ),
        pk,
    )
    return report


def may_read_reports(user: Any) -> bool:
    """Holds a reader's role somewhere (for the menu entry; the list itself is scoped)."""
    return _authenticated(user) and has_role(user, READERS)


def may_read_content(user: Any) -> bool:
    return has_role(user, CONTENT_READERS)


def _holds_within_provider(user: Any, roles: frozenset[str], unit: Unit) -> bool:
    """Holds one of ``roles`` on ``unit`` or above it, on a unit of ``unit``'s own care
    provider."""
    if grants_of(user).superuser:
        return True
    above = [int(p) for p in unit.path.strip("/").split("/") if p]
    return RoleGrant.objects.filter(
        user=user,
        revoked_at__isnull=True,
        role__in=roles,
        unit_id__in=above,
        unit__care_provider_id=unit.care_provider_id,
    ).exists()


def may_draft(user: Any, kind: ReportKind, unit: Unit) -> bool:
    """The kind's drafter roles on the unit; for a private care provider's unit, held within
    that provider (the region never reports for a privately run centre)."""
    roles = frozenset(kind.drafter_roles)
    if not has_role(user, roles, unit):
        return False
    provider: CareProvider = unit.care_provider
    if provider.operator == CareProvider.Operator.PRIVATE:
        return _holds_within_provider(user, roles, unit)
    return True


def may_draft_somewhere(user: Any) -> bool:
    return has_role(user, ANY_DRAFTER)


def drafting_units(user: Any) -> QuerySet[Unit]:
    return Unit.objects.filter(path_q(user, roles=ANY_DRAFTER)).select_related("care_provider")


def may_work_on(user: Any, report: Report) -> bool:
    """Change the draft, send it, record what comes back: the kind's drafters for the unit."""
    return may_draft(user, report.kind, report.unit)


def may_approve(user: Any, report: Report) -> bool:
    """The kind's approvers for the unit (within its care provider when it is private). The
    four-eyes rule — not the drafter, not anyone who changed the draft — is a guard of the
    move, so that a refusal can say why."""
    roles = frozenset(report.kind.approver_roles)
    if not has_role(user, roles, report.unit):
        return False
    if report.unit.care_provider.operator == CareProvider.Operator.PRIVATE:
        return _holds_within_provider(user, roles, report.unit)
    return True


def report_for_writer(user: Any, pk: Any) -> Report:
    report = report_for_user(user, pk)
    if not may_work_on(user, report):
        raise PermissionDenied
    return report


def dispatches_visible_to(user: Any) -> QuerySet[Dispatch]:
    return Dispatch.objects.filter(report__in=reports_visible_to(user).values("pk"))


def replies_visible_to(user: Any) -> QuerySet[Reply]:
    return Reply.objects.filter(report__in=reports_visible_to(user).values("pk"))


def authorities_visible_to(user: Any) -> QuerySet[Authority]:
    """Authorities and report kinds are read by every signed-in person."""
    return Authority.objects.all() if _authenticated(user) else Authority.objects.none()


def kinds_visible_to(user: Any) -> QuerySet[ReportKind]:
    return ReportKind.objects.all() if _authenticated(user) else ReportKind.objects.none()


def may_keep_lists(user: Any) -> bool:
    """Administrators and patient-safety officers of the whole region keep the authorities and
    the report kinds."""
    root = Unit.objects.filter(parent__isnull=True).first()
    return root is not None and has_role(user, LIST_KEEPERS, root)
