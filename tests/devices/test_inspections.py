"""Inspection plans and their due dates: what the register shows as due, and when."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from medtek.core import audit
from medtek.devices import services
from medtek.devices.models import DeviceStatus, Inspection, InspectionKind, add_months

D = datetime.date
TODAY = timezone.localdate


def _days(n):
    return TODAY() + datetime.timedelta(days=n)


def _record(mt, plan, performed_on, result="pass", **fields):
    return services.inspection_record(
        actor=mt, plan=plan, performed_on=performed_on, result=result, **fields
    )


def _reload(*objs):
    for obj in objs:
        obj.refresh_from_db()


# add_months --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 3, 31), 1, D(2024, 4, 30)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2024, 11, 15), 2, D(2025, 1, 15)),
        (D(2024, 12, 31), 1, D(2025, 1, 31)),
        (D(2024, 5, 10), 120, D(2034, 5, 10)),
        (D(2024, 8, 31), 6, D(2025, 2, 28)),
    ],
)
def test_it_adds_months_clamped_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


# Plans -----------------------------------------------------------------------------------------


def test_it_makes_a_new_plan_due_one_interval_after_it_was_last_done(devices, make_plan):
    plan = make_plan(devices["unit_a"], interval_months=1, last_done=D(2024, 1, 31))
    assert plan.next_due == D(2024, 2, 29)
    _reload(devices["unit_a"])
    assert devices["unit_a"].next_due == D(2024, 2, 29)


def test_it_makes_a_never_done_plan_due_today(devices, make_plan):
    plan = make_plan(devices["unit_a"])
    assert plan.next_due == TODAY()


def test_it_takes_an_explicit_first_due_date(devices, make_plan):
    plan = make_plan(devices["unit_a"], last_done=D(2024, 1, 1), next_due=D(2024, 6, 1))
    assert plan.next_due == D(2024, 6, 1)


def test_it_allows_one_active_plan_per_kind(devices, make_plan):
    make_plan(devices["unit_a"])
    with pytest.raises(ValidationError):
        make_plan(devices["unit_a"])
    make_plan(devices["unit_a"], kind=InspectionKind.CALIBRATION)
    assert devices["unit_a"].plans.count() == 2


def test_it_does_not_plan_inspections_of_a_scrapped_device(mt, devices, make_plan):
    device = services.device_change_status(
        actor=mt, device=devices["unit_a"], status=DeviceStatus.SCRAPPED, reason="Gammal"
    )
    with pytest.raises(ValidationError):
        make_plan(device)
    assert not device.plans.exists()


# Recording inspections ----------------------------------------------------------------------------


def test_it_moves_the_plan_on_by_the_interval_from_the_day_it_passed(mt, devices, make_plan):
    device = devices["unit_a"]
    plan = make_plan(device, interval_months=1, next_due=D(2024, 1, 15))
    inspection = _record(mt, plan, D(2024, 1, 31), visual_ok=True, functional_ok=True)
    _reload(plan, device)
    assert (plan.last_done, plan.next_due) == (D(2024, 1, 31), D(2024, 2, 29))
    assert device.next_due == D(2024, 2, 29)
    assert (inspection.device, inspection.kind, inspection.performed_by) == (
        device,
        InspectionKind.ELECTRICAL_SAFETY,
        mt,
    )


def test_it_moves_the_plan_on_from_the_day_done_not_the_day_due(mt, devices, make_plan):
    plan = make_plan(devices["unit_a"], interval_months=12, next_due=D(2024, 1, 1))
    _record(mt, plan, D(2024, 3, 20))
    _reload(plan)
    assert plan.next_due == D(2025, 3, 20)


def test_it_makes_a_failed_device_due_at_once(mt, devices, make_plan):
    device = devices["unit_a"]
    plan = make_plan(device, last_done=D(2023, 6, 1))
    day = _days(-3)
    _record(mt, plan, day, result="fail", functional_ok=False, notes="Läckström för hög")
    _reload(plan, device)
    assert (plan.last_done, plan.next_due) == (day, day)
    assert device.next_due == day


def test_it_does_not_move_a_plan_back_for_an_older_inspection_recorded_late(mt, devices, make_plan):
    device = devices["unit_a"]
    plan = make_plan(device, interval_months=12, next_due=D(2024, 6, 1))
    _record(mt, plan, D(2024, 6, 1))
    # A forgotten protocol from March turns up: recorded, but the plan stays where it is.
    late = _record(mt, plan, D(2024, 3, 1), result="fail", functional_ok=False)
    _reload(plan, device)
    assert (plan.last_done, plan.next_due) == (D(2024, 6, 1), D(2025, 6, 1))
    assert device.next_due == D(2025, 6, 1)
    assert list(plan.inspections.order_by("performed_on")) == [
        late,
        plan.inspections.latest("performed_on"),
    ]


def test_it_moves_the_plan_on_when_a_device_passes_a_retest_the_same_day(mt, devices, make_plan):
    plan = make_plan(devices["unit_a"], interval_months=12, next_due=D(2024, 5, 1))
    _record(mt, plan, D(2024, 5, 2), result="fail", functional_ok=False)
    _record(mt, plan, D(2024, 5, 2), result="pass", functional_ok=True)
    _reload(plan)
    assert plan.next_due == D(2025, 5, 2)


def test_it_audits_the_inspection_and_the_plans_move(mt, devices, make_plan):
    plan = make_plan(devices["unit_a"], interval_months=6, next_due=D(2024, 1, 1))
    inspection = _record(mt, plan, D(2024, 1, 5), protective_earth_ohm="0.120")
    [recorded] = audit.history_for(inspection).filter(action="inspection.record")
    assert recorded.actor == mt
    assert recorded.after["protective_earth_ohm"] == "0.120"
    [advance] = audit.history_for(plan).filter(action="inspection_plan.advance")
    assert (advance.before["next_due"], advance.after["next_due"]) == ("2024-01-01", "2024-07-05")


def test_it_records_an_inspection_without_visual_or_functional_test(mt, devices, make_plan):
    """A calibration has no visual or functional test: unknown (None) is a valid answer."""
    plan = make_plan(devices["unit_a"], kind=InspectionKind.CALIBRATION, next_due=D(2024, 1, 1))
    inspection = _record(mt, plan, D(2024, 1, 5), measurements={"flow_ml_h": 100.2})
    inspection.refresh_from_db()
    assert (inspection.visual_ok, inspection.functional_ok) == (None, None)
    _reload(plan)
    assert plan.next_due == D(2025, 1, 5)


def test_it_records_an_inspection_through_the_form(client, mt, devices, make_plan):
    plan = make_plan(devices["unit_a"], next_due=D(2024, 1, 1))
    client.force_login(mt)
    response = client.post(
        reverse("devices:inspection_create", args=[plan.pk]),
        {
            "performed_on": "2024-01-05",
            "visual_ok": "unknown",
            "functional_ok": "true",
            "protective_earth_ohm": "0.1",
            "result": "pass",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    _reload(plan)
    assert plan.next_due == D(2025, 1, 5)
    assert plan.inspections.get().functional_ok is True


def test_it_rejects_a_pass_with_a_failed_visual_or_functional_test(mt, devices, make_plan):
    plan = make_plan(devices["unit_a"], next_due=D(2024, 1, 1))
    for failed in ({"visual_ok": False}, {"functional_ok": False}):
        with pytest.raises(ValidationError) as exc_info:
            _record(mt, plan, D(2024, 1, 5), **failed)
        assert "result" in exc_info.value.message_dict
    _reload(plan)
    assert plan.next_due == D(2024, 1, 1)
    assert not Inspection.objects.exists()


def test_it_rejects_an_inspection_in_the_future(mt, devices, make_plan):
    plan = make_plan(devices["unit_a"])
    with pytest.raises(ValidationError) as exc_info:
        _record(mt, plan, _days(1))
    assert "performed_on" in exc_info.value.message_dict
    assert not Inspection.objects.exists()


def test_it_rejects_an_inspection_on_an_ended_plan(mt, devices, make_plan):
    plan = make_plan(devices["unit_a"])
    services.inspection_plan_end(actor=mt, plan=plan, reason="Ersatt")
    with pytest.raises(ValidationError):
        _record(mt, plan, TODAY())
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "colleague", "auditor", "outsider"])
def test_it_lets_only_register_keepers_plan_and_record(org, mt, devices, make_plan, persona):
    actor = getattr(org, persona)
    plan = make_plan(devices["unit_a"], next_due=D(2024, 1, 1))
    with pytest.raises(PermissionDenied):
        make_plan(devices["unit_a"], actor=actor, kind=InspectionKind.CALIBRATION)
    with pytest.raises(PermissionDenied):
        _record(actor, plan, D(2024, 1, 5))
    with pytest.raises(PermissionDenied):
        services.inspection_plan_end(actor=actor, plan=plan, reason="Behövs inte")
    _reload(plan)
    assert (plan.active, plan.next_due, plan.inspections.count()) == (True, D(2024, 1, 1), 0)


# Device.next_due ----------------------------------------------------------------------------------


def test_it_shows_the_earliest_due_date_of_the_active_plans(mt, devices, make_plan):
    device = devices["unit_a"]
    safety = make_plan(device, next_due=D(2024, 9, 1))
    make_plan(device, kind=InspectionKind.CALIBRATION, next_due=D(2024, 12, 1))
    _reload(device)
    assert device.next_due == D(2024, 9, 1)

    _record(mt, safety, D(2024, 8, 20))  # safety now due 2025-08-20
    _reload(device)
    assert device.next_due == D(2024, 12, 1)


def test_it_updates_the_due_date_when_a_plan_ends(mt, devices, make_plan):
    device = devices["unit_a"]
    early = make_plan(device, next_due=D(2024, 9, 1))
    late = make_plan(device, kind=InspectionKind.CALIBRATION, next_due=D(2024, 12, 1))
    services.inspection_plan_end(actor=mt, plan=early, reason="Ingår i serviceavtal")
    _reload(device, early)
    assert early.active is False
    assert device.next_due == D(2024, 12, 1)
    services.inspection_plan_end(actor=mt, plan=late, reason="Ingår i serviceavtal")
    _reload(device)
    assert device.next_due is None
    [event] = audit.history_for(early).filter(action="inspection_plan.end")
    assert (event.before["active"], event.after["active"], event.reason) == (
        True,
        False,
        "Ingår i serviceavtal",
    )


def test_it_requires_a_reason_to_end_a_plan(mt, devices, make_plan):
    plan = make_plan(devices["unit_a"])
    with pytest.raises(ValidationError):
        services.inspection_plan_end(actor=mt, plan=plan, reason=" ")
    _reload(plan)
    assert plan.active


def test_it_clears_the_due_date_and_plans_of_a_scrapped_device(mt, devices, make_plan):
    device = devices["unit_a"]
    make_plan(device, next_due=D(2024, 9, 1))
    make_plan(device, kind=InspectionKind.CALIBRATION, next_due=D(2024, 12, 1))
    services.device_change_status(
        actor=mt, device=device, status=DeviceStatus.SCRAPPED, reason="Kasserad"
    )
    _reload(device)
    assert device.next_due is None
    assert not device.plans.filter(active=True).exists()


def test_it_keeps_the_due_date_of_a_device_out_of_service(mt, devices, make_plan):
    device = devices["unit_a"]
    make_plan(device, next_due=D(2024, 9, 1))
    services.device_change_status(
        actor=mt, device=device, status=DeviceStatus.IN_REPAIR, reason="Service"
    )
    _reload(device)
    assert device.next_due == D(2024, 9, 1)


# What the lists show as due ----------------------------------------------------------------------


@pytest.fixture
def due(org, make_device, make_plan):
    """Devices in unit A by when they are due: overdue, in 10, 60 and 200 days, never planned."""
    made = {}
    for name, days in [("overdue", -1), ("d10", 10), ("d60", 60), ("d200", 200), ("today", 0)]:
        made[name] = make_device(org.unit_a, f"DUE-{name}")
        make_plan(made[name], next_due=_days(days))
    made["unplanned"] = make_device(org.unit_a, "DUE-unplanned")
    made["b_overdue"] = make_device(org.unit_b, "DUE-b-overdue")
    make_plan(made["b_overdue"], next_due=_days(-100))
    return made


def _listed(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("devices:device_list"), params)
    assert response.status_code == 200
    return {d.inventory_number for d in response.context["page"]}


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("overdue", {"overdue", "b_overdue"}),
        ("30", {"overdue", "b_overdue", "today", "d10"}),
        ("90", {"overdue", "b_overdue", "today", "d10", "d60"}),
    ],
)
def test_it_lists_devices_by_when_they_are_due(client, mt, due, when, expected):
    assert _listed(client, mt, due=when) == {due[k].inventory_number for k in expected}


def test_it_leaves_scrapped_devices_out_of_the_due_lists(client, mt, due):
    services.device_change_status(
        actor=mt, device=due["overdue"], status="scrapped", reason="Kasserad"
    )
    assert due["overdue"].inventory_number not in _listed(client, mt, due="overdue")
    assert due["overdue"].inventory_number not in _listed(client, mt, due="30")


def test_it_scopes_the_due_list_to_what_the_user_sees(client, org, due):
    assert _listed(client, org.outsider, due="overdue") == {"DUE-b-overdue"}
    assert _listed(client, org.colleague, due="overdue") == {"DUE-overdue"}


def test_it_shows_the_overdue_badge_only_on_overdue_devices(client, mt, due):
    client.force_login(mt)
    html = client.get(reverse("devices:device_list"), {"q": "DUE-overdue"}).content.decode()
    assert "text-bg-danger" in html
    html = client.get(reverse("devices:device_list"), {"q": "DUE-d10"}).content.decode()
    assert "text-bg-danger" not in html


def _overview(client, user):
    client.force_login(user)
    response = client.get(reverse("devices:due_overview"))
    assert response.status_code == 200
    return {
        r["unit__name"]: (r["overdue"], r["due_soon"], r["total"]) for r in response.context["rows"]
    }


def test_it_counts_due_devices_per_unit(client, org, mt, due, make_device, make_plan):
    child = make_device(org.unit_a_child, "DUE-child")
    make_plan(child, next_due=_days(5))
    make_device(org.private_pcc, "VC-fine")  # nothing due: no row
    assert _overview(client, mt) == {
        # overdue; today and in 10 days due soon; of 6 devices in unit A
        "Unit A": (1, 2, 6),
        "Unit A1": (0, 1, 1),
        "Unit B": (1, 0, 1),
    }


def test_it_shows_each_person_only_their_units_due_devices(client, org, due):
    assert _overview(client, org.outsider) == {"Unit B": (1, 0, 1)}
    assert _overview(client, org.colleague) == {"Unit A": (1, 2, 6)}
    assert _overview(client, org.private_staff) == {}


def test_it_links_the_overview_to_the_filtered_list(client, org, mt, due):
    client.force_login(mt)
    html = client.get(reverse("devices:due_overview")).content.decode()
    assert f"?within={org.unit_a.pk}&due=overdue" in html
    listed = _listed(client, mt, within=org.unit_a.pk, due="overdue")
    assert listed == {"DUE-overdue"}
