"""Care provider pages: list (with export), detail, edit and create, for every persona."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from medtek.core.models import AuditEvent
from medtek.demo.region import org_number
from medtek.organisation.models import CareProvider

BOTH = {"region_provider", "private_provider"}
VISIBLE = {
    "owner": {"region_provider"},
    "colleague": {"region_provider"},
    "outsider": {"region_provider"},
    "auditor": BOTH,
    "admin": BOTH,
    "private_staff": {"private_provider"},
}
PERSONAS = sorted(VISIBLE)
NEW_ORG_NUMBER = org_number("556677889")

LIST = reverse("organisation:care_provider_list")
CREATE = reverse("organisation:care_provider_create")


def _login(client, org, persona):
    client.force_login(getattr(org, persona))
    return client


def _detail(provider):
    return reverse("organisation:care_provider_detail", args=[provider.pk])


def _edit(provider):
    return reverse("organisation:care_provider_edit", args=[provider.pk])


def _csv(response):
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff"), "Swedish Excel needs the byte-order mark"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _xlsx(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _form(provider, **changes):
    data = {
        "name": provider.name,
        "org_number": provider.org_number,
        "operator": provider.operator,
        "contract_reference": provider.contract_reference,
        "active": "on" if provider.active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def _new(**changes):
    data = {
        "name": "Ny Vård AB",
        "org_number": NEW_ORG_NUMBER,
        "operator": CareProvider.Operator.PRIVATE,
        "contract_reference": "VV-7",
        "active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def _state():
    return list(CareProvider.objects.order_by("pk").values()), AuditEvent.objects.count()


# Anonymous ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["list", "detail", "edit", "create", "export"])
def test_it_sends_anonymous_visitors_to_the_login_page(client, org, page):
    url = {
        "list": LIST,
        "detail": _detail(org.region_provider),
        "edit": _edit(org.region_provider),
        "create": CREATE,
        "export": LIST + "?export=xlsx",
    }[page]
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


def test_it_changes_nothing_for_an_anonymous_post(client, org):
    state = _state()
    client.post(CREATE, _new())
    client.post(_edit(org.private_provider), _form(org.private_provider, name="Hacked"))
    assert _state() == state


# List and export ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lists_only_the_providers_of_visible_units(client, org, persona):
    response = _login(client, org, persona).get(LIST)
    assert response.status_code == 200
    expected = {getattr(org, k) for k in VISIBLE[persona]}
    assert set(response.context["page"].object_list) == expected
    page = response.content.decode()
    for key in BOTH - VISIBLE[persona]:
        assert _detail(getattr(org, key)) not in page


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_exports_only_visible_providers_as_csv(client, org, persona):
    response = _login(client, org, persona).get(LIST, {"export": "csv", "codes": "1"})
    header, *body = _csv(response)
    assert header == ["id", "name", "org_number", "operator", "contract_reference", "active"]
    assert {row[2] for row in body} == {getattr(org, k).org_number for k in VISIBLE[persona]}


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_exports_only_visible_providers_as_xlsx(client, org, persona):
    header, *body = _xlsx(_login(client, org, persona).get(LIST, {"export": "xlsx"}))
    assert header[:3] == ["ID", "Namn", "Organisationsnummer"]
    assert {row[1] for row in body} == {getattr(org, k).name for k in VISIBLE[persona]}


def test_it_exports_a_private_providers_contract(client, org):
    header, *body = _csv(_login(client, org, "private_staff").get(LIST, {"export": "csv"}))
    assert header == ["ID", "Namn", "Organisationsnummer", "Regiform", "Vårdvalsavtal", "Aktiv"]
    assert body == [
        [
            str(org.private_provider.pk),
            "Privat Vård AB",
            org.private_provider.org_number,
            "Privat vårdgivare inom vårdval",
            "VV-1",
            "Ja",
        ]
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_exports_the_filtered_list(client, org, fmt):
    response = _login(client, org, "auditor").get(LIST, {"export": fmt, "operator": "region"})
    _header, *body = _csv(response) if fmt == "csv" else _xlsx(response)
    assert [row[1] for row in body] == ["Region Test"]


def test_it_searches_by_org_number(client, org):
    digits = org.private_provider.org_number[:6]
    response = _login(client, org, "admin").get(LIST, {"q": digits})
    assert list(response.context["page"].object_list) == [org.private_provider]


def test_it_does_not_find_invisible_providers(client, org):
    response = _login(client, org, "owner").get(LIST, {"q": "Privat"})
    assert list(response.context["page"].object_list) == []


# Detail -------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", sorted(BOTH))
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_a_provider_only_to_those_who_may_see_it(client, org, persona, provider):
    response = _login(client, org, persona).get(_detail(getattr(org, provider)))
    assert response.status_code == (200 if provider in VISIBLE[persona] else 404)


def test_it_lists_only_the_visible_units_of_a_provider(client, org):
    response = _login(client, org, "outsider").get(_detail(org.region_provider))
    assert list(response.context["units"]) == [org.unit_b]
    page = response.content.decode()
    assert reverse("organisation:unit_detail", args=[org.unit_a.pk]) not in page


def test_it_shows_the_edit_link_only_to_administrators(client, org):
    page = _login(client, org, "admin").get(_detail(org.region_provider)).content.decode()
    assert _edit(org.region_provider) in page
    page = _login(client, org, "auditor").get(_detail(org.region_provider)).content.decode()
    assert _edit(org.region_provider) not in page


# Edit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", sorted(BOTH))
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_administrators_open_the_edit_page(client, org, persona, provider):
    status = _login(client, org, persona).get(_edit(getattr(org, provider))).status_code
    if persona == "admin":
        assert status == 200
    elif provider in VISIBLE[persona]:
        assert status == 403
    else:
        assert status == 404


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"admin"}))
def test_it_changes_nothing_when_others_post_an_edit(client, org, persona):
    state = _state()
    for provider in (org.region_provider, org.private_provider):
        response = _login(client, org, persona).post(
            _edit(provider), _form(provider, name="Taken over")
        )
        assert response.status_code in (403, 404)
    assert _state() == state


def test_it_saves_an_edit_and_records_it(client, org):
    response = _login(client, org, "admin").post(
        _edit(org.private_provider),
        _form(org.private_provider, contract_reference="VV-2026-04"),
    )
    assert response.status_code == 302
    assert response.url == _detail(org.private_provider)
    org.private_provider.refresh_from_db()
    assert org.private_provider.contract_reference == "VV-2026-04"
    event = AuditEvent.objects.get(
        action="care_provider.update", object_id=str(org.private_provider.pk)
    )
    assert event.actor == org.admin
    assert event.source == "web"
    assert (event.before["contract_reference"], event.after["contract_reference"]) == (
        "VV-1",
        "VV-2026-04",
    )


@pytest.mark.parametrize("bad", ["556677-8890", "12345", "abcdefghij"])
def test_it_rejects_a_bad_org_number_on_edit(client, org, bad):
    state = _state()
    response = _login(client, org, "admin").post(
        _edit(org.private_provider), _form(org.private_provider, org_number=bad)
    )
    assert response.status_code == 200
    assert "org_number" in response.context["form"].errors
    assert 'id="id_org_number_errors"' in response.content.decode()
    assert _state() == state


def test_it_rejects_a_contract_for_a_region_run_provider(client, org):
    state = _state()
    response = _login(client, org, "admin").post(
        _edit(org.region_provider), _form(org.region_provider, contract_reference="VV-3")
    )
    assert response.status_code == 200
    assert "contract_reference" in response.context["form"].errors
    assert _state() == state


def test_it_rejects_an_org_number_another_provider_has(client, org):
    state = _state()
    response = _login(client, org, "admin").post(
        _edit(org.private_provider),
        _form(org.private_provider, org_number=org.region_provider.org_number.replace("-", "")),
    )
    assert response.status_code == 200
    assert "org_number" in response.context["form"].errors
    assert _state() == state


# Create -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_administrators_open_the_create_page(client, org, persona):
    status = _login(client, org, persona).get(CREATE).status_code
    assert status == (200 if persona == "admin" else 403)


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"admin"}))
def test_it_creates_nothing_for_others(client, org, persona):
    state = _state()
    assert _login(client, org, persona).post(CREATE, _new()).status_code == 403
    assert _state() == state


def test_it_creates_a_provider_and_records_it(client, org):
    response = _login(client, org, "admin").post(
        CREATE, _new(org_number=NEW_ORG_NUMBER.replace("-", ""))
    )
    provider = CareProvider.objects.get(name="Ny Vård AB")
    assert response.status_code == 302
    assert response.url == _detail(provider)
    assert provider.org_number == NEW_ORG_NUMBER
    assert provider.contract_reference == "VV-7"
    event = AuditEvent.objects.get(action="care_provider.create", object_id=str(provider.pk))
    assert event.actor == org.admin
    assert event.after["org_number"] == NEW_ORG_NUMBER
    # A provider with no units yet is still the administrator's to see.
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"org_number": "556677-8890"}, "org_number"),
        ({"org_number": ""}, "org_number"),
        ({"name": ""}, "name"),
        ({"operator": "cooperative"}, "operator"),
        ({"operator": "region"}, "contract_reference"),
    ],
)
def test_it_rejects_bad_input_on_create(client, org, changes, field):
    state = _state()
    response = _login(client, org, "admin").post(CREATE, _new(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert _state() == state
