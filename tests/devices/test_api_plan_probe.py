"""An outsider cannot tell an invisible inspection plan from one that does not exist."""

from medtek.devices.models import Inspection
from medtek.organisation.roles import Role
from tests import factories


def test_it_answers_alike_for_invisible_and_missing_plans(org, api, devices, make_plan):
    plan = make_plan(devices["unit_a"])
    mt_b = factories.person("mt_b", role=Role.MT_ENGINEER, unit=org.unit_b)
    body = {"performed_on": "2026-01-10", "result": "pass"}
    invisible = api.as_(mt_b).post("/api/v1/inspections/", {**body, "plan": plan.pk}, format="json")
    missing = api.as_(mt_b).post("/api/v1/inspections/", {**body, "plan": 999999}, format="json")
    assert invisible.status_code == missing.status_code == 400
    assert invisible.json()["errors"]["plan"] == [
        m.replace("999999", str(plan.pk)) for m in missing.json()["errors"]["plan"]
    ]
    assert not Inspection.objects.exists()
