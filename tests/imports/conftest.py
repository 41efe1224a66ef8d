"""Fixtures for the import framework: an MT engineer, a device catalogue, and files as people
produce them (Swedish Excel's ``;`` CSV with a byte-order mark, plain ``,`` CSV, XLSX)."""

import datetime
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from medtek.core.actors import SYSTEM
from medtek.devices import services as device_services
from medtek.devices.models import Device, DeviceModel, RiskClass
from medtek.imports import services
from medtek.imports.models import ImportSession
from medtek.organisation.models import User
from medtek.organisation.roles import Role
from tests import factories

#: The columns of a typical device file, with the register's own (English) names.
HEADER = [
    "inventory_number",
    "manufacturer",
    "trade_name",
    "model_version",
    "unit",
    "serial_number",
    "acceptance_checked_on",
]

Row = dict[str, str]


def device_row(inventory_number: str, **values: str) -> Row:
    """A valid row for a patient monitor in Unit A; keyword arguments change or add cells."""
    row = {
        "inventory_number": inventory_number,
        "manufacturer": "Philips",
        "trade_name": "IntelliVue",
        "model_version": "MX450",
        "unit": "Unit A",
        "serial_number": f"SN-{inventory_number}",
        "acceptance_checked_on": "2024-03-01",
    }
    row.update(values)
    return row


def make_csv(
    rows: Sequence[Row | Sequence[str]],
    header: Sequence[str] = HEADER,
    *,
    delimiter: str = ";",
    bom: bool = True,
    encoding: str = "utf-8",
) -> bytes:
    """A CSV file; by default as Swedish Excel writes it (``;``, UTF-8 with BOM, CRLF).

    A row is a dict by header (missing cells are empty) or a list of cells as they stand."""
    lines = [delimiter.join(header)]
    for row in rows:
        cells = [row.get(h, "") for h in header] if isinstance(row, dict) else list(row)
        lines.append(delimiter.join(_quote(c, delimiter) for c in cells))
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def _quote(cell: str, delimiter: str) -> str:
    if delimiter in cell or '"' in cell or "\n" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def make_xlsx(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> bytes:
    """An XLSX workbook with the header on the first row (cells keep their types)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(header))
    for row in rows:
        ws.append([row.get(h) for h in header] if isinstance(row, dict) else list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English, so assertions read like the messages in the code."""
    with translation.override("en"):
        yield


@pytest.fixture
def mt(org: Any) -> User:
    """An MT engineer for the whole health-care administration (may register in every unit)."""
    return factories.person("mt", role=Role.MT_ENGINEER, unit=org.hsf)


@pytest.fixture
def other_mt(org: Any) -> User:
    """A second MT engineer, with the same rights as ``mt``."""
    return factories.person("mt2", role=Role.MT_ENGINEER, unit=org.hsf)


@dataclass
class Catalogue:
    monitor: DeviceModel
    pump: DeviceModel


@pytest.fixture
def catalogue(db: Any) -> Catalogue:
    return Catalogue(
        monitor=device_services.device_model_create(
            actor=SYSTEM,
            manufacturer="Philips",
            trade_name="IntelliVue",
            model_version="MX450",
            risk_class=RiskClass.IIB,
        ),
        pump=device_services.device_model_create(
            actor=SYSTEM,
            manufacturer="B. Braun",
            trade_name="Perfusor",
            model_version="Space",
            risk_class=RiskClass.IIB,
        ),
    )


@pytest.fixture
def register_device(org: Any, catalogue: Catalogue) -> Callable[..., Device]:
    """Register a device the ordinary way (as if typed into the register's form)."""

    def register(inventory_number: str, **fields: Any) -> Device:
        values: dict[str, Any] = {
            "model": catalogue.monitor,
            "unit": org.unit_a,
            "serial_number": f"SN-{inventory_number}",
            "acceptance_checked_on": datetime.date(2024, 3, 1),
        }
        values.update(fields)
        return device_services.device_register(
            actor=SYSTEM, inventory_number=inventory_number, **values
        )

    return register


def upload(
    actor: User, data: bytes, filename: str = "devices.csv", *, update: bool = False
) -> ImportSession:
    return services.session_create(
        actor=actor, kind="devices", filename=filename, data=data, update_existing=update
    )


def validated(
    actor: User, data: bytes, filename: str = "devices.csv", *, update: bool = False
) -> ImportSession:
    session = upload(actor, data, filename, update=update)
    assert session.file_errors == [], session.file_errors
    return services.session_validate(actor=actor, session=session)


def run_command(path: Any, user: User, *args: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``medtek import devices PATH --user USER ARGS``; the
    error a non-zero status ends with is added to stderr, as the terminal shows it."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(
            "import", "devices", str(path), "--user", user.username, *args, stdout=out, stderr=err
        )
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def errors_by_row(session: ImportSession) -> dict[int, list[dict[str, str]]]:
    """Every error of the session, by the row's line number in the file."""
    return {r.number: r.errors for r in session.rows.filter(status="invalid").order_by("number")}
