"""The register's services: registration, updates and status changes, each audited in its own
transaction, and only by those who keep the register."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from medtek.core import audit
from medtek.core.models import AuditEvent
from medtek.devices import services
from medtek.devices.models import Device, DeviceStatus, DeviceStatusChange
from medtek.organisation.roles import Role
from tests import factories
from tests.devices.conftest import ACCEPTED


def _errors(call, **kwargs):
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        call(**kwargs)
    return exc_info.value.message_dict


def _events(obj, action):
    return list(audit.history_for(obj).filter(action=action))


def _state():
    """Everything the device services write, to show that nothing changed."""
    return (
        sorted(map(audit.snapshot, Device.objects.all()), key=lambda s: s["id"]),
        DeviceStatusChange.objects.count(),
        AuditEvent.objects.count(),
    )


# Registration ----------------------------------------------------------------------------------


def test_it_registers_a_device_with_its_first_status_and_an_audit_event(org, mt, pump):
    device = services.device_register(
        actor=mt,
        unit=org.unit_a,
        model=pump,
        inventory_number="  MT-1001 ",
        serial_number="SN1",
        acceptance_checked_on=ACCEPTED,
        status_since=ACCEPTED,
    )
    device.refresh_from_db()
    assert device.inventory_number == "MT-1001"
    assert (device.status, device.status_since) == (DeviceStatus.IN_USE, ACCEPTED)

    [change] = device.status_changes.all()
    assert (change.from_status, change.to_status) == ("", DeviceStatus.IN_USE)
    assert (change.effective_on, change.changed_by) == (ACCEPTED, mt)

    [event] = _events(device, "device.register")
    assert event.actor == mt
    assert event.before is None
    assert event.after["inventory_number"] == "MT-1001"
    assert event.after["unit"] == org.unit_a.pk
    assert event.after["serial_number"] == "SN1"


def test_it_dates_a_new_status_today_unless_told(org, mt, pump):
    device = services.device_register(
        actor=mt,
        unit=org.unit_a,
        model=pump,
        inventory_number="X-1",
        acceptance_checked_on=ACCEPTED,
    )
    assert device.status_since == timezone.localdate()


def test_it_requires_an_acceptance_check_before_use(org, mt, pump):
    before = _state()
    errors = _errors(
        services.device_register, actor=mt, unit=org.unit_a, model=pump, inventory_number="X-1"
    )
    assert "acceptance_checked_on" in errors
    assert _state() == before


def test_it_registers_an_unchecked_device_out_of_service(org, mt, pump):
    device = services.device_register(
        actor=mt,
        unit=org.unit_a,
        model=pump,
        inventory_number="X-1",
        status=DeviceStatus.OUT_OF_SERVICE,
    )
    assert device.status == DeviceStatus.OUT_OF_SERVICE
    # …and it cannot be taken into use until it has been checked.
    errors = _errors(
        services.device_change_status,
        actor=mt,
        device=device,
        status=DeviceStatus.IN_USE,
        reason="Needed on the ward",
    )
    assert "acceptance_checked_on" in errors
    device.refresh_from_db()
    assert device.status == DeviceStatus.OUT_OF_SERVICE


def test_it_does_not_register_a_scrapped_device(org, mt, pump):
    errors = _errors(
        services.device_register,
        actor=mt,
        unit=org.unit_a,
        model=pump,
        inventory_number="X-1",
        acceptance_checked_on=ACCEPTED,
        status=DeviceStatus.SCRAPPED,
    )
    assert "status" in errors
    assert not Device.objects.exists()


def test_it_requires_an_owning_unit(mt, pump):
    errors = _errors(
        services.device_register,
        actor=mt,
        model=pump,
        inventory_number="X-1",
        acceptance_checked_on=ACCEPTED,
    )
    assert "unit" in errors


@pytest.mark.parametrize("duplicate", ["UNIT_A-1", "unit_a-1", " Unit_A-1 "])
def test_it_rejects_a_duplicate_inventory_number_whatever_its_case(
    org, mt, devices, make_device, duplicate
):
    before = _state()
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        make_device(org.unit_b, duplicate)
    assert "Another device already has this inventory number." in exc_info.value.messages
    assert _state() == before


def test_it_rejects_unknown_fields(org, mt, pump):
    errors = _errors(
        services.device_register,
        actor=mt,
        unit=org.unit_a,
        model=pump,
        inventory_number="X-1",
        acceptance_checked_on=ACCEPTED,
        next_due=datetime.date(2030, 1, 1),
    )
    assert "next_due" in errors


def test_it_rejects_delivery_before_purchase(org, make_device):
    with pytest.raises(ValidationError) as exc_info:
        make_device(
            org.unit_a,
            "X-1",
            purchased_on=datetime.date(2024, 3, 1),
            delivered_on=datetime.date(2024, 2, 1),
        )
    assert "delivered_on" in exc_info.value.message_dict


def test_it_rejects_expiry_before_manufacture(org, make_device):
    with pytest.raises(ValidationError) as exc_info:
        make_device(
            org.unit_a,
            "X-1",
            manufactured_on=datetime.date(2024, 3, 1),
            expires_on=datetime.date(2024, 2, 1),
        )
    assert "expires_on" in exc_info.value.message_dict


# MDR art. 27(9) ---------------------------------------------------------------------------------


def test_it_requires_the_full_udi_of_a_class_iii_implantable(org, make_device, implant):
    with pytest.raises(ValidationError) as exc_info:
        make_device(org.unit_a, "IMP-1", model=implant)
    assert {"udi_carrier", "udi_serial"} <= set(exc_info.value.message_dict)

    with pytest.raises(ValidationError) as exc_info:
        make_device(org.unit_a, "IMP-1", model=implant, udi_carrier="+A123BJC5D6E71G/$$3SN42")
    assert set(exc_info.value.message_dict) == {"udi_serial"}

    with pytest.raises(ValidationError) as exc_info:
        make_device(org.unit_a, "IMP-1", model=implant, udi_serial="SN42")
    assert set(exc_info.value.message_dict) == {"udi_carrier"}
    assert not Device.objects.exists()


@pytest.mark.parametrize("pi", [{"udi_serial": "SN42"}, {"udi_lot": "LOT7"}])
def test_it_registers_a_class_iii_implantable_with_its_udi(org, make_device, implant, pi):
    device = make_device(
        org.unit_a, "IMP-1", model=implant, udi_carrier="+A123BJC5D6E71G/$$3X", **pi
    )
    assert device.pk


def test_it_keeps_the_udi_of_a_class_iii_implantable_on_update(org, mt, make_device, implant):
    device = make_device(
        org.unit_a, "IMP-1", model=implant, udi_carrier="+A123BJC5D6E71G/$$3X", udi_serial="S1"
    )
    with pytest.raises(ValidationError) as exc_info:
        services.device_update(actor=mt, device=device, udi_carrier="")
    assert "udi_carrier" in exc_info.value.message_dict
    device.refresh_from_db()
    assert device.udi_carrier == "+A123BJC5D6E71G/$$3X"


# Updates ---------------------------------------------------------------------------------------


def test_it_audits_an_update_with_before_after_and_reason(org, mt, devices):
    device = devices["unit_a"]
    services.device_update(
        actor=mt, device=device, location="Sal 3", supplier="Mediq", reason="Inventering"
    )
    device.refresh_from_db()
    assert (device.location, device.supplier) == ("Sal 3", "Mediq")
    [event] = _events(device, "device.update")
    assert event.actor == mt
    assert (event.before["location"], event.after["location"]) == ("", "Sal 3")
    assert (event.before["supplier"], event.after["supplier"]) == ("", "Mediq")
    assert event.reason == "Inventering"


def test_it_does_not_change_status_through_an_update(mt, devices):
    device = devices["unit_a"]
    with pytest.raises(ValidationError) as exc_info:
        services.device_update(actor=mt, device=device, status=DeviceStatus.SCRAPPED)
    assert "status" in exc_info.value.message_dict
    device.refresh_from_db()
    assert device.status == DeviceStatus.IN_USE


def test_it_does_not_let_an_update_take_a_device_out_of_use_unchecked(mt, devices):
    device = devices["unit_a"]
    with pytest.raises(ValidationError):
        services.device_update(actor=mt, device=device, acceptance_checked_on=None)
    device.refresh_from_db()
    assert device.acceptance_checked_on == ACCEPTED


def test_it_rejects_moving_a_device_to_a_unit_the_actor_does_not_keep(org, devices):
    mt_a = factories.person("mt_a", role=Role.MT_ENGINEER, unit=org.unit_a)
    device = devices["unit_a"]
    with pytest.raises(PermissionDenied):
        services.device_update(actor=mt_a, device=device, unit=org.unit_b)
    device.refresh_from_db()
    assert device.unit == org.unit_a
    # Within its own subtree the move is fine.
    services.device_update(actor=mt_a, device=device, unit=org.unit_a_child)
    device.refresh_from_db()
    assert device.unit == org.unit_a_child


# Status ----------------------------------------------------------------------------------------


def _change(mt, device, status, *, reason="Trasig", on=None):
    return services.device_change_status(
        actor=mt, device=device, status=status, reason=reason, effective_on=on
    )


@pytest.mark.parametrize(
    "path",
    [
        ["out_of_service", "in_use"],
        ["in_repair", "in_use"],
        ["out_of_service", "in_repair", "out_of_service", "scrapped"],
        ["in_repair", "scrapped"],
        ["scrapped"],
    ],
)
def test_it_allows_the_status_transitions(mt, devices, path):
    device = devices["unit_a"]
    for status in path:
        device = _change(mt, device, status)
    device.refresh_from_db()
    assert device.status == path[-1]
    history = [c.to_status for c in device.status_changes.order_by("id")]
    assert history == ["in_use", *path]


def test_it_records_a_status_change_with_date_reason_and_audit(mt, devices):
    device = devices["unit_a"]
    day = ACCEPTED + datetime.timedelta(days=30)
    _change(mt, device, DeviceStatus.IN_REPAIR, reason="Skickad till leverantör", on=day)
    device.refresh_from_db()
    assert (device.status, device.status_since) == (DeviceStatus.IN_REPAIR, day)
    change = device.status_changes.latest("id")
    assert (change.from_status, change.to_status) == ("in_use", "in_repair")
    assert (change.effective_on, change.reason, change.changed_by) == (
        day,
        "Skickad till leverantör",
        mt,
    )
    [event] = _events(device, "device.status")
    assert (event.before["status"], event.after["status"]) == ("in_use", "in_repair")
    assert event.after["status_since"] == day.isoformat()
    assert event.reason == "Skickad till leverantör"


@pytest.mark.parametrize("status", ["in_use", "out_of_service", "in_repair", "scrapped"])
def test_it_keeps_scrapped_final(mt, devices, status):
    device = _change(mt, devices["unit_a"], DeviceStatus.SCRAPPED)
    before = _state()
    assert "status" in _errors(
        services.device_change_status, actor=mt, device=device, status=status, reason="Hittad"
    )
    assert _state() == before


def test_it_rejects_a_change_to_the_same_status(mt, devices):
    assert "status" in _errors(
        services.device_change_status,
        actor=mt,
        device=devices["unit_a"],
        status=DeviceStatus.IN_USE,
        reason="Igen",
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_requires_a_reason_for_a_status_change(mt, devices, reason):
    before = _state()
    errors = _errors(
        services.device_change_status,
        actor=mt,
        device=devices["unit_a"],
        status=DeviceStatus.OUT_OF_SERVICE,
        reason=reason,
    )
    assert "reason" in errors
    assert _state() == before


def test_it_rejects_a_status_date_before_the_current_status_began(mt, devices):
    before = _state()
    errors = _errors(
        services.device_change_status,
        actor=mt,
        device=devices["unit_a"],
        status=DeviceStatus.OUT_OF_SERVICE,
        reason="Trasig",
        effective_on=ACCEPTED - datetime.timedelta(days=1),
    )
    assert "effective_on" in errors
    assert _state() == before
    # The day the status began is fine.
    _change(mt, devices["unit_a"], DeviceStatus.OUT_OF_SERVICE, on=ACCEPTED)


def test_it_rejects_a_status_date_in_the_future(mt, devices):
    before = _state()
    errors = _errors(
        services.device_change_status,
        actor=mt,
        device=devices["unit_a"],
        status=DeviceStatus.OUT_OF_SERVICE,
        reason="Trasig",
        effective_on=timezone.localdate() + datetime.timedelta(days=1),
    )
    assert "effective_on" in errors
    assert _state() == before


# Permissions -----------------------------------------------------------------------------------


READERS = ["owner", "colleague", "outsider", "auditor", "private_staff"]


@pytest.mark.parametrize("persona", READERS)
def test_it_lets_only_register_keepers_register(org, pump, persona):
    before = _state()
    with pytest.raises(PermissionDenied):
        services.device_register(
            actor=getattr(org, persona),
            unit=org.unit_a,
            model=pump,
            inventory_number="X-1",
            acceptance_checked_on=ACCEPTED,
        )
    assert _state() == before


@pytest.mark.parametrize("persona", READERS)
def test_it_lets_only_register_keepers_update_or_change_status(org, devices, persona):
    actor = getattr(org, persona)
    device = devices["unit_a"]
    before = _state()
    with pytest.raises(PermissionDenied):
        services.device_update(actor=actor, device=device, location="Förråd")
    with pytest.raises(PermissionDenied):
        services.device_change_status(
            actor=actor, device=device, status=DeviceStatus.SCRAPPED, reason="Gammal"
        )
    assert _state() == before


@pytest.mark.parametrize("persona", READERS)
def test_it_lets_only_register_keepers_change_the_catalogue(org, pump, persona):
    with pytest.raises(PermissionDenied):
        services.device_model_create(
            actor=getattr(org, persona), manufacturer="X", trade_name="Y", risk_class="I"
        )
    with pytest.raises(PermissionDenied):
        services.device_model_update(actor=getattr(org, persona), model=pump, trade_name="Z")
    pump.refresh_from_db()
    assert pump.trade_name == "Infusionspump"


def test_it_lets_an_mt_engineer_write_only_below_their_unit(org, pump):
    mt_b = factories.person("mt_b", role=Role.MT_ENGINEER, unit=org.unit_b)
    with pytest.raises(PermissionDenied):
        services.device_register(
            actor=mt_b,
            unit=org.unit_a,
            model=pump,
            inventory_number="X-1",
            acceptance_checked_on=ACCEPTED,
        )
    device = services.device_register(
        actor=mt_b,
        unit=org.unit_b,
        model=pump,
        inventory_number="X-1",
        acceptance_checked_on=ACCEPTED,
    )
    assert device.unit == org.unit_b


def test_it_lets_an_administrator_keep_the_register(org, pump):
    device = services.device_register(
        actor=org.admin,
        unit=org.private_pcc,
        model=pump,
        inventory_number="VC-1",
        acceptance_checked_on=ACCEPTED,
    )
    services.device_change_status(
        actor=org.admin, device=device, status=DeviceStatus.OUT_OF_SERVICE, reason="Trasig"
    )
    device.refresh_from_db()
    assert device.status == DeviceStatus.OUT_OF_SERVICE
    assert [e.actor for e in audit.history_for(device)] == [org.admin, org.admin]


def test_it_audits_a_model_update_with_before_and_after(mt, pump):
    services.device_model_update(
        actor=mt, model=pump, inspection_interval_months=24, reason="Ny IFU"
    )
    [event] = _events(pump, "device_model.update")
    assert (
        event.before["inspection_interval_months"],
        event.after["inspection_interval_months"],
    ) == (
        12,
        24,
    )
    assert event.reason == "Ny IFU"


# Bulk registration (the import path) -------------------------------------------------------------


def _record(number, unit, model, **values):
    return {
        "inventory_number": number,
        "model_id": model.pk,
        "unit_id": unit.pk,
        "status": DeviceStatus.IN_USE,
        "acceptance_checked_on": ACCEPTED.isoformat(),
        **values,
    }


def test_it_registers_many_devices_with_one_status_change_and_event_each(org, mt, pump):
    records = [
        _record("IMP-1", org.unit_a, pump, serial_number="SN 1", purchased_on="2025-01-31"),
        _record("imp-2", org.unit_a, pump, status=DeviceStatus.OUT_OF_SERVICE),
        _record("IMP-3", org.unit_a, pump, location="Sal 3"),
    ]
    with audit.audit_context(source="import", batch="b-1"):
        pks = services.devices_register_many(actor=mt, records=records, reason="Import 1")

    devices = [Device.objects.get(pk=pk) for pk in pks]
    assert [d.inventory_number for d in devices] == ["IMP-1", "imp-2", "IMP-3"]
    assert devices[0].purchased_on == datetime.date(2025, 1, 31)
    assert devices[0].serial_number == "SN 1"
    assert devices[1].status == DeviceStatus.OUT_OF_SERVICE
    assert {d.status_since for d in devices} == {timezone.localdate()}
    for device in devices:
        change = device.status_changes.get()
        assert (change.from_status, change.to_status) == ("", device.status)
        assert (change.reason, change.changed_by, change.effective_on) == (
            "Import 1",
            mt,
            timezone.localdate(),
        )
        (event,) = _events(device, "device.register")
        # The trail holds exactly what the register holds, as for a device registered by hand.
        assert event.after == audit.snapshot(device)
        assert (event.before, event.reason, event.batch, event.source) == (
            None,
            "Import 1",
            "b-1",
            "import",
        )
        assert (event.actor, event.object_repr) == (mt, device.inventory_number)


def test_it_checks_permission_and_acceptance_in_bulk_registration(org, mt, pump):
    with pytest.raises(PermissionDenied):
        services.devices_register_many(
            actor=org.auditor, records=[_record("I-1", org.unit_a, pump)], reason="Import"
        )
    with pytest.raises(ValidationError, match="acceptance_checked_on"):
        services.devices_register_many(
            actor=mt,
            records=[_record("I-1", org.unit_a, pump, acceptance_checked_on=None)],
            reason="Import",
        )
    with pytest.raises(ValidationError, match="status"):
        services.devices_register_many(
            actor=mt,
            records=[_record("I-1", org.unit_a, pump, status=DeviceStatus.SCRAPPED)],
            reason="Import",
        )
    assert not Device.objects.exists()
    assert not AuditEvent.objects.filter(action="device.register").exists()
