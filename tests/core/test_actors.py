"""Every change has an actor: a person, or the system named as such — never nobody."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from medtek.core import audit
from medtek.core.actors import SYSTEM, require
from medtek.core.models import AuditEvent
from medtek.devices import services as device_services
from medtek.organisation import services

pytestmark = pytest.mark.django_db


def test_a_service_refuses_to_run_without_an_actor(org):
    with pytest.raises(TypeError, match="needs an actor"):
        services.unit_update(actor=None, unit=org.unit_a, name="Ingen")
    with pytest.raises(TypeError, match="needs an actor"):
        device_services.device_model_create(
            actor=None, manufacturer="Acme", trade_name="X", risk_class="I"
        )
    org.unit_a.refresh_from_db()
    assert org.unit_a.name == "Unit A"


def test_the_trail_refuses_an_event_without_an_actor(org):
    with pytest.raises(TypeError), transaction.atomic():
        audit.record(actor=None, action="unit.update", obj=org.unit_a)


def test_the_system_acts_under_its_own_name(org):
    services.unit_update(actor=SYSTEM, unit=org.unit_a, name="Unit Alfa", reason="Dataflytt")
    event = AuditEvent.objects.filter(action="unit.update").latest("id")
    assert (event.actor, event.actor_name, event.reason) == (None, "system", "Dataflytt")


def test_the_system_passes_the_rights_check_and_nobody_else_does_by_default(org):
    def nobody(user: object) -> bool:
        return False

    require(SYSTEM, nobody)
    for person in org.personas().values():
        with pytest.raises(PermissionDenied, match="Du får inte"):
            require(person, nobody)


def test_the_system_is_no_person(org):
    from medtek.organisation.access import grants_of, people_visible_to

    assert not grants_of(SYSTEM).pairs
    assert SYSTEM.is_authenticated is False
    assert "system" not in set(people_visible_to(org.admin).values_list("username", flat=True))


def test_the_trail_refuses_an_action_no_app_declared(org):
    with pytest.raises(ValueError, match="Unknown audit action"), transaction.atomic():
        audit.record(actor=org.admin, action="unit.vanish", obj=org.unit_a)


def test_every_action_has_a_label():
    actions = audit.known_actions()
    assert "device.register" in actions and "record.dispose" in actions
    for name, label in actions.items():
        assert str(label) and str(label) != name, name
