"""Importing devices in the browser, as an MT engineer does it: upload a file with mistakes, have
every row checked (htmx steps with a progress bar), read the errors, fix the file, upload it again
and import it all or nothing — then find the devices in the register.

The interface is Swedish, so the test finds things by test id, input name and role, not by text.
"""

from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from medtek.core.actors import SYSTEM
from medtek.devices import services as device_services
from medtek.devices.models import Device, RiskClass
from medtek.imports import views
from medtek.imports.models import ImportSession
from medtek.organisation.roles import Role
from tests import factories

pytestmark = pytest.mark.browser

HEADER = "Inventarienummer;Tillverkare;Benämning;Modell;Enhet;Serienummer;Leveranskontroll"
GOOD = [
    "MT-101;Philips;IntelliVue;MX450;Unit A;SN-101;2024-03-01",
    "MT-102;Philips;IntelliVue;MX450;Unit A;SN-102;2024-03-01",
    "MT-103;B. Braun;Perfusor;Space;Unit B;SN-103;2024-03-04",
    "MT-105;B. Braun;Perfusor;Space;Unit A1;SN-105;2024-03-04",
]
WITH_ERRORS = [
    GOOD[0],
    "MT-102;Philips;IntelliVue;MX450;Akuten;SN-102;2024-03-01",  # no such unit
    GOOD[2],
    "MT-101;Philips;IntelliVue;MX450;Unit A;SN-104;2024-03-01",  # MT-101 twice
    ";;;;;;",  # a blank row, as Excel leaves it
    "MT-105;B. Braun;Perfusor;Space;Unit A1;SN-105;31/02/2024",  # no such date
]


def csv_file(rows: list[str]) -> dict[str, Any]:
    """The file as Swedish Excel saves it: UTF-8 with a byte-order mark, ``;``, CRLF."""
    data = "\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n"
    return {"name": "inventering.csv", "mimeType": "text/csv", "buffer": data.encode("utf-8")}


@pytest.fixture
def engineer(live_server: Any, settings: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org = factories.make_org()
    for manufacturer, trade_name, version in [
        ("Philips", "IntelliVue", "MX450"),
        ("B. Braun", "Perfusor", "Space"),
    ]:
        device_services.device_model_create(
            actor=SYSTEM,
            manufacturer=manufacturer,
            trade_name=trade_name,
            model_version=version,
            risk_class=RiskClass.IIB,
        )
    return factories.person("mt", role=Role.MT_ENGINEER, unit=org.hsf)


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(factories.PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()


def upload_and_check(page: Page, base_url: str, file: dict[str, Any]) -> None:
    page.goto(f"{base_url}/imports/new/devices/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.set_input_files("main input[name=file]", files=[file])
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("import-status")).to_be_visible()
    # "Kontrollera varje rad": htmx checks the rows in steps, then reloads the page.
    page.locator("main form[action$='/validate/'] button[type=submit]").click()
    expect(page.locator("main form[action$='/validate/']")).to_have_count(0)
    expect(page.locator("#import-progress")).to_have_count(0)


def test_it_imports_a_file_after_its_errors_are_fixed(
    page: Page, live_server: Any, engineer: Any, monkeypatch: Any, csp_violations: list[str]
) -> None:
    monkeypatch.setattr(views, "STEP_ROWS", 2)  # a few steps, each showing the progress bar
    steps: list[str] = []

    def on_request(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/validate/"):
            steps.append(request.headers.get("hx-request", ""))

    page.on("request", on_request)
    log_in(page, live_server.url, engineer.username)

    upload_and_check(page, live_server.url, csv_file(WITH_ERRORS))

    assert steps == ["true", "true", "true"]  # 5 rows in steps of 2, each asked for by htmx
    errors = page.get_by_test_id("error-row")
    expect(errors).to_have_count(4)
    expect(errors.nth(0)).to_contain_text("MT-101")  # row 2: MT-101 also stands on row 5
    expect(errors.nth(0).locator("td").first).to_have_text("2")
    expect(errors.nth(1).locator("td").nth(0)).to_have_text("3")
    expect(errors.nth(1).locator("td").nth(2)).to_have_text("Akuten")
    expect(errors.nth(2).locator("td").nth(0)).to_have_text("5")
    expect(errors.nth(3).locator("td").nth(0)).to_have_text("7")
    expect(errors.nth(3).locator("td").nth(1)).to_have_text(
        "Leveranskontroll"
    )  # as the file names it
    expect(errors.nth(3).locator("td").nth(2)).to_have_text("31/02/2024")
    expect(page.get_by_test_id("valid-rows")).to_have_text("1")
    expect(page.get_by_test_id("error-rows")).to_have_text("4")
    # All or nothing would refuse this file, so nothing is imported yet.
    assert Device.objects.count() == 0

    upload_and_check(page, live_server.url, csv_file(GOOD))

    expect(page.get_by_test_id("error-row")).to_have_count(0)
    expect(page.get_by_test_id("valid-rows")).to_have_text("4")
    page.locator("main input[name=mode][value=all_or_nothing]").check()
    page.locator("main form[action$='/commit/'] button[type=submit]").click()

    expect(page.get_by_test_id("created-count")).to_have_text("4")
    session = ImportSession.objects.latest("pk")
    assert (session.status, session.mode) == ("committed", "all_or_nothing")
    assert session.created_by == engineer

    page.goto(f"{live_server.url}/devices/")
    rows = page.get_by_test_id("device-row")
    expect(rows).to_have_count(4)
    for number in ["MT-101", "MT-102", "MT-103", "MT-105"]:
        expect(page.get_by_role("link", name=number, exact=True)).to_be_visible()
    expect(rows.filter(has_text="MT-103")).to_contain_text("Unit B")
    assert csp_violations == []
