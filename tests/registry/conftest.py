"""Shared fixtures for the diary: a registrar and a patient-safety officer of the region, MFT's
number series, a classification and a secrecy provision, an open case in unit A, and documents
built through the services (so audited like real ones)."""

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from medtek.core.actors import SYSTEM
from medtek.core.numbering import number_series_create
from medtek.organisation.roles import Role
from medtek.registry import services
from medtek.registry.models import Case, Document, ProcessCode, SecrecyProvision
from tests import factories

#: A small, real PDF (one empty page).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PATIENT = "Åsa Öberg, 19121212-1212"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages of services and models in English; pages answer in Swedish, as users see them."""
    with translation.override("en"):
        yield


@pytest.fixture
def registrar(org: Any) -> Any:
    return factories.person("registrar", role=Role.REGISTRAR, unit=org.region)


@pytest.fixture
def pso(org: Any) -> Any:
    return factories.person("chefslakare", role=Role.PATIENT_SAFETY_OFFICER, unit=org.region)


@pytest.fixture
def series(db: Any) -> Any:
    return number_series_create(
        actor=SYSTEM, key="mft", name="Medicinsk fysik och teknik", format="MFT {yyyy}/{seq:04}"
    )


@pytest.fixture
def process(registrar: Any) -> ProcessCode:
    return services.process_code_create(
        actor=registrar, code="3.1.2", title="Rapportera till myndigheter"
    )


@pytest.fixture
def provision(registrar: Any) -> SecrecyProvision:
    return services.secrecy_provision_create(
        actor=registrar,
        reference="OSL 25 kap. 1 §",
        title="Hälso- och sjukvård: uppgift om enskilds hälsotillstånd",
    )


@pytest.fixture
def case(org: Any, registrar: Any, series: Any, process: ProcessCode) -> Case:
    return services.case_open(
        actor=registrar,
        series="mft",
        title="Anmälan av negativ händelse, infusionspump",
        title_restricted=f"Anmälan: pumpen gav {PATIENT} dubbel dos",
        unit=org.unit_a,
        classification=process,
        parties="Läkemedelsverket",
    )


@pytest.fixture
def submit(org: Any) -> Any:
    """Submit an incoming document for unit A as its staff would."""

    def make(actor: Any = None, **fields: Any) -> Document:
        values = {
            "unit": org.unit_a,
            "direction": Document.Direction.INCOMING,
            "kind": "Svar",
            "date": datetime.date(2026, 11, 30),
            "counterparty": "Läkemedelsverket",
            "description": "Svar om infusionspumpen",
        }
        values.update(fields)
        return services.document_submit(actor=actor or org.colleague, **values)

    return make


@pytest.fixture
def registered(submit: Any, registrar: Any, case: Case) -> Document:
    """An incoming reply that names a patient in its restricted fields, registered in the case."""
    document = submit(
        counterparty_restricted=PATIENT,
        details=f"Svaret gäller {PATIENT}.",
        files=[("svar.pdf", PDF)],
    )
    return services.document_register(actor=registrar, document=document, case=case)
