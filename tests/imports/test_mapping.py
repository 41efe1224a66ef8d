"""Reading a file as another register wrote it: headers in Swedish or English (suggested when
only close), columns left out, values in the source's own words mapped to the register's, and
the errors grouped by kind."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from medtek.core.models import AuditEvent
from medtek.devices.models import Device, DeviceStatus
from medtek.imports import mapping, registry, services
from medtek.imports.models import ImportSession
from tests.imports.conftest import HEADER, device_row, errors_by_row, make_csv, upload

pytestmark = pytest.mark.usefixtures("catalogue", "english")

#: The same columns as a Swedish register names them (the interface's own labels).
SWEDISH = [
    "Inventarienummer",
    "Tillverkare",
    "Handelsnamn",
    "Modell/version",
    "Enhet",
    "Serienummer",
    "Leveranskontroll",
]


def as_swedish(row: dict[str, str], **extra: str) -> dict[str, str]:
    out = dict(zip(SWEDISH, (row[h] for h in HEADER), strict=True))
    out.update(extra)
    return out


# Columns -----------------------------------------------------------------------------------------


def test_the_interfaces_own_labels_map_in_either_language(mt: Any) -> None:
    english = ["Inventory number", "Manufacturer", "Trade name", "Model/version", "Unit"]

    swedish = upload(mt, make_csv([as_swedish(device_row("MT-1"))], SWEDISH))
    by_label = upload(mt, make_csv([list(device_row("MT-2").values())[:5]], english))

    assert swedish.file_errors == []
    assert swedish.mapping == dict(zip(SWEDISH, HEADER, strict=True))
    assert by_label.file_errors == []
    assert list(by_label.mapping.values()) == HEADER[:5]


def test_a_close_header_is_suggested_and_blocks_the_file_until_confirmed(mt: Any) -> None:
    header = ["Inventarienr.", *HEADER[1:]]
    session = upload(mt, make_csv([list(device_row("MT-1").values())], header))

    assert session.suggestions == {"Inventarienr.": "inventory_number"}
    assert "Inventarienr." not in session.mapping
    with pytest.raises(ValidationError):
        services.session_validate(actor=mt, session=session)

    confirmed = {**session.mapping, "Inventarienr.": "inventory_number"}
    session = services.session_set_mapping(actor=mt, session=session, mapping=confirmed)
    session = services.session_validate(actor=mt, session=session)

    assert (session.valid_rows, session.error_rows) == (1, 0)


def test_a_column_left_out_is_not_read_and_does_not_block_the_file(mt: Any) -> None:
    header = [*HEADER, "Anteckning"]
    rows = [[*device_row("MT-1").values(), "=HYPERLINK(x)"]]
    session = upload(mt, make_csv(rows, header))
    assert session.file_errors == [
        "Unknown column “Anteckning”: map it to a field or leave it out."
    ]

    session = services.session_set_mapping(
        actor=mt, session=session, mapping=session.mapping, ignored=["Anteckning"]
    )
    session = services.session_validate(actor=mt, session=session)
    services.session_commit(actor=mt, session=session, mode="all_or_nothing")

    assert session.ignored == ["Anteckning"]
    assert Device.objects.get().inventory_number == "MT-1"
    event = AuditEvent.objects.filter(action="import.map").latest("pk")
    assert event.after["ignored"] == ["Anteckning"]


def test_ignore_at_upload_names_a_column_of_the_file(mt: Any) -> None:
    data = make_csv([[*device_row("MT-1").values(), "x"]], [*HEADER, "Anteckning"])

    session = services.session_create(
        actor=mt, kind="devices", filename="d.csv", data=data, ignore=["anteckning"]
    )

    assert (session.ignored, session.file_errors) == (["Anteckning"], [])
    with pytest.raises(ValidationError) as exc:
        services.session_create(
            actor=mt, kind="devices", filename="d.csv", data=data, ignore=["Kommentar"]
        )
    assert exc.value.message_dict == {
        "ignore": ["The file has no column “Kommentar” to leave out."]
    }


# Values ------------------------------------------------------------------------------------------


def test_statuses_as_the_interface_writes_them_are_read_in_either_language(mt: Any) -> None:
    header = [*HEADER, "Status"]
    rows = [
        [*device_row("MT-1").values(), "Avställd"],
        [*device_row("MT-2").values(), "under reparation"],
        [*device_row("MT-3").values(), "Out of service"],
        [*device_row("MT-4").values(), "in_use"],
    ]
    session = upload(mt, make_csv(rows, header))
    session = services.session_validate(actor=mt, session=session)
    services.session_commit(actor=mt, session=session, mode="all_or_nothing")

    statuses = dict(Device.objects.values_list("inventory_number", "status"))
    assert statuses == {
        "MT-1": DeviceStatus.OUT_OF_SERVICE,
        "MT-2": DeviceStatus.IN_REPAIR,
        "MT-3": DeviceStatus.OUT_OF_SERVICE,
        "MT-4": DeviceStatus.IN_USE,
    }


def test_a_sources_own_words_are_listed_and_can_be_mapped(mt: Any) -> None:
    header = [*HEADER, "Status"]
    rows = [
        [*device_row("MT-1", unit="Kir avd 3").values(), "På service"],
        [*device_row("MT-2", unit="Kir avd 3").values(), "På service"],
        [*device_row("MT-3").values(), "Avställd"],
    ]
    session = upload(mt, make_csv(rows, header))
    session = services.session_validate(actor=mt, session=session)
    assert session.error_rows == 2
    importer = registry.get("devices")(mt, update_existing=False)

    fields = {f.field: f for f in mapping.value_fields(session, importer)}

    status = fields["status"]
    assert [(v.value, v.count, v.current) for v in status.values] == [
        ("På service", 2, ""),
        ("Avställd", 1, DeviceStatus.OUT_OF_SERVICE),
    ]
    assert [v.value for v in fields["unit"].unmapped] == ["Kir avd 3"]
    assert ("Unit A", "Unit A") in fields["unit"].choices

    session = services.session_set_values(
        actor=mt,
        session=session,
        value_map={
            "status": {"På service": DeviceStatus.IN_REPAIR},
            "unit": {"Kir avd 3": "Unit A"},
        },
    )
    assert session.status == ImportSession.Status.UPLOADED
    session = services.session_validate(actor=mt, session=session)
    assert (session.valid_rows, session.error_rows) == (3, 0)
    services.session_commit(actor=mt, session=session, mode="all_or_nothing")

    devices = {d.inventory_number: d for d in Device.objects.select_related("unit")}
    assert devices["MT-1"].status == DeviceStatus.IN_REPAIR
    assert devices["MT-1"].unit.name == "Unit A"
    event = AuditEvent.objects.get(action="import.map_values")
    assert event.after["value_map"]["status"] == {"på service": "in_repair"}


def test_a_value_is_only_mapped_to_a_value_the_field_takes(mt: Any) -> None:
    session = upload(mt, make_csv([device_row("MT-1")]))

    with pytest.raises(ValidationError) as exc:
        services.session_set_values(
            actor=mt, session=session, value_map={"status": {"Trasig": "broken"}}
        )
    assert exc.value.messages == ["“broken” is not a value of the field “status” (for “Trasig”)."]
    with pytest.raises(ValidationError):
        services.session_set_values(
            actor=mt, session=session, value_map={"serial_number": {"x": "y"}}
        )
    with pytest.raises(ValidationError):  # a unit the engineer may not register at
        services.session_set_values(
            actor=mt, session=session, value_map={"unit": {"Kir": "Nowhere"}}
        )
    session.refresh_from_db()
    assert session.value_map == {}


def test_a_close_value_is_suggested_but_not_applied(mt: Any) -> None:
    rows = [[*device_row("MT-1").values(), "Kaserad"]]
    session = upload(mt, make_csv(rows, [*HEADER, "Status"]))
    importer = registry.get("devices")(mt, update_existing=False)

    status = next(f for f in mapping.value_fields(session, importer) if f.field == "status")

    assert [(v.value, v.current, v.suggestion) for v in status.values] == [
        ("Kaserad", "", DeviceStatus.SCRAPPED)
    ]
    session = services.session_validate(actor=mt, session=session)
    assert session.error_rows == 1


def test_another_person_cannot_map_the_sessions_values(mt: Any, other_mt: Any) -> None:
    from django.core.exceptions import PermissionDenied

    session = upload(mt, make_csv([device_row("MT-1")]))

    with pytest.raises(PermissionDenied):
        services.session_set_values(
            actor=other_mt, session=session, value_map={"status": {"x": "in_use"}}
        )


# Errors by kind ----------------------------------------------------------------------------------


def test_errors_are_grouped_by_kind_with_counts_and_rows(mt: Any) -> None:
    rows = [device_row(f"MT-{i}", trade_name="Okänd", model_version=f"V{i % 3}") for i in range(40)]
    rows += [device_row("MT-100", unit="Akuten"), device_row("MT-101", unit="Akuten")]
    rows += [device_row("MT-102", acceptance_checked_on="2024-02-31")]
    session = upload(mt, make_csv(rows))
    session = services.session_validate(actor=mt, session=session)

    groups = [(g["count"], g["column"], g["pattern"]) for g in session.error_summary]

    assert groups == [
        (
            40,
            "trade_name",
            "No device model “…” in the catalogue: add it under Device models first.",
        ),
        (
            2,
            "unit",
            "No unit named “…” where you may register devices: map the name to a unit.",
        ),
        (1, "acceptance_checked_on", "Enter a valid date."),
    ]
    assert session.error_summary[0]["rows"][:3] == [2, 3, 4]
    assert session.error_summary[1]["rows"] == [42, 43]
    assert len(errors_by_row(session)) == 43


def test_a_value_that_is_part_of_a_word_of_the_message_is_still_one_kind(mt: Any) -> None:
    # "IV" begins "IVDR" in the message's own text, "IIc" stands nowhere in it.
    header = [*HEADER, "risk_class"]
    rows = [[*device_row("MT-1").values(), "IV"], [*device_row("MT-2").values(), "IIc"]]
    session = services.session_validate(actor=mt, session=upload(mt, make_csv(rows, header)))

    assert [(g["count"], g["pattern"]) for g in session.error_summary] == [
        (
            2,
            "Unknown risk class “…” (use I, Is, Im, Ir, IIa, IIb or III, or the IVDR classes A, "
            "B, C or D).",
        )
    ]


def test_a_duplicate_in_the_file_is_one_kind_however_many_rows(mt: Any) -> None:
    rows = [device_row("MT-1"), device_row("MT-1"), device_row("MT-2"), device_row("MT-2")]
    session = services.session_validate(actor=mt, session=upload(mt, make_csv(rows)))

    assert [(g["count"], g["pattern"]) for g in session.error_summary] == [
        (4, "“…” also stands on row … of this file.")
    ]


def test_a_kind_keeps_the_messages_own_quoted_words_in_either_language(mt: Any) -> None:
    from django.utils import translation

    header = [*HEADER, "Status"]
    rows = [
        [*device_row("MT-1", trade_name="Okänd").values(), "Trasig"],
        [*device_row("MT-2", trade_name="Annan", model_version="X").values(), "Sönder"],
    ]
    with translation.override("sv"):
        session = services.session_validate(actor=mt, session=upload(mt, make_csv(rows, header)))

    patterns = {g["column"]: (g["count"], g["pattern"]) for g in session.error_summary}
    assert patterns["Status"] == (
        2,
        "Okänd status ”…”: skriv “I bruk”, “Avställd”, “Under reparation” eller “Kasserad” "
        "eller koppla värdet till en status.",
    )
    assert patterns["trade_name"][0] == 2  # two models, one kind, in Swedish too
