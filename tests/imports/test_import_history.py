"""Inspection history from an import file: the interval and the last inspection become the
device's plan with its next due date; the measured values become that inspection's record."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent
from medtek.devices import services as device_services
from medtek.devices.models import Device, Inspection, InspectionKind, InspectionPlan
from medtek.imports import services
from medtek.imports.models import ImportSession
from tests.imports.conftest import Catalogue, errors_by_row, make_csv, validated

pytestmark = pytest.mark.usefixtures("english", "catalogue")

ALL = ImportSession.Mode.ALL_OR_NOTHING
HEADER = [
    "Inventarienummer",
    "Tillverkare",
    "Benämning",
    "Modell",
    "Enhet",
    "Leveranskontroll",
    "Kontrollintervall",
    "Senaste kontroll",
    "Resultat",
    "Skyddsjord (ohm)",
    "Isolationsresistans",
    "Läckström (µA)",
]


def row(inv: str, **cells: str) -> dict[str, str]:
    values = {
        "Inventarienummer": inv,
        "Tillverkare": "Philips",
        "Benämning": "IntelliVue",
        "Modell": "MX450",
        "Enhet": "Unit A",
        "Leveranskontroll": "2020-03-01",
        "Kontrollintervall": "24",
        "Senaste kontroll": "2025-05-10",
        "Resultat": "Godkänd",
        "Skyddsjord (ohm)": "0,12",
        "Isolationsresistans": "55,5",
        "Läckström (µA)": "1 200,5",
    }
    values.update(cells)
    return values


def imported(mt: Any, *rows: dict[str, str], update: bool = False) -> ImportSession:
    session = validated(mt, make_csv(list(rows), HEADER), update=update)
    assert session.error_rows == 0, errors_by_row(session)
    return services.session_commit(actor=mt, session=session, mode=ALL)


def test_an_interval_and_a_last_inspection_become_the_plan_and_its_record(mt: Any) -> None:
    session = imported(mt, row("MT-1"))

    device = Device.objects.get(inventory_number="MT-1")
    plan = device.plans.get()
    assert (plan.kind, plan.interval_months, plan.active) == (
        InspectionKind.ELECTRICAL_SAFETY,
        24,
        True,
    )
    assert (plan.last_done, plan.next_due) == (
        datetime.date(2025, 5, 10),
        datetime.date(2027, 5, 10),
    )
    assert device.next_due == plan.next_due
    record = device.inspections.get()
    assert record.plan == plan and record.performed_on == datetime.date(2025, 5, 10)
    assert record.result == Inspection.Result.PASS
    assert record.protective_earth_ohm == Decimal("0.12")
    assert record.insulation_mohm == Decimal("55.5")
    assert record.equipment_leakage_ua == Decimal("1200.5")
    assert record.performed_by is None  # not the person importing: they did not perform it
    assert "Import of devices.csv" in record.notes
    events = AuditEvent.objects.filter(batch=str(session.batch))
    assert set(events.values_list("action", flat=True)) >= {
        "inspection_plan.create",
        "inspection.record",
    }
    assert events.get(action="inspection.record").object_id == str(record.pk)


def test_a_failed_last_inspection_leaves_the_plan_due_at_once(mt: Any) -> None:
    imported(mt, row("MT-1", Resultat="Underkänd"))

    plan = InspectionPlan.objects.get(device__inventory_number="MT-1")
    assert plan.next_due == datetime.date(2025, 5, 10)


def test_without_an_interval_the_models_default_interval_plans_the_device(
    mt: Any, catalogue: Catalogue
) -> None:
    device_services.device_model_update(
        actor=SYSTEM, model=catalogue.monitor, inspection_interval_months=12
    )
    no_record = {
        "Resultat": "",
        "Skyddsjord (ohm)": "",
        "Isolationsresistans": "",
        "Läckström (µA)": "",
    }
    imported(mt, row("MT-1", Kontrollintervall="", **no_record))

    plan = InspectionPlan.objects.get(device__inventory_number="MT-1")
    assert (plan.interval_months, plan.next_due) == (12, datetime.date(2026, 5, 10))
    assert not Inspection.objects.exists()  # no result and no values: no record


def test_a_row_without_history_gets_no_plan(mt: Any) -> None:
    empty = {h: "" for h in HEADER[6:]}
    imported(mt, row("MT-1", **empty))

    assert not InspectionPlan.objects.exists()
    assert Device.objects.get(inventory_number="MT-1").next_due is None


def test_unparseable_numbers_and_impossible_dates_are_reported_at_their_columns(mt: Any) -> None:
    session = validated(
        mt,
        make_csv(
            [
                row("MT-1", **{"Skyddsjord (ohm)": "0,1,2"}),
                row("MT-2", **{"Senaste kontroll": "2023-02-30"}),
                row("MT-3", Kontrollintervall="två år"),
                row("MT-4", Resultat=""),
                row("MT-5", **{"Senaste kontroll": "2099-01-01"}),
                row("MT-6", Kontrollintervall="0"),
            ],
            HEADER,
        ),
    )

    errors = {
        n: [(e["column"], e["value"]) for e in es] for n, es in errors_by_row(session).items()
    }
    assert errors == {
        2: [("Skyddsjord (ohm)", "0,1,2")],
        3: [("Senaste kontroll", "2023-02-30")],
        4: [("Kontrollintervall", "två år")],
        5: [("Resultat", "")],
        6: [("Senaste kontroll", "2099-01-01")],
        7: [("Kontrollintervall", "0")],
    }
    messages = {n: es[0]["message"] for n, es in errors_by_row(session).items()}
    assert messages[3] == "Enter a valid date."
    assert "does not judge measured values" in messages[5]
    assert messages[6] == "The last inspection is in the future."
    assert not InspectionPlan.objects.exists()


def test_an_update_plans_a_device_that_has_no_plan_and_keeps_an_existing_one(
    mt: Any, register_device: Any
) -> None:
    planned = register_device("MT-1")
    kept = device_services.inspection_plan_create(
        actor=SYSTEM,
        device=planned,
        kind=InspectionKind.ELECTRICAL_SAFETY,
        interval_months=6,
        last_done=datetime.date(2025, 9, 1),
    )
    register_device("MT-2")
    update = {"Leveranskontroll": "2024-03-01", "Modell": "MX450"}

    session = imported(mt, row("MT-1", **update), row("MT-2", **update), update=True)

    assert InspectionPlan.objects.get(device=planned) == kept
    assert not Inspection.objects.filter(device=planned).exists()
    new = InspectionPlan.objects.get(device__inventory_number="MT-2")
    assert (new.interval_months, new.next_due) == (24, datetime.date(2027, 5, 10))
    outcomes = dict(session.rows.values_list("number", "status"))
    assert outcomes == {2: "unchanged", 3: "updated"}


def test_the_commit_with_history_costs_no_query_per_row(mt: Any) -> None:
    def commit(n: int) -> int:
        data = make_csv([row(f"MT-{n}-{i}") for i in range(n)], HEADER)
        session = validated(mt, data)
        assert session.error_rows == 0
        with CaptureQueriesContext(connection) as ctx:
            services.session_commit(actor=mt, session=session, mode=ALL)
        return len(ctx.captured_queries)

    assert commit(3) == commit(12)
    assert Inspection.objects.count() == InspectionPlan.objects.count() == 15
