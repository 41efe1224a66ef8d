"""A device's history in words: each changed field by its label and its values as the device
page shows them (a unit by its name, a status by its label, a date as Swedish writes it)."""

import datetime
import re

import pytest
from django.urls import reverse

from medtek.devices import services

pytestmark = pytest.mark.django_db


def _cells(html: str) -> list[tuple[str, ...]]:
    """The (label, before, after) or (label, value set) rows of the history's change tables."""
    rows = re.findall(r'<tr data-testid="change">(.*?)</tr>', html, re.S)
    return [
        tuple(
            re.sub(r"<[^>]+>|→", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        )
        for row in rows
    ]


@pytest.fixture
def moved(org, mt, make_device):
    device = make_device(org.unit_a, "MT-10297", serial_number="SN-1")
    services.device_update(
        actor=mt,
        device=device,
        unit=org.unit_b,
        warranty_until=datetime.date(2027, 3, 31),
        reason="Flyttad till avdelning B",
    )
    return device


def test_it_shows_a_devices_history_in_words(client, org, moved):
    client.force_login(org.auditor)
    html = client.get(reverse("object_history", args=["devices.device", moved.pk])).content.decode()
    assert "Historik: Produkt MT-10297" in html
    assert "Produkt registrerad" in html and "Produkt ändrad" in html
    cells = _cells(html)
    # Creation shows the values set, by label.
    assert ("Inventarienummer", "MT-10297") in cells
    assert ("Ägande enhet", "Unit A") in cells
    assert ("Produktmodell", "Acme Medical Infusionspump P1") in cells
    assert ("Status", "I bruk") in cells
    # The change shows before → after, side by side.
    assert ("Ägande enhet", "Unit A", "Unit B") in cells
    assert ("Garanti till och med", "—", "2027-03-31") in cells
    for code in ("inventory_number", "unit", "devices.device", "device.update", "True", "{"):
        assert code not in " ".join(" ".join(c) for c in cells), code
    assert "Flyttad till avdelning B" in html


def test_an_outsider_sees_nothing_of_the_devices_history(client, org, make_device):
    device = make_device(org.unit_a, "MT-10298")
    client.force_login(org.outsider)
    for name in ("object_history", "object_history_pdf"):
        response = client.get(reverse(name, args=["devices.device", device.pk]))
        assert response.status_code == 404
        assert b"MT-10298" not in response.content
