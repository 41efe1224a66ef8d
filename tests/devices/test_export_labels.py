"""Exports as the reader sees the register: Swedish headings and values by default, English with
the English interface, field names and stored codes on request (issue #9)."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from medtek.core.exports import presented
from medtek.devices.models import DeviceStatus
from medtek.devices.selectors import EXPORT_HEADER
from tests.devices.conftest import shown_export_header

LIST = reverse("devices:device_list")
MODELS = reverse("devices:device_model_list")


@pytest.fixture
def two(org, make_device):
    """A device in use and one out of service."""
    make_device(org.unit_a, "LAB-1", purchased_on=datetime.date(2024, 2, 29))
    make_device(org.unit_b, "LAB-2", status=DeviceStatus.OUT_OF_SERVICE)


def _get(client, user, url, language=None, **params):
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url, params)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _csv(data):
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _xlsx(data):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _by_number(rows):
    header, *body = rows
    return header, {row[0]: dict(zip(header, row, strict=True)) for row in body}


@pytest.mark.usefixtures("two")
@pytest.mark.parametrize("language", ["sv", None], ids=["chosen", "default"])
def test_the_device_export_is_in_swedish(client, mt, language):
    header, rows = _by_number(_csv(_get(client, mt, LIST, language, export="csv")))
    assert header == shown_export_header()
    assert header[:3] == ["Inventarienummer", "Tillverkare", "Handelsnamn"]
    assert rows["LAB-1"]["Status"] == "I bruk"
    assert rows["LAB-2"]["Status"] == "Avställd"
    assert rows["LAB-1"]["Inköpsdatum"] == "2024-02-29", (
        "a date as spreadsheets and the import read"
    )
    assert rows["LAB-2"]["Ägande enhet"] == "Unit B"


@pytest.mark.usefixtures("two")
def test_the_device_export_is_in_english_with_the_english_interface(client, mt):
    header, rows = _by_number(_xlsx(_get(client, mt, LIST, "en", export="xlsx")))
    assert header[:3] == ["Inventory number", "Manufacturer", "Trade name"]
    assert (rows["LAB-1"]["Status"], rows["LAB-2"]["Status"]) == ("In use", "Out of service")
    assert rows["LAB-1"]["Purchase date"] == datetime.datetime(2024, 2, 29)


@pytest.mark.usefixtures("two")
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_device_export_gives_field_names_and_codes_on_request(client, mt, fmt):
    data = _get(client, mt, LIST, "sv", export=fmt, codes="1")
    header, rows = _by_number(_csv(data) if fmt == "csv" else _xlsx(data))
    assert header == EXPORT_HEADER
    assert header[0] == "inventory_number"
    assert (rows["LAB-1"]["status"], rows["LAB-2"]["status"]) == ("in_use", "out_of_service")


def test_the_model_export_says_yes_or_no(client, mt, pump, implant):
    header, rows = _by_number(_csv(_get(client, mt, MODELS, export="csv")))
    by_name = {row["Handelsnamn"]: row for row in rows.values()}
    assert "Implanterbar" in header
    assert (by_name["Pacemaker"]["Implanterbar"], by_name["Infusionspump"]["Implanterbar"]) == (
        "Ja",
        "Nej",
    )
    _header, rows = _by_number(_csv(_get(client, mt, MODELS, "en", export="csv")))
    by_name = {row["Trade name"]: row for row in rows.values()}
    assert (by_name["Pacemaker"]["Implantable"], by_name["Infusionspump"]["Implantable"]) == (
        "Yes",
        "No",
    )
    _header, rows = _by_number(_csv(_get(client, mt, MODELS, export="csv", codes="1")))
    by_name = {row["trade_name"]: row for row in rows.values()}
    assert (by_name["Pacemaker"]["implantable"], by_name["Infusionspump"]["implantable"]) == (
        "True",
        "False",
    )


def test_presented_shows_labels_choices_and_yes_or_no_and_leaves_the_rest():
    with translation.override("sv"):
        header, rows = presented(
            ["status", "active", "note", "since"],
            [
                ["in_use", True, "-", datetime.date(2024, 1, 2)],
                ["retired", False, "", None],
                ["", None, "x", None],
            ],
            labels={"status": "status", "active": "aktiv"},
            choices={"status": dict(DeviceStatus.choices)},
            booleans=["active"],
        )
        shown = list(rows)
    assert header == ["Status", "Aktiv", "note", "since"]
    assert shown == [
        ["I bruk", "Ja", "-", datetime.date(2024, 1, 2)],
        ["retired", "Nej", "", None],  # a value the field does not know goes out as it is
        ["", None, "x", None],
    ]
