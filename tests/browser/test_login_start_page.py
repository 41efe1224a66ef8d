"""Logging in through the browser and the start page: names, roles, language, accessibility.

Each test loads the demo region (``medtek demo``) into the live server's database and drives the
log-in form as a person would. The demo users' names and roles come from ``medtek.demo.region``.
"""

import io
from typing import Any

import pytest
from django.contrib.auth.forms import AuthenticationForm
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import Page, expect

from medtek.demo.region import DEMO_PASSWORD, DEMO_USERS, DemoUser
from medtek.organisation.models import User
from medtek.organisation.roles import Role
from tests.browser.conftest import axe, describe

pytestmark = pytest.mark.browser

IVA = next(d for d in DEMO_USERS if d.username == "iva")  # unit staff, intensive care


@pytest.fixture
def demo(live_server: Any, settings: Any) -> str:
    """The demo region in the live server's database; returns the server's base URL.

    The demo (units, people, a few hundred devices) takes seconds to load, and every test with the
    live server starts from an empty database: hence few, longer tests here.
    """
    # The demo hashes eleven passwords; the production hasher would add seconds to every test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--allow-production", stdout=io.StringIO())
    return str(live_server.url)


def in_language(language: str, text: Any) -> str:
    with translation.override(language):
        return str(text)


def log_in(page: Page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/login/")
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()


def role_label(user: DemoUser, language: str = "sv") -> str:
    return in_language(language, Role(user.role).label)


def test_it_logs_in_a_demo_user_through_the_form(page: Page, demo: str) -> None:
    page.goto(f"{demo}/")
    expect(page).to_have_url(f"{demo}/login/?next=/")
    expect(page.get_by_test_id("roles")).to_have_count(0)

    page.locator("main input[name=username]").fill(IVA.username)
    page.locator("main input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(f"{demo}/")
    expect(page.get_by_test_id("current-user")).to_have_text(f"{IVA.first_name} {IVA.last_name}")
    roles = page.get_by_test_id("roles")
    expect(roles.get_by_role("listitem")).to_have_count(1)
    expect(roles).to_contain_text(role_label(IVA))
    expect(roles).to_contain_text("Intensivvårdsavdelningen")


def test_it_refuses_a_wrong_password(page: Page, demo: str) -> None:
    log_in(page, demo, IVA.username, password="not-the-password")

    expect(page).to_have_url(f"{demo}/login/")
    username_label = User._meta.get_field("username").verbose_name
    message = in_language("sv", AuthenticationForm.error_messages["invalid_login"]) % {
        "username": in_language("sv", username_label)
    }
    expect(page.get_by_role("alert")).to_have_text(message)
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    # The form keeps the user name, not the password.
    expect(page.locator("main input[name=username]")).to_have_value(IVA.username)
    expect(page.locator("main input[name=password]")).to_have_value("")


def test_it_switches_the_interface_to_english_and_back(page: Page, demo: str) -> None:
    page.goto(f"{demo}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_label("Användarnamn")).to_be_visible()

    page.get_by_role("button", name="English").click()

    expect(page).to_have_url(f"{demo}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to medtek")

    # The choice outlives the log-in.
    page.locator("main input[name=username]").fill(IVA.username)
    page.locator("main input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Your roles")).to_be_visible()
    expect(page.get_by_test_id("roles")).to_contain_text(role_label(IVA, "en"))

    page.get_by_role("button", name="Svenska").click()
    expect(page).to_have_url(f"{demo}/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("button", name="English")).to_be_visible()


def test_the_login_page_passes_axe(page: Page, demo: str, csp_violations: list[str]) -> None:
    page.goto(f"{demo}/login/")
    violations = axe(page)
    assert not violations, "Swedish log-in page:\n" + describe(violations)

    log_in(page, demo, IVA.username, password="wrong")
    expect(page.get_by_role("alert")).to_be_visible()
    violations = axe(page)
    assert not violations, "log-in page with an error:\n" + describe(violations)

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    violations = axe(page)
    assert not violations, "English log-in page:\n" + describe(violations)

    assert csp_violations == []


START_PAGE_USERS = ["iva", "revisor", "admin", "vc-ekbacken"]


def test_the_start_page_passes_axe(page: Page, demo: str, csp_violations: list[str]) -> None:
    for username in START_PAGE_USERS:
        user = next(d for d in DEMO_USERS if d.username == username)
        log_in(page, demo, username)
        expect(page.get_by_test_id("current-user")).to_have_text(
            f"{user.first_name} {user.last_name}"
        )
        expect(page.get_by_test_id("roles")).to_contain_text(role_label(user))

        violations = axe(page)
        assert not violations, f"start page of {username}:\n" + describe(violations)

        page.locator("header form[action$='/logout/'] button").click()
        expect(page).to_have_url(f"{demo}/login/")

    assert csp_violations == []
