"""The import workflow of the device register, through its services: upload → map → validate
every row → commit all-or-nothing or valid rows only.

What a person importing a file relies on: every error is shown at once with its row, column and
value; nothing is written before the commit; a crash or a second run never leaves a half-written
or doubled record; every created or changed device has its audit event, tagged with the import.
"""

import datetime
import gc
import os
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from medtek.core import audit
from medtek.core.models import AuditEvent
from medtek.devices import services as device_services
from medtek.devices.importer import DeviceImporter
from medtek.devices.models import Device, DeviceStatus, DeviceStatusChange, RiskClass
from medtek.imports import rows, services
from medtek.imports.models import ImportRow, ImportSession
from medtek.organisation import services as org_services
from medtek.organisation.roles import Role
from tests import factories
from tests.imports.conftest import (
    HEADER,
    device_row,
    errors_by_row,
    make_csv,
    make_xlsx,
    upload,
    validated,
)

pytestmark = pytest.mark.usefixtures("english", "catalogue")

ALL = ImportSession.Mode.ALL_OR_NOTHING
VALID_ONLY = ImportSession.Mode.VALID_ONLY


def inventory_numbers() -> list[str]:
    return sorted(Device.objects.values_list("inventory_number", flat=True))


def batch_events(session: ImportSession, action: str = "") -> Any:
    events = AuditEvent.objects.filter(batch=str(session.batch))
    return events.filter(action=action) if action else events


# Reading the file -------------------------------------------------------------------------------


def test_it_imports_semicolons_with_a_bom_as_swedish_excel_writes_them(mt: Any) -> None:
    data = make_csv([device_row("MT-1"), device_row("MT-2")], delimiter=";", bom=True)

    session = validated(mt, data)

    assert session.headers[0] == "inventory_number"
    assert (session.valid_rows, session.error_rows) == (2, 0)
    services.session_commit(actor=mt, session=session, mode=ALL)
    assert inventory_numbers() == ["MT-1", "MT-2"]


def test_it_imports_commas_without_a_bom(mt: Any) -> None:
    data = make_csv([device_row("MT-1"), device_row("MT-2")], delimiter=",", bom=False)

    session = validated(mt, data)

    assert (session.valid_rows, session.error_rows) == (2, 0)


def test_it_imports_xlsx_with_real_dates(mt: Any) -> None:
    rows = [
        ["MT-1", "Philips", "IntelliVue", "MX450", "Unit A", 4711, datetime.datetime(2024, 3, 1)],
        ["MT-2", "B. Braun", "Perfusor", "Space", "Unit B", "X-2", datetime.date(2023, 12, 24)],
    ]

    session = validated(mt, make_xlsx(rows), "devices.xlsx")
    services.session_commit(actor=mt, session=session, mode=ALL)

    assert session.file_format == "xlsx"
    mt1, mt2 = Device.objects.order_by("inventory_number")
    assert (mt1.serial_number, mt1.acceptance_checked_on) == ("4711", datetime.date(2024, 3, 1))
    assert (mt2.model.trade_name, mt2.unit.name) == ("Perfusor", "Unit B")
    assert mt2.acceptance_checked_on == datetime.date(2023, 12, 24)


def test_it_matches_swedish_column_names(mt: Any, org: Any) -> None:
    header = [
        "Inventarienummer",
        "Tillverkare",
        "Benämning",
        "Modell",
        "Enhet",
        "Serienummer",
        "Leveranskontroll",
        "Placering",
        "Leverantör",
        "Inköpsdatum",
        "Status",
    ]
    data = make_csv(
        [
            [
                "MT-1",
                "Philips",
                "IntelliVue",
                "MX450",
                "Unit A",
                "SN-1",
                "2024-03-01",
                "Sal 3",
                "Medema",
                "2024-02-01",
                "I bruk",
            ],
            ["MT-2", "B. Braun", "Perfusor", "Space", "Unit B", "", "", "", "", "", "Ur bruk"],
        ],
        header,
    )

    session = upload(mt, data)

    assert session.file_errors == []
    assert session.mapping == {
        "Inventarienummer": "inventory_number",
        "Tillverkare": "manufacturer",
        "Benämning": "trade_name",
        "Modell": "model_version",
        "Enhet": "unit",
        "Serienummer": "serial_number",
        "Leveranskontroll": "acceptance_checked_on",
        "Placering": "location",
        "Leverantör": "supplier",
        "Inköpsdatum": "purchased_on",
        "Status": "status",
    }
    session = services.session_validate(actor=mt, session=session)
    services.session_commit(actor=mt, session=session, mode=ALL)
    mt1 = Device.objects.get(inventory_number="MT-1")
    assert (mt1.location, mt1.supplier, mt1.purchased_on) == (
        "Sal 3",
        "Medema",
        datetime.date(2024, 2, 1),
    )
    assert mt1.status == DeviceStatus.IN_USE
    assert Device.objects.get(inventory_number="MT-2").status == DeviceStatus.OUT_OF_SERVICE


def test_it_skips_blank_rows_and_counts_them(mt: Any) -> None:
    data = make_csv(
        [
            device_row("MT-1"),
            [""] * len(HEADER),  # ;;;;;; as Excel leaves it after deleted rows
            [],
            device_row("MT-2"),
            ["", "", "   ", "", "", "", ""],
        ]
    )

    session = validated(mt, data)

    assert (session.total_rows, session.blank_rows, session.valid_rows) == (5, 3, 2)
    assert session.error_rows == 0
    # Row numbers stay those of the file, so errors can be found in it.
    assert list(session.rows.values_list("number", flat=True)) == [2, 5]


def test_it_rejects_a_file_it_cannot_read(mt: Any) -> None:
    session = upload(mt, b"", "empty.csv")

    assert session.status == ImportSession.Status.REJECTED
    assert session.file_errors == ["The file is empty."]
    with pytest.raises(ValidationError):
        services.session_validate(actor=mt, session=session)


def test_it_rejects_a_file_holding_the_nul_character(mt: Any) -> None:
    session = upload(mt, make_csv([device_row("MT\x00-1")]))

    assert session.status == ImportSession.Status.REJECTED
    assert "NUL character" in session.file_errors[0]
    assert not session.rows.exists()


def test_it_flags_a_row_with_more_cells_than_columns(mt: Any) -> None:
    data = make_csv([[*device_row("MT-1").values(), "stray"]])

    session = validated(mt, data)

    assert errors_by_row(session)[2] == [
        {
            "column": "",
            "value": "",
            "message": "The row has more cells than the file has columns.",
        }
    ]


# Columns ---------------------------------------------------------------------------------------


def test_it_rejects_an_unknown_column_until_it_is_mapped(mt: Any) -> None:
    header = ["Inv.nr", *HEADER[1:]]
    data = make_csv([[*device_row("MT-1").values()]], header)

    session = upload(mt, data)

    assert session.suggestions == {"Inv.nr": "inventory_number"}
    assert session.file_errors == [
        "The column “Inv.nr” is not mapped yet: confirm the suggested field “inventory number”, "
        "choose another, or leave the column out.",
        "The required column “inventory number” is missing.",
    ]
    with pytest.raises(ValidationError):
        services.session_validate(actor=mt, session=session)
    assert not session.rows.exclude(status=ImportRow.Status.PENDING).exists()

    mapping = {**session.mapping, "Inv.nr": "inventory_number"}
    session = services.session_set_mapping(actor=mt, session=session, mapping=mapping)

    assert session.file_errors == []
    session = services.session_validate(actor=mt, session=session)
    services.session_commit(actor=mt, session=session, mode=ALL)
    assert inventory_numbers() == ["MT-1"]


def test_it_rejects_a_column_that_is_not_a_field_at_all(mt: Any) -> None:
    data = make_csv([[*device_row("MT-1").values(), "hej"]], [*HEADER, "Anteckning"])

    session = upload(mt, data)

    assert session.file_errors == [
        "Unknown column “Anteckning”: map it to a field or leave it out."
    ]


def test_it_names_a_missing_required_column(mt: Any) -> None:
    header = [h for h in HEADER if h != "manufacturer"]
    data = make_csv([device_row("MT-1")], header)

    session = upload(mt, data)

    assert session.file_errors == ["The required column “manufacturer” is missing."]


def test_it_refuses_two_columns_for_one_field(mt: Any) -> None:
    data = make_csv([[*device_row("MT-1").values(), "SN-9"]], [*HEADER, "Serienummer"])

    session = upload(mt, data)

    assert session.file_errors == [
        "The columns “serial_number”, “Serienummer” all map to “serial number”."
    ]


# Row errors ------------------------------------------------------------------------------------


def test_it_shows_every_bad_value_at_once_with_row_column_and_value(mt: Any) -> None:
    header = [*HEADER, "status", "purchased_on", "delivered_on"]
    data = make_csv(
        [
            device_row("MT-1"),
            device_row("MT-2", acceptance_checked_on="31/02/2024"),
            device_row("MT-3", status="trasig"),
            device_row("MT-4", purchased_on="2024-05-01", delivered_on="2024-04-01"),
            device_row("MT-5", acceptance_checked_on=""),
            device_row("X" * 41),
            device_row("MT-7", manufacturer="", trade_name=""),
        ],
        header,
    )

    session = validated(mt, data)

    assert (session.valid_rows, session.error_rows) == (1, 6)
    errors = errors_by_row(session)
    assert errors[3] == [
        {
            "field": "acceptance_checked_on",
            "column": "acceptance_checked_on",
            "value": "31/02/2024",
            "message": "Enter a valid date.",
        }
    ]
    assert errors[4] == [
        {
            "field": "status",
            "column": "status",
            "value": "trasig",
            "message": "Unknown status “trasig”: write “In use”, “Out of service”, “In repair” or "
            "“Scrapped”, or map the value to a status.",
        }
    ]
    assert errors[5] == [
        {
            "field": "delivered_on",
            "column": "delivered_on",
            "value": "2024-04-01",
            "message": "Delivered before it was purchased.",
        }
    ]
    assert errors[6][0]["column"] == "acceptance_checked_on"
    assert errors[6][0]["message"].startswith("A device in use must have passed its acceptance")
    assert errors[7] == [
        {
            "field": "inventory_number",
            "column": "inventory_number",
            "value": "X" * 41,
            "message": "At most 40 characters.",
        }
    ]
    assert [(e["column"], e["message"]) for e in errors[8]] == [
        ("manufacturer", "The manufacturer is missing."),
        ("trade_name", "The trade name is missing."),
    ]
    assert Device.objects.count() == 0  # validation writes nothing


def test_it_names_an_unknown_device_model(mt: Any) -> None:
    data = make_csv([device_row("MT-1", model_version="MX999")])

    session = validated(mt, data)

    assert errors_by_row(session)[2] == [
        {
            "field": "trade_name",
            "column": "trade_name",
            "value": "IntelliVue",
            "message": "No device model “Philips IntelliVue MX999” in the catalogue: add it under "
            "Device models first.",
        }
    ]


def test_it_names_an_unknown_unit_and_one_the_engineer_may_not_register_in(org: Any) -> None:
    engineer_a = factories.person("mt_a", role=Role.MT_ENGINEER, unit=org.unit_a)
    data = make_csv(
        [
            device_row("MT-1", unit="Unit A1"),  # below Unit A: allowed
            device_row("MT-2", unit="Akuten"),
            device_row("MT-3", unit="Unit B"),
        ]
    )

    session = validated(engineer_a, data)

    errors = errors_by_row(session)
    assert sorted(errors) == [3, 4]
    assert errors[3][0]["value"] == "Akuten"
    assert (
        errors[3][0]["message"]
        == "No unit named “Akuten” where you may register devices: map the name to a unit."
    )
    assert (
        errors[4][0]["message"]
        == "No unit named “Unit B” where you may register devices: map the name to a unit."
    )


def test_it_names_an_unknown_hsa_id(mt: Any) -> None:
    data = make_csv([device_row("MT-1", **{"hsa-id": "SE2321000032-nope"})], [*HEADER, "hsa-id"])

    session = validated(mt, data)

    [error] = errors_by_row(session)[2]
    assert (error["column"], error["value"]) == ("hsa-id", "SE2321000032-nope")
    assert (
        error["message"] == "No unit with HSA id SE2321000032-nope where you may register devices."
    )


def test_it_finds_duplicates_inside_the_file(mt: Any) -> None:
    data = make_csv([device_row("MT-1"), device_row("MT-2"), device_row("mt-1 ")])

    session = validated(mt, data)

    errors = errors_by_row(session)
    assert sorted(errors) == [2, 4]
    assert errors[2] == [
        {
            "field": "inventory_number",
            "column": "inventory_number",
            "value": "MT-1",
            "message": "“MT-1” also stands on row 4 of this file.",
        }
    ]
    assert errors[4][0]["message"] == "“mt-1” also stands on row 2 of this file."


def test_it_names_every_other_row_of_a_key_that_stands_three_times(mt: Any) -> None:
    data = make_csv([device_row("MT-1"), device_row("MT-1"), device_row("MT-1")])

    errors = errors_by_row(validated(mt, data))

    assert errors[3][0]["message"] == "“MT-1” also stands on rows 2, 4 of this file."


def test_it_finds_duplicates_against_the_register(mt: Any, register_device: Any) -> None:
    register_device("MT-1")
    data = make_csv([device_row("mt-1"), device_row("MT-2")])

    session = validated(mt, data)

    assert errors_by_row(session) == {
        2: [
            {
                "field": "inventory_number",
                "column": "inventory_number",
                "value": "mt-1",
                "message": "mt-1 is already in the register (choose “update existing” to "
                "change it).",
            }
        ]
    }


def test_it_refuses_to_update_a_device_of_a_unit_the_engineer_does_not_keep(
    org: Any, register_device: Any
) -> None:
    register_device("MT-1", unit=org.unit_b)
    engineer_a = factories.person("mt_a", role=Role.MT_ENGINEER, unit=org.unit_a)

    session = validated(engineer_a, make_csv([device_row("MT-1")]), update=True)

    [error] = errors_by_row(session)[2]
    assert error["message"] == "MT-1 belongs to a unit where you may not change the register."


def test_it_revalidates_after_a_new_mapping(mt: Any) -> None:
    header = ["inventory_number", "manufacturer", "trade_name", "model_version", "unit", "datum"]
    data = make_csv([["MT-1", "Philips", "IntelliVue", "MX450", "Unit A", "2024-03-01"]], header)
    session = upload(mt, data)
    session = services.session_set_mapping(
        actor=mt, session=session, mapping={**session.mapping, "datum": "purchased_on"}
    )
    session = services.session_validate(actor=mt, session=session)
    assert errors_by_row(session)[2][0]["field"] == "acceptance_checked_on"

    session = services.session_set_mapping(
        actor=mt, session=session, mapping={**session.mapping, "datum": "acceptance_checked_on"}
    )

    assert (session.status, session.error_rows, session.valid_rows) == ("uploaded", 0, 0)
    session = services.session_validate(actor=mt, session=session)
    assert (session.valid_rows, session.error_rows) == (1, 0)


def test_it_validates_in_steps_for_a_progress_bar(mt: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "CHUNK", 2)
    data = make_csv([device_row(f"MT-{i}") for i in range(5)])
    session = upload(mt, data)
    seen: list[int] = []

    session = services.session_validate(
        actor=mt, session=session, max_rows=3, progress=lambda s: seen.append(s.validated_rows)
    )

    assert (session.status, session.validated_rows, session.progress_percent) == (
        "validating",
        3,
        60,
    )
    session = services.session_validate(
        actor=mt, session=session, progress=lambda s: seen.append(s.validated_rows)
    )
    assert seen == [2, 3, 5]
    assert (session.status, session.valid_rows) == ("validated", 5)


def a_file_with_every_kind_of_row() -> bytes:
    """Valid rows, a duplicate across batches, a bad date, an unknown model, a row with more
    cells than columns, and a blank line."""
    return make_csv(
        [
            device_row("MT-1"),
            device_row("MT-2", acceptance_checked_on="2024-13-01"),
            device_row("MT-3", trade_name="Nothing such"),
            [*device_row("MT-4").values(), "surplus"],
            [""] * len(HEADER),
            device_row("mt-1 "),
            device_row("MT-5"),
        ]
    )


def outcome(session: ImportSession) -> tuple[Any, ...]:
    session.refresh_from_db()
    stored = session.rows.order_by("number").values_list("number", "status", "errors", "data")
    events = AuditEvent.objects.filter(object_id=str(session.pk), action__startswith="import.")
    return (
        list(stored),
        (session.status, session.total_rows, session.blank_rows, session.validated_rows),
        (session.valid_rows, session.error_rows),
        session.error_summary,
        list(events.order_by("pk").values_list("action", "after")),
    )


def same_outcome(session: ImportSession) -> tuple[Any, ...]:
    """The session's ``outcome``, but for what differs between two sessions of one file."""
    stored, *rest = outcome(session)
    events = [(a, {k: v for k, v in e.items() if k != "filename"}) for a, e in rest[-1]]
    return (stored, *rest[:-1], events)


def test_validating_while_storing_leaves_the_session_as_validating_after_it(
    mt: Any, monkeypatch: Any
) -> None:
    """The command line validates each batch as it is stored; the web stores the rows, then
    validates them: both end with the same rows, errors, counts and trail."""
    monkeypatch.setattr(rows, "UPLOAD_BATCH", 2)  # the duplicate's rows in different batches
    seen: list[int] = []
    at_once = services.session_create(
        actor=mt,
        kind="devices",
        filename="devices.csv",
        data=a_file_with_every_kind_of_row(),
        validate=True,
        progress=lambda s: seen.append(s.validated_rows),
    )
    after = validated(mt, a_file_with_every_kind_of_row())

    assert same_outcome(at_once) == same_outcome(after)
    assert seen == [2, 4, 6]  # after each batch stored
    stored, counters, counts, _summary, events = outcome(at_once)
    assert counters == ("validated", 7, 1, 6) and counts == (1, 5)
    assert [a for a, _after in events] == ["import.upload", "import.validate"]
    by_number = {number: (status, errors) for number, status, errors, _data in stored}
    assert by_number[3][1][0]["column"] == "acceptance_checked_on"
    assert "also stands on row 7" in by_number[2][1][0]["message"]
    assert by_number[5][1][0]["message"] == "The row has more cells than the file has columns."

    # Validating it again changes nothing and writes no second event.
    services.session_validate(actor=mt, session=at_once)
    assert outcome(at_once)[-1] == events


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the worker processes read what this one committed
def test_a_large_upload_is_validated_in_worker_processes_as_in_this_one(
    mt: Any, settings: Any, monkeypatch: Any, tmp_path: Any
) -> None:
    monkeypatch.setattr(rows, "UPLOAD_BATCH", 2)
    settings.IMPORT_PARALLEL_ROWS = 1
    validators = tmp_path / "validated-by"
    validate = DeviceImporter.validate

    def noted(self: Any, values: Any) -> Any:
        with validators.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return validate(self, values)

    monkeypatch.setattr(DeviceImporter, "validate", noted)
    seen: list[int] = []

    def upload() -> ImportSession:
        return services.session_create(
            actor=mt,
            kind="devices",
            filename="devices.csv",
            data=a_file_with_every_kind_of_row(),
            validate=True,
            progress=lambda s: seen.append(s.validated_rows),
        )

    in_workers = upload()
    by_whom = set(validators.read_text().split())
    settings.IMPORT_VALIDATION_PROCESSES = 1
    validators.unlink()
    here = upload()

    assert same_outcome(in_workers) == same_outcome(here)
    assert seen == [2, 4, 6, 2, 4, 6]
    assert str(os.getpid()) not in by_whom and len(by_whom) >= 1
    assert set(validators.read_text().split()) == {str(os.getpid())}


def test_the_parsed_file_is_left_out_of_garbage_collections_while_its_rows_are_checked(
    mt: Any, monkeypatch: Any
) -> None:
    """The upload holds the parsed file while it checks and stores the rows; the collector
    leaves it out meanwhile (core.collector), and has it back once the rows are stored."""
    before = gc.get_freeze_count()
    frozen: list[int] = []
    validate = DeviceImporter.validate

    def noted(self: Any, values: Any) -> Any:
        frozen.append(gc.get_freeze_count())
        return validate(self, values)

    monkeypatch.setattr(DeviceImporter, "validate", noted)
    services.session_create(
        actor=mt,
        kind="devices",
        filename="devices.csv",
        data=make_csv([device_row("MT-1"), device_row("MT-2")]),
        validate=True,
    )

    assert frozen and all(n > before for n in frozen)
    assert gc.get_freeze_count() == before


def test_a_file_with_a_column_to_map_is_stored_unvalidated(mt: Any) -> None:
    data = make_csv([device_row("MT-1", Rum="Sal 1")], [*HEADER, "Rum"])
    session = services.session_create(
        actor=mt, kind="devices", filename="devices.csv", data=data, validate=True
    )
    assert session.file_errors  # the column “Rum” waits for a decision
    assert (session.status, session.validated_rows) == ("uploaded", 0)
    assert set(session.rows.values_list("status", flat=True)) == {"pending"}


# Commit modes ----------------------------------------------------------------------------------


def mixed_file() -> bytes:
    """Four rows: MT-1, MT-2 and MT-4 are valid, MT-3 has an unknown model."""
    return make_csv(
        [
            device_row("MT-1"),
            device_row(
                "MT-2", manufacturer="B. Braun", trade_name="Perfusor", model_version="Space"
            ),
            device_row("MT-3", trade_name="IntelliWho"),
            device_row("MT-4"),
        ]
    )


def test_all_or_nothing_refuses_when_any_row_is_invalid_and_writes_nothing(mt: Any) -> None:
    session = validated(mt, mixed_file())
    events_before = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as exc:
        services.session_commit(actor=mt, session=session, mode=ALL)

    assert exc.value.messages == [
        "1 row has errors, so nothing was imported. Fix the file, or import the valid rows only."
    ]
    assert Device.objects.count() == 0
    assert AuditEvent.objects.count() == events_before
    session.refresh_from_db()
    assert (session.status, session.created_count) == ("validated", 0)


def test_all_or_nothing_imports_every_row_of_a_clean_file(mt: Any) -> None:
    data = make_csv([device_row("MT-1"), device_row("MT-2"), device_row("MT-3")])
    session = validated(mt, data)

    session = services.session_commit(actor=mt, session=session, mode=ALL)

    assert (session.status, session.mode, session.created_count) == ("committed", ALL, 3)
    assert session.committed_at is not None
    assert inventory_numbers() == ["MT-1", "MT-2", "MT-3"]
    device = Device.objects.get(inventory_number="MT-2")
    assert (device.unit.name, device.model.trade_name, device.serial_number) == (
        "Unit A",
        "IntelliVue",
        "SN-MT-2",
    )
    assert device.status == DeviceStatus.IN_USE
    assert device.status_changes.get().to_status == DeviceStatus.IN_USE
    row = session.rows.get(number=3)
    assert (row.status, row.object_id) == ("created", str(device.pk))


def test_valid_only_imports_the_valid_rows_and_leaves_the_bad_ones_out(mt: Any) -> None:
    session = validated(mt, mixed_file())

    session = services.session_commit(actor=mt, session=session, mode=VALID_ONLY)

    assert inventory_numbers() == ["MT-1", "MT-2", "MT-4"]
    assert (session.status, session.mode) == ("committed", VALID_ONLY)
    assert (session.created_count, session.error_rows) == (3, 1)
    assert session.rows.get(number=4).status == ImportRow.Status.INVALID
    commit = batch_events(session, "import.commit").get()
    assert commit.after["skipped_with_errors"] == 1


def test_valid_only_commits_in_batches_each_complete(mt: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "CHUNK", 2)
    monkeypatch.setattr(settings, "IMPORT_COMMIT_BATCH", 2)  # lines per transaction
    session = validated(mt, make_csv([device_row(f"MT-{i}") for i in range(1, 6)]))
    seen: list[int] = []

    session = services.session_commit(
        actor=mt,
        session=session,
        mode=VALID_ONLY,
        max_rows=2,
        progress=lambda s: seen.append(s.committed_rows),
    )

    assert (session.status, session.committed_rows, session.progress_percent) == (
        "committing",
        2,
        40,
    )
    assert inventory_numbers() == ["MT-1", "MT-2"]
    with pytest.raises(ValidationError):  # a started import goes on in its own mode
        services.session_commit(actor=mt, session=session, mode=ALL)
    session = services.session_commit(
        actor=mt, session=session, mode=VALID_ONLY, progress=lambda s: seen.append(s.committed_rows)
    )
    assert seen == [2, 4, 5]
    assert (session.status, session.created_count) == ("committed", 5)


def test_it_refuses_to_commit_before_validation_or_twice(mt: Any) -> None:
    session = upload(mt, make_csv([device_row("MT-1")]))
    with pytest.raises(ValidationError) as exc:
        services.session_commit(actor=mt, session=session, mode=ALL)
    assert exc.value.messages == ["Validate the file before importing it."]

    session = services.session_validate(actor=mt, session=session)
    services.session_commit(actor=mt, session=session, mode=ALL)
    with pytest.raises(ValidationError) as exc:
        services.session_commit(actor=mt, session=session, mode=ALL)
    assert exc.value.messages == ["This file has already been imported."]
    with pytest.raises(ValidationError):
        services.session_validate(actor=mt, session=session)
    assert inventory_numbers() == ["MT-1"]


def test_it_refuses_an_unknown_mode(mt: Any) -> None:
    session = validated(mt, make_csv([device_row("MT-1")]))

    with pytest.raises(ValidationError):
        services.session_commit(actor=mt, session=session, mode="some_rows")

    assert Device.objects.count() == 0


def test_all_or_nothing_revalidates_rows_against_the_register_at_commit(
    mt: Any, register_device: Any, commit_path: str
) -> None:
    session = validated(mt, make_csv([device_row("MT-1"), device_row("MT-2")]))
    register_device("MT-2")  # someone registers MT-2 by hand after the preview

    with pytest.raises(ValidationError) as exc:
        services.session_commit(actor=mt, session=session, mode=ALL)

    assert "nothing was imported" in exc.value.messages[0]
    assert inventory_numbers() == ["MT-2"]
    assert not batch_events(session).exists()


def test_valid_only_leaves_out_a_row_that_became_a_duplicate_after_the_preview(
    mt: Any, register_device: Any, commit_path: str
) -> None:
    session = validated(mt, make_csv([device_row("MT-1"), device_row("MT-2")]))
    register_device("mt-2")  # the same number, as another hand typed it

    session = services.session_commit(actor=mt, session=session, mode=VALID_ONLY)

    assert (session.created_count, session.error_rows) == (1, 1)
    (error,) = errors_by_row(session)[3]
    assert "already in the register" in error["message"]
    # The row shows what the file said, as errors found at validation do.
    assert (error["column"], error["value"]) == ("inventory_number", "MT-2")
    assert Device.objects.filter(inventory_number__iexact="MT-2").count() == 1


def test_validation_prepares_each_new_device_and_the_commit_writes_exactly_that(mt: Any) -> None:
    row = device_row("MT-1", serial_number=" SN 9 ", acceptance_checked_on="2024-03-01")
    session = validated(mt, make_csv([row]))

    (prepared,) = session.rows.values_list("data", flat=True)
    assert prepared["inventory_number"] == "MT-1"
    assert prepared["serial_number"] == "SN 9"  # cleaned as the register's form cleans it
    assert prepared["acceptance_checked_on"] == "2024-03-01"

    services.session_commit(actor=mt, session=session, mode=ALL)
    device = Device.objects.get()
    assert (device.serial_number, device.acceptance_checked_on) == (
        "SN 9",
        datetime.date(2024, 3, 1),
    )
    (event,) = audit.history_for(device).filter(action="device.register")
    assert event.after == audit.snapshot(device)
    assert set(session.rows.values_list("status", "object_id")) == {("created", str(device.pk))}


FULL_HEADER = [
    *HEADER,
    "status",
    "location",
    "supplier",
    "purchased_on",
    "delivered_on",
    "warranty_until",
    "manufactured_on",
    "expires_on",
    "udi_carrier",
    "udi_lot",
    "udi_serial",
]


def every_kind_of_new_device(prefix: str) -> list[dict[str, str]]:
    """New devices with every field the file can give, and with most left out."""
    return [
        device_row(
            f"{prefix}-1",
            status="in_use",
            location="Sal 1, bädd 4",
            supplier="Medema AB",
            purchased_on="2024-01-10",
            delivered_on="2024-02-01",
            warranty_until="2027-02-01",
            manufactured_on="2023-12-01",
            expires_on="2030-12-01",
            udi_carrier="(01)07312345678909(21)X1",
            udi_lot="L-7",
            udi_serial="X1",
        ),
        device_row(f"{prefix}-2", status="out_of_service", acceptance_checked_on=""),
        device_row(
            f"{prefix}-3",
            manufacturer="B. Braun",
            trade_name="Perfusor",
            model_version="Space",
            unit="Unit B",
            status="in_repair",
        ),
        device_row(f"{prefix}-4", serial_number="", acceptance_checked_on="2024-02-29"),
    ]


def registered_as(prefix: str, session: ImportSession) -> list[Any]:
    """What the import wrote for each device of ``prefix``, without what differs by necessity
    (ids, the times of writing, the inventory and serial numbers, the session in the reason)."""
    own = {"id", "created_at", "inventory_number", "serial_number"}

    def plain(text: str) -> str:
        return text.replace(f"session {session.pk}", "session N").replace(prefix, "X")

    written = []
    for device in Device.objects.filter(inventory_number__startswith=f"{prefix}-").order_by("pk"):
        values = {f.attname: getattr(device, f.attname) for f in Device._meta.concrete_fields}
        changes = list(
            device.status_changes.values_list(
                "from_status", "to_status", "effective_on", "reason", "changed_by"
            )
        )
        (event,) = audit.history_for(device)
        assert event.after == audit.snapshot(device)  # the time of writing as the trail keeps it
        assert event.before is None
        assert (event.object_repr, event.batch) == (device.inventory_number, str(session.batch))
        row = session.rows.get(object_id=str(device.pk))
        written.append(
            (
                row.number,
                row.status,
                plain(device.inventory_number),
                plain(device.serial_number),
                {k: v for k, v in values.items() if k not in own},
                [(*c[:3], plain(c[3]), c[4]) for c in changes],
                {k: v for k, v in event.after.items() if k not in own},
                (event.action, event.actor_id, event.actor_name, event.actor_title),
                (event.source, plain(event.reason), event.object_type),
            )
        )
    return written


def test_both_ways_of_committing_write_the_same_devices_history_and_trail(
    mt: Any, monkeypatch: Any
) -> None:
    """The SQL statement that writes an import's new devices from the stored rows (PostgreSQL)
    writes what the row-by-row path writes: the same devices, status history and events."""
    monkeypatch.setattr(services, "PREPARED_WINDOW", 3)  # more than one statement
    in_sql = validated(mt, make_csv(every_kind_of_new_device("SQL"), FULL_HEADER))
    assert (in_sql.valid_rows, in_sql.error_rows) == (4, 0)
    services.session_commit(actor=mt, session=in_sql, mode=ALL)

    by_row = validated(mt, make_csv(every_kind_of_new_device("ROW"), FULL_HEADER))
    with monkeypatch.context() as m:
        m.setattr(DeviceImporter, "commit_prepared", lambda *args, **kwargs: None)
        services.session_commit(actor=mt, session=by_row, mode=ALL)

    assert registered_as("SQL", in_sql) == registered_as("ROW", by_row)
    assert len(registered_as("SQL", in_sql)) == 4
    assert registered_as("SQL", in_sql)[0][4]["location"] == "Sal 1, bädd 4"


def test_on_postgresql_the_commit_writes_new_devices_without_the_row_by_row_path(
    mt: Any, monkeypatch: Any
) -> None:
    """Only an update, a row with an inspection history, or a row no longer valid goes row by
    row on PostgreSQL; elsewhere every row does."""
    calls: list[int] = []
    commit = DeviceImporter.commit

    def counted(self: Any, rows: Any, **kwargs: Any) -> Any:
        calls.append(len(rows))
        return commit(self, rows, **kwargs)

    monkeypatch.setattr(DeviceImporter, "commit", counted)
    session = validated(mt, make_csv(every_kind_of_new_device("MT"), FULL_HEADER))
    session = services.session_commit(actor=mt, session=session, mode=VALID_ONLY)

    assert session.created_count == 4
    assert calls == ([] if connection.vendor == "postgresql" else [4])


def test_the_commit_checks_the_rights_of_the_importer_again(
    mt: Any, org: Any, commit_path: str
) -> None:
    session = validated(mt, make_csv([device_row("MT-1"), device_row("MT-2")]))
    for grant in mt.grants.filter(revoked_at__isnull=True):
        org_services.role_revoke(actor=org.admin, grant=grant, reason="Changed jobs")
    mt = type(mt).objects.get(pk=mt.pk)  # as the next request loads the person

    with pytest.raises(ValidationError, match="nothing was imported"):
        services.session_commit(actor=mt, session=session, mode=ALL)
    session = services.session_commit(actor=mt, session=session, mode=VALID_ONLY)

    assert not Device.objects.exists()
    assert (session.created_count, session.error_rows) == (0, 2)
    assert {e[0]["message"] for e in errors_by_row(session).values()} == {
        "You may no longer register devices at this unit."
    }


def test_the_commit_checks_the_device_models_rules_again(
    mt: Any, catalogue: Any, commit_path: str
) -> None:
    """A model reclassified as class III implantable after the preview: its devices now need
    their UDI (MDR art. 27(9)), so rows without it are left out."""
    rows = [
        device_row("MT-1"),
        device_row("MT-2", udi_carrier="(01)07312345678909(21)X1", udi_serial="X1"),
    ]
    session = validated(mt, make_csv(rows, [*HEADER, "udi_carrier", "udi_serial"]))
    device_services.device_model_update(
        actor=mt,
        model=catalogue.monitor,
        risk_class=RiskClass.III,
        implantable=True,
        udi_di="07312345678909",
        udi_issuer="gs1",
    )

    session = services.session_commit(actor=mt, session=session, mode=VALID_ONLY)

    assert inventory_numbers() == ["MT-2"]
    messages = [e["message"] for e in errors_by_row(session)[2]]
    assert any("MDR art. 27(9)" in m for m in messages)


# Updates ---------------------------------------------------------------------------------------


def test_it_updates_by_inventory_number_when_asked(mt: Any, org: Any, register_device: Any) -> None:
    original = register_device("MT-1", location="Sal 1", supplier="Medema")
    register_device("MT-2")
    header = ["inventory_number", "manufacturer", "trade_name", "model_version", "unit"]
    header += ["location", "status"]
    data = make_csv(
        [
            device_row("mt-1", unit="Unit B", location="Sal 9", status="in_repair"),
            device_row("MT-2", location="", status="in_use"),
            device_row("MT-3", trade_name="IntelliWho"),
        ],
        header,
    )
    session = validated(mt, data, update=True)
    errors = errors_by_row(session)
    assert list(errors) == [4]  # only MT-3, a new device of a model not in the catalogue
    assert errors[4][0]["field"] == "trade_name"

    session = services.session_commit(actor=mt, session=session, mode=VALID_ONLY)

    assert (session.created_count, session.updated_count, session.unchanged_count) == (0, 1, 1)
    device = Device.objects.get(pk=original.pk)
    assert (device.inventory_number, device.unit, device.location) == ("MT-1", org.unit_b, "Sal 9")
    assert device.supplier == "Medema"  # no column for it: left alone
    assert device.serial_number == "SN-MT-1"
    assert device.status == DeviceStatus.IN_REPAIR
    assert Device.objects.count() == 2
    events = batch_events(session).filter(object_type="devices.device", object_id=str(device.pk))
    update, status = events.order_by("pk")
    assert (update.action, update.before["location"], update.after["location"]) == (
        "device.update",
        "Sal 1",
        "Sal 9",
    )
    assert (status.action, status.after["status"]) == ("device.status", "in_repair")
    assert not batch_events(session).filter(object_repr="MT-2").exists()


def test_an_update_checks_the_rules_against_the_fields_the_file_leaves_alone(
    mt: Any, register_device: Any
) -> None:
    register_device("MT-1", purchased_on=datetime.date(2024, 5, 1))
    register_device("MT-2", purchased_on=datetime.date(2024, 5, 1))
    header = ["inventory_number", "manufacturer", "trade_name", "model_version", "unit"]
    header += ["delivered_on"]
    data = make_csv(
        [
            device_row("MT-1", delivered_on="2024-04-01"),
            device_row("MT-2", delivered_on="2024-06-01"),
        ],
        header,
    )

    session = validated(mt, data, update=True)

    # MT-1 would be delivered before its purchase (a date the file has no column for), and MT-2
    # keeps its acceptance check although the file has no column for it.
    assert errors_by_row(session) == {
        2: [
            {
                "field": "delivered_on",
                "column": "delivered_on",
                "value": "2024-04-01",
                "message": "Delivered before it was purchased.",
            }
        ]
    }
    session = services.session_commit(actor=mt, session=session, mode=VALID_ONLY)
    assert session.updated_count == 1
    mt2 = Device.objects.get(inventory_number="MT-2")
    assert (mt2.delivered_on, mt2.acceptance_checked_on) == (
        datetime.date(2024, 6, 1),
        datetime.date(2024, 3, 1),
    )


def test_it_cannot_register_a_new_device_as_scrapped(mt: Any) -> None:
    session = validated(mt, make_csv([device_row("MT-1", status="kasserad")], [*HEADER, "status"]))

    [error] = errors_by_row(session)[2]
    assert (error["column"], error["message"]) == (
        "status",
        "A new device cannot be registered as scrapped.",
    )


# Audit -----------------------------------------------------------------------------------------


def test_it_records_one_audit_event_per_created_record_tagged_with_the_batch(mt: Any) -> None:
    session = validated(mt, mixed_file())

    session = services.session_commit(actor=mt, session=session, mode=VALID_ONLY)

    registered = batch_events(session, "device.register")
    devices = Device.objects.all()
    assert sorted(registered.values_list("object_id", flat=True)) == sorted(
        str(d.pk) for d in devices
    )
    assert {(e.actor_id, e.source) for e in registered} == {(mt.pk, "import")}
    assert registered.get(object_repr="MT-2").after["serial_number"] == "SN-MT-2"
    assert "devices.csv" in registered.first().reason
    # The workflow's own steps are on the session's history.
    steps = audit.history_for(session).values_list("action", flat=True)
    assert list(steps.order_by("pk")) == [
        "import.upload",
        "import.validate",
        "import.commit",
    ]


# Crashes and re-runs ---------------------------------------------------------------------------


class Crash(Exception):
    pass


@pytest.fixture(params=["prepared", "per_row"])
def commit_path(request: Any, monkeypatch: Any) -> str:
    """Both ways a commit writes new devices: in one SQL statement from the stored rows
    (``commit_prepared``, PostgreSQL) and row by row through ``commit`` (SQLite, and rows the
    statement leaves alone)."""
    if request.param == "per_row":
        monkeypatch.setattr(DeviceImporter, "commit_prepared", lambda *args, **kwargs: None)
    return str(request.param)


def crash_after_second_batch(monkeypatch: Any) -> list[int]:
    """Make the commit fail once it has written its second batch (2 lines a batch), before the
    batch's transaction ends; returns how many devices the transaction saw after each batch."""
    monkeypatch.setattr(services, "CHUNK", 2)
    monkeypatch.setattr(settings, "IMPORT_COMMIT_BATCH", 2)  # lines per transaction
    monkeypatch.setattr(services, "PREPARED_WINDOW", 2)
    seen: list[int] = []

    def pause() -> None:
        seen.append(Device.objects.count())
        if len(seen) == 2:
            raise Crash("the power went out")

    monkeypatch.setattr(services, "_pause", pause)
    return seen


def test_a_crash_mid_import_all_or_nothing_writes_nothing(
    mt: Any, monkeypatch: Any, commit_path: str
) -> None:
    seen = crash_after_second_batch(monkeypatch)
    data = make_csv([device_row(f"MT-{i}") for i in range(1, 6)])
    session = validated(mt, data)

    with pytest.raises(Crash):
        services.session_commit(actor=mt, session=session, mode=ALL)

    assert seen == [2, 4]  # two batches had been written when it crashed
    assert Device.objects.count() == 0
    assert DeviceStatusChange.objects.count() == 0
    assert not batch_events(session).exists()
    session.refresh_from_db()
    assert (session.status, session.created_count) == ("validated", 0)
    assert set(session.rows.values_list("status", "object_id")) == {("valid", "")}

    # Once the cause is gone, the same session imports everything exactly once.
    monkeypatch.setattr(services, "_pause", lambda: None)
    session = services.session_commit(actor=mt, session=session, mode=ALL)
    assert inventory_numbers() == ["MT-1", "MT-2", "MT-3", "MT-4", "MT-5"]
    assert batch_events(session, "device.register").count() == 5


def test_a_crash_mid_import_valid_only_keeps_whole_batches_and_resumes(
    mt: Any, monkeypatch: Any, commit_path: str
) -> None:
    seen = crash_after_second_batch(monkeypatch)
    data = make_csv([device_row(f"MT-{i}") for i in range(1, 6)])
    session = validated(mt, data)

    with pytest.raises(Crash):
        services.session_commit(actor=mt, session=session, mode=VALID_ONLY)

    # The first batch is complete: devices, status history, audit events and row outcomes.
    assert seen == [2, 4]
    assert inventory_numbers() == ["MT-1", "MT-2"]
    assert DeviceStatusChange.objects.count() == 2
    registered = batch_events(session, "device.register")
    assert sorted(registered.values_list("object_repr", flat=True)) == ["MT-1", "MT-2"]
    rows = dict(session.rows.values_list("number", "status"))
    assert rows == {2: "created", 3: "created", 4: "valid", 5: "valid", 6: "valid"}
    session.refresh_from_db()
    assert (session.status, session.created_count) == ("committing", 2)

    # Running it again (the crash does not repeat) goes on where it stopped; nothing twice.
    monkeypatch.setattr(services, "_pause", lambda: None)
    session = services.session_commit(actor=mt, session=session, mode=VALID_ONLY)
    assert inventory_numbers() == ["MT-1", "MT-2", "MT-3", "MT-4", "MT-5"]
    assert (session.status, session.created_count) == ("committed", 5)
    assert batch_events(session, "device.register").count() == 5


def test_a_crash_inside_a_batch_leaves_no_device_without_its_audit_event(
    mt: Any, monkeypatch: Any, commit_path: str
) -> None:
    """The second batch's devices are written, then writing their events fails (after the
    statement, on the SQL path, whose devices and events are one statement)."""
    monkeypatch.setattr(services, "CHUNK", 2)
    monkeypatch.setattr(settings, "IMPORT_COMMIT_BATCH", 2)  # lines per transaction
    monkeypatch.setattr(services, "PREPARED_WINDOW", 2)
    calls = {"n": 0}

    def failing(real: Any) -> Any:
        def write(**kwargs: Any) -> int:
            written = real(**kwargs)
            calls["n"] += 1
            if calls["n"] == 2:
                raise Crash("disk full")
            return int(written)

        return write

    monkeypatch.setattr(audit, "record_rows", failing(audit.record_rows))
    monkeypatch.setattr(audit, "record_query", failing(audit.record_query))
    session = validated(mt, make_csv([device_row(f"MT-{i}") for i in range(1, 5)]))

    with pytest.raises(Crash):
        services.session_commit(actor=mt, session=session, mode=VALID_ONLY)

    assert inventory_numbers() == ["MT-1", "MT-2"]
    for device in Device.objects.all():
        assert audit.history_for(device).filter(action="device.register").count() == 1
        assert device.status_changes.count() == 1


def test_running_the_same_file_again_does_not_duplicate(mt: Any) -> None:
    data = make_csv([device_row("MT-1"), device_row("MT-2")])
    first = validated(mt, data)
    services.session_commit(actor=mt, session=first, mode=ALL)

    again = validated(mt, data)

    assert again.error_rows == 2
    assert all("already in the register" in e[0]["message"] for e in errors_by_row(again).values())
    with pytest.raises(ValidationError):
        services.session_commit(actor=mt, session=again, mode=ALL)
    again = services.session_commit(actor=mt, session=again, mode=VALID_ONLY)
    assert again.created_count == 0
    assert inventory_numbers() == ["MT-1", "MT-2"]

    # With "update existing", the same file changes nothing.
    update = validated(mt, data, update=True)
    update = services.session_commit(actor=mt, session=update, mode=ALL)
    assert (update.created_count, update.updated_count, update.unchanged_count) == (0, 0, 2)
    assert inventory_numbers() == ["MT-1", "MT-2"]
    assert not batch_events(update).filter(object_type="devices.device").exists()


# Failed rows -----------------------------------------------------------------------------------


def test_failed_rows_hold_only_the_bad_rows_with_their_errors(mt: Any) -> None:
    data = make_csv(
        [
            device_row("MT-1"),
            device_row("MT-2", acceptance_checked_on="igår"),
            device_row("MT-3"),
            device_row("MT-4", unit="Akuten", trade_name="IntelliWho"),
        ]
    )
    session = validated(mt, data)

    header, rows = services.failed_rows(session)

    assert header == [*HEADER, "Errors"]
    rows = list(rows)
    assert [r[0] for r in rows] == ["MT-2", "MT-4"]
    assert rows[0][:-1] == list(device_row("MT-2", acceptance_checked_on="igår").values())
    assert rows[0][-1] == "acceptance_checked_on: Enter a valid date."
    assert rows[1][-1] == (
        "trade_name: No device model “Philips IntelliWho MX450” in the catalogue: add it under "
        "Device models first.; unit: No unit named “Akuten” where you may register devices: map "
        "the name to a unit."
    )


def test_the_fixed_failed_rows_can_be_uploaded_again(mt: Any) -> None:
    session = validated(mt, make_csv([device_row("MT-1"), device_row("MT-2", unit="Akuten")]))
    services.session_commit(actor=mt, session=session, mode=VALID_ONLY)
    header, rows = services.failed_rows(session)
    fixed = [[("Unit B" if c == "Akuten" else c) for c in row] for row in rows]

    again = validated(mt, make_csv(fixed, header), "devices-errors.csv")

    assert (again.valid_rows, again.error_rows) == (1, 0)
    services.session_commit(actor=mt, session=again, mode=ALL)
    assert Device.objects.get(inventory_number="MT-2").unit.name == "Unit B"


def test_failed_rows_that_fail_again_keep_one_errors_column(mt: Any) -> None:
    session = validated(mt, make_csv([device_row("MT-1", unit="Akuten")]))
    header, rows = services.failed_rows(session)
    not_fixed = [[("Unit Q" if c == "Akuten" else c) for c in row] for row in rows]

    again = validated(mt, make_csv(not_fixed, header), "devices-errors.csv")
    header, rows = services.failed_rows(again)

    assert header == [*HEADER, "Errors"]
    assert list(rows) == [
        [
            *device_row("MT-1", unit="Unit Q").values(),
            "unit: No unit named “Unit Q” where you may register devices: map the name to a unit.",
        ]
    ]


# Who may import --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner", "colleague", "auditor", "private_staff"])
def test_it_lets_only_register_keepers_start_an_import(org: Any, persona: str) -> None:
    user = org.personas()[persona]

    with pytest.raises(PermissionDenied):
        upload(user, make_csv([device_row("MT-1")]))

    assert not ImportSession.objects.exists()


def test_it_lets_an_administrator_import(org: Any) -> None:
    session = validated(org.admin, make_csv([device_row("MT-1")]))

    services.session_commit(actor=org.admin, session=session, mode=ALL)

    assert inventory_numbers() == ["MT-1"]


def test_another_user_cannot_work_on_someone_elses_import(mt: Any, other_mt: Any) -> None:
    session = upload(mt, make_csv([device_row("MT-1")]))

    with pytest.raises(PermissionDenied):
        services.session_set_mapping(actor=other_mt, session=session, mapping=session.mapping)
    with pytest.raises(PermissionDenied):
        services.session_validate(actor=other_mt, session=session)
    session = services.session_validate(actor=mt, session=session)
    with pytest.raises(PermissionDenied):
        services.session_commit(actor=other_mt, session=session, mode=ALL)

    assert Device.objects.count() == 0


def test_it_refuses_an_unknown_kind(mt: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.session_create(actor=mt, kind="spaceships", filename="x.csv", data=b"a\r\n")

    assert exc.value.message_dict == {"kind": ["Nothing of kind “spaceships” can be imported."]}


def test_it_keeps_the_uploaded_file_with_the_session(mt: Any) -> None:
    data = make_csv([device_row("MT-1")])

    session = upload(mt, data, "inventering 2024.csv")

    session.refresh_from_db()
    assert (bytes(session.source), session.filename, session.created_by) == (
        data,
        "inventering 2024.csv",
        mt,
    )
    assert Device.objects.count() == 0
