"""A unit user hands in an authority's reply that reached the unit by e-mail; the registrar finds
it in the inbox and registers it into the right case; the public diary, with nobody logged in,
shows it with only its public facts. Every page passes axe (WCAG 2.1 AA)."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from medtek.core.actors import SYSTEM
from medtek.core.numbering import number_series_create
from medtek.organisation.roles import Role
from medtek.registry import services
from medtek.registry.models import Document
from tests import factories
from tests.browser.conftest import axe, describe
from tests.browser.test_import_flow import log_in
from tests.registry.conftest import PDF

pytestmark = pytest.mark.browser
SECRET = "Patienten Åsa Öberg"


@pytest.fixture
def setting(live_server: Any, settings: Any) -> dict[str, Any]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org = factories.make_org()
    registrar = factories.person("registrar", role=Role.REGISTRAR, unit=org.region)
    number_series_create(actor=SYSTEM, key="mft", name="MFT", format="MFT {yyyy}/{seq:04}")
    other = services.case_open(
        actor=registrar, series="mft", title="Leveranskontroll dialys", unit=org.unit_a
    )
    case = services.case_open(
        actor=registrar, series="mft", title="Anmälan om infusionspump", unit=org.unit_a
    )
    return {"org": org, "case": case, "other": other}


def assert_accessible(page: Page) -> None:
    violations = axe(page)
    assert violations == [], describe(violations)


def test_a_reply_goes_from_the_unit_through_the_registrar_to_the_public_diary(
    page: Page,
    live_server: Any,
    setting: dict[str, Any],
    csp_violations: list[str],
    tmp_path: Any,
) -> None:
    base, case = live_server.url, setting["case"]
    letter = tmp_path / "svar-lv.pdf"
    letter.write_bytes(PDF)

    log_in(page, base, "colleague")
    page.goto(f"{base}/registry/submit/")
    assert_accessible(page)
    form = page.locator("main form")
    form.locator("select[name=unit]").select_option(str(setting["org"].unit_a.pk))
    form.locator("select[name=direction]").select_option("incoming")
    form.locator("input[name=kind]").fill("Svar")
    form.locator("input[name=date]").fill("2026-11-30")
    form.locator("input[name=counterparty]").fill("Läkemedelsverket")
    form.locator("input[name=counterparty_restricted]").fill(SECRET)
    form.locator("input[name=description]").fill("Läkemedelsverkets svar om infusionspumpen")
    form.locator("textarea[name=details]").fill(f"{SECRET} fick dubbel dos.")
    page.set_input_files("main input[name=files]", files=[str(letter)])
    form.locator("button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("väntar nu på registratorn")
    page.locator("header form[action$='/logout/'] button, header a[href$='/logout/']").first.click()

    log_in(page, base, "registrar")
    page.goto(f"{base}/registry/inbox/")
    assert_accessible(page)
    row = page.get_by_test_id("inbox-row").filter(has_text="infusionspumpen")
    row.get_by_role("link", name="Registrera").click()
    assert_accessible(page)
    page.locator("main select[name=case]").select_option(str(case.pk))
    page.locator("main form button[type=submit]").click()
    number = f"{case.number}-1"
    expect(page.locator("main h1")).to_contain_text(number)
    expect(page.get_by_test_id("restricted-party")).to_contain_text(SECRET)
    assert_accessible(page)
    document = Document.objects.get(number=number)
    assert document.case == case and [f.name for f in document.files.all()] == ["svar-lv.pdf"]
    page.locator("header form[action$='/logout/'] button, header a[href$='/logout/']").first.click()

    page.goto(f"{base}/diarium/")
    row = page.get_by_test_id("public-row").filter(has_text=number)
    expect(row).to_contain_text("Läkemedelsverkets svar om infusionspumpen")
    expect(row).to_contain_text("Läkemedelsverket")
    expect(page.locator("main")).not_to_contain_text("Åsa Öberg")
    expect(page.locator("main")).not_to_contain_text("dubbel dos")
    assert_accessible(page)
    assert csp_violations == []
