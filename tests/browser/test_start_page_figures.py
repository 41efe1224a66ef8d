"""The start page with the register's figures, in a real browser: the chart is drawn (SVG, no
script), its table is there, the page passes axe at phone and desktop width and does not scroll
sideways on a phone."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe, describe
from tests.browser.test_login_start_page import demo, log_in  # noqa: F401  (the demo fixture)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def scrolls_sideways(page: Page) -> bool:
    return bool(
        page.evaluate(
            "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
    )


@pytest.mark.parametrize("username", ["revisor", "kvalitet"])
def test_the_start_page_with_the_chart_passes_axe_at_phone_and_desktop_width(
    page: Page,
    demo: str,  # noqa: F811
    csp_violations: list[str],
    username: str,
) -> None:
    log_in(page, demo, username)
    figures = page.get_by_test_id("figures")
    expect(figures.get_by_role("heading", name="Registret i siffror")).to_be_visible()
    charts = figures.get_by_role("img")
    expect(charts).to_have_count(2)
    expect(charts.first).to_have_accessible_name("Produkter per status")
    expect(figures.get_by_role("table")).to_have_count(2)
    share = figures.get_by_role("link", name="Andel produkter med försenad kontroll")
    expect(share).to_be_visible()
    # The bars have a size (drawn), and the CSS file, not an inline style, colours them.
    bar = figures.locator("rect.chart-bar").first
    assert bar.bounding_box()["width"] > 0  # type: ignore[index]
    assert bar.evaluate("e => getComputedStyle(e).fill") == "rgb(11, 61, 110)"

    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        violations = axe(page)
        assert not violations, f"start page of {username} at {size['width']} px:\n" + describe(
            violations
        )
    assert not scrolls_sideways(page), "the start page scrolls sideways at 390 px"
    assert csp_violations == []
