"""A model's sensitive fields show in histories and audit exports only to the roles that need
them (the example entry's ``party`` stands in for a patient named in a deviation)."""

import csv
import io

import pytest
from django.urls import reverse

from medtek.core.access import HIDDEN
from medtek.organisation.roles import Role
from tests import factories
from tests.example import services

pytestmark = pytest.mark.django_db
SECRET = "Patient Åsa Öberg"


@pytest.fixture
def registrar(org):
    return factories.person("registrar", role=Role.REGISTRAR, unit=org.region)


@pytest.fixture
def entry(org, registrar):
    entry = services.entry_create(
        actor=registrar, number="E-1", title="Anmälan", party=SECRET, unit=org.unit_a
    )
    services.entry_update(actor=registrar, entry=entry, party=f"{SECRET} (ändrad)")
    return entry


def _history(client, user, entry):
    client.force_login(user)
    return client.get(reverse("object_history", args=["example.entry", entry.pk]))


def test_the_history_hides_sensitive_values_from_other_roles(client, org, entry):
    for reader in (org.auditor, org.owner, org.admin):
        html = _history(client, reader, entry).content.decode()
        assert SECRET not in html, reader
        assert HIDDEN in html
        assert "Anmälan" in html  # the rest of the record reads as usual


def test_the_history_shows_them_to_the_roles_that_need_them(client, entry, registrar):
    html = _history(client, registrar, entry).content.decode()
    assert SECRET in html and f"{SECRET} (ändrad)" in html


def test_the_audit_export_hides_them_too(client, org, entry):
    client.force_login(org.auditor)
    response = client.get(reverse("audit_log"), {"export": "csv", "object_type": "example.entry"})
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert len(rows) == 3  # header, create, update
    assert SECRET not in text
    assert HIDDEN in text


def test_the_history_extract_hides_them_too(client, org, entry, registrar, tmp_path):
    from tests.core.test_documents import text, write

    def extract(user):
        client.force_login(user)
        url = reverse("object_history_pdf", args=["example.entry", entry.pk])
        response = client.get(url)
        assert response.status_code == 200
        return " ".join(text(write(tmp_path, response.content)).split())

    assert SECRET not in extract(org.auditor)
    assert HIDDEN in extract(org.auditor)
    assert SECRET in extract(registrar)
