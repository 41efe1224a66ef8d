"""Who may dispose of records and record the decisions that allow it (core's rules "dispose" and
"record_disposal_decision", which organisation decides): those who keep the region's archive."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from medtek.core.records import disposal_decision_record, record_dispose
from medtek.organisation.roles import Role
from tests import factories
from tests.example.services import entry_create, entry_register

pytestmark = pytest.mark.django_db


def decide(actor: Any) -> Any:
    return disposal_decision_record(
        actor=actor,
        reference="RS 2026/114",
        title="Gallring av exempelposter",
        legal_basis="Informationshanteringsplan 4.2",
        decided_by="Regionstyrelsen",
        decided_on=datetime.date(2026, 3, 1),
        record_types=["example.entry"],
        retention_years=0,
    )


def test_it_lets_only_an_administrator_of_the_region_record_a_decision(org: Any) -> None:
    registrar = factories.person("registrator", role=Role.REGISTRAR, unit=org.region)
    for refused in (org.owner, org.auditor, registrar):
        with pytest.raises(PermissionDenied, match="administratör"):
            decide(refused)

    assert decide(org.admin).recorded_by == org.admin


@pytest.mark.parametrize("who", ["admin", "registrar of the region"])
def test_it_lets_the_archive_keepers_dispose(org: Any, who: str) -> None:
    actor = (
        org.admin
        if who == "admin"
        else factories.person("registrator", role=Role.REGISTRAR, unit=org.region)
    )
    entry = entry_register(
        actor=org.owner,
        entry=entry_create(actor=org.owner, number="E-1", title="Inspektion", unit=org.unit_a),
    )

    trace = record_dispose(actor=actor, record=entry, decision=decide(org.admin), reason="Gallras")

    assert trace.actor == actor


def test_it_refuses_disposal_to_everyone_else(org: Any) -> None:
    unit_registrar = factories.person("registrator", role=Role.REGISTRAR, unit=org.unit_a)
    entry = entry_register(
        actor=org.owner,
        entry=entry_create(actor=org.owner, number="E-1", title="Inspektion", unit=org.unit_a),
    )
    decision = decide(org.admin)

    for refused in (org.owner, org.auditor, unit_registrar):
        with pytest.raises(PermissionDenied, match="ansvarar för regionens arkiv"):
            record_dispose(actor=refused, record=entry, decision=decision, reason="Gallras")
