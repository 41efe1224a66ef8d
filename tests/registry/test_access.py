"""Who sees which cases and documents: every persona, through the pages and the API alike."""

import pytest
from django.urls import reverse

from medtek.core.actors import SYSTEM
from medtek.organisation.roles import Role
from medtek.registry import access, services
from tests import factories

pytestmark = pytest.mark.django_db

#: Which persona sees the case in unit A and the one at the private primary care centre.
SEES = {
    "owner": {"a"},
    "colleague": {"a"},
    "outsider": set(),
    "auditor": {"a", "pcc"},
    "admin": {"a", "pcc"},
    "private_staff": {"pcc"},
}


@pytest.fixture
def cases(org, registrar, series, case):
    pcc = services.case_open(
        actor=SYSTEM,
        series="mft",
        title="Kopia av anmälan från vårdcentralen",
        unit=org.private_pcc,
    )
    return {"a": case, "pcc": pcc}


@pytest.mark.parametrize("persona", sorted(SEES))
def test_each_persona_sees_the_cases_it_should(client, api, org, cases, persona):
    user = getattr(org, persona)
    expected = {cases[k].number for k in SEES[persona]}
    assert set(access.cases_visible_to(user).values_list("number", flat=True)) == expected
    client.force_login(user)
    page = client.get(reverse("registry:case_list")).content.decode()
    for key, case in cases.items():
        assert (case.number in page) is (key in SEES[persona])
        status = client.get(reverse("registry:case_detail", args=[case.pk])).status_code
        assert status == (200 if key in SEES[persona] else 404)
    listed = {c["number"] for c in api.as_(user).get("/api/v1/cases/").json()["results"]}
    assert listed == expected


def test_the_auditor_reads_everything_and_writes_nothing(client, api, org, cases, submit):
    client.force_login(org.auditor)
    waiting = submit()
    assert client.get(reverse("registry:document_detail", args=[waiting.pk])).status_code == 200
    for url in (
        reverse("registry:document_register", args=[waiting.pk]),
        reverse("registry:case_edit", args=[cases["a"].pk]),
        reverse("registry:case_status", args=[cases["a"].pk]),
        reverse("registry:document_submit"),
        reverse("registry:case_create"),
    ):
        assert client.post(url, {}).status_code == 403, url
    inbox = client.get(reverse("registry:inbox"))
    assert inbox.status_code == 200 and waiting.description in inbox.content.decode()
    assert "/register/" not in inbox.content.decode()  # reads it, registers nothing
    assert client.post(reverse("registry:inbox")).status_code == 405
    api.as_(org.auditor)
    assert api.post("/api/v1/documents/", {}, format="json").status_code == 403
    assert api.post(f"/api/v1/documents/{waiting.pk}/register/", {}).status_code == 403
    assert api.post("/api/v1/cases/", {}, format="json").status_code == 403


def test_a_submitter_sees_what_they_submitted(org, submit):
    document = submit(actor=org.colleague)
    assert access.documents_visible_to(org.colleague).filter(pk=document.pk).exists()
    assert not access.documents_visible_to(org.outsider).filter(pk=document.pk).exists()


def test_a_case_officer_elsewhere_sees_their_case(org, registrar, case):
    officer = factories.person("handlaggare", role=Role.UNIT_STAFF, unit=org.unit_b)
    assert not access.cases_visible_to(officer).filter(pk=case.pk).exists()
    services.case_update(actor=registrar, case=case, officer=officer)
    assert access.cases_visible_to(officer).filter(pk=case.pk).exists()


def test_anonymous_visitors_get_nothing_but_the_public_diary(client, cases):
    for url in (
        reverse("registry:document_list"),
        reverse("registry:case_list"),
        reverse("registry:case_detail", args=[cases["a"].pk]),
        reverse("registry:inbox"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(reverse("public_diary")).status_code == 200
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/cases/").status_code == 401
