"""The auditor reads the audit log and a device's history in a real browser: in words, filtered
by kind of object, the history opened from the log, with no accessibility violations."""

import io
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe, describe
from tests.browser.test_login_start_page import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_server: Any, settings: Any) -> str:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--allow-production", stdout=io.StringIO())
    return str(live_server.url)


def test_the_auditor_reads_the_log_and_a_history_in_words(page: Page, demo: str) -> None:
    log_in(page, demo, "revisor")
    page.goto(f"{demo}/audit/")
    expect(page.get_by_role("heading", name="Händelselogg")).to_be_visible()
    assert not axe(page), describe(axe(page))

    page.get_by_label("Typ av post").select_option(label="Produkt")
    page.get_by_label("Händelse", exact=True).select_option(label="Produkt registrerad")
    page.locator("main form button[type=submit]").click()
    rows = page.get_by_test_id("audit-row")
    expect(rows.first).to_be_visible()
    expect(rows.first.get_by_test_id("action")).to_have_text("Produkt registrerad")
    assert "device.register" not in page.locator("main tbody").inner_text()
    page.screenshot(path="var/audit-log.png")

    rows.first.get_by_test_id("object").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Historik: Produkt ")
    changes = page.get_by_test_id("change")
    expect(changes.first).to_be_visible()
    shown = page.locator("main table").first.inner_text()
    assert "Inventarienummer" in shown and "Ägande enhet" in shown
    for code in ("inventory_number", "True", "{"):
        assert code not in shown, code
    assert not axe(page), describe(axe(page))
    page.screenshot(path="var/audit-history.png", full_page=True)
