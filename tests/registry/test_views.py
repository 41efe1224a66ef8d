"""The diary's pages: submit, register, correct, draw up, open and close a case, search the diary
— each through the services, with errors on the form and nothing lost."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from medtek.registry.models import Case, Document
from tests.registry.conftest import PDF

pytestmark = pytest.mark.django_db


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _submit_data(org, case=None, **extra):  # type: ignore[no-untyped-def]
    data = {
        "unit": org.unit_a.pk,
        "case": case.pk if case else "",
        "direction": "incoming",
        "kind": "Svar",
        "date": "2026-11-30",
        "counterparty": "Läkemedelsverket",
        "counterparty_restricted": "",
        "description": "Svar på vår anmälan",
        "details": "",
    }
    data.update(extra)
    return data


def test_unit_staff_submit_a_reply_with_its_files(client, org, case):
    client.force_login(org.colleague)
    data = _submit_data(org, case)
    data["files"] = [
        SimpleUploadedFile("svar.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("bilaga.pdf", PDF + b"% bilaga\n", content_type="application/pdf"),
    ]

    response = client.post(reverse("registry:document_submit"), data, follow=True)

    assert response.status_code == 200
    document = Document.objects.get()
    assert document.is_waiting and document.submitted_by == org.colleague
    assert sorted(f.name for f in document.files.all()) == ["bilaga.pdf", "svar.pdf"]
    assert "väntar nu på registratorn" in _text(response)


def test_a_refused_file_keeps_what_was_typed_and_stores_nothing(client, org, case, settings):
    client.force_login(org.colleague)
    data = _submit_data(org, case, description="Viktigt svar som inte får försvinna")
    data["files"] = [SimpleUploadedFile("svar.pdf", b"MZ\x90\x00 not a pdf at all")]

    response = client.post(reverse("registry:document_submit"), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Viktigt svar som inte får försvinna" in html  # the form keeps what was typed
    assert "PDF" in _text(response)  # and says what was wrong with the file
    assert not Document.objects.exists()


def test_the_registrar_registers_from_the_inbox(client, org, submit, registrar, case):
    waiting = submit()
    client.force_login(registrar)
    inbox = client.get(reverse("registry:inbox"))
    assert "Svar om infusionspumpen" in _text(inbox)

    url = reverse("registry:document_register", args=[waiting.pk])
    form = client.get(url)
    assert form.status_code == 200
    data = _submit_data(org, case, description="Svar om infusionspumpen")
    data.update(secrecy_provision="", secrecy_marked_on="", secrecy_marked_by="")
    data.update(external_system="", external_number="")
    response = client.post(url, data, follow=True)

    waiting.refresh_from_db()
    assert waiting.number == f"{case.number}-1"
    assert f"Registrerad som {waiting.number}" in _text(response)
    assert client.get(reverse("registry:inbox")).context["waiting"] == []


def test_registration_without_a_case_says_so_on_the_form(client, org, submit, registrar):
    waiting = submit()
    client.force_login(registrar)
    data = _submit_data(org, None)
    data.update(secrecy_provision="", secrecy_marked_on="", secrecy_marked_by="")
    data.update(external_system="", external_number="")
    response = client.post(reverse("registry:document_register", args=[waiting.pk]), data)
    assert response.status_code == 200
    assert "case" in response.context["form"].errors
    waiting.refresh_from_db()
    assert waiting.is_waiting


def test_a_correction_page_makes_a_new_version(client, org, registered, registrar):
    client.force_login(registrar)
    url = reverse("registry:document_correct", args=[registered.pk])
    data = {
        "direction": "incoming",
        "kind": "Svar",
        "date": "2026-11-29",
        "counterparty": registered.counterparty,
        "counterparty_restricted": registered.counterparty_restricted,
        "description": registered.description,
        "details": registered.details,
        "unit": org.unit_a.pk,
        "external_system": "",
        "external_number": "",
        "secrecy_provision": "",
        "secrecy_marked_on": "",
        "secrecy_marked_by": "",
        "reason": "Fel mottagningsdatum",
    }

    response = client.post(url, data, follow=True)

    corrected = Document.objects.current().get(lineage=registered.lineage)
    assert (corrected.version, corrected.date) == (2, datetime.date(2026, 11, 29))
    assert "version 2" in _text(response).lower()
    old = client.get(reverse("registry:document_detail", args=[registered.pk]))
    assert "rättad i en senare version" in _text(old)
    assert client.get(url).status_code == 404  # only the current version is corrected


def test_the_registrar_opens_edits_and_closes_a_case(client, org, registrar, series, process):
    client.force_login(registrar)
    response = client.post(
        reverse("registry:case_create"),
        {
            "series": "mft",
            "title": "Tillsyn av egentillverkning",
            "title_restricted": "",
            "unit": org.unit_a.pk,
            "officer": "",
            "classification": process.pk,
            "parties": "IVO",
            "external_system": "",
            "external_number": "",
        },
        follow=True,
    )
    case = Case.objects.get()
    assert case.number.startswith("MFT ") and case.number in _text(response)
    edit = reverse("registry:case_edit", args=[case.pk])
    response = client.post(
        edit,
        {
            "title": "Tillsyn av egentillverkning 2026",
            "title_restricted": "",
            "unit": org.unit_a.pk,
            "officer": "",
            "classification": process.pk,
            "parties": "IVO",
            "external_system": "",
            "external_number": "",
        },
        follow=True,
    )
    case.refresh_from_db()
    assert case.title == "Tillsyn av egentillverkning 2026"
    client.post(reverse("registry:case_status", args=[case.pk]), {"reason": ""})
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


def test_the_diary_is_searched_by_number_text_and_marking(client, registered, registrar):
    client.force_login(registrar)
    url = reverse("registry:document_list")

    def numbers(params):  # type: ignore[no-untyped-def]
        return [d.number for d in client.get(url, params).context["page"].object_list]

    assert numbers({"number": registered.number[:8]}) == [registered.number]
    assert numbers({"q": "infusionspumpen"}) == [registered.number]
    assert numbers({"q": "Åsa Öberg"}) == [registered.number]  # a registrar searches all of it
    assert numbers({"secrecy": "marked"}) == []
    assert numbers({"direction": "outgoing"}) == []


def test_others_cannot_find_a_document_by_what_it_keeps_apart(client, org, registered):
    client.force_login(org.owner)
    url = reverse("registry:document_list")
    assert [d.number for d in client.get(url).context["page"].object_list] == [registered.number]
    assert list(client.get(url, {"q": "Åsa Öberg"}).context["page"].object_list) == []


def test_the_registrar_draws_up_a_document_with_a_file(client, org, registrar, case):
    client.force_login(registrar)
    response = client.post(
        reverse("registry:document_draw_up", args=[case.pk]),
        {
            "direction": "outgoing",
            "kind": "Anmälan",
            "date": "2026-12-01",
            "counterparty": "Läkemedelsverket",
            "counterparty_restricted": "",
            "description": "Anmälan av negativ händelse",
            "details": "",
            "external_system": "",
            "external_number": "",
            "secrecy_provision": "",
            "secrecy_marked_on": "",
            "secrecy_marked_by": "",
            "files": [SimpleUploadedFile("anmalan.pdf", PDF)],
        },
        follow=True,
    )
    document = Document.objects.get()
    assert document.number == f"{case.number}-1" and not document.is_waiting
    assert [f.name for f in document.files.all()] == ["anmalan.pdf"]
    link = document.files.get()
    download = client.get(reverse("registry:document_file", args=[document.pk, link.pk]))
    assert b"".join(download.streaming_content) == PDF
    assert response.status_code == 200
