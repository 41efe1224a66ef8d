"""Shared fixtures for reports to the authorities: the people who draft and approve (an MT
engineer and a quality lead of the administration, a patient-safety officer of the region, and
a private centre's own quality lead), a device in unit A, MFT's diary series, and reports made
through the services (so audited like real ones)."""

import datetime
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.utils import translation

from medtek.core.actors import SYSTEM
from medtek.core.numbering import number_series_create
from medtek.devices import services as devices
from medtek.organisation.roles import Role
from medtek.reports import services
from medtek.reports.models import Report, ReportKind
from tests import factories

EVENT = datetime.date(2026, 11, 20)
KNOWN = datetime.date(2026, 11, 23)
PUMP_GTIN = "4006381333931"
#: A personal identity number (Skatteverket's test number) typed into a description.
PERSONNUMMER = "19121212-1212"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages of services and models in English; pages answer in Swedish, as users see them."""
    with translation.override("en"):
        yield


@pytest.fixture
def kinds(db: Any) -> dict[str, ReportKind]:
    """The seeded kinds (seeded again after a transactional test's flush)."""
    if not ReportKind.objects.exists():
        importlib.import_module("medtek.reports.migrations.0002_seed_authorities_and_kinds").seed(
            django_apps
        )
    return {k.code: k for k in ReportKind.objects.all()}


@pytest.fixture
def mt(org: Any) -> Any:
    return factories.person("mt", role=Role.MT_ENGINEER, unit=org.hsf)


@pytest.fixture
def quality(org: Any) -> Any:
    return factories.person("kvalitet", role=Role.QUALITY_LEAD, unit=org.hsf)


@pytest.fixture
def pso(org: Any) -> Any:
    return factories.person("chefslakare", role=Role.PATIENT_SAFETY_OFFICER, unit=org.region)


@pytest.fixture
def registrar(org: Any) -> Any:
    return factories.person("registrator", role=Role.REGISTRAR, unit=org.region)


@pytest.fixture
def private_quality(org: Any) -> Any:
    return factories.person("vckvalitet", role=Role.QUALITY_LEAD, unit=org.private_pcc)


@pytest.fixture
def series(db: Any) -> Any:
    return number_series_create(
        actor=SYSTEM, key="mft", name="Medicinsk fysik och teknik", format="MFT {yyyy}/{seq:04}"
    )


@pytest.fixture
def pump_model(mt: Any) -> Any:
    return devices.device_model_create(
        actor=mt,
        manufacturer="Acme Medical",
        trade_name="Infusionspump",
        model_version="P1",
        udi_issuer="gs1",
        udi_di=PUMP_GTIN,
        risk_class="IIb",
    )


@pytest.fixture
def pump(org: Any, mt: Any, pump_model: Any) -> Any:
    return devices.device_register(
        actor=mt,
        unit=org.unit_a,
        inventory_number="MT-4711",
        model=pump_model,
        serial_number="SN-998877",
        acceptance_checked_on=datetime.date(2024, 1, 10),
        status_since=datetime.date(2024, 1, 10),
    )


def incident_fields(org: Any, pump: Any, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "unit": org.unit_a,
        "contact_phone": "010-123 45 67",
        "event_date": EVENT,
        "awareness_date": KNOWN,
        "description": "Pumpen larmade inte vid ocklusion; patienten fick för låg dos.",
        "outcome": "serious_deterioration",
        "consequence": "Förlängd vårdtid.",
        "actions_taken": "Pumpen tagen ur bruk och förvarad oreparerad.",
        "device": pump,
        "device_location": "MFT, förråd 3",
        "software_version": "2.4.1",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def draft(org: Any, mt: Any, pump: Any, kinds: Any, series: Any) -> Report:
    """A device incident report drafted by the MT engineer for unit A."""
    return services.report_draft(actor=mt, kind="device_incident", **incident_fields(org, pump))


@pytest.fixture
def approved(draft: Report, quality: Any) -> Report:
    return services.report_approve(actor=quality, report=draft)


@pytest.fixture
def sent(approved: Report, mt: Any) -> Report:
    return services.report_send(actor=mt, report=approved, channel="e_service", sent_on=KNOWN)
