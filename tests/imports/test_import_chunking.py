"""The import's fast paths (benchmarks/README.md) keep the workflow's behaviour: rows cleaned
without building a form each give what the form gives; chunks follow the file's line numbers
across blank and invalid rows; row outcomes are saved whatever mix of rows a chunk holds."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medtek.devices.importer import DeviceRowForm, clean_row_fields
from medtek.devices.models import Device
from medtek.imports import services
from medtek.imports.models import ImportRow, ImportSession
from tests.imports.conftest import HEADER, device_row, make_csv, upload, validated

ALL = ImportSession.Mode.ALL_OR_NOTHING
VALID_ONLY = ImportSession.Mode.VALID_ONLY

_cells = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "2024-03-01",
            " 2024-03-01 ",
            "2024-02-30",
            "2024-13-01",
            "0000-01-01",
            "2024-3-1",
            "20240301",
            "\u0662\u0660\u0662\u0664-\u0660\u0663-\u0660\u0661",
            "1.3.2024",
            "03/01/2024",
            "x" * 250,
            # Text at and past the shortest and the longest field's length, with the spaces a
            # field strips, and with what its validators refuse.
            "x" * 60,
            "x" * 61,
            " " + "x" * 60 + " ",
            "x" * 100,
            "x" * 101,
            "x" * 200,
            "x" * 201,
            "\t SN-1 \n",
            "SN\x1b1",
            "SN\x001",
            "\x7f",
            "\x00",
        ]
    ),
    st.text(max_size=30),
)


def form_result(row: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    form = DeviceRowForm(row)
    if form.is_valid():
        return form.cleaned_data, []
    return {}, [(f, str(m)) for f, messages in form.errors.items() for m in messages]


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(DeviceRowForm.base_fields)), _cells))
def test_a_row_is_cleaned_as_the_register_form_cleans_it(row: dict[str, str]) -> None:
    cleaned, errors = clean_row_fields(row)

    expected_cleaned, expected_errors = form_result(row)
    assert errors == expected_errors
    if not errors:
        assert cleaned == expected_cleaned


@pytest.mark.usefixtures("english", "catalogue")
def test_chunks_follow_line_numbers_across_blank_and_invalid_rows(
    mt: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "CHUNK", 2)
    blank = [""] * len(HEADER)
    rows = [
        device_row("MT-1"),
        blank,
        device_row("MT-2", acceptance_checked_on="not a date"),
        device_row("MT-3"),
        blank,
        blank,
        device_row("MT-4", trade_name="Unknown"),
        device_row("MT-5"),
        device_row("MT-6"),
    ]
    session = upload(mt, make_csv(rows))
    steps: list[int] = []

    session = services.session_validate(
        actor=mt, session=session, max_rows=3, progress=lambda s: steps.append(s.validated_rows)
    )
    session = services.session_validate(
        actor=mt, session=session, progress=lambda s: steps.append(s.validated_rows)
    )

    assert steps == [2, 3, 5, 6]
    assert (session.status, session.valid_rows, session.error_rows, session.blank_rows) == (
        "validated",
        4,
        2,
        3,
    )
    assert dict(session.rows.values_list("number", "status")) == {
        2: "valid",
        4: "invalid",
        5: "valid",
        8: "invalid",
        9: "valid",
        10: "valid",
    }
    session = services.session_commit(actor=mt, session=session, mode=VALID_ONLY)
    assert (session.status, session.created_count, session.error_rows) == ("committed", 4, 2)
    created = dict(session.rows.filter(status="created").values_list("number", "object_id"))
    devices = dict(Device.objects.values_list("inventory_number", "pk"))
    assert created == {
        2: str(devices["MT-1"]),
        5: str(devices["MT-3"]),
        9: str(devices["MT-5"]),
        10: str(devices["MT-6"]),
    }


@pytest.mark.usefixtures("english", "catalogue")
def test_all_or_nothing_commits_every_chunk_and_records_each_row(mt: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "CHUNK", 3)
    session = validated(mt, make_csv([device_row(f"MT-{i}") for i in range(1, 9)]))

    session = services.session_commit(actor=mt, session=session, mode=ALL)

    assert (session.status, session.created_count) == ("committed", 8)
    assert Device.objects.count() == 8
    outcomes = list(session.rows.order_by("number").values_list("status", "object_id"))
    pks = dict(Device.objects.values_list("inventory_number", "pk"))
    assert outcomes == [("created", str(pks[f"MT-{i}"])) for i in range(1, 9)]


@pytest.mark.usefixtures("english", "catalogue")
def test_rows_with_their_own_errors_keep_them_each(mt: Any) -> None:
    rows = [device_row(f"MT-{i}", acceptance_checked_on=f"2024-13-{i:02d}") for i in range(1, 6)]

    session = validated(mt, make_csv(rows))

    values = {
        r.number: r.errors[0]["value"] for r in session.rows.filter(status=ImportRow.Status.INVALID)
    }
    assert values == {n + 1: f"2024-13-{n:02d}" for n in range(1, 6)}


@pytest.mark.usefixtures("english", "catalogue")
@pytest.mark.parametrize("key_header", ["inventarienr", "2024"])
def test_duplicates_in_the_file_are_found_whatever_the_key_column_is_called(
    mt: Any, key_header: str
) -> None:
    rows = [device_row("MT-1"), device_row("mt-1 "), device_row("MT-2")]
    data = make_csv([[r[h] for h in HEADER] for r in rows], header=[key_header, *HEADER[1:]])
    session = upload(mt, data)
    if session.mapping.get(key_header) != "inventory_number":
        session = services.session_set_mapping(
            actor=mt, session=session, mapping={**session.mapping, key_header: "inventory_number"}
        )

    session = services.session_validate(actor=mt, session=session)

    errors = {r.number: r.errors for r in session.rows.filter(status=ImportRow.Status.INVALID)}
    assert set(errors) == {2, 3}
    assert errors[2][-1]["message"] == "“MT-1” also stands on row 3 of this file."
