"""Shared fixtures for in-house files: the MT department that makes devices, an in-house device
model with one device in unit A, and a file builder that goes through the services."""

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone, translation

from medtek.devices import services as device_services
from medtek.devices.models import Device, DeviceModel
from medtek.inhouse import services
from medtek.inhouse.models import InhouseDevice
from medtek.organisation.models import Unit
from medtek.organisation.roles import Role
from tests import factories
from tests.devices.conftest import ACCEPTED, mt, pump  # noqa: F401  (fixtures used here)

#: Which persona sees the in-house file of ``adapter`` (whose one device is in unit A).
SEES_FILE = {
    "owner": True,
    "colleague": True,
    "outsider": False,
    "auditor": True,
    "admin": True,
    "private_staff": False,
}
PERSONAS = sorted(SEES_FILE)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages of services and models in English; pages answer in Swedish, as users see them."""
    with translation.override("en"):
        yield


@pytest.fixture
def mft(org) -> Unit:
    """Medical physics and technology: the unit that makes the region's in-house devices."""
    return factories.unit(
        name="MFT", parent=org.hsf, provider=org.region_provider, kind=Unit.Kind.DEPARTMENT
    )


@pytest.fixture
def make_model(mt):  # noqa: F811  (the imported fixture)
    """``make_model("Sugkoppling")``: an in-house device model of the MT department."""

    def make(trade_name: str, **fields: Any) -> DeviceModel:
        fields.setdefault("risk_class", "IIa")
        return device_services.device_model_create(
            actor=mt,
            manufacturer="Region Test MFT",
            trade_name=trade_name,
            conformity=DeviceModel.Conformity.IN_HOUSE,
            **fields,
        )

    return make


@pytest.fixture
def hold(mt):  # noqa: F811  (the imported fixture)
    """``hold(model, unit, "INV-1")``: register an accepted device of the model at the unit."""

    def register(model: DeviceModel, unit: Unit, inventory_number: str) -> Device:
        return device_services.device_register(
            actor=mt,
            unit=unit,
            model=model,
            inventory_number=inventory_number,
            acceptance_checked_on=ACCEPTED,
            status_since=ACCEPTED,
        )

    return register


@pytest.fixture
def adapter(make_model) -> DeviceModel:
    return make_model("Trycksensoradapter", model_version="1.2")


@pytest.fixture
def adapter_in_a(org, adapter, hold) -> Device:
    return hold(adapter, org.unit_a, "EGT-DEV-1")


def complete_fields(mft: Unit, **changes: Any) -> dict[str, Any]:
    """Everything MDR 5(5)(a)–(c) asks for, with the next market check in half a year."""
    today = timezone.localdate()
    fields: dict[str, Any] = {
        "kind": InhouseDevice.Kind.COMBINED,
        "based_on": "CE-märkt trycksensor och monitorkabel",
        "intended_purpose": "Invasiv blodtrycksmätning vid förflyttning",
        "manufacturer_unit": mft,
        "not_transferred": True,
        "qms_reference": "Rutin MFT-R-012",
        "justification": "Ingen CE-märkt adapter finns för kombinationen",
        "market_search": "Eudamed och tre leverantörer",
        "market_searched_on": today - datetime.timedelta(days=100),
        "justification_review_due": today + datetime.timedelta(days=180),
    }
    fields.update(changes)
    return fields


@pytest.fixture
def make_file(mt, mft):  # noqa: F811  (the imported fixture)
    """``make_file(model, **changes)``: open a complete in-house file as the MT engineer."""

    def make(model: DeviceModel, *, actor: Any = None, **changes: Any) -> InhouseDevice:
        return services.inhouse_device_create(
            actor=actor or mt, device_model=model, **complete_fields(mft, **changes)
        )

    return make


@pytest.fixture
def quality_lead(mft):
    return factories.person("ql", role=Role.QUALITY_LEAD, unit=mft)
