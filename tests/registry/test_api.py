"""The diary's API: ``cases`` and ``documents``, written through the services."""

import pytest

from medtek.core import audit
from medtek.registry.models import Case, Document
from tests.registry.conftest import PDF

pytestmark = pytest.mark.django_db
DOCUMENTS = "/api/v1/documents/"
CASES = "/api/v1/cases/"


def _new(org, **extra):  # type: ignore[no-untyped-def]
    return {
        "unit": org.unit_a.pk,
        "direction": "incoming",
        "kind": "Svar",
        "date": "2026-11-30",
        "counterparty": "Läkemedelsverket",
        "description": "Svar om pumpen",
        **extra,
    }


def test_a_unit_user_submits_and_the_registrar_registers(api, org, registrar, case):
    response = api.as_(org.colleague).post(DOCUMENTS, _new(org), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["waiting"] is True and body["number"] == ""
    pk = body["id"]

    upload = api.as_(org.colleague).post(
        f"{DOCUMENTS}{pk}/files/", {"file": _file()}, format="multipart"
    )
    assert upload.status_code == 201, upload.json()
    assert upload.json()["content_type"] == "application/pdf"

    registered = api.as_(registrar).post(
        f"{DOCUMENTS}{pk}/register/", {"case": case.pk}, format="json"
    )
    assert registered.status_code == 200, registered.json()
    assert registered.json()["number"] == f"{case.number}-1"
    assert [f["name"] for f in registered.json()["files"]] == ["svar.pdf"]
    event = audit.history_for(Document.objects.get(pk=pk)).get(action="document.register")
    assert (event.actor, event.source) == (registrar, "api")


def _file():  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("svar.pdf", PDF, content_type="application/pdf")


def test_a_correction_through_the_api_is_a_new_version(api, registrar, registered):
    response = api.as_(registrar).post(
        f"{DOCUMENTS}{registered.pk}/correct/",
        {"reason": "Fel typ", "kind": "Kvittens"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["version"], response.json()["kind"]) == (2, "Kvittens")
    assert response.json()["number"] == registered.number
    listed = api.get(DOCUMENTS).json()["results"]
    assert [(d["number"], d["version"]) for d in listed] == [(registered.number, 2)]


def test_a_registered_document_is_not_patched(api, registrar, registered):
    response = api.as_(registrar).patch(
        f"{DOCUMENTS}{registered.pk}/", {"description": "Ändrad"}, format="json"
    )
    assert response.status_code == 400
    registered.refresh_from_db()
    assert registered.description == "Svar om infusionspumpen"


def test_cases_open_and_close_through_the_api(api, org, registrar, series):
    response = api.as_(registrar).post(
        CASES, {"series": "mft", "title": "Tillsyn", "unit": org.unit_a.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    closed = api.post(f"{CASES}{pk}/close/", {}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    refused = api.post(f"{CASES}{pk}/reopen/", {"reason": ""}, format="json")
    assert refused.status_code == 400
    reopened = api.post(f"{CASES}{pk}/reopen/", {"reason": "Nytt svar"}, format="json")
    assert reopened.json()["status"] == "open"


def test_writes_are_refused_before_the_body_is_read(api, org, series):
    for user in (org.auditor,):
        api.as_(user)
        assert api.post(CASES, {}, format="json").status_code == 403
        assert api.post(DOCUMENTS, {}, format="json").status_code == 403
    assert not Case.objects.exists() and not Document.objects.exists()


def test_an_invisible_case_answers_like_a_missing_one(api, org, registrar, submit, case):
    waiting = submit()
    invisible = api.as_(org.outsider).post(
        DOCUMENTS, _new(org, unit=org.unit_b.pk, case=case.pk), format="json"
    )
    missing = api.post(DOCUMENTS, _new(org, unit=org.unit_b.pk, case=999999), format="json")
    assert invisible.status_code == missing.status_code == 400
    assert invisible.json()["errors"]["case"] == [
        m.replace("999999", str(case.pk)) for m in missing.json()["errors"]["case"]
    ]
    assert api.get(f"{DOCUMENTS}{waiting.pk}/").status_code == 404
