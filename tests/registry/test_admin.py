"""The admin shows the diary read-only: a registered document cannot be changed or deleted there."""

import pytest
from django.urls import reverse

from medtek.registry.models import Document

pytestmark = pytest.mark.django_db


def test_the_admin_changes_no_registered_document(client, org, registered):
    client.force_login(org.admin)
    change = reverse("admin:registry_document_change", args=[registered.pk])
    delete = reverse("admin:registry_document_delete", args=[registered.pk])

    assert client.get(change).status_code == 200  # readable
    assert client.post(change, {"description": "Ändrad i admin"}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    registered.refresh_from_db()
    assert registered.description == "Svar om infusionspumpen"
    html = client.get(change).content.decode()
    assert "Åsa Öberg" not in html  # what it keeps apart is not shown there either
    assert Document.objects.count() == 1
