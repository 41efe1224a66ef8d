"""An in-house device goes from draft to approved for clinical use and into the public
declaration (MDR art. 5(5)): the MT engineer assesses the last Annex I items on the checklist
page, row by row without a page reload (one refused until its justification is given), the file
is submitted, signed off by the head of the using unit and the head of medical technology, IVO
is notified, and the file is approved. The declaration then shows the requirement not fully met
with its justification.

Most of the file is set up through the services (the file, its documents, the release record,
all but two checklist items); the browser does the checklist rows. The file page's forms
(submit, sign off, notify, approve) are marked below where they are still service calls.

The interface is Swedish, so the test finds things by test id, input name and element id.
"""

import datetime
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from medtek.core.actors import SYSTEM
from medtek.core.files import read_verified
from medtek.devices import services as device_services
from medtek.devices.models import DeviceModel
from medtek.inhouse import gspr, services
from medtek.inhouse.models import (
    REQUIRED_DOCUMENT_KINDS,
    ChecklistItem,
    Declaration,
    InhouseDevice,
    Requirement,
    SignOff,
)
from medtek.organisation import services as org_services
from medtek.organisation.models import Unit
from medtek.organisation.roles import Role
from medtek.reports import services as report_services
from tests import factories
from tests.browser.conftest import axe, describe
from tests.browser.test_import_flow import log_in
from tests.devices.conftest import ACCEPTED
from tests.generic.records import PDF
from tests.reports.conftest import kinds, mt, quality, series  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

JUSTIFICATION = "Riskplanen granskas internt; extern granskning planeras till 2027."
S = InhouseDevice.Status


def assert_accessible(page: Page) -> None:
    violations = axe(page)
    assert violations == [], describe(violations)


@pytest.fixture
def requirements(db: Any) -> None:
    """The Annex I reference data (loaded again after a transactional test's flush)."""
    if not Requirement.objects.exists():
        gspr.load_shipped(Requirement, "2017-initial")


@pytest.fixture
def setting(
    live_server: Any,
    settings: Any,
    org: Any,
    mt: Any,  # noqa: F811
    requirements: None,
) -> dict[str, Any]:
    """A complete draft file of a device MFT combines, used in unit A, with every document, the
    one device released, and all but two Annex I items assessed."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_services.care_provider_update(
        actor=SYSTEM, provider=org.region_provider, address="Region Test\nBox 1\n111 11 Teststad"
    )
    mft = factories.unit(
        name="MFT", parent=org.hsf, provider=org.region_provider, kind=Unit.Kind.DEPARTMENT
    )
    head_mt = factories.person("chefmt", role=Role.HEAD_OF_UNIT, unit=mft)
    model = device_services.device_model_create(
        actor=mt,
        manufacturer="Region Test MFT",
        trade_name="Trycksensoradapter",
        model_version="1.2",
        risk_class="IIa",
        conformity=DeviceModel.Conformity.IN_HOUSE,
    )
    device = device_services.device_register(
        actor=mt,
        unit=org.unit_a,
        model=model,
        inventory_number="EGT-DEV-1",
        acceptance_checked_on=ACCEPTED,
        status_since=ACCEPTED,
    )
    today = timezone.localdate()
    file = services.inhouse_device_create(
        actor=mt,
        device_model=model,
        kind=InhouseDevice.Kind.COMBINED,
        based_on="CE-märkt trycksensor och monitorkabel",
        intended_purpose="Invasiv blodtrycksmätning vid förflyttning",
        manufacturer_unit=mft,
        using_unit=org.unit_a,
        not_transferred=True,
        qms_reference="Rutin MFT-R-012",
        justification="Ingen CE-märkt adapter finns för kombinationen",
        market_search="Eudamed och tre leverantörer",
        market_searched_on=today - datetime.timedelta(days=100),
        justification_review_due=today + datetime.timedelta(days=180),
    )
    for kind in REQUIRED_DOCUMENT_KINDS:
        services.document_add(
            actor=mt,
            inhouse_device=file,
            kind=kind,
            title=f"Underlag {kind}",
            upload=(f"{kind}.pdf", PDF),
        )
    services.release_record(actor=mt, inhouse_device=file, made_by=mt, made_on=today, device=device)
    services.checklist_open(actor=mt, inhouse_device=file)
    left = ("1", "3(a)")
    for item in ChecklistItem.objects.filter(file=file).exclude(requirement__code__in=left):
        services.checklist_assess(actor=mt, item=item, applies=True, outcome="met")
    items = {code: ChecklistItem.objects.get(file=file, requirement__code=code) for code in left}
    return {"file": file, "items": items, "head_mt": head_mt}


# The file page's steps. They call the services until the file page's forms are in place; each
# says the clicks that will replace it (the person is logged in on the page when it runs).


def as_user(page: Page, base: str, user: Any) -> None:
    page.context.clear_cookies()
    log_in(page, base, user.username)


def move(page: Page, base: str, file: InhouseDevice, target: str) -> None:
    """Click the lifecycle button for ``target`` on the file page."""
    page.goto(f"{base}/inhouse/{file.pk}/")
    page.get_by_test_id(f"move-{target}").locator("button[type=submit]").click()
    expect(page.get_by_test_id(f"move-{target}")).to_have_count(0)


def submit_for_review(page: Page, base: str, user: Any, file: InhouseDevice) -> None:
    as_user(page, base, user)
    move(page, base, file, S.UNDER_REVIEW)


def sign_off(page: Page, base: str, user: Any, file: InhouseDevice, capacity: str) -> None:
    as_user(page, base, user)
    page.goto(f"{base}/inhouse/{file.pk}/")
    page.get_by_test_id("sign").click()
    page.locator("main select[name=capacity]").select_option(capacity)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("signoff-row").filter(has_text=user.get_full_name())).to_be_visible()


def notify_ivo(page: Page, base: str, drafter: Any, approver: Any, file: InhouseDevice) -> None:
    """The drafter drafts the notification from the file page; approving and sending it are the
    reports module's pages (tests/browser/test_report_flow.py walks them)."""
    as_user(page, base, drafter)
    page.goto(f"{base}/inhouse/{file.pk}/")
    page.get_by_test_id("draft-notification").click()
    expect(page).to_have_url(re.compile(r"/reports/"))
    file.refresh_from_db()
    report = file.notification
    assert report is not None
    report = report_services.report_approve(actor=approver, report=report)
    report_services.report_send(actor=drafter, report=report, channel="e_service")


def approve(page: Page, base: str, user: Any, file: InhouseDevice) -> None:
    as_user(page, base, user)
    move(page, base, file, S.APPROVED)


def pdf_text(tmp_path: Path, content: bytes) -> str:
    path = tmp_path / "declaration.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def test_an_in_house_device_is_assessed_signed_off_notified_approved_and_declared(
    page: Page,
    browser: Browser,
    live_server: Any,
    org: Any,
    mt: Any,  # noqa: F811
    quality: Any,  # noqa: F811
    kinds: Any,  # noqa: F811
    series: Any,  # noqa: F811
    setting: dict[str, Any],
    csp_violations: list[str],
    tmp_path: Path,
) -> None:
    base = live_server.url
    file: InhouseDevice = setting["file"]
    met, not_met = setting["items"]["1"], setting["items"]["3(a)"]

    # The MT engineer assesses the last two items on the checklist page.
    log_in(page, base, mt.username)
    page.goto(f"{base}/inhouse/{file.pk}/checklist/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    progress = page.locator("#checklist-progress progress")
    expect(progress).to_have_attribute("value", "208")
    expect(progress).to_have_attribute("max", "210")
    page.evaluate("() => { window.notReloaded = true; }")

    row = page.locator(f"#item-{met.pk}")
    applies = row.locator(f"select[name=item-{met.pk}-applies]")
    applies.focus()  # keyboard order: applies, then why not, then the outcome
    page.keyboard.press("Tab")
    expect(row.locator(f"textarea[name=item-{met.pk}-not_applicable_reason]")).to_be_focused()
    applies.select_option("yes")
    row.locator(f"select[name=item-{met.pk}-outcome]").select_option("met")
    row.locator(f"select[name=item-{met.pk}-evidence]").select_option(index=0)
    row.locator(f"#item-{met.pk}-save").click()
    expect(page.locator(f"#item-{met.pk}")).to_have_attribute("data-assessed", "true")
    expect(progress).to_have_attribute("value", "209")
    expect(page.get_by_test_id("checklist-progress-text")).to_have_text(
        re.compile(r"\b209\b.*\b210\b")
    )

    # "Not fully met" without a justification is refused at its field; what was typed stays.
    row = page.locator(f"#item-{not_met.pk}")
    row.locator(f"select[name=item-{not_met.pk}-applies]").select_option("yes")
    row.locator(f"select[name=item-{not_met.pk}-outcome]").select_option("not_fully_met")
    row.locator(f"textarea[name=item-{not_met.pk}-evidence_note]").fill("Granskningsprotokoll 7")
    row.locator(f"#item-{not_met.pk}-save").click()
    justification = page.locator(
        f"#item-{not_met.pk} textarea[name=item-{not_met.pk}-justification]"
    )
    expect(justification).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#id_item-{not_met.pk}-justification_errors")).to_be_visible()
    expect(
        page.locator(f"#item-{not_met.pk} textarea[name=item-{not_met.pk}-evidence_note]")
    ).to_have_value("Granskningsprotokoll 7")
    expect(
        page.locator(f"#item-{not_met.pk} select[name=item-{not_met.pk}-outcome]")
    ).to_have_value("not_fully_met")
    expect(progress).to_have_attribute("value", "209")
    assert not ChecklistItem.objects.get(pk=not_met.pk).assessed
    assert_accessible(page)

    justification.fill(JUSTIFICATION)
    page.locator(f"#item-{not_met.pk}-save").click()
    expect(page.locator(f"#item-{not_met.pk}")).to_have_attribute("data-assessed", "true")
    expect(progress).to_have_attribute("value", "210")
    expect(page.get_by_test_id("checklist-progress-text")).to_have_text(
        re.compile(r"\b210\b.*\b210\b")
    )
    assert page.evaluate("() => window.notReloaded") is True  # saved inline, never reloaded
    not_met.refresh_from_db()
    assert (not_met.outcome, not_met.justification, not_met.evidence_note) == (
        "not_fully_met",
        JUSTIFICATION,
        "Granskningsprotokoll 7",
    )
    assert_accessible(page)

    # The file page: submitted, notified, signed off by the two heads, approved.
    submit_for_review(page, base, mt, file)
    notify_ivo(page, base, mt, quality, file)
    sign_off(page, base, org.owner, file, SignOff.Capacity.USING_UNIT)
    sign_off(page, base, setting["head_mt"], file, SignOff.Capacity.MEDICAL_TECHNOLOGY)
    approve(page, base, setting["head_mt"], file)
    file.refresh_from_db()
    assert file.status == S.APPROVED

    # The public declaration, for anyone, without logging in.
    declaration = Declaration.objects.get(care_provider=org.region_provider)
    assert declaration.version == 1
    [row_data] = declaration.rows
    assert row_data["file_number"] == file.file_number
    assert row_data["not_met"] == [
        {"code": "3(a)", "title": not_met.requirement.title_sv, "justification": JUSTIFICATION}
    ]
    text = pdf_text(tmp_path, read_verified(declaration.pdf))
    assert file.file_number in text
    assert JUSTIFICATION in text
    public = browser.new_context(locale="en-US")
    try:
        assert public.cookies() == []  # a fresh context: not logged in
        anonymous = public.new_page()
        anonymous.goto(f"{base}/egentillverkning/")
        expect(anonymous.locator("main")).to_contain_text(file.file_number)
        expect(anonymous.locator("main")).to_contain_text(JUSTIFICATION)
        assert axe(anonymous) == [], describe(axe(anonymous))
    finally:
        public.close()
    assert csp_violations == []
