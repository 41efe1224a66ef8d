"""``medtek synthesize``: benchmark data in bulk, with one audit event saying so."""

import csv
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from medtek.core.models import AuditEvent
from medtek.devices.models import Device, DeviceModel, DeviceStatus, InspectionPlan
from medtek.imports import services
from medtek.organisation.models import Unit, User

pytestmark = pytest.mark.django_db

FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def synthesize(*args: str) -> str:
    out = StringIO()
    call_command("synthesize", "--no-progress", *args, stdout=out)
    return out.getvalue()


@override_settings(DEBUG=True, PASSWORD_HASHERS=FAST_HASHING)
def test_it_loads_the_demo_region_then_adds_devices_with_one_audit_event(tmp_path: Path) -> None:
    assert not Unit.objects.exists()

    synthesize("--scale", "600")

    demo_devices = Device.objects.exclude(inventory_number__startswith="SYN-")
    synthetic = Device.objects.filter(inventory_number__startswith="SYN-")
    assert synthetic.count() == 600
    assert DeviceModel.objects.count() >= 300
    assert {d.status for d in synthetic} >= {DeviceStatus.IN_USE, DeviceStatus.SCRAPPED}
    events = AuditEvent.objects.filter(action="demo.synthesize")
    assert events.count() == 1
    assert events.get().after["devices"] == 600
    assert not AuditEvent.objects.filter(object_type="devices.device", source="cli").exists()
    # next_due is the earliest due date of the device's active plans; scrapped ones have none.
    for device in synthetic.prefetch_related("plans")[:200]:
        due = [p.next_due for p in device.plans.all() if p.active]
        assert device.next_due == (min(due) if due else None)
    assert InspectionPlan.objects.filter(device__in=synthetic, active=True).exists()
    assert demo_devices.exists()

    synthesize("--scale", "10")  # numbering goes on

    synthetic = Device.objects.filter(inventory_number__startswith="SYN-")
    assert synthetic.count() == 610
    assert synthetic.order_by("-inventory_number").first().inventory_number == "SYN-0000610"


@override_settings(DEBUG=True, PASSWORD_HASHERS=FAST_HASHING)
def test_the_import_file_has_new_valid_rows(tmp_path: Path, settings: Any) -> None:
    path = tmp_path / "devices.csv"

    synthesize("--csv", str(path), "--rows", "120")

    with path.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert len(rows) == 120
    numbers = {r["inventory_number"] for r in rows}
    assert len(numbers) == 120
    assert not Device.objects.filter(inventory_number__in=numbers).exists()
    mt = User.objects.get(username="mt")
    session = services.session_create(
        actor=mt, kind="devices", filename="devices.csv", data=path.read_bytes()
    )
    session = services.session_validate(actor=mt, session=session)
    assert (session.valid_rows, session.error_rows) == (120, 0)


@override_settings(DEBUG=False)
def test_it_refuses_with_debug_off() -> None:
    with pytest.raises(CommandError, match="DEBUG off"):
        synthesize("--scale", "1")
