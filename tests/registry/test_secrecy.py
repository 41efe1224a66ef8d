"""What a document keeps apart never reaches those who may not read it: not the public diary,
not the diary's export, not the API — asserted on the bytes they get."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from medtek.registry import services
from tests.registry.conftest import PATIENT

pytestmark = pytest.mark.django_db
SECRET_BITS = ("Åsa Öberg", "19121212", "dubbel dos")


@pytest.fixture
def marked(submit, registrar, case, provision):
    """A document marked under secrecy (OSL 25:1) that names the patient where it may."""
    document = submit(
        counterparty="Patientnämnden",
        counterparty_restricted=PATIENT,
        description="Skrivelse om en patients vård",
        details=f"{PATIENT} fick dubbel dos.",
    )
    return services.document_register(
        actor=registrar,
        document=document,
        case=case,
        secrecy_provision=provision,
        secrecy_marked_on=datetime.date(2026, 12, 1),
    )


@pytest.fixture
def open_document(submit, registrar, case):
    return services.document_register(
        actor=registrar, document=submit(description="Kvittens från Läkemedelsverket"), case=case
    )


def _no_secrets(content: bytes) -> None:
    text = content.decode("utf-8", errors="replace")
    for bit in SECRET_BITS:
        assert bit not in text, bit


def test_the_public_diary_shows_a_marked_document_only_as_existing(marked, open_document):
    response = Client().get(reverse("public_diary"))

    assert response.status_code == 200
    html = response.content.decode()
    assert marked.number in html and "Omfattas av sekretess" in html
    assert "Skrivelse om en patients vård" not in html and "Patientnämnden" not in html
    assert "Kvittens från Läkemedelsverket" in html  # an unmarked one shows its public facts
    _no_secrets(response.content)


def test_the_public_diary_cannot_be_searched_for_what_a_marking_hides(marked):
    for text in ("Patientnämnden", "patients vård", "Åsa"):
        response = Client().get(reverse("public_diary"), {"q": text})
        assert marked.number not in response.content.decode(), text


def test_the_public_diary_shows_no_waiting_document(submit):
    waiting = submit(description="Ännu inte registrerad")
    html = Client().get(reverse("public_diary")).content.decode()
    assert "Ännu inte registrerad" not in html
    assert waiting.pk  # it exists, in the inbox


@pytest.mark.parametrize("persona", ["owner", "colleague", "auditor", "admin"])
def test_pages_and_exports_keep_it_from_other_roles(client, org, marked, persona):
    client.force_login(getattr(org, persona))
    detail = client.get(reverse("registry:document_detail", args=[marked.pk]))
    case = client.get(reverse("registry:case_detail", args=[marked.case_id]))
    exports = [
        client.get(reverse("registry:document_list"), {"export": fmt}) for fmt in ("csv", "xlsx")
    ]
    assert detail.status_code == case.status_code == 200
    for response in (detail, case):
        _no_secrets(response.content)
    for response in exports:
        content = b"".join(response.streaming_content)
        assert marked.number.encode() in content or response["Content-Type"].endswith("sheet")
        _no_secrets(content)


def test_the_api_keeps_it_from_other_roles(api, org, marked):
    api.as_(org.owner)
    for url in (f"/api/v1/documents/{marked.pk}/", "/api/v1/documents/", "/api/v1/cases/"):
        response = api.get(url)
        assert response.status_code == 200
        _no_secrets(response.content)
        assert b"details" not in response.content


@pytest.mark.parametrize("who", ["registrar", "pso"])
def test_the_roles_that_need_it_read_it(client, api, request, marked, who):
    person = request.getfixturevalue(who)
    client.force_login(person)
    html = client.get(reverse("registry:document_detail", args=[marked.pk])).content.decode()
    assert PATIENT in html and "dubbel dos" in html
    data = api.as_(person).get(f"/api/v1/documents/{marked.pk}/").json()
    assert data["counterparty_restricted"] == PATIENT


def test_the_case_officer_reads_it_in_their_case(client, org, marked, registrar):
    services.case_update(actor=registrar, case=marked.case, officer=org.owner)
    client.force_login(org.owner)
    html = client.get(reverse("registry:document_detail", args=[marked.pk])).content.decode()
    assert PATIENT in html


def test_a_marked_documents_files_go_only_to_those_who_may_read_it(
    client, org, submit, registrar, case, provision
):
    from tests.registry.conftest import PDF

    document = services.document_register(
        actor=registrar,
        document=submit(files=[("journal.pdf", PDF)]),
        case=case,
        secrecy_provision=provision,
        secrecy_marked_on=datetime.date(2026, 12, 1),
    )
    link = document.files.get()
    url = reverse("registry:document_file", args=[document.pk, link.pk])
    client.force_login(org.owner)
    assert client.get(url).status_code == 403
    client.force_login(registrar)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
