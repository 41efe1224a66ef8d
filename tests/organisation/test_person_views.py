"""People pages: list (with export), detail, edit, create, and giving and revoking roles."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent
from medtek.organisation import services
from medtek.organisation.models import RoleGrant, User
from medtek.organisation.roles import Role

EVERYONE = {"owner", "colleague", "outsider", "auditor", "admin", "private_staff"}
VISIBLE = {
    "owner": {"owner", "colleague"},
    "colleague": {"owner", "colleague"},
    "outsider": {"outsider"},
    "auditor": EVERYONE,
    "admin": EVERYONE,
    "private_staff": {"private_staff"},
}
PERSONAS = sorted(VISIBLE)

LIST = reverse("organisation:person_list")
CREATE = reverse("organisation:person_create")


@pytest.fixture
def dual(org):
    """Staff of unit A and head of unit B: each side should see only its own grant."""
    person = services.person_create(
        actor=SYSTEM, username="dual", first_name="Dana", last_name="Dubbel"
    )
    services.role_grant(actor=SYSTEM, user=person, unit=org.unit_a, role=Role.UNIT_STAFF)
    services.role_grant(actor=SYSTEM, user=person, unit=org.unit_b, role=Role.HEAD_OF_UNIT)
    return person


def _login(client, org, persona):
    client.force_login(getattr(org, persona))
    return client


def _detail(person):
    return reverse("organisation:person_detail", args=[person.pk])


def _edit(person):
    return reverse("organisation:person_edit", args=[person.pk])


def _grant_url(person):
    return reverse("organisation:grant_create", args=[person.pk])


def _revoke_url(grant):
    return reverse("organisation:grant_revoke", args=[grant.pk])


def _csv(response):
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff"), "Swedish Excel needs the byte-order mark"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _xlsx(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _usernames(org, personas):
    return {getattr(org, p).username for p in personas}


def _form(person, **changes):
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "title": person.title,
        "hsa_id": person.hsa_id,
        "phone": person.phone,
        "is_active": "on" if person.is_active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def _new(**changes):
    data = {
        "username": "nina",
        "first_name": "Nina",
        "last_name": "Ny",
        "email": "nina@example.org",
        "title": "Sjuksköterska",
        "hsa_id": "SE2321000032-nina1",
        "phone": "010-123 45 67",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def _state():
    # Logging in stamps last_login; that is no change to the person.
    people = [
        {k: v for k, v in row.items() if k != "last_login"}
        for row in User.objects.order_by("pk").values()
    ]
    grants = list(RoleGrant.objects.order_by("pk").values())
    return people, grants, AuditEvent.objects.count()


# Anonymous ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["list", "detail", "edit", "create", "export", "grant"])
def test_it_sends_anonymous_visitors_to_the_login_page(client, org, page):
    url = {
        "list": LIST,
        "detail": _detail(org.colleague),
        "edit": _edit(org.colleague),
        "create": CREATE,
        "export": LIST + "?export=csv",
        "grant": _grant_url(org.colleague),
    }[page]
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


def test_it_changes_nothing_for_an_anonymous_post(client, org):
    state = _state()
    client.post(CREATE, _new())
    client.post(_edit(org.colleague), _form(org.colleague, title="Hacked"))
    assert _state() == state


# List and export ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lists_only_people_on_visible_units(client, org, persona):
    response = _login(client, org, persona).get(LIST)
    assert response.status_code == 200
    assert set(response.context["page"].object_list) == {getattr(org, p) for p in VISIBLE[persona]}
    page = response.content.decode()
    for other in EVERYONE - VISIBLE[persona]:
        assert _detail(getattr(org, other)) not in page


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_exports_only_visible_people_as_csv(client, org, persona):
    response = _login(client, org, persona).get(LIST, {"export": "csv", "codes": "1"})
    header, *body = _csv(response)
    assert header == ["id", "username", "first_name", "last_name", "email", "title", "active"]
    assert {row[1] for row in body} == _usernames(org, VISIBLE[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_exports_only_visible_people_as_xlsx(client, org, persona):
    header, *body = _xlsx(_login(client, org, persona).get(LIST, {"export": "xlsx"}))
    assert header == [
        "ID",
        "Användarnamn",
        "Förnamn",
        "Efternamn",
        "E-postadress",
        "Titel",
        "Aktiv",
    ]
    assert {row[1] for row in body} == _usernames(org, VISIBLE[persona])
    assert {row[4] for row in body} == {getattr(org, p).email for p in VISIBLE[persona]}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_exports_the_filtered_list(client, org, fmt):
    response = _login(client, org, "admin").get(LIST, {"export": fmt, "role": Role.AUDITOR})
    _header, *body = _csv(response) if fmt == "csv" else _xlsx(response)
    assert [row[1] for row in body] == ["auditor"]


def test_it_filters_by_unit_and_below(client, org):
    response = _login(client, org, "auditor").get(LIST, {"unit": org.hsf.pk})
    expected = {org.owner, org.colleague, org.outsider, org.private_staff}
    assert set(response.context["page"].object_list) == expected


def test_it_searches_by_name(client, org):
    response = _login(client, org, "owner").get(LIST, {"q": "colleague"})
    assert list(response.context["page"].object_list) == [org.colleague]


def test_it_finds_nobody_on_a_unit_the_persona_cannot_see(client, org):
    response = _login(client, org, "outsider").get(LIST, {"unit": org.unit_a.pk})
    assert list(response.context["page"].object_list) == []


def test_it_does_not_reveal_roles_held_on_invisible_units(client, org, dual):
    # The owner sees dual (staff of A), but dual's headship of B is not the owner's business.
    client = _login(client, org, "owner")
    assert dual in client.get(LIST).context["page"].object_list
    response = client.get(LIST, {"role": Role.HEAD_OF_UNIT})
    assert set(response.context["page"].object_list) == {org.owner}


# Detail -------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", sorted(EVERYONE))
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_a_person_only_to_those_who_may_see_them(client, org, persona, target):
    response = _login(client, org, persona).get(_detail(getattr(org, target)))
    assert response.status_code == (200 if target in VISIBLE[persona] else 404)


def test_it_shows_only_the_grants_on_visible_units(client, org, dual):
    response = _login(client, org, "owner").get(_detail(dual))
    assert [(g.unit, g.role) for g in response.context["grants"]] == [(org.unit_a, Role.UNIT_STAFF)]
    assert reverse("organisation:unit_detail", args=[org.unit_b.pk]) not in (
        response.content.decode()
    )
    response = _login(client, org, "outsider").get(_detail(dual))
    assert [(g.unit, g.role) for g in response.context["grants"]] == [
        (org.unit_b, Role.HEAD_OF_UNIT)
    ]


def test_it_shows_the_edit_link_only_to_administrators(client, org):
    page = _login(client, org, "admin").get(_detail(org.colleague)).content.decode()
    assert _edit(org.colleague) in page
    for persona in ("auditor", "owner"):
        page = _login(client, org, persona).get(_detail(org.colleague)).content.decode()
        assert _edit(org.colleague) not in page
        assert _grant_url(org.colleague) not in page


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
    response = _login(client, org, persona).get(_edit(org.colleague))
    assert response.status_code == EDIT_STATUS[persona]


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"admin"}))
def test_it_changes_nothing_when_others_post_an_edit(client, org, persona):
    state = _state()
    response = _login(client, org, persona).post(
        _edit(org.colleague), _form(org.colleague, title="Chef", is_active="")
    )
    assert response.status_code == EDIT_STATUS[persona]
    assert _state() == state


def test_it_saves_an_edit_and_records_it(client, org):
    response = _login(client, org, "admin").post(
        _edit(org.colleague), _form(org.colleague, title="Undersköterska", phone="010-1")
    )
    assert response.status_code == 302
    assert response.url == _detail(org.colleague)
    org.colleague.refresh_from_db()
    assert (org.colleague.title, org.colleague.phone) == ("Undersköterska", "010-1")
    event = AuditEvent.objects.get(action="person.update", object_id=str(org.colleague.pk))
    assert event.actor == org.admin
    assert event.source == "web"
    assert (event.before["title"], event.after["title"]) == ("", "Undersköterska")


def test_it_deactivates_a_person(client, org):
    response = _login(client, org, "admin").post(
        _edit(org.colleague), _form(org.colleague, is_active="")
    )
    assert response.status_code == 302
    org.colleague.refresh_from_db()
    assert not org.colleague.is_active
    # A deactivated person sees nothing any more.
    client.force_login(org.colleague)
    assert client.get(LIST).status_code == 302


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"hsa_id": "not-an-hsa-id"}, "hsa_id"),
        ({"hsa_id": "SE12-abc"}, "hsa_id"),
    ],
)
def test_it_rejects_bad_input_on_edit(client, org, changes, field):
    state = _state()
    response = _login(client, org, "admin").post(
        _edit(org.colleague), _form(org.colleague, **changes)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert _state() == state


# Create -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_administrators_open_the_create_page(client, org, persona):
    status = _login(client, org, persona).get(CREATE).status_code
    assert status == (200 if persona == "admin" else 403)


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"admin"}))
def test_it_creates_nobody_for_others(client, org, persona):
    state = _state()
    assert _login(client, org, persona).post(CREATE, _new()).status_code == 403
    assert _state() == state


def test_it_creates_a_person_and_records_it(client, org):
    response = _login(client, org, "admin").post(CREATE, _new())
    person = User.objects.get(username="nina")
    assert response.status_code == 302
    assert response.url == _detail(person)
    assert (person.first_name, person.last_name, person.email, person.title) == (
        "Nina",
        "Ny",
        "nina@example.org",
        "Sjuksköterska",
    )
    assert not person.has_usable_password()
    event = AuditEvent.objects.get(action="person.create", object_id=str(person.pk))
    assert event.actor == org.admin
    assert event.after["username"] == "nina"


def test_it_shows_the_new_person_to_the_administrator(client, org):
    response = _login(client, org, "admin").post(CREATE, _new(), follow=True)
    assert response.status_code == 200
    assert response.context["person"].username == "nina"
    person = User.objects.get(username="nina")
    assert client.get(_grant_url(person)).status_code == 200


def test_it_keeps_the_hsa_id_and_phone_given_on_create(client, org):
    _login(client, org, "admin").post(CREATE, _new())
    person = User.objects.get(username="nina")
    assert (person.hsa_id, person.phone) == ("SE2321000032-nina1", "010-123 45 67")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "owner"}, "username"),
        ({"username": "no spaces please"}, "username"),
        ({"username": ""}, "username"),
        ({"email": "nina(at)example.org"}, "email"),
        ({"hsa_id": "nina"}, "hsa_id"),
    ],
)
def test_it_rejects_bad_input_on_create(client, org, changes, field):
    state = _state()
    response = _login(client, org, "admin").post(CREATE, _new(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert _state() == state


# Giving and revoking roles ------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_administrators_give_roles(client, org, persona):
    state = _state()
    client = _login(client, org, persona)
    data = {"role": Role.QUALITY_LEAD, "unit": org.unit_a.pk}
    response = client.post(_grant_url(org.colleague), data)
    if persona == "admin":
        assert response.status_code == 302
        grant = RoleGrant.objects.get(user=org.colleague, role=Role.QUALITY_LEAD)
        assert grant.unit == org.unit_a
        assert grant.granted_by == org.admin
        event = AuditEvent.objects.get(action="role.grant", object_id=str(grant.pk))
        assert event.actor == org.admin
    else:
        assert response.status_code == EDIT_STATUS[persona]
        assert _state() == state


def test_it_rejects_a_role_the_person_already_has(client, org):
    state = _state()
    response = _login(client, org, "admin").post(
        _grant_url(org.colleague), {"role": Role.UNIT_STAFF, "unit": org.unit_a.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _state() == state


def test_it_gives_a_new_person_a_role_and_so_access(client, org):
    client = _login(client, org, "admin")
    client.post(CREATE, _new())
    person = User.objects.get(username="nina")
    response = client.post(_grant_url(person), {"role": Role.UNIT_STAFF, "unit": org.unit_b.pk})
    assert response.status_code == 302
    assert person in _login(client, org, "outsider").get(LIST).context["page"].object_list


def _colleagues_grant(org):
    return RoleGrant.objects.get(user=org.colleague, unit=org.unit_a)


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"admin"}))
def test_it_lets_only_administrators_revoke_roles(client, org, persona):
    state = _state()
    response = _login(client, org, persona).post(
        _revoke_url(_colleagues_grant(org)), {"reason": "Slutat"}
    )
    assert response.status_code == EDIT_STATUS[persona]
    assert _state() == state


def test_it_requires_a_reason_to_revoke(client, org):
    state = _state()
    response = _login(client, org, "admin").post(
        _revoke_url(_colleagues_grant(org)), {"reason": ""}
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert _state() == state


def test_it_revokes_a_role_and_keeps_the_record(client, org):
    grant = _colleagues_grant(org)
    client = _login(client, org, "admin")
    response = client.post(_revoke_url(grant), {"reason": "Slutat 2026-03-31"})
    assert response.status_code == 302
    assert response.url == _detail(org.colleague)
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert grant.revoked_by == org.admin
    event = AuditEvent.objects.get(action="role.revoke", object_id=str(grant.pk))
    assert event.reason == "Slutat 2026-03-31"
    # Still listed on the person's page, as revoked, and cannot be revoked twice.
    assert grant in client.get(_detail(org.colleague)).context["grants"]
    assert client.get(_revoke_url(grant)).status_code == 404
    # The colleague no longer sees unit A.
    client.force_login(org.colleague)
    assert client.get(reverse("organisation:unit_detail", args=[org.unit_a.pk])).status_code == 404
