"""A device's status changes through the API too — with a reason, by those who keep the register
— and its status history can never be rewritten."""

import pytest
from django.db import IntegrityError, connection, transaction

from medtek.core import audit
from medtek.devices.models import DeviceStatus, DeviceStatusChange

pytestmark = pytest.mark.django_db


def _status_url(device) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/devices/{device.pk}/status/"


def test_an_engineer_changes_a_status_with_a_reason(api, mt, devices):
    device = devices["unit_a"]

    response = api.as_(mt).post(
        _status_url(device),
        {"status": "in_repair", "reason": "Larmet fungerar inte", "effective_on": "2024-02-01"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["status_since"]) == (
        "in_repair",
        "2024-02-01",
    )
    change = device.status_changes.latest("id")
    assert (change.from_status, change.to_status, change.reason) == (
        "in_use",
        "in_repair",
        "Larmet fungerar inte",
    )
    [event] = audit.history_for(device).filter(action="device.status")
    assert (event.actor, event.source, event.reason) == (mt, "api", "Larmet fungerar inte")


def test_it_says_what_is_wrong_with_a_status_change(api, mt, devices):
    device = devices["unit_a"]
    api.as_(mt)
    blank = api.post(_status_url(device), {"status": "in_repair", "reason": " "}, format="json")
    future = api.post(
        _status_url(device),
        {"status": "in_repair", "reason": "Trasig", "effective_on": "2099-01-01"},
        format="json",
    )
    final = api.post(_status_url(device), {"status": "in_use", "reason": "Åter"}, format="json")

    assert (blank.status_code, set(blank.json()["errors"])) == (400, {"reason"})
    assert (future.status_code, set(future.json()["errors"])) == (400, {"effective_on"})
    assert (final.status_code, set(final.json()["errors"])) == (400, {"status"})
    device.refresh_from_db()
    assert device.status == DeviceStatus.IN_USE


@pytest.mark.parametrize(
    ("persona", "status"), [("colleague", 403), ("auditor", 403), ("outsider", 404)]
)
def test_only_register_keepers_change_a_status(api, org, devices, persona, status):
    device = devices["unit_a"]
    response = api.as_(getattr(org, persona)).post(
        _status_url(device), {"status": "scrapped", "reason": "Trasig"}, format="json"
    )
    assert response.status_code == status
    device.refresh_from_db()
    assert device.status == DeviceStatus.IN_USE


def test_the_status_history_is_append_only(mt, devices):
    change = DeviceStatusChange.objects.filter(device=devices["unit_a"]).first()
    before = DeviceStatusChange.objects.values().get(pk=change.pk)
    for statement in (
        "UPDATE devices_devicestatuschange SET reason = 'omskriven' WHERE id = %s",
        "DELETE FROM devices_devicestatuschange WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [change.pk])
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        DeviceStatusChange.objects.filter(pk=change.pk).update(to_status="scrapped")
    assert DeviceStatusChange.objects.values().get(pk=change.pk) == before
