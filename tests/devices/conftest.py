"""Shared fixtures for the device register: an MT engineer, two device models, and one device
in each of the personas' units (registered through the services, so audited like real data)."""

import datetime
from typing import Any

import pytest
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext

from medtek.devices import services
from medtek.devices.models import Device, DeviceModel, InspectionKind, InspectionPlan
from medtek.organisation.roles import Role
from tests import factories

#: A fixed, past date for acceptance checks and status history.
ACCEPTED = datetime.date(2024, 1, 10)
#: Valid GS1 GTIN-13 and HIBC UDI-DIs (the HIBC one is the example of the HIBC standard).
PUMP_GTIN = "4006381333931"
IMPLANT_HIBC = "+A123BJC5D6E71G"

#: Which of the ``devices`` fixture's devices each persona sees.
DEVICE_UNITS = ("unit_a", "unit_a_child", "unit_b", "private_pcc")
VISIBLE = {
    "owner": {"unit_a", "unit_a_child"},
    "colleague": {"unit_a", "unit_a_child"},
    "outsider": {"unit_b"},
    "auditor": set(DEVICE_UNITS),
    "admin": set(DEVICE_UNITS),
    "private_staff": {"private_pcc"},
}
PERSONAS = sorted(VISIBLE)


def shown_export_header() -> list[str]:
    """The device export's header as a Swedish reader sees it (the register's default language).
    The unit's HSA id has no Swedish label yet, so it is read from the catalogue."""
    with translation.override("sv"):
        hsa = capfirst(gettext("unit's HSA id"))
    return [
        "Inventarienummer",
        "Tillverkare",
        "Handelsnamn",
        "Modell/version",
        "Serienummer",
        "UDI-PI batchnummer",
        "UDI-PI serienummer",
        "Tillverkningsdatum",
        "Utgångsdatum",
        "Fullständig UDI (som på märkningen)",
        hsa,
        "Ägande enhet",
        "Placering",
        "Leverantör",
        "Inköpsdatum",
        "Leveransdatum",
        "Garanti till och med",
        "Leveranskontroll",
        "Status",
        "Nästa kontroll",
    ]


@pytest.fixture
def mt(org):
    """An MT engineer of the whole health and medical care administration (units A, B, VC)."""
    return factories.person("mt", role=Role.MT_ENGINEER, unit=org.hsf)


@pytest.fixture
def pump(mt) -> DeviceModel:
    return services.device_model_create(
        actor=mt,
        manufacturer="Acme Medical",
        trade_name="Infusionspump",
        model_version="P1",
        udi_issuer="gs1",
        udi_di=PUMP_GTIN,
        emdn_code="Z12030101",
        risk_class="IIb",
        safety_class="I",
        applied_part="CF",
        inspection_interval_months=12,
    )


@pytest.fixture
def implant(mt) -> DeviceModel:
    """A class III implantable: its devices must store their full UDI (MDR art. 27(9))."""
    return services.device_model_create(
        actor=mt,
        manufacturer="Cardio AB",
        trade_name="Pacemaker",
        udi_issuer="hibcc",
        udi_di=IMPLANT_HIBC,
        risk_class="III",
        implantable=True,
    )


@pytest.fixture
def make_device(mt, pump):
    """``make_device(unit, "INV-1", **fields)``: register an accepted device in use."""

    def make(unit: Any, inventory_number: str, *, actor: Any = None, **fields: Any) -> Device:
        fields.setdefault("model", pump)
        fields.setdefault("acceptance_checked_on", ACCEPTED)
        fields.setdefault("status_since", ACCEPTED)
        return services.device_register(
            actor=actor or mt, unit=unit, inventory_number=inventory_number, **fields
        )

    return make


@pytest.fixture
def devices(org, make_device) -> dict[str, Device]:
    """One device per unit, named after its unit: ``devices["unit_a"].inventory_number`` is
    ``"UNIT_A-1"``."""
    return {key: make_device(getattr(org, key), f"{key.upper()}-1") for key in DEVICE_UNITS}


@pytest.fixture
def make_plan(mt):
    """``make_plan(device, next_due=…, **fields)``: an electrical-safety plan every 12 months."""

    def make(device: Device, *, actor: Any = None, **fields: Any) -> InspectionPlan:
        fields.setdefault("kind", InspectionKind.ELECTRICAL_SAFETY)
        fields.setdefault("interval_months", 12)
        return services.inspection_plan_create(actor=actor or mt, device=device, **fields)

    return make
