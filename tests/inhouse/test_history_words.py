"""An in-house file's history in words: its fields by their labels, a kind by its label, a
condition met as yes or no, the manufacturing unit by its name, dates as Swedish writes them."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from medtek.inhouse import services
from medtek.inhouse.models import InhouseDevice

pytestmark = pytest.mark.django_db


def _sv(value) -> str:
    with translation.override("sv"):
        return str(capfirst(value))


def _label(name: str) -> str:
    return _sv(InhouseDevice._meta.get_field(name).verbose_name)


def _cells(html: str) -> list[tuple[str, ...]]:
    rows = re.findall(r'<tr data-testid="change">(.*?)</tr>', html, re.S)
    return [
        tuple(
            re.sub(r"<[^>]+>|→", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        )
        for row in rows
    ]


def test_it_shows_an_in_house_files_history_in_words(client, org, mt, mft, make_file, adapter):
    file = make_file(adapter)
    services.inhouse_device_update(
        actor=mt, inhouse_device=file, not_transferred=False, kind=InhouseDevice.Kind.MODIFIED
    )
    client.force_login(org.auditor)
    html = client.get(reverse("object_history", args=["inhouse.inhousedevice", file.pk]))
    html = html.content.decode()
    assert f"{_sv(InhouseDevice._meta.verbose_name)} {file.file_number}" in html
    cells = _cells(html)
    combined, modified = (
        _sv(k.label) for k in (InhouseDevice.Kind.COMBINED, InhouseDevice.Kind.MODIFIED)
    )
    assert (_label("kind"), combined) in cells  # creation: the value set
    assert (_label("manufacturer_unit"), "MFT") in cells
    assert (_label("kind"), combined, modified) in cells
    assert (_label("not_transferred"), "Ja", "Nej") in cells
    due = file.justification_review_due.strftime("%Y-%m-%d")
    assert (_label("justification_review_due"), due) in cells
    shown = " ".join(" ".join(c) for c in cells)
    for code in ("not_transferred", "combined", "True", "False", "{", str(mft.pk) + " "):
        assert code not in shown, code


def test_an_outsider_sees_nothing_of_the_files_history(client, org, make_file, adapter):
    file = make_file(adapter)
    client.force_login(org.private_staff)
    for name in ("object_history", "object_history_pdf"):
        response = client.get(reverse(name, args=["inhouse.inhousedevice", file.pk]))
        assert response.status_code == 404
        assert file.file_number.encode() not in response.content
