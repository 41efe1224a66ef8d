"""Moving another region's register into medtek in the browser, as an MT engineer does it on the
first day: upload the old register's export (Windows-1252, ``;``, Swedish headers, its own
words for statuses and units, model and inspection columns, one row of each kind of error),
confirm the suggested column and map the two columns medtek cannot know by hand, leave the
comment column out, map a status word and a unit name, accept the device models the catalogue
lacks, check every row, read the errors grouped by kind, import the valid rows and download the
rest to fix in Excel — then find the devices, their plans and inspections in the register.

The interface is Swedish (as the person's first visit has it), so the test finds things by test
id, input name and the file's own headers and values; the only messages it reads are Django's
own (in its Swedish catalogue) and the file's values inside the messages.
"""

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.utils import translation
from playwright.sync_api import Page, expect

from medtek.devices.models import Device, DeviceModel, DeviceStatus, Inspection, InspectionKind
from medtek.imports.models import ImportSession
from medtek.organisation.roles import Role
from tests import factories
from tests.browser.conftest import axe, describe
from tests.browser.test_import_flow import log_in
from tests.imports import legacy

pytestmark = pytest.mark.browser


@pytest.fixture
def engineer(live_server: Any, settings: Any, org: Any) -> Any:
    """An MT engineer of the whole administration (may register devices and add models), with
    the register as the file assumes it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    legacy.legacy_register(org)
    return factories.person("mt", role=Role.MT_ENGINEER, unit=org.hsf)


def in_swedish(message: Any) -> str:
    with translation.override("sv"):
        return str(message)


def assert_accessible(page: Page, where: str) -> None:
    violations = axe(page)
    assert violations == [], f"{where}:\n{describe(violations)}"


def value_select(page: Page, value: str) -> Any:
    """The value step's choice for one value of the file."""
    row = page.get_by_test_id("value-row").filter(
        has=page.locator("td:first-child", has_text=value)
    )
    expect(row).to_have_count(1)
    return row.locator("select")


def test_a_legacy_export_is_mapped_by_hand_and_its_valid_rows_imported(
    page: Page, live_server: Any, engineer: Any, org: Any, csp_violations: list[str]
) -> None:
    log_in(page, live_server.url, engineer.username)
    page.goto(f"{live_server.url}/imports/new/devices/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.set_input_files(
        "main input[name=file]",
        files=[{"name": "medusa.csv", "mimeType": "text/csv", "buffer": legacy.legacy_export()}],
    )
    page.locator("main form button[type=submit]").click()

    # The columns: "Inv.nr" is suggested, "Fabrikat" and "Avdelning" are no field's names, and
    # "Kommentar" has no field at all; until they are settled, the file cannot be checked.
    expect(page.get_by_test_id("file-errors")).to_be_visible()
    for header in ["Inv.nr", "Fabrikat", "Avdelning", "Kommentar"]:
        expect(page.get_by_test_id("file-errors")).to_contain_text(header)
    expect(page.locator("main form[action$='/validate/']")).to_have_count(0)
    step = page.get_by_test_id("mapping-step")
    expect(step).to_have_attribute("open", "")
    expect(step.get_by_label("Inv.nr", exact=True)).to_have_value("inventory_number")
    expect(step.get_by_label("Benämning", exact=True)).to_have_value("trade_name")
    expect(step.get_by_label("Fabrikat", exact=True)).to_have_value("")
    step.get_by_label("Fabrikat", exact=True).select_option("manufacturer")
    step.get_by_label("Avdelning", exact=True).select_option("unit")
    step.get_by_label(legacy.LEFT_OUT, exact=True).select_option("__ignore__")
    step.locator("button[type=submit]").click()

    expect(page.get_by_test_id("file-errors")).to_have_count(0)
    step = page.get_by_test_id("mapping-step")
    expect(step.get_by_label("Inv.nr", exact=True)).to_have_value("inventory_number")
    expect(step.get_by_label("Kommentar", exact=True)).to_have_value("__ignore__")

    # The values: the interface's own labels are recognised; the source's own words are not.
    values = page.get_by_test_id("value-step")
    expect(values).to_be_visible()
    expect(value_select(page, "I bruk")).to_have_value(DeviceStatus.IN_USE)
    expect(value_select(page, "Avställd")).to_have_value(DeviceStatus.OUT_OF_SERVICE)
    expect(value_select(page, "Godkänd")).to_have_value(Inspection.Result.PASS)
    expect(value_select(page, "Unit A1")).to_have_value("Unit A1")
    for unknown in ["På service", "Kir avd 3", "Akuten", "IV"]:
        expect(value_select(page, unknown)).to_have_value("")

    # Both steps open, as the person works through them: accessible, and within the CSP.
    page.get_by_test_id("mapping-step").locator("summary").click()
    expect(page.get_by_test_id("mapping-step")).to_have_attribute("open", "")
    assert_accessible(page, "import page with its mapping and value steps")

    value_select(page, "På service").select_option(DeviceStatus.IN_REPAIR)
    value_select(page, legacy.UNIT_BY_HAND).select_option("Unit B")
    values.locator("button[type=submit]").click()
    expect(value_select(page, "På service")).to_have_value(DeviceStatus.IN_REPAIR)
    expect(value_select(page, "Kir avd 3")).to_have_value("Unit B")
    expect(value_select(page, "Akuten")).to_have_value("")  # no unit: stays an error

    # The models the catalogue lacks, with their rows, as the file describes them.
    notice = page.get_by_test_id("unknown-models")
    expect(notice).to_contain_text("2")
    notice.locator("a[href$='/models/new/']").click()
    proposals = page.get_by_test_id("proposal")
    expect(proposals).to_have_count(2)
    expect(proposals.nth(0).locator("legend")).to_have_text("1. Mindray BeneVision N15")
    expect(proposals.nth(0).get_by_test_id("proposal-rows")).to_contain_text("4, 5, 10, 12")
    expect(page.locator("[name='model-0-udi_di']")).to_have_value(legacy.MINDRAY_GTIN)
    expect(page.locator("[name='model-0-risk_class']")).to_have_value("IIb")
    expect(page.locator("[name='model-0-inspection_interval_months']")).to_have_value("24")
    expect(proposals.nth(1).locator("legend")).to_have_text("2. B. Braun Perfusor Space")
    expect(proposals.nth(1).get_by_test_id("proposal-rows")).to_contain_text("6, 9, 15")
    expect(page.locator("[name='model-1-inspection_interval_months']")).to_have_value("6")
    assert_accessible(page, "the models page")
    page.locator("main form button[type=submit]").click()

    expect(page.get_by_test_id("import-status")).to_be_visible()
    expect(page.get_by_test_id("unknown-models")).to_have_count(0)
    catalogue = DeviceModel.objects.values_list("manufacturer", "trade_name", "model_version")
    assert set(catalogue) == {("Philips", "IntelliVue", "MX450"), *legacy.NEW_MODELS}

    # Every row checked: the planted errors, grouped by kind, the largest group first.
    page.locator("main form[action$='/validate/'] button[type=submit]").click()
    expect(page.locator("main form[action$='/validate/']")).to_have_count(0)
    expect(page.get_by_test_id("valid-rows")).to_have_text(str(len(legacy.VALID_ROWS)))
    expect(page.get_by_test_id("error-rows")).to_have_text(str(len(legacy.ERROR_ROWS)))
    counts = page.get_by_test_id("import-counts").locator("dd")
    expect(counts.nth(0)).to_have_text(str(len(legacy.ROWS) + 2))
    expect(counts.nth(1)).to_have_text("2")  # the two blank rows at the end

    groups = page.get_by_test_id("error-group")
    expected = [  # (rows, column, what the error's text shows)
        ("2", "Inv.nr", "MT-1010"),
        ("1", "UDI-DI", "08710000123458"),
        ("1", "Riskklass", "”IV”"),
        ("1", "Skyddsjord (ohm)", in_swedish(forms.DecimalField.default_error_messages["invalid"])),
        ("1", "Senaste kontroll", in_swedish(forms.DateField.default_error_messages["invalid"])),
        ("1", "Inv.nr", "MT-0001"),
        ("1", "Avdelning", "”Akuten”"),
    ]
    expect(groups).to_have_count(len(expected))
    for i, (rows, column, text) in enumerate(expected):
        cells = groups.nth(i).locator("td")
        expect(cells.nth(0)).to_have_text(rows)
        expect(cells.nth(1)).to_have_text(column)
        expect(cells.nth(2)).to_contain_text(text)
    expect(page.get_by_test_id("error-row")).to_have_count(
        len(legacy.ERROR_ROWS)  # one error on each bad row, now that the models exist
    )

    groups.nth(0).locator("a").click()
    expect(page.get_by_test_id("error-group-heading")).to_be_visible()
    shown = page.get_by_test_id("error-row")
    expect(shown).to_have_count(2)
    for i, number in enumerate(legacy.PLANTED["twice in the file"].rows):
        expect(shown.nth(i).locator("td").nth(0)).to_have_text(str(number))
        expect(shown.nth(i).locator("td").nth(1)).to_have_text("Inv.nr")
        expect(shown.nth(i).locator("td").nth(2)).to_have_text("MT-1010")
    assert_accessible(page, "import page with one group's rows")

    # The valid rows only.
    page.locator("main input[name=mode][value=valid_only]").check()
    page.locator("main form[action$='/commit/'] button[type=submit]").click()
    expect(page.get_by_test_id("created-count")).to_have_text(str(len(legacy.VALID_ROWS)))

    # The failed rows, to fix in Excel: as the file was written, with why each row failed.
    with page.expect_download() as download_info:
        page.locator("main a[href$='/failed-rows/']").click()
    download = download_info.value
    assert download.suggested_filename == "medusa-errors.csv"
    data = download.path().read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # "Benämning" as Windows-1252 writes it
    text = data.decode("cp1252")
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert lines[0] == [*legacy.HEADER, "Fel"]
    assert [line[:-1] for line in lines[1:]] == [legacy.cells(n) for n in legacy.ERROR_ROWS]
    errors = {line[0]: line[-1] for line in lines[1:] if line[0] != "MT-1010"}
    assert errors["MT-1006"].startswith("UDI-DI: ")
    assert errors["MT-1008"] == "Skyddsjord (ohm): " + in_swedish(
        forms.DecimalField.default_error_messages["invalid"]
    )
    assert "Akuten" in errors["MT-1011"]

    session = ImportSession.objects.get()
    assert (session.status, session.mode, session.created_count) == ("committed", "valid_only", 6)
    assert session.ignored == ["Kommentar"]
    assert session.value_map["status"]["på service"] == DeviceStatus.IN_REPAIR
    assert session.value_map["unit"]["kir avd 3"] == "Unit B"

    # The register: the devices of the valid rows, with their statuses, units and plans; an
    # inspection record where the file gave a result, none where it gave only a date.
    devices = {d.inventory_number: d for d in Device.objects.select_related("unit", "model")}
    assert sorted(devices) == sorted(["MT-0001", *(legacy.cells(n)[0] for n in legacy.VALID_ROWS)])
    assert {n: (d.status, d.unit.name) for n, d in devices.items() if n != "MT-0001"} == {
        "MT-1001": (DeviceStatus.IN_USE, "Unit A"),
        "MT-1002": (DeviceStatus.IN_REPAIR, "Unit B"),
        "MT-1003": (DeviceStatus.OUT_OF_SERVICE, "Unit A1"),
        "MT-1004": (DeviceStatus.IN_USE, "Unit B"),
        "MT-1005": (DeviceStatus.IN_USE, "Unit B"),
        "MT-1012": (DeviceStatus.OUT_OF_SERVICE, "Unit A"),
    }
    assert devices["MT-1003"].model.udi_di == legacy.MINDRAY_GTIN
    assert devices["MT-1005"].model.inspection_interval_months == 6
    day = datetime.date
    due = {
        "MT-1001": (12, day(2024, 3, 15), day(2025, 3, 15)),
        "MT-1002": (12, day(2023, 11, 20), day(2024, 11, 20)),
        "MT-1003": (24, day(2023, 5, 2), day(2025, 5, 2)),
        "MT-1004": (24, day(2024, 1, 8), day(2026, 1, 8)),
        "MT-1005": (6, day(2024, 1, 10), day(2024, 7, 10)),
        "MT-1012": (6, day(2023, 12, 1), day(2024, 6, 1)),
    }
    for number, (interval, last, next_due) in due.items():
        device = devices[number]
        plan = device.plans.get(active=True)
        assert (plan.kind, plan.interval_months, plan.last_done, plan.next_due) == (
            InspectionKind.ELECTRICAL_SAFETY,
            interval,
            last,
            next_due,
        ), number
        assert device.next_due == next_due, number
    records = {
        i.device.inventory_number: (i.performed_on, i.result, i.protective_earth_ohm)
        for i in Inspection.objects.select_related("device")
    }
    assert records == {
        "MT-1001": (day(2024, 3, 15), Inspection.Result.PASS, Decimal("0.12")),
        "MT-1002": (day(2023, 11, 20), Inspection.Result.PASS, Decimal("0.09")),
        "MT-1004": (day(2024, 1, 8), Inspection.Result.PASS, Decimal("0.15")),
        "MT-1005": (day(2024, 1, 10), Inspection.Result.PASS, Decimal("0.2")),
        "MT-1012": (day(2023, 12, 1), Inspection.Result.PASS, Decimal("0.3")),
    }
    assert csp_violations == []
