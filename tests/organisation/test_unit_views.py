"""Unit pages: list (with export), detail, edit and create, for every persona."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent
from medtek.organisation import services
from medtek.organisation.models import Unit
from medtek.organisation.roles import Role

ALL_UNITS = {"region", "hsf", "unit_a", "unit_a_child", "unit_b", "private_pcc"}
VISIBLE = {
    "owner": {"unit_a", "unit_a_child"},
    "colleague": {"unit_a", "unit_a_child"},
    "outsider": {"unit_b"},
    "auditor": ALL_UNITS,
    "admin": ALL_UNITS,
    "private_staff": {"private_pcc"},
}
PERSONAS = sorted(VISIBLE)


def _login(client, org, persona):
    client.force_login(getattr(org, persona))
    return client


def _names(org, keys):
    return {getattr(org, k).name for k in keys}


def _csv(response):
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff"), "Swedish Excel needs the byte-order mark"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _xlsx(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _form(unit, **changes):
    """What the edit form posts when the user changes only ``changes``."""
    data = {
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "parent": unit.parent_id or "",
        "care_provider": unit.care_provider_id,
        "hsa_id": unit.hsa_id,
        "active": "on" if unit.active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def _paths():
    return dict(Unit.objects.values_list("pk", "path"))


def _state():
    return list(Unit.objects.order_by("pk").values()), AuditEvent.objects.count()


LIST = reverse("organisation:unit_list")
CREATE = reverse("organisation:unit_create")


def _detail(unit):
    return reverse("organisation:unit_detail", args=[unit.pk])


def _edit(unit):
    return reverse("organisation:unit_edit", args=[unit.pk])


# Anonymous ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["list", "detail", "edit", "create", "export"])
def test_it_sends_anonymous_visitors_to_the_login_page(client, org, page):
    url = {
        "list": LIST,
        "detail": _detail(org.unit_a),
        "edit": _edit(org.unit_a),
        "create": CREATE,
        "export": LIST + "?export=csv",
    }[page]
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


def test_it_changes_nothing_for_an_anonymous_post(client, org):
    state = _state()
    response = client.post(_edit(org.unit_a), _form(org.unit_a, name="Hacked"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert _state() == state


# List and export ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lists_only_the_units_the_persona_may_see(client, org, persona):
    response = _login(client, org, persona).get(LIST)
    assert response.status_code == 200
    assert set(response.context["page"].object_list) == {getattr(org, k) for k in VISIBLE[persona]}
    for key in ALL_UNITS - VISIBLE[persona]:
        assert _detail(getattr(org, key)) not in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_exports_only_visible_units_as_csv(client, org, persona):
    rows = _csv(_login(client, org, persona).get(LIST, {"export": "csv", "codes": "1"}))
    header, *body = rows
    assert header[:2] == ["id", "name"]
    assert {row[1] for row in body} == _names(org, VISIBLE[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_exports_only_visible_units_as_xlsx(client, org, persona):
    rows = _xlsx(_login(client, org, persona).get(LIST, {"export": "xlsx"}))
    header, *body = rows
    assert header[:2] == ["ID", "Namn"]
    assert {row[1] for row in body} == _names(org, VISIBLE[persona])
    assert {row[0] for row in body} == {getattr(org, k).pk for k in VISIBLE[persona]}


def test_it_exports_the_columns_a_reader_needs(client, org):
    rows = _csv(_login(client, org, "admin").get(LIST, {"export": "csv", "q": "Privat VC"}))
    assert rows == [
        [
            "ID",
            "Namn",
            "Kortnamn",
            "Typ",
            "Överordnad enhet",
            "Vårdgivare",
            "Regiform",
            "HSA-id",
            "Aktiv",
        ],
        [
            str(org.private_pcc.pk),
            "Privat VC",
            "",
            "Vårdcentral",
            "HSF",
            "Privat Vård AB",
            "Privat vårdgivare inom vårdval",
            "",
            "Ja",
        ],
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_exports_the_filtered_list(client, org, fmt):
    response = _login(client, org, "admin").get(LIST, {"export": fmt, "kind": "department"})
    _header, *body = _csv(response) if fmt == "csv" else _xlsx(response)
    assert [row[1] for row in body] == ["Unit A1"]


def test_it_filters_by_kind(client, org):
    response = _login(client, org, "auditor").get(LIST, {"kind": "primary_care_centre"})
    assert list(response.context["page"].object_list) == [org.private_pcc]


def test_it_filters_by_subtree(client, org):
    response = _login(client, org, "auditor").get(LIST, {"within": org.unit_a.pk})
    assert set(response.context["page"].object_list) == {org.unit_a, org.unit_a_child}


def test_it_filters_by_operator(client, org):
    response = _login(client, org, "auditor").get(LIST, {"operator": "private"})
    assert list(response.context["page"].object_list) == [org.private_pcc]


def test_it_searches_by_name(client, org):
    response = _login(client, org, "owner").get(LIST, {"q": "a1"})
    assert list(response.context["page"].object_list) == [org.unit_a_child]


def test_it_does_not_search_outside_the_personas_units(client, org):
    response = _login(client, org, "outsider").get(LIST, {"q": "Unit A"})
    assert list(response.context["page"].object_list) == []


def test_it_shows_nothing_for_a_subtree_the_persona_cannot_see(client, org):
    response = _login(client, org, "outsider").get(LIST, {"within": org.unit_a.pk})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    rows = _csv(client.get(LIST, {"within": org.unit_a.pk, "export": "csv"}))
    assert rows[1:] == []


def test_it_sorts_by_name_descending(client, org):
    response = _login(client, org, "admin").get(LIST, {"sort": "-name"})
    names = [u.name for u in response.context["page"].object_list]
    assert names == sorted(names, reverse=True)


def test_it_offers_new_unit_only_to_administrators(client, org):
    assert CREATE in _login(client, org, "admin").get(LIST).content.decode()
    assert CREATE not in _login(client, org, "auditor").get(LIST).content.decode()
    assert CREATE not in _login(client, org, "owner").get(LIST).content.decode()


# Detail -------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", sorted(ALL_UNITS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_a_unit_only_to_those_who_may_see_it(client, org, persona, unit):
    response = _login(client, org, persona).get(_detail(getattr(org, unit)))
    assert response.status_code == (200 if unit in VISIBLE[persona] else 404)


def test_it_handles_a_unit_that_does_not_exist(client, org):
    assert _login(client, org, "admin").get("/organisation/units/999999/").status_code == 404


def test_it_shows_the_people_with_roles_on_the_unit(client, org):
    response = _login(client, org, "owner").get(_detail(org.unit_a))
    assert {g.user for g in response.context["grants"]} == {org.owner, org.colleague}
    assert "Colleague Testsson" in response.content.decode()


def test_it_shows_sub_units(client, org):
    response = _login(client, org, "colleague").get(_detail(org.unit_a))
    assert list(response.context["children"]) == [org.unit_a_child]


def test_it_does_not_show_ancestors_the_persona_cannot_see(client, org):
    response = _login(client, org, "owner").get(_detail(org.unit_a_child))
    page = response.content.decode()
    assert list(response.context["ancestors"]) == [org.unit_a]
    assert _detail(org.unit_a) in page
    assert _detail(org.hsf) not in page
    assert _detail(org.region) not in page


def test_it_shows_the_edit_link_only_to_administrators(client, org):
    assert (
        _edit(org.unit_a) in _login(client, org, "admin").get(_detail(org.unit_a)).content.decode()
    )
    for persona in ("owner", "auditor"):
        page = _login(client, org, persona).get(_detail(org.unit_a)).content.decode()
        assert _edit(org.unit_a) not in page


# Edit ---------------------------------------------------------------------------------------

EDIT_STATUS = {
    "admin": 200,
    "auditor": 403,
    "owner": 403,
    "colleague": 403,
    "outsider": 404,
    "private_staff": 404,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_administrators_open_the_edit_page(client, org, persona):
    assert _login(client, org, persona).get(_edit(org.unit_a)).status_code == EDIT_STATUS[persona]


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"admin"}))
def test_it_changes_nothing_when_others_post_an_edit(client, org, persona):
    state = _state()
    response = _login(client, org, persona).post(
        _edit(org.unit_a), _form(org.unit_a, name="Taken over", parent=org.unit_b.pk)
    )
    assert response.status_code == EDIT_STATUS[persona]
    assert _state() == state


def test_it_saves_an_edit_and_records_it(client, org):
    response = _login(client, org, "admin").post(
        _edit(org.unit_a), _form(org.unit_a, name="Unit Alfa", short_name="UA")
    )
    assert response.status_code == 302
    assert response.url == _detail(org.unit_a)
    org.unit_a.refresh_from_db()
    assert (org.unit_a.name, org.unit_a.short_name) == ("Unit Alfa", "UA")
    event = AuditEvent.objects.get(action="unit.update", object_id=str(org.unit_a.pk))
    assert event.actor == org.admin
    assert event.source == "web"
    assert event.request_id
    assert event.before["name"] == "Unit A"
    assert event.after["name"] == "Unit Alfa"


def test_it_moves_a_unit_with_its_sub_units(client, org):
    response = _login(client, org, "admin").post(
        _edit(org.unit_a), _form(org.unit_a, parent=org.unit_b.pk)
    )
    assert response.status_code == 302
    org.unit_a.refresh_from_db()
    org.unit_a_child.refresh_from_db()
    assert org.unit_a.path == f"{org.unit_b.path}{org.unit_a.pk}/"
    assert org.unit_a_child.path.startswith(org.unit_a.path)
    # The people of unit B now see the moved units.
    response = _login(client, org, "outsider").get(_detail(org.unit_a_child))
    assert response.status_code == 200


def test_it_does_not_offer_a_unit_below_itself_as_parent(client, org):
    client = _login(client, org, "admin")
    choices = set(client.get(_edit(org.unit_a)).context["form"].fields["parent"].queryset)
    assert org.unit_a not in choices
    assert org.unit_a_child not in choices
    assert org.unit_b in choices
    state = _state()
    response = client.post(_edit(org.unit_a), _form(org.unit_a, parent=org.unit_a_child.pk))
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert _state() == state


def test_it_rejects_a_bad_hsa_id_on_edit(client, org):
    state = _state()
    response = _login(client, org, "admin").post(
        _edit(org.unit_a), _form(org.unit_a, hsa_id="not-an-hsa-id")
    )
    assert response.status_code == 200
    assert "hsa_id" in response.context["form"].errors
    assert 'id="id_hsa_id_errors"' in response.content.decode()
    assert _state() == state


def test_it_rejects_an_hsa_id_another_unit_has(client, org):
    services.unit_update(actor=SYSTEM, unit=org.unit_b, hsa_id="SE2321000032-b1")
    state = _state()
    response = _login(client, org, "admin").post(
        _edit(org.unit_a), _form(org.unit_a, hsa_id="SE2321000032-b1")
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _state() == state


def test_it_lets_the_region_be_edited_without_a_parent(client, org):
    response = _login(client, org, "admin").post(
        _edit(org.region), _form(org.region, short_name="RT")
    )
    assert response.status_code == 302
    org.region.refresh_from_db()
    assert org.region.short_name == "RT"
    assert org.region.parent is None


# Create -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_administrators_open_the_create_page(client, org, persona):
    status = _login(client, org, persona).get(CREATE).status_code
    assert status == (200 if persona == "admin" else 403)


def _new_unit(org, **changes):
    data = {
        "name": "Unit A2",
        "kind": Unit.Kind.DEPARTMENT,
        "parent": org.unit_a.pk,
        "care_provider": org.region_provider.pk,
        "active": "on",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"admin"}))
def test_it_creates_nothing_for_others(client, org, persona):
    state = _state()
    response = _login(client, org, persona).post(CREATE, _new_unit(org))
    assert response.status_code == 403
    assert _state() == state


def test_it_creates_a_unit_and_records_it(client, org):
    response = _login(client, org, "admin").post(CREATE, _new_unit(org, hsa_id="SE2321000032-a2"))
    unit = Unit.objects.get(name="Unit A2")
    assert response.status_code == 302
    assert response.url == _detail(unit)
    assert unit.parent == org.unit_a
    assert unit.path == f"{org.unit_a.path}{unit.pk}/"
    event = AuditEvent.objects.get(action="unit.create", object_id=str(unit.pk))
    assert event.actor == org.admin
    assert event.after["hsa_id"] == "SE2321000032-a2"
    # The new unit is part of unit A: its people see it.
    assert _login(client, org, "colleague").get(_detail(unit)).status_code == 200


def test_it_prefills_the_parent(client, org):
    response = _login(client, org, "admin").get(CREATE, {"parent": org.unit_b.pk})
    assert str(response.context["form"]["parent"].value()) == str(org.unit_b.pk)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"hsa_id": "SE12-x"}, "hsa_id"),
        ({"name": ""}, "name"),
        ({"kind": "castle"}, "kind"),
        ({"parent": ""}, "parent"),
        ({"parent": "999999"}, "parent"),
    ],
)
def test_it_rejects_bad_input_on_create(client, org, changes, field):
    state = _state()
    response = _login(client, org, "admin").post(CREATE, _new_unit(org, **changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert _state() == state


def test_it_keeps_a_unit_administrator_to_their_subtree(client, org):
    unit_admin = services.person_create(
        actor=SYSTEM, username="badmin", first_name="B", last_name="A"
    )
    services.role_grant(actor=SYSTEM, user=unit_admin, unit=org.unit_b, role=Role.ADMINISTRATOR)
    client.force_login(unit_admin)
    choices = set(client.get(CREATE).context["form"].fields["parent"].queryset)
    assert choices == {org.unit_b}
    state = _state()
    response = client.post(CREATE, _new_unit(org, parent=org.unit_a.pk))
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert _state() == state
    response = client.post(CREATE, _new_unit(org, parent=org.unit_b.pk, name="Unit B1"))
    assert response.status_code == 302
    assert Unit.objects.get(name="Unit B1").parent == org.unit_b
