"""/api/v1/inhouse-devices/{id}/…: the file's conditions, its checklist, technical documents,
reviews and release records, and its lifecycle — read by whoever sees the file, written through
the services by its keepers (and the heads who sign it), refused before the body is read."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from medtek.core.models import AuditEvent
from medtek.inhouse import services
from medtek.inhouse.models import (
    ChecklistItem,
    FileDocument,
    InhouseDevice,
    ReleaseRecord,
    Review,
    SignOff,
)
from medtek.organisation.roles import Role
from tests import factories

FILES = "/api/v1/inhouse-devices/"
TODAY = timezone.localdate()

#: A small, real PDF (one empty page); ``_pdf(n)`` makes the n-th distinct one.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _pdf(n: int = 1) -> bytes:
    return PDF + f"% version {n}\n".encode()


def _upload(name: str = "ritning.pdf", n: int = 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _pdf(n), content_type="application/pdf")


def _url(file, tail: str = "") -> str:
    return f"{FILES}{file.pk}/{tail}"


@pytest.fixture
def file(org, adapter_in_a, adapter, make_file):
    """A complete draft file of the adapter (one device in unit A), used in unit A."""
    return make_file(adapter, using_unit=org.unit_a)


@pytest.fixture
def checklist(mt, file):
    services.checklist_open(actor=mt, inhouse_device=file)
    return list(ChecklistItem.objects.filter(file=file).order_by("requirement__position"))


@pytest.fixture
def document(mt, file):
    return services.document_add(
        actor=mt, inhouse_device=file, kind="design", title="Ritning", upload=("a.pdf", _pdf(1))
    )


@pytest.fixture
def head_of_mft(mft):
    return factories.person("chef_mft", role=Role.HEAD_OF_UNIT, unit=mft)


def _events() -> int:
    return AuditEvent.objects.count()


# The file ------------------------------------------------------------------------------------


def test_a_file_shows_every_condition_in_its_regulation(api, mt, file, checklist):
    body = api.as_(mt).get(_url(file)).json()
    assert body["status"] == "draft"
    assert body["regulation"] == "MDR"
    conditions = body["conditions"]
    assert [c["letter"] for c in conditions] == list("abcdefgh")
    assert [c["key"] for c in conditions] == list("abcdefgh")
    met = {c["letter"]: c["met"] for c in conditions}
    assert met["a"] and met["b"] and met["c"]
    assert not met["d"] and not met["f"]  # no IVO notification, no documents yet
    assert all(c["problem"] == "" for c in conditions if c["met"])
    assert all(c["problem"] for c in conditions if not c["met"])
    assert body["notification"] is None
    assert body["checklist_progress"] == {"assessed": 0, "total": len(checklist)}
    assert len(checklist) > 0
    assert body["next_review_due"] is None
    assert body["using_unit"] == file.using_unit_id


def test_an_ivdr_file_letters_its_conditions_a_to_i(api, mt, make_model, make_file):
    file = make_file(make_model("Reagenskit", risk_class="C"), lab_compliance="")
    conditions = api.as_(mt).get(_url(file)).json()["conditions"]
    assert [c["letter"] for c in conditions] == list("abcdefghi")
    assert [c["key"] for c in conditions][:4] == ["a", "b", "lab", "c"]
    assert conditions[2]["met"] is False  # no statement of EN ISO 15189 compliance


def test_the_list_carries_the_status_and_progress_but_not_the_conditions(api, mt, file, checklist):
    (row,) = api.as_(mt).get(FILES).json()["results"]
    assert row["file_number"] == file.file_number
    assert row["status"] == "draft"
    assert row["checklist_progress"] == {"assessed": 0, "total": len(checklist)}
    assert row["notification"] is None
    assert "conditions" not in row


def test_a_keeper_sets_the_using_unit_lab_compliance_and_review_interval(api, org, mt, file):
    response = api.as_(mt).patch(
        _url(file),
        {
            "using_unit": org.unit_b.pk,
            "lab_compliance": "Ackrediterat",
            "review_interval_months": 6,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["using_unit"], body["using_unit_name"]) == (org.unit_b.pk, "Unit B")
    assert (body["lab_compliance"], body["review_interval_months"]) == ("Ackrediterat", 6)


@pytest.mark.parametrize(
    ("unit", "changes"),
    [
        ("region", {}),  # above the engineer's units: answers like a unit that does not exist
        ("private_pcc", {}),  # another care provider: another legal entity
        (None, {"review_interval_months": 0}),
    ],
)
def test_a_bad_using_unit_or_interval_changes_nothing(api, org, mt, file, unit, changes):
    data = dict(changes)
    if unit:
        data["using_unit"] = getattr(org, unit).pk
    before = (InhouseDevice.objects.values().get(pk=file.pk), _events())
    response = api.as_(mt).patch(_url(file), data, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(data)
    assert (InhouseDevice.objects.values().get(pk=file.pk), _events()) == before


# The Annex I checklist -----------------------------------------------------------------------


def test_it_lists_the_checklist_with_its_requirements(api, org, file, checklist):
    items = api.as_(org.owner).get(_url(file, "checklist-items/")).json()
    assert [i["id"] for i in items] == [i.pk for i in checklist]
    first = items[0]
    requirement = checklist[0].requirement
    assert (first["code"], first["chapter"], first["level"]) == (
        requirement.code,
        requirement.chapter,
        requirement.level,
    )
    assert first["title"]
    assert (first["applies"], first["outcome"], first["assessed"]) == (None, "", False)
    assert first["evidence"] == []


def test_a_keeper_assesses_an_item_with_evidence(api, mt, file, checklist, document):
    item = checklist[0]
    response = api.as_(mt).patch(
        _url(file, f"checklist-items/{item.pk}/"),
        {"applies": True, "outcome": "met", "evidence": [document.pk], "evidence_note": "Prov"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["outcome"], body["assessed"], body["evidence"]) == ("met", True, [document.pk])
    assert body["assessed_by"] == mt.pk
    item.refresh_from_db()
    assert item.assessed and list(item.evidence.all()) == [document]
    assert AuditEvent.objects.filter(action="inhouse_checklist.assess").count() == 1
    progress = api.as_(mt).get(_url(file)).json()["checklist_progress"]
    assert progress == {"assessed": 1, "total": len(checklist)}


def _item_state(item):
    row = ChecklistItem.objects.values().get(pk=item.pk)
    return row, sorted(item.evidence.values_list("pk", flat=True)), _events()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"applies": True, "outcome": "not_fully_met"}, "justification"),
        ({"applies": False}, "not_applicable_reason"),
        ({"outcome": "met"}, "applies"),
        ({"outcome": "perhaps"}, "outcome"),
        ({"evidence": [999999]}, "evidence"),
    ],
)
def test_an_assessment_that_does_not_hold_together_changes_nothing(
    api, mt, file, checklist, data, field
):
    item = checklist[0]
    before = _item_state(item)
    response = api.as_(mt).patch(_url(file, f"checklist-items/{item.pk}/"), data, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert _item_state(item) == before


def test_evidence_must_be_a_document_of_the_same_file(
    api, mt, file, checklist, make_model, make_file
):
    other = make_file(make_model("Sugkoppling"))
    stranger = services.document_add(
        actor=mt, inhouse_device=other, kind="design", title="Annan", upload=("b.pdf", _pdf(9))
    )
    item = checklist[0]
    before = _item_state(item)
    response = api.as_(mt).patch(
        _url(file, f"checklist-items/{item.pk}/"),
        {"applies": True, "outcome": "met", "evidence": [stranger.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert "evidence" in response.json()["errors"]
    assert _item_state(item) == before


def test_an_item_of_another_file_is_not_found_under_this_one(
    api, mt, file, checklist, make_model, make_file
):
    other = make_file(make_model("Sugkoppling"))
    services.checklist_open(actor=mt, inhouse_device=other)
    foreign = ChecklistItem.objects.filter(file=other).first()
    response = api.as_(mt).patch(
        _url(file, f"checklist-items/{foreign.pk}/"), {"applies": True}, format="json"
    )
    assert response.status_code == 404


# Technical documentation ---------------------------------------------------------------------


def test_a_new_version_keeps_the_old_one(api, mt, file):
    added = api.as_(mt).post(
        _url(file, "documents/"),
        {"kind": "risk_plan", "title": "Riskhanteringsplan", "file": _upload("plan.pdf", 1)},
        format="multipart",
    )
    assert added.status_code == 201, added.json()
    first = added.json()
    assert (first["version"], first["supersedes"], first["is_current"]) == (1, None, True)
    assert first["name"] == "plan.pdf"
    assert first["created_by"] == mt.pk
    assert first["sha256"]

    again = api.as_(mt).post(
        _url(file, f"documents/{first['id']}/new-version/"),
        {"file": _upload("plan-v2.pdf", 2), "reason": "Reviderad efter FMEA"},
        format="multipart",
    )
    assert again.status_code == 201, again.json()
    second = again.json()
    assert (second["version"], second["supersedes"]) == (2, first["id"])
    assert second["lineage"] == first["lineage"]
    assert second["sha256"] != first["sha256"]

    listed = {d["id"]: d for d in api.as_(mt).get(_url(file, "documents/")).json()}
    assert set(listed) == {first["id"], second["id"]}
    assert listed[first["id"]]["is_current"] is False
    assert listed[first["id"]]["sha256"] == first["sha256"]  # the old version is as it was
    assert listed[second["id"]]["is_current"] is True
    assert FileDocument.objects.get(pk=first["id"]).name == "plan.pdf"


def test_only_the_current_version_gets_a_new_version(api, mt, file, document):
    services.document_new_version(
        actor=mt, document=document, upload=("a2.pdf", _pdf(2)), reason="Ny"
    )
    count = FileDocument.objects.count()
    response = api.as_(mt).post(
        _url(file, f"documents/{document.pk}/new-version/"),
        {"file": _upload("a3.pdf", 3), "reason": "Igen"},
        format="multipart",
    )
    assert response.status_code == 400
    assert FileDocument.objects.count() == count


def test_a_document_needs_its_content_and_a_new_version_its_reason(api, mt, file, document):
    count, events = FileDocument.objects.count(), _events()
    missing_file = api.as_(mt).post(
        _url(file, "documents/"), {"kind": "ifu", "title": "Bruksanvisning"}, format="multipart"
    )
    assert missing_file.status_code == 400
    assert "file" in missing_file.json()["errors"]
    missing_reason = api.as_(mt).post(
        _url(file, f"documents/{document.pk}/new-version/"),
        {"file": _upload("a2.pdf", 2)},
        format="multipart",
    )
    assert missing_reason.status_code == 400
    assert "reason" in missing_reason.json()["errors"]
    assert (FileDocument.objects.count(), _events()) == (count, events)


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_no_document_is_changed_or_removed_through_the_api(api, mt, file, document, method):
    before = FileDocument.objects.values().get(pk=document.pk)
    for tail in ("documents/", f"documents/{document.pk}/new-version/"):
        response = getattr(api.as_(mt), method)(_url(file, tail), {}, format="json")
        assert response.status_code == 405, tail
    assert FileDocument.objects.values().get(pk=document.pk) == before


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE inhouse_filedocument SET title = 'Förfalskad' WHERE id = %s",
        "DELETE FROM inhouse_filedocument WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_remove_a_sealed_document(document, sql):
    assert document.sealed_at is not None
    before = FileDocument.objects.values().get(pk=document.pk)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [document.pk])
    assert FileDocument.objects.values().get(pk=document.pk) == before


# Reviews and release records -----------------------------------------------------------------


def test_a_keeper_records_a_review_and_it_is_listed_with_its_actions(api, org, mt, file):
    response = api.as_(mt).post(
        _url(file, "reviews/"),
        {
            "reviewed_on": TODAY.isoformat(),
            "period_start": (TODAY - datetime.timedelta(days=365)).isoformat(),
            "findings": "Inga avvikelser",
            "units_made": 4,
            "incidents": 0,
            "complaints": 1,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    review = Review.objects.get(pk=response.json()["id"])
    assert review.recorded_by == mt
    services.corrective_action_create(
        actor=mt,
        review=review,
        description="Förtydliga bruksanvisningen",
        owner=mt,
        due_date=TODAY + datetime.timedelta(days=30),
    )
    (listed,) = api.as_(org.owner).get(_url(file, "reviews/")).json()
    assert (listed["id"], listed["units_made"], listed["complaints"]) == (review.pk, 4, 1)
    assert [(a["description"], a["status"]) for a in listed["actions"]] == [
        ("Förtydliga bruksanvisningen", "open")
    ]


def test_a_review_in_the_future_is_refused(api, mt, file):
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = api.as_(mt).post(
        _url(file, "reviews/"),
        {"reviewed_on": tomorrow.isoformat(), "period_start": TODAY.isoformat(), "findings": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "reviewed_on" in response.json()["errors"]
    assert not Review.objects.exists()


def test_a_release_names_the_current_documents(api, mt, file, document, adapter_in_a):
    response = api.as_(mt).post(
        _url(file, "releases/"),
        {"device": adapter_in_a.pk, "made_by": mt.pk, "made_on": TODAY.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["device_inventory_number"], body["documents"]) == ("EGT-DEV-1", [document.pk])
    listed = api.as_(mt).get(_url(file, "releases/")).json()
    assert [r["id"] for r in listed] == [body["id"]]


def test_a_release_without_documentation_is_refused(api, mt, file):
    response = api.as_(mt).post(
        _url(file, "releases/"),
        {"batch": "B-1", "made_by": mt.pk, "made_on": TODAY.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]
    assert not ReleaseRecord.objects.exists()


# The lifecycle -------------------------------------------------------------------------------


def test_a_keeper_submits_the_file_for_review(api, mt, file):
    response = api.as_(mt).post(_url(file, "transition/"), {"target": "under_review"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "under_review"
    file.refresh_from_db()
    assert (file.status, file.signoff_round) == ("under_review", 1)


def test_an_approval_refused_names_every_missing_requirement(api, mt, file):
    services.inhouse_device_transition(actor=mt, inhouse_device=file, target="under_review")
    events = _events()
    response = api.as_(mt).post(_url(file, "transition/"), {"target": "approved"}, format="json")
    assert response.status_code == 400
    problems = response.json()["errors"]["status"]
    text = " ".join(problems)
    for letter in ("(d)", "(f)", "(g)"):
        assert letter in text
    assert "Inte signerad av" in text  # the API answers in the interface's language
    assert len(problems) >= 4
    file.refresh_from_db()
    assert file.status == "under_review"
    assert _events() == events


def test_a_move_the_lifecycle_does_not_have_is_refused(api, mt, file):
    response = api.as_(mt).post(_url(file, "transition/"), {"target": "approved"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_the_heads_sign_in_their_own_capacity(api, org, mt, file, head_of_mft):
    services.inhouse_device_transition(actor=mt, inhouse_device=file, target="under_review")
    using = api.as_(org.owner).post(
        _url(file, "sign/"), {"capacity": "using_unit", "statement": "Lämplig"}, format="json"
    )
    assert using.status_code == 201, using.json()
    assert (using.json()["person"], using.json()["round"]) == (org.owner.pk, 1)
    technology = api.as_(head_of_mft).post(
        _url(file, "sign/"), {"capacity": "medical_technology"}, format="json"
    )
    assert technology.status_code == 201, technology.json()
    assert SignOff.objects.filter(file=file, round=1).count() == 2


@pytest.mark.parametrize(
    ("who", "capacity"),
    [
        ("mt", "using_unit"),  # keeps the file, but is no head
        ("owner", "medical_technology"),  # head of the using unit, not of MFT
        ("colleague", "using_unit"),
    ],
)
def test_signing_as_someone_one_is_not_is_forbidden(api, org, mt, file, who, capacity):
    services.inhouse_device_transition(actor=mt, inhouse_device=file, target="under_review")
    person = mt if who == "mt" else org.personas()[who]
    response = api.as_(person).post(_url(file, "sign/"), {"capacity": capacity}, format="json")
    assert response.status_code == 403
    assert not SignOff.objects.exists()


def test_a_draft_is_not_signed(api, org, file):
    response = api.as_(org.owner).post(
        _url(file, "sign/"), {"capacity": "using_unit"}, format="json"
    )
    assert response.status_code == 400
    assert not SignOff.objects.exists()


def test_a_keeper_drafts_the_ivo_notification(api, mt, file):
    response = api.as_(mt).post(_url(file, "notify/"))
    assert response.status_code == 201, response.json()
    body = response.json()
    file.refresh_from_db()
    assert (body["id"], body["number"]) == (file.notification_id, file.notification.number)
    assert (body["status"], body["document_number"]) == ("draft", "")
    shown = api.as_(mt).get(_url(file)).json()["notification"]
    assert shown["number"] == body["number"]
    again = api.as_(mt).post(_url(file, "notify/"))
    assert again.status_code == 400
    file.refresh_from_db()
    assert file.notification_id == body["id"]


# Scoping: outsiders see nothing, auditors write nothing --------------------------------------

READS = ["", "checklist-items/", "documents/", "reviews/", "releases/"]


def _writes(file, item, document):
    """Every write below a file, with a body that would be valid for a keeper."""
    return [
        ("patch", f"checklist-items/{item.pk}/", {"applies": True, "outcome": "met"}, "json"),
        (
            "post",
            "documents/",
            {"kind": "ifu", "title": "IFU", "file": _upload("ifu.pdf", 5)},
            "multipart",
        ),
        (
            "post",
            f"documents/{document.pk}/new-version/",
            {"file": _upload("v2.pdf", 6), "reason": "Ny"},
            "multipart",
        ),
        (
            "post",
            "reviews/",
            {"reviewed_on": TODAY.isoformat(), "period_start": TODAY.isoformat(), "findings": "x"},
            "json",
        ),
        ("post", "releases/", {"batch": "B-9", "made_on": TODAY.isoformat()}, "json"),
        ("post", "transition/", {"target": "under_review"}, "json"),
        ("post", "sign/", {"capacity": "using_unit"}, "json"),
        ("post", "notify/", {}, "json"),
    ]


def _everything():
    return (
        list(InhouseDevice.objects.order_by("pk").values()),
        list(ChecklistItem.objects.order_by("pk").values()),
        FileDocument.objects.count(),
        Review.objects.count(),
        ReleaseRecord.objects.count(),
        SignOff.objects.count(),
        _events(),
    )


@pytest.mark.parametrize("persona", ["outsider", "private_staff"])
def test_a_person_who_does_not_see_the_file_finds_nothing_below_it(
    api, org, file, checklist, document, persona
):
    client = api.as_(org.personas()[persona])
    before = _everything()
    for tail in READS:
        assert client.get(_url(file, tail)).status_code == 404, tail
    for method, tail, data, fmt in _writes(file, checklist[0], document):
        response = getattr(client, method)(_url(file, tail), data, format=fmt)
        assert response.status_code == 404, f"{method} {tail}"
    assert _everything() == before


def test_the_auditor_reads_everything_below_the_file_and_writes_nothing(
    api, org, file, checklist, document
):
    client = api.as_(org.auditor)
    before = _everything()
    for tail in READS:
        assert client.get(_url(file, tail)).status_code == 200, tail
    for method, tail, data, fmt in _writes(file, checklist[0], document):
        response = getattr(client, method)(_url(file, tail), data, format=fmt)
        assert response.status_code == 403, f"{method} {tail}"
    assert _everything() == before


@pytest.mark.parametrize("persona", ["owner", "colleague"])
def test_readers_of_the_file_may_not_keep_it(api, org, file, checklist, document, persona):
    """The head of the using unit signs (and moves the file under review), but keeps nothing."""
    client = api.as_(org.personas()[persona])
    before = _everything()
    for method, tail, data, fmt in _writes(file, checklist[0], document):
        if persona == "owner" and tail == "sign/":  # a draft is not signed: 400
            continue
        response = getattr(client, method)(_url(file, tail), data, format=fmt)
        assert response.status_code == 403, f"{method} {tail}"
    assert _everything() == before
