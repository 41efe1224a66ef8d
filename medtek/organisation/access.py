"""Access scoping for the organisation: who holds which role where, and who sees what.

Roles are granted per unit and inherit down the tree (design.md, Access). Every view, API
endpoint and export reaches units, care providers and people only through the ``*_visible_to``
and ``*_for_user`` functions here, so no path can show another unit's records.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet

from medtek.core.access import one_or_404

from .models import CareProvider, RoleGrant, Unit, User
from .roles import AUDIT_LOG_ROLES, DISPOSERS, ORGANISATION_WRITERS, READ_ONLY_ROLES, Role


@dataclass(frozen=True)
class Grants:
    """A person's active grants as (role, unit path) pairs; superusers hold every role."""

    pairs: frozenset[tuple[str, str]]
    superuser: bool = False
    #: The roles held on the region itself (the root unit): the whole tree is in view.
    region_roles: frozenset[str] = frozenset()

    def paths(self, roles: frozenset[str] | set[str] | None = None) -> list[str]:
        found = sorted({p for r, p in self.pairs if roles is None or r in roles})
        # Drop paths already covered by an ancestor's path.
        kept: list[str] = []
        for path in found:
            if not any(path.startswith(k) for k in kept):
                kept.append(path)
        return kept

    def roles(self) -> set[str]:
        return {r for r, _ in self.pairs}

    def has(self, roles: frozenset[str] | set[str], unit_path: str | None = None) -> bool:
        if self.superuser:
            return True
        return any(
            r in roles and (unit_path is None or unit_path.startswith(p)) for r, p in self.pairs
        )


_CACHE_ATTR = "_medtek_grants"


def grants_of(user: Any) -> Grants:
    """The user's active grants. Note: one query the first time per user object, then cached."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Grants(frozenset())
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    # The region is the one unit without a parent (organisation.services.unit_create): known from
    # the same query, so that scoping a region-wide user's list costs no query of its own.
    rows = list(
        RoleGrant.objects.filter(user=user, revoked_at__isnull=True).values_list(
            "role", "unit__path", "unit__parent_id"
        )
    )
    grants = Grants(
        frozenset((role, path) for role, path, _ in rows),
        superuser=user.is_superuser,
        region_roles=frozenset(role for role, _, parent in rows if parent is None),
    )
    setattr(user, _CACHE_ATTR, grants)
    return grants


def forget_grants(user: Any) -> None:
    for attr in (_CACHE_ATTR, _UNIT_IDS_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def path_q(user: Any, field: str = "path", roles: frozenset[str] | None = None) -> Q:
    """A filter on ``field`` (a unit path) for the subtrees where ``user`` holds ``roles``.

    Use it to scope any model that points at a unit: ``path_q(user, "unit__path")``.
    """
    grants = grants_of(user)
    if grants.superuser:
        return Q()
    paths = grants.paths(roles)
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


_UNIT_IDS_ATTR = "_medtek_unit_ids"


def unit_ids_visible_to(user: Any) -> list[int]:
    """The ids of the units in or below the user's grants.

    Note: one query the first time per user object, then cached with the grants. Scoping a
    large table by this list (``unit_id IN (…)``) instead of a join on the units' paths lets
    PostgreSQL estimate the matches from the table's own statistics of ``unit_id``, and walk an
    index in the list's order where the join made it sort every match (issue 14).
    """
    cached = getattr(user, _UNIT_IDS_ATTR, None)
    if cached is None:
        cached = sorted(units_visible_to(user).order_by().values_list("pk", flat=True))
        setattr(user, _UNIT_IDS_ATTR, cached)
    return list(cached)


def has_role(user: Any, roles: frozenset[str] | set[str], unit: Unit | None = None) -> bool:
    """Does ``user`` hold one of ``roles`` on ``unit`` (or anywhere, if no unit is given)?"""
    return grants_of(user).has(roles, unit.path if unit is not None else None)


def can_write(user: Any) -> bool:
    """False for anyone who only reads (auditors) and for people with no grant at all."""
    grants = grants_of(user)
    if grants.superuser:
        return True
    return bool(grants.roles() - READ_ONLY_ROLES)


def region_root() -> Unit | None:
    return Unit.objects.filter(parent__isnull=True).first()


def is_administrator(user: Any) -> bool:
    """Superusers, and holders of the administrator role on the region (the root unit)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(grants_of(user).superuser or has_role(user, ORGANISATION_WRITERS, region_root()))


def may_dispose(user: Any) -> bool:
    """Superusers, and administrators and registrars of the whole region (the root unit): they
    carry out disposals under a recorded disposal decision (core rule ``"dispose"``)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    root = region_root()
    return bool(grants_of(user).superuser or (root is not None and has_role(user, DISPOSERS, root)))


def may_read_audit_log(user: Any) -> bool:
    """The whole audit log is for auditors and administrators of the whole region."""
    root = region_root()
    return (root is not None and has_role(user, AUDIT_LOG_ROLES, root)) or grants_of(user).superuser


def _require(user: Any, roles: frozenset[str], unit: Unit | None) -> None:
    if not has_role(user, roles, unit):
        raise PermissionDenied


# Units ---------------------------------------------------------------------------------------


def units_visible_to(user: Any) -> QuerySet[Unit]:
    """Units in or below the units where ``user`` holds any role."""
    return Unit.objects.filter(path_q(user))


def unit_for_user(user: Any, pk: Any, *, write: bool = False) -> Unit:
    """One unit, or 404 if invisible; with ``write``, 403 unless the user may change it."""
    unit: Unit = one_or_404(units_visible_to(user).select_related("care_provider", "parent"), pk)
    if write:
        _require(user, ORGANISATION_WRITERS, unit)
    return unit


def may_manage_organisation(user: Any, unit: Unit | None = None) -> bool:
    return has_role(user, ORGANISATION_WRITERS, unit)


def holds_role_on_region(user: Any) -> bool:
    """Any role on the root: the whole tree is in view (auditors, administrators, MFT, …).

    Known from the grants (``Grants.region_roles``): no query of its own.
    """
    grants = grants_of(user)
    return bool(grants.region_roles or (grants.superuser and grants.pairs))


# Care providers ------------------------------------------------------------------------------


def care_providers_visible_to(user: Any) -> QuerySet[CareProvider]:
    """Care providers that run at least one unit the user sees."""
    if grants_of(user).superuser or holds_role_on_region(user):
        # Includes providers with no unit yet (just created): the region's to see.
        return CareProvider.objects.all()
    visible_units = units_visible_to(user).filter(care_provider=OuterRef("pk"))
    return CareProvider.objects.filter(Exists(visible_units))


def care_provider_for_user(user: Any, pk: Any, *, write: bool = False) -> CareProvider:
    provider: CareProvider = one_or_404(care_providers_visible_to(user), pk)
    if write:
        # A care provider is changed by an administrator of the whole tree (the region).
        _require(user, ORGANISATION_WRITERS, region_root())
    return provider


# People --------------------------------------------------------------------------------------


def people_visible_to(user: Any) -> QuerySet[User]:
    """The user, and everyone with an active grant on a unit the user sees.

    People without any active grant (just added, or every role revoked) belong to no unit: those
    with a role on the region see them, and so do administrators, who give them their roles.
    """
    if grants_of(user).superuser or holds_role_on_region(user):
        return User.objects.all()
    if not getattr(user, "is_authenticated", False):
        return User.objects.none()
    grants_here = RoleGrant.objects.filter(
        Q(user=OuterRef("pk")), path_q(user, "unit__path"), revoked_at__isnull=True
    )
    visible = Q(pk=user.pk) | Q(Exists(grants_here))
    if may_manage_organisation(user):
        any_grant = RoleGrant.objects.filter(user=OuterRef("pk"), revoked_at__isnull=True)
        visible |= Q(~Exists(any_grant))
    return User.objects.filter(visible)


def person_for_user(user: Any, pk: Any, *, write: bool = False) -> User:
    person: User = one_or_404(people_visible_to(user), pk)
    if write:
        units = Unit.objects.filter(grants__user=person, grants__revoked_at__isnull=True)
        if not any(may_manage_organisation(user, u) for u in units) and not (
            may_manage_organisation(user, Unit.objects.filter(parent__isnull=True).first())
        ):
            raise PermissionDenied
    return person


def role_grants_visible_to(user: Any) -> QuerySet[RoleGrant]:
    return RoleGrant.objects.filter(path_q(user, "unit__path"))


__all__ = [
    "Grants",
    "Role",
    "can_write",
    "care_provider_for_user",
    "care_providers_visible_to",
    "grants_of",
    "has_role",
    "holds_role_on_region",
    "path_q",
    "people_visible_to",
    "person_for_user",
    "role_grants_visible_to",
    "unit_for_user",
    "units_visible_to",
]
