"""A device incident goes from the MT engineer's draft, through a quality lead's approval (four
eyes), to the authority and into the diary: the MT engineer drafts the report in the form,
the quality lead approves it, the MT engineer sends it, and the registrar finds it in the diary
under its document number, in its case. Every report page passes axe (WCAG 2.1 AA).

The interface is Swedish, so the test finds things by test id, input name and link target.
"""

from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from medtek.registry.models import Document
from medtek.reports.models import Report
from tests.browser.conftest import axe, describe
from tests.browser.test_import_flow import log_in
from tests.reports.conftest import (  # noqa: F401 (the fixtures this flow stands on)
    EVENT,
    KNOWN,
    kinds,
    mt,
    pump,
    pump_model,
    quality,
    registrar,
    series,
)

pytestmark = pytest.mark.browser


def assert_accessible(page: Page) -> None:
    violations = axe(page)
    assert violations == [], describe(violations)


def log_out(page: Page) -> None:
    page.locator("header form[action$='/logout/'] button").click()
    expect(page.get_by_test_id("current-user")).to_have_count(0)


def test_a_device_incident_is_drafted_approved_sent_and_found_in_the_diary(
    page: Page,
    live_server: Any,
    settings: Any,
    org: Any,
    kinds: Any,  # noqa: F811
    mt: Any,  # noqa: F811
    quality: Any,  # noqa: F811
    registrar: Any,  # noqa: F811
    series: Any,  # noqa: F811
    pump: Any,  # noqa: F811
    csp_violations: list[str],
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    base = live_server.url

    # The MT engineer drafts the report.
    log_in(page, base, mt.username)
    page.locator("header a[href='/reports/']").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    assert_accessible(page)
    page.get_by_test_id("draft-report").click()
    assert_accessible(page)
    form = page.locator("main form")
    form.locator("select[name=kind]").select_option(str(kinds["device_incident"].pk))
    form.locator("select[name=unit]").select_option(str(org.unit_a.pk))
    form.locator("input[name=event_date]").fill(EVENT.isoformat())
    form.locator("input[name=awareness_date]").fill(KNOWN.isoformat())
    form.locator("textarea[name=description]").fill(
        "Pumpen larmade inte vid ocklusion; patienten fick för låg dos."
    )
    form.locator("select[name=outcome]").select_option("serious_deterioration")
    form.locator("textarea[name=consequence]").fill("Förlängd vårdtid.")
    form.locator("textarea[name=actions_taken]").fill("Pumpen tagen ur bruk, förvarad oreparerad.")
    form.locator("input[name=device]").fill(pump.inventory_number)
    form.locator("input[name=device]").dispatch_event("change")
    # As the facts are filled in, the form says which reports the event needs (htmx).
    expect(page.locator("#needs li[data-kind=device_incident]")).to_be_visible()
    expect(page.locator("#needs li[data-kind=lex_maria]")).to_have_count(0)
    form.locator("input[name=device_location]").fill("MFT, förråd 3")
    form.locator("input[name=contact_phone]").fill("010-123 45 67")
    form.locator("button[type=submit]").click()
    report = Report.objects.get()
    expect(page.locator("main h1")).to_contain_text(report.number)
    expect(page.get_by_test_id("diary-number")).to_have_text("—")
    assert_accessible(page)
    # The drafter may not approve it: the page says what stands in the way.
    with translation.override("sv"):
        four_eyes = gettext(
            "You drafted or changed this report: another person must approve it (four eyes)."
        )
    expect(page.get_by_test_id("problems")).to_contain_text(four_eyes)
    detail = page.url
    log_out(page)

    # The quality lead approves it.
    log_in(page, base, quality.username)
    page.goto(detail)
    page.locator("main a[href$='/approve/']").click()
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main a[href$='/return/']")).to_be_visible()
    expect(page.locator("main a[href$='/approve/']")).to_have_count(0)
    report.refresh_from_db()
    assert (report.status, report.approved_by) == (Report.Status.APPROVED, quality)
    log_out(page)

    # The MT engineer sends it: the copy is registered in the diary.
    log_in(page, base, mt.username)
    page.goto(detail)
    page.locator("main a[href$='/send/']").click()
    assert_accessible(page)
    page.locator("main input[name=channel][value=e_service]").check()
    page.locator("main input[name=sent_on]").fill(KNOWN.isoformat())
    page.locator("main form button[type=submit]").click()
    report.refresh_from_db()
    document = Document.objects.get(pk=report.sent_document_id)
    expect(page.get_by_test_id("diary-number")).to_have_text(document.number)
    expect(page.get_by_test_id("dispatch-row")).to_contain_text(document.number)
    assert_accessible(page)
    log_out(page)

    # The registrar finds it in the diary by its number, and in its case.
    log_in(page, base, registrar.username)
    page.goto(f"{base}/registry/?number={document.number}")
    row = page.get_by_test_id("document-row").filter(has_text=document.number)
    expect(row).to_contain_text(report.number)  # the public line names the report, not the event
    expect(row).not_to_contain_text("ocklusion")
    row.get_by_role("link", name=document.number).click()
    page.locator(f"main a[href$='/registry/cases/{report.case_id}/']").click()
    expect(
        page.get_by_test_id("case-document-row").filter(has_text=document.number)
    ).to_be_visible()
    assert csp_violations == []
