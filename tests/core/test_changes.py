"""An update that changes nothing saves nothing and records nothing — and says so."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from medtek.core import audit
from medtek.core.models import AuditEvent
from medtek.organisation import services

pytestmark = pytest.mark.django_db


def test_an_update_that_changes_nothing_writes_no_event(org):
    count = AuditEvent.objects.count()

    result = services.unit_update(actor=org.admin, unit=org.unit_a, name=org.unit_a.name)

    assert result.changed is False and result.obj == org.unit_a
    assert AuditEvent.objects.count() == count


def test_an_update_that_changes_something_writes_one_event(org):
    result = services.unit_update(actor=org.admin, unit=org.unit_a, name="Unit Alfa")
    assert result.changed is True
    [event] = audit.history_for(org.unit_a).filter(action="unit.update")
    assert (event.before["name"], event.after["name"]) == ("Unit A", "Unit Alfa")


def test_a_refused_update_changes_nothing(org):
    with pytest.raises(ValidationError):
        services.unit_update(actor=org.admin, unit=org.unit_a, name="Unit Alfa", hsa_id="bad")
    org.unit_a.refresh_from_db()
    assert org.unit_a.name == "Unit A"
    assert not audit.history_for(org.unit_a).filter(action="unit.update").exists()


def test_the_page_says_when_nothing_changed(client, org):
    client.force_login(org.admin)
    url = reverse("organisation:care_provider_edit", args=[org.region_provider.pk])
    p = org.region_provider
    data = {
        "name": p.name,
        "org_number": p.org_number,
        "operator": p.operator,
        "contract_reference": p.contract_reference,
        "active": "on",
    }
    count = AuditEvent.objects.count()

    response = client.post(url, data, follow=True)

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Inget ändrades: posten är som den var."
    ]
    assert AuditEvent.objects.count() == count
