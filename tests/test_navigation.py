"""The main menu marks the one place a page belongs to, and shows administrators the admin
site."""

import re

import pytest

pytestmark = pytest.mark.django_db


def current(client, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    page = client.get(path).content.decode()
    return re.findall(r'class="nav-link active" href="([^"]+)" aria-current="page"', page)


@pytest.mark.parametrize(
    ("path", "entry"),
    [
        ("/", "/"),
        ("/organisation/units/", "/organisation/units/"),
        ("/organisation/people/", "/organisation/people/"),
        ("/devices/models/", "/devices/"),
        ("/registry/inbox/", "/registry/"),
    ],
)
def test_one_entry_is_current(client, org, path, entry) -> None:
    client.force_login(org.admin)
    assert current(client, path) == [entry]


def test_administrators_find_the_admin_site_in_the_menu(client, org) -> None:
    client.force_login(org.admin)
    assert 'href="/admin/"' in client.get("/").content.decode()
    client.force_login(org.auditor)
    assert 'href="/admin/"' not in client.get("/").content.decode()


def test_an_administrator_of_a_unit_below_the_region_gets_no_admin_link(client, org) -> None:
    from tests import factories

    local = factories.person("local_admin", role="administrator", unit=org.unit_a)
    client.force_login(local)
    assert 'href="/admin/"' not in client.get("/").content.decode()
    assert client.get("/admin/").status_code == 302  # the admin's own rule agrees
