"""The organisation's services: every write is audited in its own transaction, and only by those
who may make it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medtek.core import audit
from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent
from medtek.demo.region import org_number
from medtek.organisation import services
from medtek.organisation.access import units_visible_to
from medtek.organisation.models import CareProvider, RoleGrant, Unit, User
from medtek.organisation.roles import Role

# A valid organisation number nobody in the personas uses (the factories count from 232100000).
NEW_ORG_NUMBER = org_number("556677889")


def _rows(model):
    """Every row of ``model`` as data, to show that nothing changed."""
    return sorted(map(audit.snapshot, model.objects.all()), key=lambda s: s["id"])


def _everything():
    return {model: _rows(model) for model in (CareProvider, Unit, User, RoleGrant)}


# Each service called with valid input; returns (object written, expected action).


def _care_provider_create(org, actor, reason):
    obj = services.care_provider_create(
        actor=actor,
        name="Ny Vård AB",
        org_number=NEW_ORG_NUMBER,
        operator=CareProvider.Operator.PRIVATE,
        contract_reference="VV-9",
    )
    return obj, "care_provider.create"


def _care_provider_update(org, actor, reason):
    obj, _changed = services.care_provider_update(
        actor=actor, provider=org.private_provider, reason=reason, name="Privat Vård AB (ny)"
    )
    return obj, "care_provider.update"


def _unit_create(org, actor, reason):
    obj = services.unit_create(
        actor=actor,
        name="Unit A2",
        kind=Unit.Kind.DEPARTMENT,
        parent=org.unit_a,
        care_provider=org.region_provider,
    )
    return obj, "unit.create"


def _unit_update(org, actor, reason):
    obj, _changed = services.unit_update(
        actor=actor, unit=org.unit_a, reason=reason, name="Unit A (ny)"
    )
    return obj, "unit.update"


def _person_create(org, actor, reason):
    obj = services.person_create(
        actor=actor, username="newcomer", first_name="Nina", last_name="Ny", password="x-y-z-w"
    )
    return obj, "person.create"


def _person_update(org, actor, reason):
    obj, _changed = services.person_update(
        actor=actor, person=org.colleague, reason=reason, title="Sjuksköterska"
    )
    return obj, "person.update"


def _role_grant(org, actor, reason):
    obj = services.role_grant(
        actor=actor,
        user=org.colleague,
        unit=org.unit_a_child,
        role=Role.HEAD_OF_UNIT,
        reason=reason,
    )
    return obj, "role.grant"


def _role_revoke(org, actor, reason):
    grant = RoleGrant.objects.get(user=org.colleague, unit=org.unit_a)
    obj = services.role_revoke(actor=actor, grant=grant, reason=reason)
    return obj, "role.revoke"


SERVICES = {
    "care_provider_create": _care_provider_create,
    "care_provider_update": _care_provider_update,
    "unit_create": _unit_create,
    "unit_update": _unit_update,
    "person_create": _person_create,
    "person_update": _person_update,
    "role_grant": _role_grant,
    "role_revoke": _role_revoke,
}
CREATES = {"care_provider_create", "unit_create", "person_create", "role_grant"}
TAKES_REASON = set(SERVICES) - {"care_provider_create", "unit_create", "person_create"}


def test_it_covers_every_service():
    public = {
        name
        for name, value in vars(services).items()
        if not name.startswith("_")
        and callable(value)
        and getattr(value, "__module__", "") == services.__name__
    }
    assert public == set(SERVICES)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_it_writes_exactly_one_audit_event(org, name):
    count = AuditEvent.objects.count()
    obj, action = SERVICES[name](org, org.admin, "Omorganisation 2026")
    assert AuditEvent.objects.count() == count + 1
    event = AuditEvent.objects.latest("id")
    obj.refresh_from_db()
    assert event.action == action
    assert event.actor == org.admin
    assert event.actor_name == "Admin Testsson (admin)"
    assert event.object_type == obj._meta.label_lower
    assert event.object_id == str(obj.pk)
    assert event.object_repr == str(obj)
    assert event.after == audit.snapshot(obj)
    if name in CREATES:
        assert event.before is None
    else:
        assert event.before is not None
        assert event.before != event.after
    if name in TAKES_REASON:
        assert event.reason == "Omorganisation 2026"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_it_rolls_back_the_change_when_the_audit_write_fails(org, name, monkeypatch):
    real_record = audit.record

    def record_then_fail(**kwargs):
        real_record(**kwargs)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services.audit, "record", record_then_fail)
    count = AuditEvent.objects.count()
    before = _everything()
    with pytest.raises(RuntimeError):
        SERVICES[name](org, org.admin, "reason")
    assert AuditEvent.objects.count() == count
    assert _everything() == before


def test_it_records_the_system_as_actor_when_there_is_none(org):
    unit = services.unit_create(
        actor=SYSTEM,
        name="Ny",
        kind=Unit.Kind.CLINIC,
        parent=org.hsf,
        care_provider=org.region_provider,
    )
    (event,) = audit.history_for(unit)
    assert event.actor is None
    assert event.actor_name == "system"


def test_it_never_copies_the_password_into_the_trail(org):
    person = services.person_create(
        actor=org.admin, username="nina", first_name="Nina", last_name="Ny", password="hemligt-123"
    )
    (event,) = audit.history_for(person)
    assert "password" not in event.after
    assert "hemligt" not in str(event.after)
    assert person.check_password("hemligt-123")


def test_it_stores_the_org_number_formatted(org):
    provider = services.care_provider_create(
        actor=org.admin,
        name="Ny Vård AB",
        org_number=NEW_ORG_NUMBER.replace("-", ""),
        operator=CareProvider.Operator.PRIVATE,
    )
    provider.refresh_from_db()
    assert provider.org_number == NEW_ORG_NUMBER


# Validation: nothing written, no event ----------------------------------------------------------


def _bad_org_number(org):
    services.care_provider_create(
        actor=org.admin, name="X", org_number="556677-8890", operator=CareProvider.Operator.PRIVATE
    )


def _region_with_contract(org):
    services.care_provider_create(
        actor=org.admin,
        name="X",
        org_number=NEW_ORG_NUMBER,
        operator=CareProvider.Operator.REGION,
        contract_reference="VV-2",
    )


def _bad_org_number_update(org):
    services.care_provider_update(actor=org.admin, provider=org.private_provider, org_number="123")


def _duplicate_org_number(org):
    services.care_provider_update(
        actor=org.admin,
        provider=org.private_provider,
        org_number=org.region_provider.org_number.replace("-", ""),
    )


def _bad_unit_hsa_id(org):
    services.unit_create(
        actor=org.admin,
        name="X",
        kind=Unit.Kind.CLINIC,
        parent=org.hsf,
        care_provider=org.region_provider,
        hsa_id="not-an-hsa-id",
    )


def _second_region(org):
    services.unit_create(
        actor=org.admin,
        name="Another region",
        kind=Unit.Kind.REGION,
        parent=None,
        care_provider=org.region_provider,
    )


def _bad_unit_hsa_id_update(org):
    services.unit_update(actor=org.admin, unit=org.unit_a, hsa_id="SE123-x")


def _unit_path_by_hand(org):
    services.unit_update(actor=org.admin, unit=org.unit_a, path="/")


def _duplicate_username(org):
    services.person_create(actor=org.admin, username="owner", first_name="Dup", last_name="Li")


def _bad_email(org):
    services.person_update(actor=org.admin, person=org.colleague, email="not an address")


def _rename_username(org):
    services.person_update(actor=org.admin, person=org.colleague, username="root")


def _unknown_role(org):
    services.role_grant(actor=org.admin, user=org.colleague, unit=org.unit_b, role="king")


def _same_role_twice(org):
    services.role_grant(actor=org.admin, user=org.colleague, unit=org.unit_a, role=Role.UNIT_STAFF)


FAILURES = {
    "care provider with a bad org number": (_bad_org_number, "org_number"),
    "region-run care provider with a contract": (_region_with_contract, "contract_reference"),
    "care provider changed to a bad org number": (_bad_org_number_update, "org_number"),
    "care provider changed to a taken org number": (_duplicate_org_number, "org_number"),
    "unit with a bad HSA id": (_bad_unit_hsa_id, "hsa_id"),
    "a second region": (_second_region, "parent"),
    "unit changed to a bad HSA id": (_bad_unit_hsa_id_update, "hsa_id"),
    "unit path set by hand": (_unit_path_by_hand, "path"),
    "person with a taken username": (_duplicate_username, "username"),
    "person changed to a bad email": (_bad_email, "email"),
    "person renamed": (_rename_username, "username"),
    "unknown role": (_unknown_role, "role"),
    "same role twice": (_same_role_twice, None),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_it_writes_nothing_when_validation_fails(org, case):
    fail, field = FAILURES[case]
    count = AuditEvent.objects.count()
    before = _everything()
    with pytest.raises(ValidationError) as exc:
        fail(org)
    if field is not None:
        assert field in exc.value.message_dict
    assert AuditEvent.objects.count() == count
    assert _everything() == before


def test_it_refuses_to_revoke_a_grant_twice(org):
    grant = RoleGrant.objects.get(user=org.colleague, unit=org.unit_a)
    services.role_revoke(actor=org.admin, grant=grant, reason="Slutat")
    count = AuditEvent.objects.count()
    before = _everything()
    with pytest.raises(ValidationError):
        services.role_revoke(actor=org.admin, grant=grant, reason="Igen")
    assert AuditEvent.objects.count() == count
    assert _everything() == before


# Moving units ----------------------------------------------------------------------------------


def test_it_moves_a_unit_with_its_subtree(org):
    services.unit_update(
        actor=org.admin, unit=org.unit_a, parent=org.unit_b, reason="Sammanslagning"
    )
    a, a1, b = (Unit.objects.get(pk=u.pk) for u in (org.unit_a, org.unit_a_child, org.unit_b))
    assert a.parent == b
    assert a.path == f"{b.path}{a.pk}/"
    assert a1.path == f"{b.path}{a.pk}/{a1.pk}/"
    assert (a.depth, a1.depth) == (b.depth + 1, b.depth + 2)
    (event,) = audit.history_for(a).filter(action="unit.update")
    assert event.before["parent"] == org.hsf.pk
    assert event.after["parent"] == b.pk
    assert event.after["path"] == a.path
    assert event.reason == "Sammanslagning"


def test_it_gives_the_new_parents_people_the_moved_subtree(org):
    services.unit_update(actor=org.admin, unit=org.unit_a, parent=org.unit_b)
    outsider = User.objects.get(pk=org.outsider.pk)
    owner = User.objects.get(pk=org.owner.pk)
    assert set(units_visible_to(outsider)) == {org.unit_a, org.unit_a_child, org.unit_b}
    assert set(units_visible_to(owner)) == {org.unit_a, org.unit_a_child}


def test_it_refuses_to_move_a_unit_below_itself(org):
    count = AuditEvent.objects.count()
    before = _everything()
    with pytest.raises(ValidationError) as exc:
        services.unit_update(actor=org.admin, unit=org.unit_a, parent=org.unit_a_child)
    assert "parent" in exc.value.message_dict
    assert AuditEvent.objects.count() == count
    assert _everything() == before


def test_it_keeps_paths_when_the_parent_stays(org):
    paths = dict(Unit.objects.values_list("pk", "path"))
    services.unit_update(actor=org.admin, unit=org.unit_a, parent=org.hsf, name="Unit A!")
    assert dict(Unit.objects.values_list("pk", "path")) == paths


# Revoking roles ----------------------------------------------------------------------------------


def test_it_keeps_the_revoked_grant(org):
    grant = RoleGrant.objects.get(user=org.colleague, unit=org.unit_a)
    services.role_revoke(actor=org.admin, grant=grant, reason="Slutat")
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert grant.revoked_by == org.admin
    assert not grant.active
    (event,) = audit.history_for(grant).filter(action="role.revoke")
    assert event.before["revoked_at"] is None
    assert event.after["revoked_at"] is not None
    assert event.after["revoked_by"] == org.admin.pk
    assert event.reason == "Slutat"


def test_it_takes_away_access_when_revoked(org):
    grant = RoleGrant.objects.get(user=org.colleague, unit=org.unit_a)
    services.role_revoke(actor=org.admin, grant=grant, reason="Slutat")
    assert not units_visible_to(User.objects.get(pk=org.colleague.pk)).exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_requires_a_reason_to_revoke(org, reason):
    grant = RoleGrant.objects.get(user=org.colleague, unit=org.unit_a)
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.role_revoke(actor=org.admin, grant=grant, reason=reason)
    assert "reason" in exc.value.message_dict
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert AuditEvent.objects.count() == count


# Who may write -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["auditor", "owner", "colleague", "outsider", "private_staff"])
@pytest.mark.parametrize("name", sorted(SERVICES))
def test_it_refuses_anyone_but_an_administrator(org, persona, name):
    count = AuditEvent.objects.count()
    before = _everything()
    with pytest.raises(PermissionDenied):
        SERVICES[name](org, getattr(org, persona), "reason")
    assert AuditEvent.objects.count() == count
    assert _everything() == before


def test_it_keeps_a_unit_administrator_to_their_own_subtree(org):
    unit_admin = services.person_create(
        actor=SYSTEM, username="badmin", first_name="Bea", last_name="Admin"
    )
    services.role_grant(actor=SYSTEM, user=unit_admin, unit=org.unit_b, role=Role.ADMINISTRATOR)
    count = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.unit_update(actor=unit_admin, unit=org.unit_a, name="Mine now")
    with pytest.raises(PermissionDenied):
        services.unit_update(actor=unit_admin, unit=org.unit_b, parent=org.unit_a)
    with pytest.raises(PermissionDenied):
        services.role_grant(
            actor=unit_admin, user=unit_admin, unit=org.region, role=Role.ADMINISTRATOR
        )
    with pytest.raises(PermissionDenied):
        services.care_provider_update(actor=unit_admin, provider=org.region_provider, name="X")
    assert AuditEvent.objects.count() == count
    services.unit_update(actor=unit_admin, unit=org.unit_b, short_name="B")
    assert Unit.objects.get(pk=org.unit_b.pk).short_name == "B"
