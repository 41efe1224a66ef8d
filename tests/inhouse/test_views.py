"""In-house file pages for every persona: list (filters, export), detail with the MDR 5(5)
evidence, open and edit through the services, and the links from the device register."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medtek.core.models import AuditEvent
from medtek.devices import services as device_services
from medtek.inhouse.models import InhouseDevice
from tests.inhouse.conftest import PERSONAS, SEES_FILE

LIST = reverse("inhouse:file_list")
CREATE = reverse("inhouse:file_create")


def _detail(file):
    return reverse("inhouse:file_detail", args=[file.pk])


def _edit(file):
    return reverse("inhouse:file_edit", args=[file.pk])


def _login(client, user):
    client.force_login(user)
    return client


def _listed(response):
    assert response.status_code == 200
    return [f.file_number for f in response.context["page"]]


@pytest.fixture
def file(adapter_in_a, adapter, make_file):
    return make_file(adapter)


@pytest.mark.parametrize("page", ["list", "detail", "create", "edit"])
def test_it_sends_anonymous_visitors_to_the_login_page(client, file, page):
    url = {"list": LIST, "detail": _detail(file), "create": CREATE, "edit": _edit(file)}[page]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lists_and_shows_a_file_only_to_those_who_may_see_it(client, org, file, persona):
    _login(client, org.personas()[persona])
    sees = SEES_FILE[persona]
    assert _listed(client.get(LIST)) == ([file.file_number] if sees else [])
    assert client.get(_detail(file)).status_code == (200 if sees else 404)
    history = reverse("object_history", args=["inhouse.inhousedevice", file.pk])
    assert client.get(history).status_code == (200 if sees else 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_exports_only_visible_files(client, org, file, persona):
    _login(client, org.personas()[persona])
    response = client.get(LIST, {"export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:5] == ["Aktnummer", "Tillverkare", "Handelsnamn", "Modell/version", "Riskklass"]
    assert [r[0] for r in rows[1:]] == ([file.file_number] if SEES_FILE[persona] else [])


def test_the_manufacturing_units_staff_see_its_files(client, org, mft, file):
    from tests import factories

    staff = factories.person("mftstaff", role="unit_staff", unit=mft)
    _login(client, staff)
    assert _listed(client.get(LIST)) == [file.file_number]


def test_it_shows_the_evidence_and_the_units_that_use_the_device(
    client, org, mt, adapter, file, hold
):
    hold(adapter, org.private_pcc, "EGT-PRIV-1")
    _login(client, mt)
    response = client.get(_detail(file))
    html = response.content.decode()
    assert response.context["units"][0]["unit__name"] == "Privat VC"
    assert "annan juridisk person" in html  # the interface is Swedish
    conditions = {c.point: c.met for c in response.context["conditions"]}
    assert conditions == {"a": False, "b": True, "c": True}
    assert "Finns hos en enhet med annan vårdgivare: Privat VC." in html
    assert "Ingen CE-märkt adapter finns för kombinationen" in html


def test_it_filters_files_whose_evidence_does_not_hold(
    client, mt, adapter, make_file, file, make_model
):
    missing = make_file(make_model("Sugkoppling"), qms_reference="")
    _login(client, mt)
    assert _listed(client.get(LIST, {"evidence": "incomplete"})) == [missing.file_number]
    assert _listed(client.get(LIST, {"evidence": "complete"})) == [file.file_number]
    assert _listed(client.get(LIST, {"q": "sugk"})) == [missing.file_number]
    assert _listed(client.get(LIST, {"q": file.file_number})) == [file.file_number]
    flags = {f.file_number: f.evidence_complete for f in client.get(LIST).context["page"]}
    assert flags == {file.file_number: True, missing.file_number: False}


def test_it_sorts_by_the_next_market_check(client, mt, make_file, file, make_model):
    import datetime

    later = make_file(
        make_model("Sugkoppling"),
        justification_review_due=file.justification_review_due + datetime.timedelta(days=30),
    )
    undated = make_file(make_model("Utan datum"), justification_review_due=None)
    _login(client, mt)
    # A file without a date comes last going up and first going down, on both databases.
    assert _listed(client.get(LIST, {"sort": "-review"})) == [
        undated.file_number,
        later.file_number,
        file.file_number,
    ]
    assert _listed(client.get(LIST, {"sort": "review"})) == [
        file.file_number,
        later.file_number,
        undated.file_number,
    ]


def test_it_lists_thirty_files_in_as_few_queries_as_three(client, mt, make_file, make_model):
    for n in range(3):
        make_file(make_model(f"Modell {n:02}"))
    _login(client, mt)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(response.context["page"]), len(ctx.captured_queries)

    rows, few = count()
    assert rows == 3
    for n in range(3, 30):
        make_file(make_model(f"Modell {n:02}"))
    rows, many = count()
    assert rows == 30
    assert many <= few


# Open and edit ------------------------------------------------------------------------------


def _form(mft, **changes):
    data = {
        "kind": InhouseDevice.Kind.COMBINED,
        "based_on": "CE-märkt trycksensor",
        "intended_purpose": "Invasiv blodtrycksmätning",
        "manufacturer_unit": mft.pk,
        "not_transferred": "on",
        "qms_reference": "Rutin MFT-R-012",
        "justification": "Inget motsvarande på marknaden",
        "market_search": "Eudamed",
        "market_searched_on": "2026-06-01",
        "justification_review_due": "2027-06-01",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_an_mt_engineer_opens_a_file_through_the_form(client, mt, mft, adapter):
    _login(client, mt)
    page = client.get(CREATE, {"device_model": adapter.pk})
    assert page.context["form"]["device_model"].value() == str(adapter.pk)
    response = client.post(CREATE, _form(mft, device_model=adapter.pk))
    file = InhouseDevice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail(file)
    assert file.market_search == "Eudamed"
    assert AuditEvent.objects.filter(action="inhouse_device.create", actor=mt).count() == 1


def test_the_form_offers_only_in_house_models_without_a_file(
    client, mt, adapter, pump, file, make_model
):
    other = make_model("Sugkoppling")
    _login(client, mt)
    offered = set(client.get(CREATE).context["form"].fields["device_model"].queryset)
    assert offered == {other}


def test_it_shows_bad_input_on_its_field_and_opens_nothing(client, mt, mft, adapter):
    _login(client, mt)
    response = client.post(
        CREATE,
        _form(mft, device_model=adapter.pk, kind=InhouseDevice.Kind.MODIFIED, based_on=""),
    )
    assert response.status_code == 200
    assert "Ange de CE-märkta produkter" in str(response.context["form"].errors["based_on"])
    assert response.context["form"]["intended_purpose"].value() == "Invasiv blodtrycksmätning"
    assert not InhouseDevice.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "colleague", "outsider", "auditor", "private_staff"])
def test_only_keepers_may_open_the_form(client, org, adapter, persona):
    _login(client, org.personas()[persona])
    assert client.get(CREATE).status_code == 403


def test_an_mt_engineer_edits_a_file(client, mt, mft, file):
    _login(client, mt)
    data = _form(mft, qms_reference="Rutin MFT-R-013")
    response = client.post(_edit(file), data)
    assert response.status_code == 302
    file.refresh_from_db()
    assert file.qms_reference == "Rutin MFT-R-013"
    event = AuditEvent.objects.get(action="inhouse_device.update")
    assert event.after["qms_reference"] == "Rutin MFT-R-013"


@pytest.mark.parametrize(
    ("persona", "status"), [("owner", 403), ("auditor", 403), ("outsider", 404)]
)
def test_others_cannot_edit_a_file(client, org, mft, file, persona, status):
    _login(client, org.personas()[persona])
    assert client.get(_edit(file)).status_code == status
    assert client.post(_edit(file), _form(mft, qms_reference="x")).status_code == status
    file.refresh_from_db()
    assert file.qms_reference == "Rutin MFT-R-012"


# Links from the device register ------------------------------------------------------------


def test_a_device_links_to_its_in_house_file(client, org, adapter_in_a, file):
    _login(client, org.colleague)
    html = client.get(reverse("devices:device_detail", args=[adapter_in_a.pk])).content.decode()
    assert f'href="{_detail(file)}">{file.file_number}</a>' in html


def test_a_device_without_a_file_says_so(client, org, adapter_in_a):
    _login(client, org.colleague)
    html = client.get(reverse("devices:device_detail", args=[adapter_in_a.pk])).content.decode()
    assert "Ingen upprättad ännu (MDR art. 5.5)" in html


def test_a_ce_marked_device_has_no_in_house_row(client, org, mt, pump, hold):
    device = hold(pump, org.unit_a, "CE-1")
    _login(client, org.colleague)
    html = client.get(reverse("devices:device_detail", args=[device.pk])).content.decode()
    assert 'data-testid="inhouse-file"' not in html


def test_the_model_page_offers_to_open_a_file_only_to_keepers(client, org, mt, adapter_in_a):
    url = reverse("devices:device_model_detail", args=[adapter_in_a.model_id])
    open_link = f"{CREATE}?device_model={adapter_in_a.model_id}"
    assert open_link in _login(client, mt).get(url).content.decode()
    assert open_link not in _login(client, org.colleague).get(url).content.decode()


def test_the_sorted_column_header_announces_its_order(client, mt, file):
    """aria-sort belongs on the column header (WCAG 4.1.2); axe refuses it on a link."""
    html = _login(client, mt).get(LIST).content.decode()
    assert '<th scope="col" aria-sort="ascending"><a href="?sort=-file_number">' in html
    assert '<th scope="col"><a href="?sort=review">' in html
    html = client.get(LIST, {"sort": "-file_number"}).content.decode()
    assert '<th scope="col" aria-sort="descending"><a href="?sort=file_number">' in html
    assert html.count("aria-sort") == 1


def test_a_file_whose_model_became_ce_marked_can_still_be_edited(client, mt, mft, adapter, file):
    device_services.device_model_update(actor=mt, model=adapter, conformity="ce")
    _login(client, mt)
    detail = client.get(_detail(file)).content.decode()
    assert "Produktmodellen är inte längre registrerad som egentillverkad." in detail
    response = client.post(_edit(file), _form(mft, qms_reference="Rutin MFT-R-014"))
    assert response.status_code == 302
    file.refresh_from_db()
    assert file.qms_reference == "Rutin MFT-R-014"
    assert _listed(client.get(LIST, {"evidence": "incomplete"})) == [file.file_number]


def test_the_detail_page_names_no_unit_the_reader_cannot_see(client, org, mt, adapter, file, hold):
    hold(adapter, org.private_pcc, "EGT-PRIV-1")
    html = _login(client, org.colleague).get(_detail(file)).content.decode()
    assert "Privat VC" not in html
    assert "Finns hos 1 enhet med annan vårdgivare." in html
