"""An export imports back: the device list's export (CSV and XLSX, as the page gives it) and
``medtek export devices`` read back with the default mapping. Imported over the register with
"update existing", every device comes back unchanged; imported under new inventory numbers, the
new devices equal the originals field by field (issue #9)."""

import csv
import datetime
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from medtek.core.models import AuditEvent
from medtek.devices import services as device_services
from medtek.devices.models import Device, DeviceStatus, DeviceStatusChange, InspectionKind
from medtek.imports import services
from medtek.imports.models import ImportSession
from medtek.organisation import services as org_services
from tests.imports.conftest import validated

pytestmark = pytest.mark.usefixtures("catalogue")

LIST = reverse("devices:device_list")
HSA_B = "SE2321000016-B001"
#: What an export does not carry, or what the register sets itself on registering a device.
NOT_EXPORTED = {"id", "inventory_number", "status_since", "created_at", "next_due"}


@pytest.fixture
def register(org: Any, mt: Any, register_device: Callable[..., Device], catalogue: Any) -> None:
    """Devices of both models in three units (one known by its HSA id), in every status a
    register lists, with text that starts like a spreadsheet formula, with every date and
    identifier a device record has, and one with a plan (whose next due date the export shows
    but the import never writes)."""
    org_services.unit_update(actor=org.admin, unit=org.unit_b, hsa_id=HSA_B, reason="HSA-id")
    monitor = register_device(
        "RT-1",
        location="Sal 3",
        supplier="Mediq",
        purchased_on=datetime.date(2024, 1, 15),
        delivered_on=datetime.date(2024, 1, 20),
        warranty_until=datetime.date(2027, 1, 19),
        manufactured_on=datetime.date(2023, 11, 2),
        expires_on=datetime.date(2033, 11, 1),
    )
    device_services.inspection_plan_create(
        actor=mt,
        device=monitor,
        kind=InspectionKind.ELECTRICAL_SAFETY,
        interval_months=12,
        last_done=datetime.date(2025, 6, 1),
    )
    register_device(
        "RT-2",
        model=catalogue.pump,
        unit=org.unit_a_child,
        serial_number="",
        udi_lot="L42",
        udi_serial="9001",
        location="Förråd; plan 2",
    )
    # Text a spreadsheet would read as a formula: guarded in the export, read back as it was.
    register_device(
        "RT-3", unit=org.unit_b, status=DeviceStatus.OUT_OF_SERVICE, location="-1 Förråd"
    )
    repaired = register_device(
        "RT-4", model=catalogue.pump, serial_number="SN/ÅÄÖ 7", supplier="=Mediq AB"
    )
    device_services.device_change_status(
        actor=mt, device=repaired, status=DeviceStatus.IN_REPAIR, reason="Läcker"
    )


def _web_export(client: Any, mt: Any, fmt: str, language: str) -> bytes:
    client.force_login(mt)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(LIST, {"export": fmt})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _command_export(tmp_path: Path, mt: Any, fmt: str, language: str) -> bytes:
    path = tmp_path / f"export.{fmt}"
    args = ["--user", mt.username, "--format", fmt, "--lang", language, "-o", str(path)]
    call_command("export", "devices", *args)
    return path.read_bytes()


EXPORTS = [
    pytest.param("web", "csv", "sv", id="list-csv-sv"),
    pytest.param("web", "xlsx", "sv", id="list-xlsx-sv"),
    pytest.param("web", "csv", "en", id="list-csv-en"),
    pytest.param("command", "csv", "sv", id="command-csv-sv"),
    pytest.param("command", "xlsx", "sv", id="command-xlsx-sv"),
]


@pytest.fixture
def export(client: Any, tmp_path: Path, mt: Any) -> Callable[[str, str, str], bytes]:
    def run(source: str, fmt: str, language: str) -> bytes:
        if source == "web":
            data = _web_export(client, mt, fmt, language)
        else:
            data = _command_export(tmp_path, mt, fmt, language)
        header, *rows = _table(data, fmt)
        assert header[0] == SHOWN[language][0], "the export a reader gets, not the codes"
        assert SHOWN[language][1] in {row[header.index("Status")] for row in rows}
        by_number = {row[0]: row for row in rows}
        assert by_number["RT-1"][-1], "the next inspection due, which the import leaves alone"
        assert HSA_B in by_number["RT-3"]
        return data

    return run


#: The first column's heading and the label of "out of service", as each language shows them.
SHOWN = {"sv": ("Inventarienummer", "Avställd"), "en": ("Inventory number", "Out of service")}


def _table(data: bytes, fmt: str) -> list[list[Any]]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _renumbered(data: bytes, fmt: str, prefix: str) -> bytes:
    """The file with every inventory number (the first column) given ``prefix``, nothing else
    touched, as a user would edit it in Excel."""
    if fmt == "csv":
        text = data.decode("utf-8")
        assert text.startswith("\ufeff")
        header, *rows = csv.reader(io.StringIO(text[1:]), delimiter=";")
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([prefix + row[0], *row[1:]] for row in rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
        cell.value = prefix + cell.value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _records(prefix: str = "RT-") -> dict[str, dict[str, Any]]:
    """The register's devices by inventory number (without ``prefix``): every field the export
    carries."""
    return {
        d.inventory_number.removeprefix(prefix): {
            f.name: getattr(d, f.attname)
            for f in Device._meta.concrete_fields
            if f.name not in NOT_EXPORTED
        }
        for d in Device.objects.filter(inventory_number__startswith=prefix)
    }


def _device_events() -> int:
    return AuditEvent.objects.filter(object_type="devices.device").count()


def _commit(mt: Any, data: bytes, fmt: str, *, update: bool) -> ImportSession:
    session = validated(mt, data, f"export.{fmt}", update=update)
    assert session.error_rows == 0, list(session.rows.values_list("errors", flat=True))
    return services.session_commit(
        actor=mt, session=session, mode=ImportSession.Mode.ALL_OR_NOTHING
    )


@pytest.mark.usefixtures("register")
@pytest.mark.parametrize(("source", "fmt", "language"), EXPORTS)
def test_an_export_imported_over_the_register_changes_nothing(
    mt: Any, export: Callable[[str, str, str], bytes], source: str, fmt: str, language: str
) -> None:
    data = export(source, fmt, language)
    before = _records()
    changes, events = DeviceStatusChange.objects.count(), _device_events()

    session = _commit(mt, data, fmt, update=True)

    assert session.status == ImportSession.Status.COMMITTED
    assert (session.created_count, session.updated_count, session.unchanged_count) == (0, 0, 4)
    assert _records() == before
    assert DeviceStatusChange.objects.count() == changes
    assert _device_events() == events, "an unchanged device is not written"


@pytest.mark.usefixtures("register")
@pytest.mark.parametrize(("source", "fmt", "language"), EXPORTS)
def test_an_export_under_new_inventory_numbers_creates_equal_devices(
    mt: Any, export: Callable[[str, str, str], bytes], source: str, fmt: str, language: str
) -> None:
    data = _renumbered(export(source, fmt, language), fmt, "KOPIA-")

    session = _commit(mt, data, fmt, update=False)

    assert session.created_count == 4
    originals = _records()
    copies = _records("KOPIA-RT-")
    assert copies == originals
    assert {d["status"] for d in copies.values()} == {
        DeviceStatus.IN_USE,
        DeviceStatus.OUT_OF_SERVICE,
        DeviceStatus.IN_REPAIR,
    }
    assert Device.objects.get(inventory_number="KOPIA-RT-3").unit.hsa_id == HSA_B
