"""An MT engineer opens the in-house file of a device the MT department combines (MDR art. 5(5)):
from the device, to its model, to the form (a mistake first, then put right), to the file with
its conditions, and back from the device to the file. Every page passes axe (WCAG 2.1 AA).

The interface is Swedish, so the test finds things by test id, input name and link target.
"""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from medtek.devices import services as device_services
from medtek.devices.models import DeviceModel
from medtek.inhouse.models import InhouseDevice
from medtek.organisation.models import Unit
from medtek.organisation.roles import Role
from tests import factories
from tests.browser.conftest import axe, describe
from tests.browser.test_import_flow import log_in
from tests.devices.conftest import ACCEPTED

pytestmark = pytest.mark.browser


@pytest.fixture
def setting(live_server: Any, settings: Any) -> dict[str, Any]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org = factories.make_org()
    mft = factories.unit(
        name="MFT", parent=org.hsf, provider=org.region_provider, kind=Unit.Kind.DEPARTMENT
    )
    mt = factories.person("mt", role=Role.MT_ENGINEER, unit=org.hsf)
    model = device_services.device_model_create(
        actor=mt,
        manufacturer="Region Test MFT",
        trade_name="Trycksensoradapter",
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
    return {"mft": mft, "model": model, "device": device}


def assert_accessible(page: Page) -> None:
    violations = axe(page)
    assert violations == [], describe(violations)


def test_it_opens_an_in_house_file_from_the_device(
    page: Page, live_server: Any, setting: dict[str, Any], csp_violations: list[str]
) -> None:
    base = live_server.url
    model, device = setting["model"], setting["device"]
    log_in(page, base, "mt")

    page.goto(f"{base}/devices/{device.pk}/")
    expect(page.get_by_test_id("inhouse-file")).to_contain_text("Ingen upprättad ännu")
    page.locator(f"main a[href='/devices/models/{model.pk}/']").first.click()
    expect(page.get_by_test_id("inhouse-file")).to_contain_text("Ingen upprättad ännu")
    page.locator(f"main a[href='/inhouse/new/?device_model={model.pk}']").click()
    assert_accessible(page)

    form = page.locator("main form")
    expect(form.locator("select[name=device_model]")).to_have_value(str(model.pk))
    form.locator("select[name=kind]").select_option("modified")
    form.locator("textarea[name=intended_purpose]").fill("Invasiv blodtrycksmätning på IVA")
    form.locator("select[name=manufacturer_unit]").select_option(str(setting["mft"].pk))
    form.locator("input[name=not_transferred]").check()
    form.locator("textarea[name=qms_reference]").fill("Rutin MFT-R-012")
    form.locator("textarea[name=justification]").fill("Ingen CE-märkt adapter finns")
    form.locator("textarea[name=market_search]").fill("Eudamed och tre leverantörer")
    form.locator("input[name=market_searched_on]").fill("2026-06-01")
    form.locator("input[name=justification_review_due]").fill("2099-06-01")
    form.locator("button[type=submit]").click()

    # A modified device must name what it modifies: the error shows at its field, and nothing
    # typed is lost.
    expect(page.locator("main form textarea[name=based_on]")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.locator("main form textarea[name=intended_purpose]")).to_have_value(
        "Invasiv blodtrycksmätning på IVA"
    )
    assert not InhouseDevice.objects.exists()
    assert_accessible(page)
    page.locator("main form textarea[name=based_on]").fill("CE-märkt trycksensor")
    page.locator("main form button[type=submit]").click()

    file = InhouseDevice.objects.get()
    expect(page).to_have_url(f"{base}/inhouse/{file.pk}/")
    expect(page.locator("main h1")).to_contain_text(file.file_number)
    for point in "abc":
        expect(page.get_by_test_id(f"condition-{point}")).to_contain_text("uppfyllt")
    expect(page.get_by_test_id("unit-row")).to_contain_text("Unit A")
    assert_accessible(page)

    page.goto(f"{base}/inhouse/")
    expect(page.get_by_test_id("file-row")).to_contain_text(file.file_number)
    assert_accessible(page)

    page.goto(f"{base}/devices/{device.pk}/")
    page.get_by_test_id("inhouse-file").get_by_role("link", name=file.file_number).click()
    expect(page).to_have_url(f"{base}/inhouse/{file.pk}/")
    assert csp_violations == []
