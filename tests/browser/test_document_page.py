"""A generated document as an HTML page in a real browser: the site's Content-Security-Policy
lets its stylesheet and font load, and the page passes axe (WCAG 2.1 AA)."""

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import path
from playwright.sync_api import Page, expect

from medtek.core.documents import html_response
from tests.browser.conftest import axe, describe
from tests.core.test_documents import NUMBER, TITLE, letter

pytestmark = [pytest.mark.browser, pytest.mark.urls(__name__)]


def letter_page(request: HttpRequest) -> HttpResponse:
    return html_response(request, letter(rows=12))


urlpatterns = [path("letter/", letter_page)]


def test_the_document_page_loads_its_look_under_the_csp_and_passes_axe(
    page: Page, live_server: Any, csp_violations: list[str]
) -> None:
    page.goto(f"{live_server.url}/letter/")

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("banner")).to_contain_text(NUMBER)
    expect(page.get_by_role("table")).to_contain_text("INV-00012")
    loaded = page.evaluate(
        """async () => {
            await document.fonts.ready;
            return [...document.fonts]
                .filter((face) => face.status === "loaded")
                .map((face) => `${face.family.replaceAll('"', "")} ${face.weight}`);
        }"""
    )
    assert "medtek DejaVu Sans normal" in loaded  # the shipped font, not the machine's
    assert "medtek DejaVu Sans bold" in loaded
    # The stylesheet applied: the foot of the PDF pages is hidden on screen.
    expect(page.locator(".document-footer")).to_be_hidden()
    assert csp_violations == []
    violations = axe(page)
    assert violations == [], describe(violations)
