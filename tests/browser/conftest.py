"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Playwright cannot download its own browser here, so the tests launch ``/usr/bin/chromium``
(``apt-get install chromium``). Without it they skip, and a skip fails in CI (root conftest).

The pages keep their real Content-Security-Policy in these tests: axe is evaluated through the
DevTools protocol (which CSP does not govern) rather than injected as a ``<script>`` (which
``script-src 'self'`` would rightly refuse), and every page load is checked for CSP violations.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page

# Playwright's sync API keeps an asyncio event loop running in the test thread, and Django then
# refuses ORM calls from that thread ("You cannot call this from an async context"). The test
# thread never shares a connection with async code, so the check is safe to lift here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parent.parent / "assets" / "axe.min.js"

#: The WCAG 2.1 A and AA rules (Swedish law requires AA of public-sector services).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
            "--disable-gpu",
            "--disable-dev-shm-usage",  # containers have a tiny /dev/shm
            "--disable-background-networking",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # An English-language browser, as many of the region's staff have: the interface must still
    # be Swedish until the person picks English (docs/decisions/0007-interface-language.md).
    return {**browser_context_args, "locale": "en-US", "timezone_id": "Europe/Stockholm"}


@pytest.fixture
def csp_violations(page: Page) -> Iterator[list[str]]:
    """Content-Security-Policy violations reported by Chromium while the test runs."""
    seen: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    page.on("console", on_console)
    yield seen
    page.remove_listener("console", on_console)


def axe(page: Page, *, selector: str | None = None) -> list[dict[str, Any]]:
    """Run axe-core on the page; return the serious and critical WCAG 2.1 A/AA violations.

    Each violation is axe's dict (``id``, ``impact``, ``help``, ``nodes``...). ``selector``
    limits the check to part of the page (the whole document by default).
    """
    page.wait_for_load_state("load")  # the page's own scripts have run (and met the CSP)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated as a script over the DevTools protocol, so the page's CSP does not apply.
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(
        """async ([tags, selector]) => {
            const options = {runOnly: {type: "tag", values: tags}};
            return (await window.axe.run(selector ?? document, options)).violations;
        }""",
        [WCAG_TAGS, selector],
    )
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    """A readable failure message: rule, impact, help and the offending elements."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v.get('helpUrl', '')}")
        for node in v.get("nodes", [])[:5]:
            lines.append(f"    {node.get('target')}: {node.get('failureSummary', '')}")
    return "\n".join(lines)
