"""The commit of a chunk of rows: new devices and updates of existing ones go through the
importer's one commit, which checks again what may have changed since the preview.

What a person importing a file relies on: each row ends as created, updated, unchanged or with
the errors it has now; an update changes only the columns the file has; a row that went stale
blocks an all-or-nothing import and is left out of a valid-only one; a large file costs no more
queries per chunk than a small one.
"""

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent
from medtek.devices import services as device_services
from medtek.devices.models import Device
from medtek.imports import services
from medtek.imports.models import ImportSession
from tests.imports.conftest import HEADER, device_row, errors_by_row, make_csv, validated

pytestmark = pytest.mark.usefixtures("english", "catalogue")

ALL = ImportSession.Mode.ALL_OR_NOTHING
VALID_ONLY = ImportSession.Mode.VALID_ONLY
UPDATE_HEADER = [*HEADER, "location", "delivered_on"]


def device_events(session: ImportSession) -> list[tuple[str, str]]:
    """(action, inventory number) of the session's audit events on devices."""
    events = AuditEvent.objects.filter(batch=str(session.batch), object_type="devices.device")
    return sorted(events.values_list("action", "object_repr"))


def went_stale(register_device: Any) -> None:
    """After the preview: MT-4 is registered by hand, and MT-5's purchase date moves after the
    delivery date the file gives it."""
    register_device("MT-4")
    device_services.device_update(
        actor=SYSTEM,
        device=Device.objects.get(inventory_number="MT-5"),
        purchased_on=datetime.date(2024, 7, 1),
    )


def test_a_chunk_of_new_updated_unchanged_and_stale_rows_records_each_outcome(
    mt: Any, register_device: Any
) -> None:
    mt2 = register_device("MT-2", location="Sal 1", supplier="Medema")
    mt3 = register_device("MT-3", location="Sal 3")
    mt5 = register_device("MT-5")
    rows = [
        device_row("MT-1", location="Sal 7"),
        device_row("MT-2", location="Sal 9"),
        device_row("MT-3", location="Sal 3"),
        device_row("MT-4"),
        device_row("MT-5", delivered_on="2024-06-01"),
    ]
    session = validated(mt, make_csv(rows, UPDATE_HEADER), update=True)
    assert (session.valid_rows, session.error_rows) == (5, 0)
    went_stale(register_device)

    session = services.session_commit(actor=mt, session=session, mode=VALID_ONLY)

    mt1 = Device.objects.get(inventory_number="MT-1")
    assert dict(session.rows.values_list("number", "status")) == {
        2: "created",
        3: "updated",
        4: "unchanged",
        5: "invalid",
        6: "invalid",
    }
    outcomes = session.rows.filter(number__lt=5).order_by("number")
    assert list(outcomes.values_list("object_id", flat=True)) == [
        str(mt1.pk),
        str(mt2.pk),
        str(mt3.pk),
    ]
    assert (
        session.created_count,
        session.updated_count,
        session.unchanged_count,
        session.error_rows,
    ) == (1, 1, 1, 2)
    errors = errors_by_row(session)
    assert [(e["column"], e["value"]) for e in errors[5]] == [("inventory_number", "MT-4")]
    assert errors[6] == [
        {
            "field": "delivered_on",
            "column": "delivered_on",
            "value": "2024-06-01",
            "message": "Delivered before it was purchased.",
        }
    ]
    mt2.refresh_from_db()
    assert (mt2.location, mt2.supplier) == ("Sal 9", "Medema")  # no column for the supplier
    mt5.refresh_from_db()
    assert mt5.delivered_on is None
    assert device_events(session) == [("device.register", "MT-1"), ("device.update", "MT-2")]


def test_an_update_that_went_stale_blocks_all_or_nothing_and_nothing_is_written(
    mt: Any, register_device: Any
) -> None:
    mt2 = register_device("MT-2", location="Sal 1")
    register_device("MT-5")
    rows = [
        device_row("MT-1"),
        device_row("MT-2", location="Sal 9"),
        device_row("MT-5", delivered_on="2024-06-01"),
    ]
    session = validated(mt, make_csv(rows, UPDATE_HEADER), update=True)
    device_services.device_update(
        actor=SYSTEM,
        device=Device.objects.get(inventory_number="MT-5"),
        purchased_on=datetime.date(2024, 7, 1),
    )

    with pytest.raises(ValidationError, match="nothing was imported"):
        services.session_commit(actor=mt, session=session, mode=ALL)

    assert not Device.objects.filter(inventory_number="MT-1").exists()
    mt2.refresh_from_db()
    assert mt2.location == "Sal 1"
    assert device_events(session) == []
    assert set(session.rows.values_list("status", flat=True)) == {"valid"}


def queries(run: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        run()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("mode", [ALL, VALID_ONLY])
def test_the_commit_of_new_devices_costs_no_query_per_row(mt: Any, mode: str) -> None:
    def commit(n: int) -> int:
        session = validated(mt, make_csv([device_row(f"MT-{n}-{i}") for i in range(n)]))
        return queries(lambda: services.session_commit(actor=mt, session=session, mode=mode))

    assert commit(3) == commit(12)
    assert Device.objects.count() == 15


def test_validation_costs_no_query_per_row(mt: Any, register_device: Any) -> None:
    def validate(n: int) -> int:
        for i in range(n):
            register_device(f"MT-{n}-{i}")
        data = make_csv([device_row(f"MT-{n}-{i}") for i in range(2 * n)])
        session = services.session_create(
            actor=mt, kind="devices", filename="d.csv", data=data, update_existing=True
        )
        return queries(lambda: services.session_validate(actor=mt, session=session))

    assert validate(2) == validate(8)
