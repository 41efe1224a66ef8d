"""Other measured values of an inspection: names with their values, refused with a field message
(not a server error) when they are anything else."""

import datetime

import pytest

from medtek.devices.models import Inspection

INSPECTIONS = "/api/v1/inspections/"


@pytest.fixture
def plan(org, make_device, make_plan):
    return make_plan(make_device(org.unit_a, "INV-M"))


def _post(api, mt, plan, measurements, *, fmt="json"):
    data = {
        "plan": plan.pk,
        "performed_on": datetime.date(2024, 3, 1).isoformat(),
        "result": "pass",
        "measurements": measurements,
    }
    return api.as_(mt).post(INSPECTIONS, data, format=fmt)


def test_it_keeps_measured_values_by_name(api, mt, plan):
    response = _post(api, mt, plan, {"flow_ml_h": 100.2})

    assert response.status_code == 201, response.content
    assert Inspection.objects.get().measurements == {"flow_ml_h": 100.2}


def test_it_refuses_null_measurements_from_a_form(api, mt, plan):
    response = _post(api, mt, plan, "null", fmt="multipart")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["measurements"]
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("measurements", [{"flow": "10\u0000"}, {"fl\u0000ow": 10}])
def test_it_refuses_the_nul_character_in_a_name_or_value(api, mt, plan, measurements):
    response = _post(api, mt, plan, measurements)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["measurements"]
    assert not Inspection.objects.exists()


def test_it_refuses_measurements_that_are_not_names_with_values(api, mt, plan):
    response = _post(api, mt, plan, ["flow", 100.2])

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["measurements"]
