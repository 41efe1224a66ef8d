"""The API of reports to the authorities: ``authorities``, ``report-kinds`` and
``authority-reports``, scoped per persona, written through the services, the right checked
before the body is read, and an invisible record answering like a missing one."""

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from medtek.core import audit
from medtek.reports import services
from medtek.reports.models import Report
from tests import factories
from tests.registry.conftest import PDF

from .conftest import EVENT, KNOWN, PERSONNUMMER, incident_fields

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/authority-reports/"


def _body(org: Any, pump: Any, kinds: Any, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kinds["device_incident"].pk,
        "unit": org.unit_a.pk,
        "contact_phone": "010-123 45 67",
        "event_date": EVENT.isoformat(),
        "awareness_date": KNOWN.isoformat(),
        "description": "Pumpen larmade inte vid ocklusion.",
        "outcome": "serious_deterioration",
        "device": pump.pk,
        **extra,
    }


def _numbers(api: Any, user: Any, query: str = "") -> list[str]:
    response = api.as_(user).get(f"{REPORTS}{query}")
    assert response.status_code == 200, response.json()
    return [r["number"] for r in response.json()["results"]]


# Reading -----------------------------------------------------------------------------------------


def test_each_persona_sees_only_the_reports_of_its_units(api, org, sent, draft_b) -> None:
    assert sorted(_numbers(api, org.auditor)) == sorted([sent.number, draft_b.number])
    assert _numbers(api, org.owner) == [sent.number]  # head of unit A
    for user in (org.outsider, org.private_staff, org.colleague):
        assert sent.number not in _numbers(api, user)
        assert api.get(f"{REPORTS}{sent.pk}/").status_code == 404
    assert _numbers(api, org.private_staff) == []


def test_a_report_carries_its_diary_numbers_dispatches_and_free_text(api, org, sent) -> None:
    body = api.as_(org.owner).get(f"{REPORTS}{sent.pk}/").json()
    assert body["status"] == "sent" and body["kind_code"] == "device_incident"
    assert body["case_number"] == sent.case.number
    assert body["sent_document_number"] == f"{sent.case.number}-1"
    assert body["due_date"] == sent.due_date.isoformat() and body["is_overdue"] is False
    assert body["description"].startswith("Pumpen larmade")
    assert body["actions_taken"] and body["consequence"]
    [dispatch] = body["dispatches"]
    assert (dispatch["purpose"], dispatch["document_number"]) == (
        "report",
        body["sent_document_number"],
    )


def test_the_list_filters_by_status_kind_unit_and_deadline(api, org, sent, draft_b, kinds) -> None:
    assert _numbers(api, org.auditor, "?status=draft") == [draft_b.number]
    assert _numbers(api, org.auditor, f"?within={org.unit_a.pk}") == [sent.number]
    assert _numbers(api, org.auditor, f"?kind={kinds['lex_maria'].pk}") == [draft_b.number]
    assert _numbers(api, org.auditor, f"?kind={kinds['in_house_incident'].pk}") == []
    assert _numbers(api, org.auditor, "?due=overdue") == [draft_b.number]  # due long ago
    assert _numbers(api, org.auditor, "?due=unsent") == [draft_b.number]
    assert _numbers(api, org.auditor, f"?q={sent.number}") == [sent.number]
    before = draft_b.due_date.isoformat()
    assert _numbers(api, org.auditor, f"?due_before={before}") == [draft_b.number]


def test_authorities_and_kinds_are_read_by_everyone_signed_in_and_written_by_no_one(
    api, org, kinds
) -> None:
    api.as_(org.private_staff)
    codes = {a["code"] for a in api.get("/api/v1/authorities/").json()["results"]}
    assert codes == {"ivo", "lv"}
    kinds_listed = api.get("/api/v1/report-kinds/").json()["results"]
    assert "device_incident" in {k["code"] for k in kinds_listed}
    lex_maria = kinds["lex_maria"]
    assert api.get(f"/api/v1/report-kinds/{lex_maria.pk}/").json()["no_email"] is True
    assert api.post("/api/v1/authorities/", {"code": "x"}, format="json").status_code == 405
    assert api.as_(None).get("/api/v1/authorities/").status_code == 401


# Drafting, approving, sending --------------------------------------------------------------------


def test_a_report_is_drafted_approved_by_another_and_sent_through_the_api(
    api, org, mt, quality, pump, kinds, series
) -> None:
    drafted = api.as_(mt).post(REPORTS, _body(org, pump, kinds), format="json")
    assert drafted.status_code == 201, drafted.json()
    report = drafted.json()
    assert (report["status"], report["authority_name"]) == ("draft", "Läkemedelsverket")
    assert report["number"].startswith("RAP-") and report["due_date"]
    assert report["manufacturer"] == "Acme Medical"  # from the register
    url = f"{REPORTS}{report['id']}/"

    four_eyes = api.post(f"{url}approve/", {}, format="json")
    assert four_eyes.status_code == 400
    assert "fyra ögon" in str(four_eyes.json()["errors"])

    approved = api.as_(quality).post(f"{url}approve/", {}, format="json")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"

    sent = api.as_(mt).post(
        f"{url}send/", {"channel": "e_service", "sent_on": KNOWN.isoformat()}, format="json"
    )
    assert sent.status_code == 200, sent.json()
    body = sent.json()
    assert body["status"] == "sent" and body["sent_on"] == KNOWN.isoformat()
    assert body["case_number"].startswith("MFT ")
    assert body["sent_document_number"] == f"{body['case_number']}-1"
    assert [d["document_number"] for d in body["dispatches"]] == [body["sent_document_number"]]
    event = audit.history_for(Report.objects.get(pk=report["id"])).get(action="report.draft")
    assert (event.actor, event.source) == (mt, "api")


def test_a_sent_report_is_not_patched_but_supplemented(api, mt, sent) -> None:
    response = api.as_(mt).patch(f"{REPORTS}{sent.pk}/", {"description": "Ny"}, format="json")
    assert response.status_code == 400
    assert "komplettering" in str(response.json()["errors"])
    assert Report.objects.get(pk=sent.pk).description.startswith("Pumpen larmade")

    supplement = api.post(
        f"{REPORTS}{sent.pk}/supplements/",
        {"text": "Tillverkarens analys.", "channel": "e_service"},
        format="json",
    )
    assert supplement.status_code == 201, supplement.json()
    body = supplement.json()
    assert body["status"] == "supplemented"
    assert [d["purpose"] for d in body["dispatches"]] == ["report", "supplement"]
    assert body["dispatches"][1]["document_number"] == f"{sent.case.number}-2"


def test_a_draft_is_patched_by_its_drafters_only(api, org, mt, draft) -> None:
    changed = api.as_(mt).patch(f"{REPORTS}{draft.pk}/", {"outcome": "death"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["due_date"] == (KNOWN + datetime.timedelta(days=10)).isoformat()
    kept = api.patch(
        f"{REPORTS}{draft.pk}/", {"kind": draft.kind.pk, "consequence": "Ingen"}, format="json"
    )
    assert kept.status_code == 200, kept.json()
    # The head of unit A reads the draft, and may approve it, but does not draft.
    refused = api.as_(org.owner).patch(f"{REPORTS}{draft.pk}/", {"outcome": "none"}, format="json")
    assert refused.status_code == 403
    assert Report.objects.get(pk=draft.pk).outcome == "death"


def test_a_personal_number_in_the_text_is_refused_on_its_field_unless_confirmed(
    api, org, mt, pump, kinds, series
) -> None:
    body = _body(org, pump, kinds, description=f"Patienten {PERSONNUMMER} fick för låg dos.")
    refused = api.as_(mt).post(REPORTS, body, format="json")
    assert refused.status_code == 400
    assert PERSONNUMMER in refused.json()["errors"]["description"][0]
    assert not Report.objects.exists()
    confirmed = api.post(REPORTS, {**body, "personal_numbers_confirmed": True}, format="json")
    assert confirmed.status_code == 201, confirmed.json()


def test_what_comes_back_is_registered_with_its_file(api, mt, sent) -> None:
    upload = SimpleUploadedFile("svar.pdf", PDF, content_type="application/pdf")
    response = api.as_(mt).post(
        f"{REPORTS}{sent.pk}/replies/",
        {
            "received_on": KNOWN.isoformat(),
            "summary": "Mottagningsbekräftelse",
            "reference": "LV 4.3.1-2026-1",
            "file": upload,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["authority_reference"]) == ("acknowledged", "LV 4.3.1-2026-1")
    [reply] = body["replies"]
    assert reply["document_number"] == f"{sent.case.number}-2"
    assert [f.name for f in Report.objects.get(pk=sent.pk).replies.get().document.files.all()] == [
        "svar.pdf"
    ]
    other = api.post(
        f"{REPORTS}{sent.pk}/replies/",
        {"received_on": KNOWN.isoformat(), "summary": "Svar", "from_authority": False},
        format="json",
    )
    assert other.status_code == 400 and "sender" in other.json()["errors"]


def test_the_manufacturers_copy_and_closing(api, mt, sent) -> None:
    copy = api.as_(mt).post(
        f"{REPORTS}{sent.pk}/manufacturer-copy/",
        {"recipient": "Acme Medical, vigilance", "channel": "email"},
        format="json",
    )
    assert copy.status_code == 201, copy.json()
    assert copy.json()["dispatches"][1]["recipient"] == "Acme Medical, vigilance"
    unreasoned = api.post(f"{REPORTS}{sent.pk}/close/", {}, format="json")
    assert unreasoned.status_code == 400 and "reason" in unreasoned.json()["errors"]
    closed = api.post(f"{REPORTS}{sent.pk}/close/", {"reason": "LV har avslutat"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_an_approved_report_is_returned_to_draft_with_a_reason(api, mt, approved) -> None:
    url = f"{REPORTS}{approved.pk}/return/"
    assert api.as_(mt).post(url, {}, format="json").status_code == 400
    returned = api.post(url, {"reason": "Fel programversion"}, format="json")
    assert returned.status_code == 200 and returned.json()["status"] == "draft"
    assert returned.json()["approved_by"] is None


# Rights before the body; invisible like missing --------------------------------------------------


def test_writes_are_refused_before_the_body_is_read(api, org, sent, second_draft) -> None:
    draft = second_draft
    for user in (org.auditor, org.owner, org.colleague):
        assert api.as_(user).post(REPORTS, {}, format="json").status_code == 403
    # The auditor reads everything and writes nothing: not even a malformed body is read.
    api.as_(org.auditor)
    for url in (
        f"{REPORTS}{draft.pk}/",
        f"{REPORTS}{draft.pk}/approve/",
        f"{REPORTS}{sent.pk}/send/",
        f"{REPORTS}{sent.pk}/replies/",
        f"{REPORTS}{sent.pk}/supplements/",
        f"{REPORTS}{sent.pk}/manufacturer-copy/",
        f"{REPORTS}{sent.pk}/close/",
    ):
        method = api.patch if url.endswith(f"{draft.pk}/") else api.post
        assert method(url, {"nonsense": 1}, format="json").status_code == 403, url
    assert Report.objects.count() == 2


def test_an_invisible_report_answers_like_a_missing_one(api, org, sent, second_draft) -> None:
    draft = second_draft
    api.as_(org.outsider)
    for pk in (sent.pk, 999999):
        assert api.get(f"{REPORTS}{pk}/").status_code == 404
        assert api.patch(f"{REPORTS}{pk}/", {}, format="json").status_code == 404
        for action in ("approve", "return", "send", "replies", "supplements", "close"):
            assert api.post(f"{REPORTS}{pk}/{action}/", {}, format="json").status_code == 404
    assert api.post(f"{REPORTS}{draft.pk}/approve/", {}, format="json").status_code == 404
    assert Report.objects.get(pk=draft.pk).status == "draft"


def test_an_invisible_unit_answers_like_a_missing_one(api, org, pump, kinds, series) -> None:
    mt_b = factories.person("mt_b", role="mt_engineer", unit=org.unit_b)
    api.as_(mt_b)
    invisible = api.post(REPORTS, _body(org, pump, kinds, device=None), format="json")
    missing = api.post(REPORTS, _body(org, pump, kinds, device=None, unit=999999), format="json")
    assert invisible.status_code == missing.status_code == 400
    assert invisible.json()["errors"]["unit"] == [
        m.replace("999999", str(org.unit_a.pk)) for m in missing.json()["errors"]["unit"]
    ]
    # Unit A's device is as invisible to the MT engineer of unit B.
    device = api.post(REPORTS, _body(org, pump, kinds, unit=org.unit_b.pk), format="json")
    assert device.status_code == 400 and set(device.json()["errors"]) == {"device"}
    assert not Report.objects.exists()


def test_a_unit_seen_but_not_reported_for_is_refused(api, org, pso, kinds, series) -> None:
    """The region's patient-safety officer sees the private centre, but never reports for it."""
    body = {
        "kind": kinds["lex_maria"].pk,
        "unit": org.private_pcc.pk,
        "contact_phone": "010-1",
        "event_date": EVENT.isoformat(),
        "awareness_date": KNOWN.isoformat(),
        "description": "Fördröjd behandling.",
    }
    assert api.as_(pso).post(REPORTS, body, format="json").status_code == 403
    assert not Report.objects.exists()


@pytest.fixture
def draft_b(org: Any, kinds: Any, series: Any) -> Report:
    """A Lex Maria draft of unit B, made long ago, so overdue."""
    quality_b = factories.person("kvalitet_b", role="quality_lead", unit=org.unit_b)
    return services.report_draft(
        actor=quality_b,
        kind="lex_maria",
        unit=org.unit_b,
        contact_phone="010-1",
        event_date=datetime.date(2025, 1, 10),
        awareness_date=datetime.date(2025, 1, 10),
        description="Fördröjd behandling.",
        care_injury="serious",
    )


@pytest.fixture
def second_draft(org: Any, mt: Any, pump: Any, kinds: Any, series: Any) -> Report:
    """Another device incident report of unit A, still a draft."""
    return services.report_draft(actor=mt, kind="device_incident", **incident_fields(org, pump))
