"""The register on the start page: the inspections waiting in a person's own units, and the
register's figures for those who see the whole register — never a count of someone else's units."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from medtek.devices import services
from medtek.devices.models import DeviceStatus
from medtek.organisation.roles import Role
from tests import factories

from .conftest import ACCEPTED

pytestmark = pytest.mark.django_db

_TODO = re.compile(r'data-testid="todo-(?P<key>[\w.]+)" data-count="(?P<count>\d+)"')
_SHARE = re.compile(
    r'data-testid="figure-devices.overdue_share" data-part="(?P<part>\d+)" '
    r'data-whole="(?P<whole>\d+)"'
)


def start_page(user) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def todo_counts(page: str) -> dict[str, int]:
    return {m["key"]: int(m["count"]) for m in _TODO.finditer(page)}


def chart_rows(page: str, key: str) -> dict[str, int]:
    """A chart's table as the reader sees it: label → count."""
    block = page.split(f'data-testid="figure-{key}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'data-testid="figure-row" data-count="(\d+)"><th scope="row"><a [^>]+>([^<]+)</a>',
        block,
    )
    return {label: int(count) for count, label in rows}


@pytest.fixture
def overdue_everywhere(org, devices, make_plan):  # type: ignore[no-untyped-def]
    """Every unit's device has an overdue inspection; unit B has one more, due within 30 days,
    and the private centre a scrapped one."""
    for device in devices.values():
        make_plan(device, next_due=ACCEPTED)
    soon = timezone.localdate() + datetime.timedelta(days=10)
    return devices, soon


def test_a_head_of_unit_sees_only_the_inspections_of_their_units(
    org, overdue_everywhere, make_device, make_plan
) -> None:
    _devices, soon = overdue_everywhere
    make_plan(make_device(org.unit_b, "B-2"), next_due=soon)
    head_b = factories.person("head_b", role=Role.HEAD_OF_UNIT, unit=org.unit_b)

    # Unit A and its sub-unit: two overdue; nothing of unit B's two.
    assert todo_counts(start_page(org.owner)) == {"devices.overdue": 2, "devices.due_30": 2}
    assert todo_counts(start_page(head_b)) == {"devices.overdue": 1, "devices.due_30": 2}


def test_a_person_without_units_or_responsibility_sees_no_counts(org, overdue_everywhere) -> None:
    nobody = factories.person("nobody")
    for user in (nobody, org.outsider, org.colleague, org.private_staff):
        page = start_page(user)
        assert todo_counts(page) == {}, user.username
        assert 'data-testid="figures"' not in page, user.username
    assert 'data-testid="todo-empty"' in start_page(nobody)


def test_a_head_of_unit_gets_no_figures_of_the_whole_register(org, overdue_everywhere) -> None:
    assert 'data-testid="figures"' not in start_page(org.owner)


def test_a_quality_lead_of_one_unit_sees_the_figures_of_that_unit_only(
    org, overdue_everywhere
) -> None:
    lead_b = factories.person("lead_b", role=Role.QUALITY_LEAD, unit=org.unit_b)
    page = start_page(lead_b)
    assert chart_rows(page, "devices.by_status") == {
        "I bruk": 1,
        "Avställd": 0,
        "Under reparation": 0,
        "Kasserad": 0,
    }
    share = _SHARE.search(page)
    assert share and (int(share["part"]), int(share["whole"])) == (1, 1)


def test_the_auditor_sees_the_register_by_status_and_risk_class(
    org, overdue_everywhere, make_device, implant, mt
) -> None:
    devices, _soon = overdue_everywhere
    make_device(
        org.unit_a, "IMP-1", model=implant, udi_carrier="+A123BJC5D6E71G/$$3S9", udi_serial="S9"
    )
    services.device_change_status(
        actor=mt, device=devices["private_pcc"], status=DeviceStatus.SCRAPPED, reason="Trasig"
    )

    page = start_page(org.auditor)
    assert chart_rows(page, "devices.by_status") == {
        "I bruk": 4,
        "Avställd": 0,
        "Under reparation": 0,
        "Kasserad": 1,
    }
    assert chart_rows(page, "devices.by_risk_class") == {"IIb": 4, "III": 1}
    # Overdue: the three devices in service with a plan; the scrapped one no longer counts.
    share = _SHARE.search(page)
    assert share and (int(share["part"]), int(share["whole"])) == (3, 4)
    assert "75,0 %" in page
    assert 'role="img"' in page and "<title" in page
    assert " style=" not in page  # the CSP forbids inline styles


def test_the_register_figures_are_the_lists_they_link_to(client, org, overdue_everywhere) -> None:
    client.force_login(org.admin)
    page = client.get("/").content.decode()
    links = re.findall(r'<a href="([^"]+)" data-figure-count="(\d+)">', page)
    assert len(links) == 6  # four statuses, one risk class, the overdue share
    for url, count in links:
        listed = client.get(url.replace("&amp;", "&")).content.decode()
        shown = re.search(r'data-testid="result-count">\s*(\d+)', listed)
        assert shown and int(shown.group(1)) == int(count), url


def test_an_empty_register_shows_zeros_not_an_error(org) -> None:
    page = start_page(org.auditor)
    assert chart_rows(page, "devices.by_status") == {
        "I bruk": 0,
        "Avställd": 0,
        "Under reparation": 0,
        "Kasserad": 0,
    }
    assert chart_rows(page, "devices.by_risk_class") == {}
    assert "Inget att räkna än." in page  # no risk class has a device
    share = _SHARE.search(page)
    assert share and (int(share["part"]), int(share["whole"])) == (0, 0)
    assert "0,0 %" in page


def test_the_figures_speak_english_on_request(client, org, overdue_everywhere) -> None:
    client.force_login(org.auditor)
    client.cookies["django_language"] = "en"
    page = client.get("/").content.decode()
    assert "The register in figures" in page
    assert "4 of 4 devices not scrapped" in page
    assert "100.0 %" in page
