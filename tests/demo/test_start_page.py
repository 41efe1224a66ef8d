"""The start page says what each person needs to do now, and every figure on it is the count of
the list it links to — for every person of the demo region."""

import re
from collections import Counter

import pytest
from django.test import Client
from django.utils import timezone

from medtek.devices.models import Device, DeviceStatus, RiskClass
from medtek.organisation.models import User
from tests.demo.test_demo import loaded  # noqa: F401  (the class-wide demo region)

pytestmark = pytest.mark.django_db

_ITEM = re.compile(
    r'data-testid="todo-(?P<key>[\w.]+)" data-count="(?P<count>\d+)">\s*<a href="(?P<url>[^"]+)"'
)
_FIGURE_LINK = re.compile(r'<a href="(?P<url>[^"]+)" data-figure-count="(?P<count>\d+)">')
_FIGURE_ROW = re.compile(
    r'data-testid="figure-row" data-count="(?P<count>\d+)"><th scope="row">'
    r"<a [^>]+>(?P<label>[^<]+)</a>"
)
_RESULT_COUNT = re.compile(r'data-testid="result-count">\s*(\d+)')


def items(client: Client) -> list[tuple[str, int, str]]:
    page = client.get("/").content.decode()
    return [
        (m["key"], int(m["count"]), m["url"].replace("&amp;", "&")) for m in _ITEM.finditer(page)
    ]


def figure_links(client: Client) -> list[tuple[str, int]]:
    page = client.get("/").content.decode()
    return [(m["url"].replace("&amp;", "&"), int(m["count"])) for m in _FIGURE_LINK.finditer(page)]


def chart(page: str, key: str) -> dict[str, int]:
    block = page.split(f'data-testid="figure-{key}"', 1)[1].split("</table>", 1)[0]
    return {m["label"]: int(m["count"]) for m in _FIGURE_ROW.finditer(block)}


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


#: Those who keep or review the whole register: the register's figures are theirs.
FIGURE_READERS = {"mt", "kvalitet", "revisor", "admin"}


class TestTheRegisterFigures:
    def test_every_figure_is_the_count_of_the_list_it_links_to(self, loaded: str) -> None:  # noqa: F811
        readers = set()
        for user in User.objects.filter(is_active=True).order_by("username"):
            client = Client()
            client.force_login(user)
            links = figure_links(client)
            if links:
                readers.add(user.username)
            for url, count in links:
                assert listed(client, url) == count, (user.username, url)
        assert readers == FIGURE_READERS

    def test_the_figures_are_the_register_counted_another_way(self, loaded: str) -> None:  # noqa: F811
        client = Client()
        client.force_login(User.objects.get(username="revisor"))
        page = client.get("/").content.decode()

        statuses = Counter(Device.objects.values_list("status", flat=True))
        assert chart(page, "devices.by_status") == {
            str(s.label): statuses[s.value] for s in DeviceStatus
        }
        classes = Counter(Device.objects.values_list("model__risk_class", flat=True))
        assert chart(page, "devices.by_risk_class") == {
            str(RiskClass(c).label): n for c, n in classes.items()
        }
        assert len(classes) > 1

        in_service = [d for d in Device.objects.all() if d.status != DeviceStatus.SCRAPPED]
        overdue = [d for d in in_service if d.next_due and d.next_due < timezone.localdate()]
        share = re.search(r'data-part="(\d+)" data-whole="(\d+)"', page)
        assert share and (int(share[1]), int(share[2])) == (len(overdue), len(in_service))
        assert overdue, "the demo region has overdue inspections"
        percent = f"{100 * len(overdue) / len(in_service):.1f}".replace(".", ",")
        assert f"{percent} %" in page
