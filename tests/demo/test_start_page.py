"""The start page says what each person needs to do now, and every figure on it is the count of
the list it links to — for every person of the demo region."""

import re

import pytest
from django.test import Client

from medtek.organisation.models import User
from tests.demo.test_demo import loaded  # noqa: F401  (the class-wide demo region)

pytestmark = pytest.mark.django_db

_ITEM = re.compile(
    r'data-testid="todo-(?P<key>[\w.]+)" data-count="(?P<count>\d+)">\s*<a href="(?P<url>[^"]+)"'
)
_RESULT_COUNT = re.compile(r'data-testid="result-count">\s*(\d+)')


def items(client: Client) -> list[tuple[str, int, str]]:
    page = client.get("/").content.decode()
    return [
        (m["key"], int(m["count"]), m["url"].replace("&amp;", "&")) for m in _ITEM.finditer(page)
    ]


def listed(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    if 'data-testid="inbox-row"' in page or "inbox" in url:
        return page.count('data-testid="inbox-row"')
    match = _RESULT_COUNT.search(page)
    assert match, f"{url} shows no count"
    return int(match.group(1))


class TestTheStartPage:
    def test_every_figure_is_the_count_of_the_list_it_links_to(self, loaded: str) -> None:  # noqa: F811
        seen: set[str] = set()
        for user in User.objects.filter(is_active=True).order_by("username"):
            client = Client()
            client.force_login(user)
            for key, count, url in items(client):
                assert count > 0, (user.username, key)
                assert listed(client, url) == count, (user.username, key, url)
                seen.add(key)
        # The demo region has inspections and registrations waiting for someone (its one
        # in-house file is complete: tests/inhouse/test_todo.py covers an incomplete one).
        assert {
            "devices.overdue",
            "devices.due_30",
            "registry.inbox",
            "reports.overdue",
            "reports.drafts",
        } <= seen, seen

    def test_it_tells_an_mt_engineer_what_is_overdue(self, loaded: str) -> None:  # noqa: F811
        client = Client()
        client.force_login(User.objects.get(username="mt"))
        keys = [key for key, _count, _url in items(client)]
        assert keys[0] == "devices.overdue" or "inhouse.incomplete" in keys[:2]
        assert "Att göra nu" in client.get("/").content.decode()

    def test_an_auditor_has_nothing_to_do_and_is_told_so(self, loaded: str) -> None:  # noqa: F811
        client = Client()
        client.force_login(User.objects.get(username="revisor"))
        assert items(client) == []
        assert 'data-testid="todo-empty"' in client.get("/").content.decode()
