"""Every link on the audit log and on the history pages of the demo region leads somewhere the
reader may go: walked as the auditor (who reads the whole log) and as the quality lead (who
reads the histories of the records they see, but not the log)."""

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from medtek.core.models import AuditEvent
from medtek.core.presentation import kinds
from medtek.organisation.models import User
from tests.demo.test_demo import loaded  # noqa: F401  (the class-wide demo region)

pytestmark = pytest.mark.django_db

AUDIT_LOG = reverse("audit_log")
#: Histories walked per kind of record: their links are alike within a kind.
PER_KIND = 2


class _Links(HTMLParser):
    """The links of a page's main content (the navigation is walked by tests/test_navigation)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.depth += 1
        elif tag == "a" and self.depth:
            href = dict(attrs).get("href")
            if href and not href.startswith(("#", "mailto:")):
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.depth -= 1


def links(page_url: str, html: str) -> Iterator[str]:
    parser = _Links()
    parser.feed(html)
    for href in parser.links:
        url = urljoin(page_url, href)
        if not urlsplit(url).netloc:
            yield url


def _walk(client: Client, start: list[str]) -> tuple[set[str], list[str]]:
    """Visit the ``start`` pages and every link on them (one level): (visited, problems)."""
    problems: list[str] = []
    seen: set[str] = set()
    for page in start:
        response = client.get(page)
        if response.status_code != 200:
            problems.append(f"{page} answers {response.status_code}")
            continue
        seen.add(page)
        for url in links(page, response.content.decode()):
            if url in seen:
                continue
            seen.add(url)
            answer = client.get(url)
            if answer.status_code >= 400:
                problems.append(f"{url} (linked from {page}) answers {answer.status_code}")
    return seen, problems


def _histories(per_kind: int = PER_KIND) -> list[str]:
    """The history pages of a few records of every kind in the trail."""
    pages: list[str] = []
    for label, _kind in kinds():
        ids = (
            AuditEvent.objects.filter(object_type=label)
            .order_by("object_id")
            .values_list("object_id", flat=True)
            .distinct()[:per_kind]
        )
        pages.extend(reverse("object_history", args=[label, pk]) for pk in ids)
    return pages


class TestEveryLinkLeadsSomewhere:
    def test_the_auditor_follows_every_link_of_the_log_and_the_histories(self, loaded: str) -> None:  # noqa: F811
        client = Client()
        client.force_login(User.objects.get(username="revisor"))
        by_kind = [f"{AUDIT_LOG}?object_type={label}" for label, _kind in kinds()]
        start = [AUDIT_LOG, *by_kind, *_histories()]
        seen, problems = _walk(client, start)
        assert not problems, "\n".join(problems)
        # The walk reached the histories of records without a page of their own, too.
        assert any("/history/core.numberseries/" in url for url in seen)
        assert any(url.endswith("/pdf/") for url in seen)

    def test_the_quality_lead_follows_the_links_of_histories(self, loaded: str) -> None:  # noqa: F811
        client = Client()
        client.force_login(User.objects.get(username="kvalitet"))
        assert client.get(AUDIT_LOG).status_code == 403
        visible = [url for url in _histories() if client.get(url).status_code == 200]
        assert any("/history/devices.device/" in url for url in visible)
        _seen, problems = _walk(client, visible)
        assert not problems, "\n".join(problems)
        # No link offers the quality lead the log they may not read.
        for url in visible:
            assert not re.search(r'href="/audit/', client.get(url).content.decode()), url
