"""The register's API (/api/v1/devices/, device-models/, inspections/): the same scoping as the
pages, writes through the services, JSON errors with field messages."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medtek.core import audit
from medtek.core.models import AuditEvent
from medtek.devices.models import Device, DeviceModel, DeviceStatusChange, Inspection
from medtek.organisation.roles import Role
from tests import factories
from tests.devices.conftest import ACCEPTED, PERSONAS, PUMP_GTIN, VISIBLE

DEVICES = "/api/v1/devices/"
MODELS = "/api/v1/device-models/"
INSPECTIONS = "/api/v1/inspections/"


def _url(device):
    return f"{DEVICES}{device.pk}/"


def _inventory(keys):
    return {f"{k.upper()}-1" for k in keys}


def _listed(response):
    assert response.status_code == 200, response.content
    return {row["inventory_number"] for row in response.json()["results"]}


def _state():
    return (
        list(Device.objects.order_by("pk").values()),
        list(DeviceModel.objects.order_by("pk").values()),
        DeviceStatusChange.objects.count(),
        Inspection.objects.count(),
        AuditEvent.objects.count(),
    )


def _new(org, pump, **changes):
    data = {
        "inventory_number": "API-1",
        "model": pump.pk,
        "unit": org.unit_a.pk,
        "serial_number": "SN-API",
        "acceptance_checked_on": ACCEPTED.isoformat(),
    }
    data.update(changes)
    return data


# Anonymous ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [DEVICES, MODELS, INSPECTIONS])
def test_it_requires_authentication(api, devices, path):
    assert api.as_(None).get(path).status_code == 401


def test_it_changes_nothing_for_an_anonymous_write(api, org, pump, devices):
    state = _state()
    assert api.as_(None).post(DEVICES, _new(org, pump), format="json").status_code == 401
    patch = api.patch(_url(devices["unit_a"]), {"location": "x"}, format="json")
    assert patch.status_code == 401
    assert _state() == state


# Reading ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lists_only_the_devices_the_persona_may_see(api, org, devices, persona):
    response = api.as_(getattr(org, persona)).get(DEVICES)
    assert _listed(response) == _inventory(VISIBLE[persona])
    assert response.json()["count"] == len(VISIBLE[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_a_device_only_to_those_who_may_see_it(api, org, devices, persona):
    api.as_(getattr(org, persona))
    for key, device in devices.items():
        response = api.get(_url(device))
        assert response.status_code == (200 if key in VISIBLE[persona] else 404), key


def test_it_describes_a_device(api, org, devices, make_plan):
    device = devices["unit_a"]
    make_plan(device, next_due=datetime.date(2024, 6, 1))
    data = api.as_(org.colleague).get(_url(device)).json()
    assert data["inventory_number"] == "UNIT_A-1"
    assert data["model_name"] == "Acme Medical Infusionspump P1"
    assert (data["unit"], data["unit_name"]) == (org.unit_a.pk, "Unit A")
    assert (data["risk_class"], data["status"]) == ("IIb", "in_use")
    assert data["next_due"] == "2024-06-01"


def test_it_filters_the_api_list_like_the_page(api, org, mt, devices, make_plan):
    make_plan(devices["unit_b"], next_due=datetime.date(2024, 1, 1))
    api.as_(mt)
    assert _listed(api.get(DEVICES, {"due": "overdue"})) == {"UNIT_B-1"}
    assert _listed(api.get(DEVICES, {"within": org.unit_a.pk})) == _inventory(
        ["unit_a", "unit_a_child"]
    )
    assert _listed(api.get(DEVICES, {"q": "private"})) == {"PRIVATE_PCC-1"}
    assert _listed(api.get(DEVICES, {"status": "scrapped"})) == set()


def test_it_does_not_filter_into_units_the_caller_cannot_see(api, org, devices):
    response = api.as_(org.outsider).get(DEVICES, {"within": org.unit_a.pk})
    assert response.status_code == 400
    assert "within" in response.json()["errors"]


def test_it_lists_device_models_by_what_the_caller_may_see(api, org, mt, devices, implant):
    names = {r["trade_name"] for r in api.as_(org.auditor).get(MODELS).json()["results"]}
    assert names == {"Infusionspump", "Pacemaker"}
    names = {r["trade_name"] for r in api.as_(org.outsider).get(MODELS).json()["results"]}
    assert names == {"Infusionspump"}
    assert api.get(f"{MODELS}{implant.pk}/").status_code == 404


# Writing ------------------------------------------------------------------------------------------


def test_it_registers_a_device_for_an_mt_engineer(api, org, mt, pump):
    response = api.as_(mt).post(DEVICES, _new(org, pump), format="json")
    assert response.status_code == 201, response.content
    device = Device.objects.get(pk=response.json()["id"])
    assert (device.inventory_number, device.unit, device.status) == ("API-1", org.unit_a, "in_use")
    [event] = audit.history_for(device)
    assert (event.action, event.actor, event.source) == ("device.register", mt, "api")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"inventory_number": ""}, "inventory_number"),
        ({"model": 999999}, "model"),
        ({"purchased_on": "31/12/2024"}, "purchased_on"),
        ({"acceptance_checked_on": None}, "acceptance_checked_on"),  # from the service
        ({"status": "scrapped"}, "status"),
    ],
)
def test_it_rejects_bad_input_with_a_field_error(api, org, mt, pump, devices, changes, field):
    state = _state()
    response = api.as_(mt).post(DEVICES, _new(org, pump, **changes), format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert _state() == state


def test_it_rejects_a_duplicate_inventory_number_whatever_its_case(api, org, mt, pump, devices):
    state = _state()
    api.as_(mt).cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = api.post(DEVICES, _new(org, pump, inventory_number="unit_a-1"), format="json")
    assert response.status_code == 400
    messages = [m for ms in response.json()["errors"].values() for m in ms]
    assert messages == ["Another device already has this inventory number."]
    assert _state() == state


@pytest.mark.parametrize("persona", ["owner", "colleague", "auditor"])
def test_it_forbids_readers_to_write(api, org, pump, devices, persona):
    state = _state()
    api.as_(getattr(org, persona))
    assert api.post(DEVICES, _new(org, pump), format="json").status_code == 403
    assert api.patch(_url(devices["unit_a"]), {"location": "x"}, format="json").status_code == 403
    model = api.patch(f"{MODELS}{pump.pk}/", {"trade_name": "x"}, format="json")
    assert model.status_code == 403
    new_model = {"manufacturer": "X", "trade_name": "Y", "risk_class": "I"}
    assert api.post(MODELS, new_model, format="json").status_code == 403
    assert _state() == state


@pytest.mark.parametrize("persona", ["outsider", "private_staff"])
def test_it_hides_other_units_devices_from_writes(api, org, pump, devices, persona):
    state = _state()
    api.as_(getattr(org, persona))
    assert api.patch(_url(devices["unit_a"]), {"location": "x"}, format="json").status_code == 404
    # Refused for lack of rights before the body is read, so it reveals nothing of the unit.
    assert api.post(DEVICES, _new(org, pump), format="json").status_code == 403
    assert _state() == state


def test_it_does_not_let_an_engineer_register_in_another_subtree(api, org, pump):
    mt_b = factories.person("mt_b", role=Role.MT_ENGINEER, unit=org.unit_b)
    state = _state()
    invisible = api.as_(mt_b).post(DEVICES, _new(org, pump), format="json")
    missing = api.post(DEVICES, _new(org, pump, unit=999999), format="json")
    # Unit A is not in the engineer's view: it answers exactly like a unit that does not exist.
    assert invisible.status_code == missing.status_code == 400
    assert invisible.json()["errors"]["unit"] == [
        m.replace("999999", str(org.unit_a.pk)) for m in missing.json()["errors"]["unit"]
    ]
    assert _state() == state
    response = api.post(DEVICES, _new(org, pump, unit=org.unit_b.pk), format="json")
    assert response.status_code == 201


def test_it_updates_a_device_with_an_audit_event(api, mt, devices):
    device = devices["unit_a"]
    response = api.as_(mt).patch(_url(device), {"location": "Sal 9"}, format="json")
    assert response.status_code == 200
    assert response.json()["location"] == "Sal 9"
    [event] = audit.history_for(device).filter(action="device.update")
    assert (event.before["location"], event.after["location"], event.source) == ("", "Sal 9", "api")


def test_it_does_not_change_status_through_a_patch(api, mt, devices):
    device = devices["unit_a"]
    state = _state()
    response = api.as_(mt).patch(_url(device), {"status": "scrapped"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    assert _state() == state


def test_it_does_not_patch_read_only_fields(api, mt, devices):
    device = devices["unit_a"]
    api.as_(mt).patch(_url(device), {"next_due": "2020-01-01"}, format="json")
    device.refresh_from_db()
    assert device.next_due is None


def test_it_adds_a_device_model_and_rejects_a_wrong_gtin(api, mt):
    data = {
        "manufacturer": "Acme Medical",
        "trade_name": "Monitor",
        "udi_issuer": "gs1",
        "udi_di": PUMP_GTIN[:-1] + "0",
        "risk_class": "IIa",
    }
    response = api.as_(mt).post(MODELS, data, format="json")
    assert response.status_code == 400
    assert "udi_di" in response.json()["errors"]
    assert not DeviceModel.objects.exists()
    response = api.post(MODELS, {**data, "udi_di": PUMP_GTIN}, format="json")
    assert response.status_code == 201
    model = DeviceModel.objects.get()
    assert audit.history_for(model).get().actor == mt


# Inspections -------------------------------------------------------------------------------------


def test_it_records_an_inspection_and_moves_the_plan(api, mt, devices, make_plan):
    plan = make_plan(devices["unit_a"], interval_months=1, next_due=datetime.date(2024, 1, 15))
    data = {"plan": plan.pk, "performed_on": "2024-01-31", "result": "pass", "visual_ok": True}
    response = api.as_(mt).post(INSPECTIONS, data, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["inventory_number"] == "UNIT_A-1"
    plan.refresh_from_db()
    assert plan.next_due == datetime.date(2024, 2, 29)
    assert audit.history_for(Inspection.objects.get()).get().source == "api"


def test_it_records_a_calibration_without_visual_or_functional_test(api, mt, devices, make_plan):
    plan = make_plan(devices["unit_a"], kind="calibration", next_due=datetime.date(2024, 1, 1))
    data = {"plan": plan.pk, "performed_on": "2024-01-05", "result": "pass"}
    assert api.as_(mt).post(INSPECTIONS, data, format="json").status_code == 201


@pytest.mark.parametrize(
    ("persona", "status"), [("auditor", 403), ("colleague", 403), ("outsider", 403)]
)
def test_it_lets_only_register_keepers_record_inspections(
    api, org, devices, make_plan, persona, status
):
    plan = make_plan(devices["unit_a"], next_due=datetime.date(2024, 1, 1))
    state = _state()
    data = {"plan": plan.pk, "performed_on": "2024-01-05", "result": "pass"}
    assert api.as_(getattr(org, persona)).post(INSPECTIONS, data, format="json").status_code == (
        status
    )
    assert _state() == state


def test_it_lists_only_visible_inspections(api, org, mt, devices, make_plan):
    for key in ("unit_a", "unit_b"):
        plan = make_plan(devices[key], next_due=datetime.date(2024, 1, 1))
        api.as_(mt).post(
            INSPECTIONS,
            {"plan": plan.pk, "performed_on": "2024-01-05", "result": "fail"},
            format="json",
        )
    rows = api.as_(org.outsider).get(INSPECTIONS).json()["results"]
    assert [r["inventory_number"] for r in rows] == ["UNIT_B-1"]
    rows = api.as_(org.auditor).get(INSPECTIONS, {"result": "fail"}).json()["results"]
    assert {r["inventory_number"] for r in rows} == {"UNIT_A-1", "UNIT_B-1"}


# Query count ------------------------------------------------------------------------------------


def _queries(api, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(DEVICES, params or {})
    assert response.status_code == 200
    return response.json(), len(ctx.captured_queries)


def test_it_lists_many_devices_in_as_few_queries_as_few(api, org, mt, make_device):
    for n in range(5):
        make_device(org.unit_a, f"Q-{n:03}")
    api.as_(mt)
    data, few = _queries(api)
    assert len(data["results"]) == 5
    for n in range(5, 60):
        make_device(org.unit_a_child, f"Q-{n:03}")
    data, many = _queries(api)
    assert (data["count"], len(data["results"])) == (60, 50)
    assert many <= few, f"{many} queries for 50 rows, {few} for 5"
