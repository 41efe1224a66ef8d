"""Every page a person of the demo region reaches from the menu, and one page of each kind of
record, at phone width (390 px) and at desktop width (1366 px): no serious or critical WCAG 2.1
A/AA violation (axe), no Content-Security-Policy violation, and at 390 px no sideways scroll
(wide tables scroll within themselves).

The demo region loads once; the person logs in once and both widths reuse the session.
"""

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Browser, ConsoleMessage

from medtek.demo.region import DEMO_PASSWORD
from medtek.devices.models import Device, DeviceModel
from medtek.inhouse.models import InhouseDevice
from medtek.organisation.models import CareProvider, Unit, User
from medtek.registry.models import Case, Document
from medtek.reports.models import Report
from tests.browser.conftest import axe, describe

pytestmark = pytest.mark.browser

#: The auditor reads everything (and the audit log); the MT engineer also sees the forms.
PEOPLE = ["revisor", "mt"]
WIDTHS = [390, 1366]

#: Pages one step below the menu: the other lists of a section.
SECTION_PAGES = [
    "devices:device_model_list",
    "registry:case_list",
    "organisation:care_provider_list",
    "imports:session_list",
    "imports:profile_list",
]
#: Forms the MT engineer opens from the lists.
FORMS = ["devices:device_create", "inhouse:file_create", "registry:document_submit"]


def detail_pages() -> list[str]:
    """One page of each kind of record."""
    first = {
        "devices:device_detail": Device.objects.order_by("pk").first(),
        "devices:device_model_detail": DeviceModel.objects.order_by("pk").first(),
        "inhouse:file_detail": InhouseDevice.objects.order_by("pk").first(),
        "registry:document_detail": Document.objects.order_by("pk").first(),
        "registry:case_detail": Case.objects.order_by("pk").first(),
        "reports:report_detail": Report.objects.order_by("pk").first(),
        "organisation:unit_detail": Unit.objects.order_by("pk").first(),
        "organisation:care_provider_detail": CareProvider.objects.order_by("pk").first(),
        "organisation:person_detail": User.objects.get(username="mt"),
    }
    missing = [name for name, record in first.items() if record is None]
    assert not missing, f"the demo region has no record for {missing}"
    return [reverse(name, args=[record.pk]) for name, record in first.items() if record]


def test_every_page_is_accessible_and_fits_a_phone(
    browser: Browser, live_server: Any, settings: Any, browser_context_args: dict[str, Any]
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--allow-production", stdout=io.StringIO())
    base = str(live_server.url)
    details = detail_pages()
    problems: list[str] = []
    visited = 0

    for username in PEOPLE:
        session = browser.new_context(**browser_context_args)
        login = session.new_page()
        login.goto(f"{base}/login/")
        login.locator("main input[name=username]").fill(username)
        login.locator("main input[name=password]").fill(DEMO_PASSWORD)
        login.locator("main form button[type=submit]").click()
        login.wait_for_url(f"{base}/")
        menu = login.eval_on_selector_all(
            "#mainnav a.nav-link", "links => links.map(a => a.getAttribute('href'))"
        )
        state = session.storage_state()
        session.close()
        paths = [p for p in menu if not p.startswith("/admin/")]
        paths += [reverse(name) for name in SECTION_PAGES] + details
        if username == "mt":
            paths += [reverse(name) for name in FORMS]

        for width in WIDTHS:
            context = browser.new_context(
                **browser_context_args,
                storage_state=state,
                viewport={"width": width, "height": 800},
            )
            page = context.new_page()
            csp: list[str] = []

            def on_console(message: ConsoleMessage, seen: list[str] = csp) -> None:
                if "Content Security Policy" in message.text:
                    seen.append(message.text)

            page.on("console", on_console)
            for path in paths:
                where = f"{username} {path} at {width} px"
                response = page.goto(base + path)
                visited += 1
                if response is None or response.status != 200:
                    problems.append(f"{where}: answered {response and response.status}")
                    continue
                if path.startswith("/api/"):
                    page.wait_for_selector(".swagger-ui .info")
                violations = axe(page)
                if violations:
                    problems.append(f"{where}:\n{describe(violations)}")
                if width == 390:
                    scroll, client = page.evaluate(
                        "() => [document.documentElement.scrollWidth,"
                        " document.documentElement.clientWidth]"
                    )
                    if scroll > client:
                        wide = page.evaluate(
                            """() => [...document.querySelectorAll('body *')]
                                .filter(e => e.getBoundingClientRect().right
                                             > document.documentElement.clientWidth + 1)
                                .filter(e => !e.closest('.table-responsive'))
                                .slice(0, 3)
                                .map(e => e.tagName + '.' + [...e.classList].join('.'))"""
                        )
                        problems.append(f"{where}: {scroll - client} px sideways scroll ({wide})")
                if csp:
                    problems.append(f"{where}: CSP violations {csp}")
                    csp.clear()
            context.close()

    assert visited >= 2 * 2 * 20
    assert not problems, "\n".join(problems)
