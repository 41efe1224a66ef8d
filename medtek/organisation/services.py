"""Writes to the organisation. Each one: explicit actor, one transaction, validation before save,
one AuditEvent in the same transaction (design.md, Where rules live).

The actor is a person, who must hold the administrator role on the unit concerned, or
:data:`~medtek.core.actors.SYSTEM` (the demo loader, a data fix run by the operators).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtek.core import audit
from medtek.core.actors import require, user_or_none
from medtek.core.changes import Updated, audited_update

from .access import forget_grants, may_manage_organisation, region_root
from .actions import Action
from .models import CareProvider, RoleGrant, Unit, User
from .roles import Role

_ONLY_ADMINISTRATORS = gettext_lazy("Only an administrator may change the organisation here.")


def _require_admin(actor: Any, unit: Unit | None) -> None:
    """An administrator of ``unit`` (of the region, if none is given)."""
    require(actor, may_manage_organisation, unit or region_root(), message=_ONLY_ADMINISTRATORS)


# Care providers ------------------------------------------------------------------------------

#: What a person gives and may change, in form order (service, form, API and export use it).
PROVIDER_FIELDS = ("name", "org_number", "operator", "contract_reference", "address", "active")


@transaction.atomic
def care_provider_create(
    *,
    actor: Any,
    name: str,
    org_number: str,
    operator: str,
    contract_reference: str = "",
    address: str = "",
) -> CareProvider:
    _require_admin(actor, None)
    provider = CareProvider(
        name=name,
        org_number=org_number,
        operator=operator,
        contract_reference=contract_reference,
        address=address.strip(),
    )
    provider.full_clean()
    provider.save()
    audit.record(
        actor=actor,
        action=Action.CARE_PROVIDER_CREATE,
        obj=provider,
        after=audit.snapshot(provider),
    )
    return provider


def care_provider_update(
    *, actor: Any, provider: CareProvider, reason: str = "", **changes: Any
) -> Updated[CareProvider]:
    _require_admin(actor, None)
    return audited_update(
        actor=actor,
        obj=provider,
        changes=changes,
        allowed=PROVIDER_FIELDS,
        action=Action.CARE_PROVIDER_UPDATE,
        reason=reason,
    )


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
    if parent is None and Unit.objects.filter(parent__isnull=True).exists():
        _require_admin(actor, None)
        raise ValidationError(
            {"parent": _("The region already exists; a new unit needs a parent.")}
        )
    if parent is not None:
        _require_admin(actor, parent)
    else:  # the region itself: only the system sets it up
        require(actor, lambda user: False, message=_ONLY_ADMINISTRATORS)
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
    audit.record(actor=actor, action=Action.UNIT_CREATE, obj=unit, after=audit.snapshot(unit))
    return unit


#: What a person gives and may change, in form order (service, form, API and export use it).
UNIT_FIELDS = ("name", "short_name", "kind", "parent", "care_provider", "hsa_id", "active")


def unit_update(*, actor: Any, unit: Unit, reason: str = "", **changes: Any) -> Updated[Unit]:
    """Change a unit; a new ``parent`` moves it with its whole subtree."""

    def validate(row: Unit, before: dict[str, Any]) -> None:
        if row.parent_id != before["parent"]:
            _require_admin(actor, row.parent)

    def effects(row: Unit, before: dict[str, Any]) -> None:
        if row.parent_id != before["parent"]:
            old_path = before["path"]
            _set_path(row)
            for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=row.pk):
                child.path = row.path + child.path[len(old_path) :]
                child.depth = child.path.count("/") - 2
                child.save(update_fields=["path", "depth"])

    return audited_update(
        actor=actor,
        obj=unit,
        changes=changes,
        allowed=UNIT_FIELDS,
        action=Action.UNIT_UPDATE,
        reason=reason,
        authorize=lambda row: _require_admin(actor, row),
        validate=validate,
        effects=effects,
        clean_exclude=["path"],
    )


# People and roles ----------------------------------------------------------------------------

#: What a person gives and may change, in form order (service, form, API and export use it);
#: the user name is given once, at creation.
PERSON_FIELDS = ("first_name", "last_name", "email", "title", "hsa_id", "phone", "is_active")


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
    require(
        actor,
        may_manage_organisation,
        message=gettext_lazy("Only an administrator may add people."),
    )
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
    audit.record(actor=actor, action=Action.PERSON_CREATE, obj=person, after=audit.snapshot(person))
    return person


def person_update(*, actor: Any, person: User, reason: str = "", **changes: Any) -> Updated[User]:
    require(actor, may_manage_organisation, message=_ONLY_ADMINISTRATORS)
    return audited_update(
        actor=actor,
        obj=person,
        changes=changes,
        allowed=PERSON_FIELDS,
        action=Action.PERSON_UPDATE,
        reason=reason,
    )


@transaction.atomic
def role_grant(*, actor: Any, user: User, unit: Unit, role: str, reason: str = "") -> RoleGrant:
    """Give ``user`` the ``role`` on ``unit`` and all units below it."""
    _require_admin(actor, unit)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    grant = RoleGrant(user=user, unit=unit, role=role, granted_by=user_or_none(actor))
    grant.full_clean()
    grant.save()
    forget_grants(user)
    audit.record(
        actor=actor, action=Action.ROLE_GRANT, obj=grant, after=audit.snapshot(grant), reason=reason
    )
    return grant


@transaction.atomic
def role_revoke(*, actor: Any, grant: RoleGrant, reason: str) -> RoleGrant:
    """End a grant. The grant row stays, stamped with who revoked it and when."""
    grant = RoleGrant.objects.select_for_update().select_related("unit").get(pk=grant.pk)
    _require_admin(actor, grant.unit)
    if grant.revoked_at is not None:
        raise ValidationError(_("This role has already been revoked."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for revoking the role.")})
    before = audit.snapshot(grant)
    grant.revoked_at = timezone.now()
    grant.revoked_by = user_or_none(actor)
    grant.save(update_fields=["revoked_at", "revoked_by"])
    forget_grants(grant.user)
    audit.record(
        actor=actor,
        action=Action.ROLE_REVOKE,
        obj=grant,
        before=before,
        after=audit.snapshot(grant),
        reason=reason,
    )
    return grant
