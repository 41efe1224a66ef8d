"""/api/v1/inhouse-devices/: the same scoping as the pages, writes through the services, JSON
errors with field messages."""

import pytest

from medtek.core.models import AuditEvent
from medtek.inhouse.models import InhouseDevice
from tests.inhouse.conftest import PERSONAS, SEES_FILE

FILES = "/api/v1/inhouse-devices/"


def _url(file):
    return f"{FILES}{file.pk}/"


def _new(adapter, mft, **changes):
    data = {
        "device_model": adapter.pk,
        "kind": "combined",
        "based_on": "CE-märkt trycksensor",
        "intended_purpose": "Invasiv blodtrycksmätning",
        "manufacturer_unit": mft.pk,
        "not_transferred": True,
        "qms_reference": "Rutin MFT-R-012",
        "justification": "Inget motsvarande på marknaden",
        "market_search": "Eudamed",
        "market_searched_on": "2026-06-01",
        "justification_review_due": "2027-06-01",
    }
    data.update(changes)
    return data


def _state():
    return list(InhouseDevice.objects.order_by("pk").values()), AuditEvent.objects.count()


@pytest.fixture
def file(adapter_in_a, adapter, make_file):
    return make_file(adapter)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lists_and_shows_a_file_only_to_those_who_may_see_it(api, org, file, persona):
    client = api.as_(org.personas()[persona])
    sees = SEES_FILE[persona]
    listed = client.get(FILES).json()
    assert [r["file_number"] for r in listed["results"]] == ([file.file_number] if sees else [])
    assert client.get(_url(file)).status_code == (200 if sees else 404)


def test_anonymous_callers_get_nothing(api, file):
    assert api.as_(None).get(FILES).status_code in (401, 403)
    assert api.as_(None).get(_url(file)).status_code in (401, 403)


def test_it_returns_the_file_with_its_evidence(api, mt, file):
    row = api.as_(mt).get(_url(file)).json()
    assert row["file_number"] == file.file_number
    assert row["regulation"] == "MDR"
    assert row["evidence_complete"] is True
    assert row["manufacturer_unit_name"] == "MFT"


def test_it_filters_files_whose_evidence_does_not_hold(api, mt, make_file, file, make_model):
    model = make_model("Sugkoppling")
    missing = make_file(model, not_transferred=False)
    rows = api.as_(mt).get(FILES, {"evidence": "incomplete"}).json()["results"]
    assert [(r["file_number"], r["evidence_complete"]) for r in rows] == [
        (missing.file_number, False)
    ]
    rows = api.as_(mt).get(FILES, {"device_model": file.device_model_id}).json()["results"]
    assert [r["file_number"] for r in rows] == [file.file_number]


def test_an_mt_engineer_opens_a_file(api, mt, mft, adapter):
    response = api.as_(mt).post(FILES, _new(adapter, mft), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["file_number"].startswith("EGT-")
    assert body["evidence_complete"] is True
    file = InhouseDevice.objects.get(pk=body["id"])
    assert AuditEvent.objects.get(action="inhouse_device.create").object_id == str(file.pk)


def test_a_given_file_number_is_ignored(api, mt, mft, adapter):
    response = api.as_(mt).post(FILES, _new(adapter, mft, file_number="X-1"), format="json")
    assert response.status_code == 201
    assert response.json()["file_number"] != "X-1"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "modified", "based_on": ""}, "based_on"),
        ({"intended_purpose": ""}, "intended_purpose"),
        ({"market_searched_on": "1 juni"}, "market_searched_on"),
        ({"kind": "repaired"}, "kind"),
    ],
)
def test_it_answers_bad_input_field_by_field_and_stores_nothing(
    api, mt, mft, adapter, changes, field
):
    before = _state()
    response = api.as_(mt).post(FILES, _new(adapter, mft, **changes), format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert _state() == before


def test_a_ce_marked_model_gets_no_file(api, mt, mft, pump):
    response = api.as_(mt).post(FILES, _new(pump, mft), format="json")
    assert response.status_code == 400
    assert "device_model" in response.json()["errors"]


def test_an_invisible_model_answers_like_a_missing_one(api, org, mt, mft, adapter):
    """The outsider's unit holds no device of the model, so the model is not theirs to see; and
    the outsider may not open files, which is said before the body is read."""
    invisible = api.as_(org.outsider).post(FILES, _new(adapter, mft), format="json")
    missing = api.as_(org.outsider).post(
        FILES, _new(adapter, mft, device_model=999999), format="json"
    )
    assert invisible.status_code == missing.status_code == 403
    assert invisible.json() == missing.json()


@pytest.mark.parametrize(
    ("persona", "status"),
    # None of them keeps files anywhere: refused before the body is read.
    [("owner", 403), ("colleague", 403), ("auditor", 403), ("private_staff", 403)],
)
def test_readers_cannot_open_a_file(api, org, mft, adapter_in_a, adapter, persona, status):
    before = _state()
    response = api.as_(org.personas()[persona]).post(FILES, _new(adapter, mft), format="json")
    assert response.status_code == status
    if status == 400:
        assert "manufacturer_unit" in response.json()["errors"]
    assert _state() == before


def test_an_mt_engineer_changes_a_file(api, mt, file):
    response = api.as_(mt).patch(_url(file), {"qms_reference": "Rutin 13"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["qms_reference"] == "Rutin 13"
    assert AuditEvent.objects.get(action="inhouse_device.update").after["qms_reference"] == (
        "Rutin 13"
    )


def test_a_file_stays_with_its_model(api, mt, file, make_model):
    other = make_model("Sugkoppling")
    before = _state()
    response = api.as_(mt).patch(_url(file), {"device_model": other.pk}, format="json")
    assert response.status_code == 400
    assert "device_model" in response.json()["errors"]
    assert _state() == before


@pytest.mark.parametrize(
    ("persona", "status"), [("owner", 403), ("auditor", 403), ("outsider", 404)]
)
def test_others_cannot_change_a_file(api, org, file, persona, status):
    before = _state()
    response = api.as_(org.personas()[persona]).patch(
        _url(file), {"qms_reference": "x"}, format="json"
    )
    assert response.status_code == status
    assert _state() == before


def test_files_cannot_be_deleted_or_replaced(api, mt, file):
    assert api.as_(mt).delete(_url(file)).status_code == 405
    assert api.as_(mt).put(_url(file), {}, format="json").status_code == 405
