"""Writes to the organisation. Each one: explicit actor, one transaction, validation before save,
one AuditEvent in the same transaction (design.md, Where rules live).

``actor=None`` means the system itself (demo loader, migrations of data); any real person must hold
the administrator role on the unit concerned, or ``PermissionDenied`` is raised.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from medtek.core import audit
from medtek.core.changes import apply_changes

from .access import forget_grants, may_manage_organisation
from .models import CareProvider, RoleGrant, Unit, User
from .roles import Role


def _require_admin(actor: Any, unit: Unit | None) -> None:
    if actor is None:
        return
    if unit is None:
        unit = Unit.objects.filter(parent__isnull=True).first()
    if not may_manage_organisation(actor, unit):
        raise PermissionDenied("Only an administrator may change the organisation here.")


# Care providers ------------------------------------------------------------------------------

_PROVIDER_FIELDS = {"name", "org_number", "operator", "contract_reference", "active"}


@transaction.atomic
def care_provider_create(
    *, actor: Any, name: str, org_number: str, operator: str, contract_reference: str = ""
) -> CareProvider:
    _require_admin(actor, None)
    provider = CareProvider(
        name=name, org_number=org_number, operator=operator, contract_reference=contract_reference
    )
    provider.full_clean()
    provider.save()
    audit.record(
        actor=actor, action="care_provider.create", obj=provider, after=audit.snapshot(provider)
    )
    return provider


@transaction.atomic
def care_provider_update(
    *, actor: Any, provider: CareProvider, reason: str = "", **changes: Any
) -> CareProvider:
    _require_admin(actor, None)
    provider = CareProvider.objects.select_for_update().get(pk=provider.pk)
    before = audit.snapshot(provider)
    apply_changes(provider, changes, _PROVIDER_FIELDS)
    provider.full_clean()
    provider.save()
    audit.record(
        actor=actor,
        action="care_provider.update",
        obj=provider,
        before=before,
        after=audit.snapshot(provider),
        reason=reason,
    )
    return provider


# Units ---------------------------------------------------------------------------------------


def _set_path(unit: Unit) -> None:
    if unit.parent_id is None:
        unit.path, unit.depth = f"/{unit.pk}/", 0
    else:
        parent = Unit.objects.only("path", "depth").get(pk=unit.parent_id)
        unit.path, unit.depth = f"{parent.path}{unit.pk}/", parent.depth + 1


@transaction.atomic
def unit_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    parent: Unit | None,
    care_provider: CareProvider,
    hsa_id: str = "",
    short_name: str = "",
) -> Unit:
    """Create a unit below ``parent`` (``None`` only for the region, the root)."""
    _require_admin(actor, parent)
    if parent is None and Unit.objects.filter(parent__isnull=True).exists():
        raise ValidationError({"parent": "The region already exists; a new unit needs a parent."})
    unit = Unit(
        name=name,
        kind=kind,
        parent=parent,
        care_provider=care_provider,
        hsa_id=hsa_id,
        short_name=short_name,
    )
    unit.full_clean(exclude=["path"])
    unit.save()
    _set_path(unit)
    unit.save(update_fields=["path", "depth"])
    audit.record(actor=actor, action="unit.create", obj=unit, after=audit.snapshot(unit))
    return unit


_UNIT_FIELDS = {"name", "short_name", "kind", "parent", "care_provider", "hsa_id", "active"}


@transaction.atomic
def unit_update(*, actor: Any, unit: Unit, reason: str = "", **changes: Any) -> Unit:
    """Change a unit; a new ``parent`` moves it with its whole subtree."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require_admin(actor, unit)
    before = audit.snapshot(unit)
    old_path = unit.path
    apply_changes(unit, changes, _UNIT_FIELDS)
    if "parent" in changes:
        _require_admin(actor, unit.parent)
    unit.full_clean(exclude=["path"])
    if unit.parent_id != before["parent"]:
        _set_path(unit)
        for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
            child.path = unit.path + child.path[len(old_path) :]
            child.depth = child.path.count("/") - 2
            child.save(update_fields=["path", "depth"])
    unit.save()
    audit.record(
        actor=actor,
        action="unit.update",
        obj=unit,
        before=before,
        after=audit.snapshot(unit),
        reason=reason,
    )
    return unit


# People and roles ----------------------------------------------------------------------------

_PERSON_FIELDS = {"first_name", "last_name", "email", "title", "hsa_id", "phone", "is_active"}


@transaction.atomic
def person_create(
    *,
    actor: Any,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    title: str = "",
    hsa_id: str = "",
    phone: str = "",
    password: str | None = None,
) -> User:
    """Create a person; without a password they cannot log in until one is set."""
    if actor is not None and not _admin_anywhere(actor):
        raise PermissionDenied("Only an administrator may add people.")
    person = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        title=title,
        hsa_id=hsa_id,
        phone=phone,
    )
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.full_clean()
    person.save()
    audit.record(actor=actor, action="person.create", obj=person, after=audit.snapshot(person))
    return person


def _admin_anywhere(actor: Any) -> bool:
    return may_manage_organisation(actor)


@transaction.atomic
def person_update(*, actor: Any, person: User, reason: str = "", **changes: Any) -> User:
    if actor is not None and not _admin_anywhere(actor):
        raise PermissionDenied
    person = User.objects.select_for_update().get(pk=person.pk)
    before = audit.snapshot(person)
    apply_changes(person, changes, _PERSON_FIELDS)
    person.full_clean()
    person.save()
    audit.record(
        actor=actor,
        action="person.update",
        obj=person,
        before=before,
        after=audit.snapshot(person),
        reason=reason,
    )
    return person


@transaction.atomic
def role_grant(*, actor: Any, user: User, unit: Unit, role: str, reason: str = "") -> RoleGrant:
    """Give ``user`` the ``role`` on ``unit`` and all units below it."""
    _require_admin(actor, unit)
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    grant = RoleGrant(
        user=user, unit=unit, role=role, granted_by=actor if actor is not None else None
    )
    grant.full_clean()
    grant.save()
    forget_grants(user)
    audit.record(
        actor=actor, action="role.grant", obj=grant, after=audit.snapshot(grant), reason=reason
    )
    return grant


@transaction.atomic
def role_revoke(*, actor: Any, grant: RoleGrant, reason: str) -> RoleGrant:
    """End a grant. The grant row stays, stamped with who revoked it and when."""
    grant = RoleGrant.objects.select_for_update().select_related("unit").get(pk=grant.pk)
    _require_admin(actor, grant.unit)
    if grant.revoked_at is not None:
        raise ValidationError("This role has already been revoked.")
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for revoking the role."})
    before = audit.snapshot(grant)
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    grant.save(update_fields=["revoked_at", "revoked_by"])
    forget_grants(grant.user)
    audit.record(
        actor=actor,
        action="role.revoke",
        obj=grant,
        before=before,
        after=audit.snapshot(grant),
        reason=reason,
    )
    return grant
