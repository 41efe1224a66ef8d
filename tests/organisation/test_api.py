"""The organisation API (/api/v1/units/, care-providers/, people/): the same scoping as the pages,
writes only for administrators, audited, and JSON errors with field messages."""

import pytest

from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent
from medtek.demo.region import org_number
from medtek.organisation import services
from medtek.organisation.models import CareProvider, RoleGrant, Unit, User
from medtek.organisation.roles import Role
from tests import factories

UNITS = "/api/v1/units/"
PROVIDERS = "/api/v1/care-providers/"
PEOPLE = "/api/v1/people/"

ALL_UNITS = {"region", "hsf", "unit_a", "unit_a_child", "unit_b", "private_pcc"}
EVERYONE = {"owner", "colleague", "outsider", "auditor", "admin", "private_staff"}
BOTH_PROVIDERS = {"region_provider", "private_provider"}
VISIBLE_UNITS = {
    "owner": {"unit_a", "unit_a_child"},
    "colleague": {"unit_a", "unit_a_child"},
    "outsider": {"unit_b"},
    "auditor": ALL_UNITS,
    "admin": ALL_UNITS,
    "private_staff": {"private_pcc"},
}
VISIBLE_PROVIDERS = {
    "owner": {"region_provider"},
    "colleague": {"region_provider"},
    "outsider": {"region_provider"},
    "auditor": BOTH_PROVIDERS,
    "admin": BOTH_PROVIDERS,
    "private_staff": {"private_provider"},
}
VISIBLE_PEOPLE = {
    "owner": {"owner", "colleague"},
    "colleague": {"owner", "colleague"},
    "outsider": {"outsider"},
    "auditor": EVERYONE,
    "admin": EVERYONE,
    "private_staff": {"private_staff"},
}
#: The unit each persona works in (where a write would be attempted).
HOME_UNIT = {
    "owner": "unit_a",
    "colleague": "unit_a",
    "outsider": "unit_b",
    "auditor": "region",
    "admin": "region",
    "private_staff": "private_pcc",
}
PERSONAS = sorted(VISIBLE_UNITS)
NOT_ADMIN = sorted(set(PERSONAS) - {"admin"})
NEW_ORG_NUMBER = org_number("556677889")


@pytest.fixture
def dual(org):
    """Staff of unit A and head of unit B: each side should see only its own grant."""
    person = services.person_create(
        actor=SYSTEM, username="dual", first_name="Dana", last_name="Dubbel"
    )
    services.role_grant(actor=SYSTEM, user=person, unit=org.unit_a, role=Role.UNIT_STAFF)
    services.role_grant(actor=SYSTEM, user=person, unit=org.unit_b, role=Role.HEAD_OF_UNIT)
    return person


def _as(api, org, persona):
    return api.as_(getattr(org, persona))


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _pks(org, keys):
    return {getattr(org, k).pk for k in keys}


def _state():
    models = (Unit, CareProvider, RoleGrant)
    rows = [list(m.objects.order_by("pk").values()) for m in models]
    people = [
        {k: v for k, v in row.items() if k != "last_login"}
        for row in User.objects.order_by("pk").values()
    ]
    return rows, people, AuditEvent.objects.count()


def _assert_error(response, status, fields=()):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert set(body["errors"]) == set(fields)
    for messages in body["errors"].values():
        assert isinstance(messages, list)
        assert messages
        assert all(isinstance(m, str) and m for m in messages)
    return body


# Anonymous ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [UNITS, PROVIDERS, PEOPLE])
def test_it_refuses_anonymous_callers(api, org, url):
    _assert_error(api.as_(None).get(url), 401)


@pytest.mark.parametrize("method", ["get", "patch"])
def test_it_refuses_anonymous_callers_on_one_object(api, org, method):
    state = _state()
    response = getattr(api.as_(None), method)(f"{UNITS}{org.unit_a.pk}/", {"name": "X"})
    _assert_error(response, 401)
    assert _state() == state


def test_it_refuses_a_bad_token(api, org):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    _assert_error(api.get(UNITS), 401)


def test_it_creates_nothing_for_anonymous_callers(api, org):
    state = _state()
    api.as_(None)
    _assert_error(api.post(PROVIDERS, {"name": "X", "org_number": NEW_ORG_NUMBER}), 401)
    _assert_error(api.post(PEOPLE, {"username": "x"}), 401)
    assert _state() == state


# Lists --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lists_only_visible_units(api, org, persona):
    response = _as(api, org, persona).get(UNITS)
    assert _ids(response) == _pks(org, VISIBLE_UNITS[persona])
    assert response.json()["count"] == len(VISIBLE_UNITS[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lists_only_visible_care_providers(api, org, persona):
    assert _ids(_as(api, org, persona).get(PROVIDERS)) == _pks(org, VISIBLE_PROVIDERS[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lists_only_visible_people(api, org, persona):
    assert _ids(_as(api, org, persona).get(PEOPLE)) == _pks(org, VISIBLE_PEOPLE[persona])


def test_it_describes_a_unit(api, org):
    body = _as(api, org, "private_staff").get(f"{UNITS}{org.private_pcc.pk}/").json()
    assert body["name"] == "Privat VC"
    assert body["kind"] == "primary_care_centre"
    assert body["parent"] == org.hsf.pk
    assert body["care_provider"] == org.private_provider.pk
    assert body["care_provider_name"] == "Privat Vård AB"
    assert body["operator"] == "private"
    assert body["path"] == org.private_pcc.path


# Filters ------------------------------------------------------------------------------------


def test_it_filters_units_by_kind(api, org):
    response = _as(api, org, "auditor").get(UNITS, {"kind": "department"})
    assert _ids(response) == {org.unit_a_child.pk}


def test_it_filters_units_within_a_subtree(api, org):
    response = _as(api, org, "auditor").get(UNITS, {"within": org.unit_a.pk})
    assert _ids(response) == {org.unit_a.pk, org.unit_a_child.pk}


def test_it_filters_units_by_operator(api, org):
    response = _as(api, org, "admin").get(UNITS, {"operator": "private"})
    assert _ids(response) == {org.private_pcc.pk}


def test_it_searches_units(api, org):
    assert _ids(_as(api, org, "owner").get(UNITS, {"q": "A1"})) == {org.unit_a_child.pk}
    assert _ids(_as(api, org, "outsider").get(UNITS, {"q": "Unit A"})) == set()


def test_it_treats_an_invisible_subtree_like_one_that_does_not_exist(api, org):
    client = _as(api, org, "outsider")
    invisible = client.get(UNITS, {"within": org.unit_a.pk})
    missing = client.get(UNITS, {"within": 999999})
    _assert_error(invisible, 400, ["within"])
    assert invisible.json()["errors"]["within"] == missing.json()["errors"]["within"]


def test_it_rejects_an_unknown_kind(api, org):
    _assert_error(_as(api, org, "admin").get(UNITS, {"kind": "castle"}), 400, ["kind"])


def test_it_filters_care_providers(api, org):
    client = _as(api, org, "auditor")
    assert _ids(client.get(PROVIDERS, {"operator": "private"})) == {org.private_provider.pk}
    assert _ids(client.get(PROVIDERS, {"q": "Region"})) == {org.region_provider.pk}
    assert _ids(_as(api, org, "owner").get(PROVIDERS, {"q": "Privat"})) == set()


def test_it_filters_people(api, org):
    client = _as(api, org, "auditor")
    assert _ids(client.get(PEOPLE, {"q": "colleague"})) == {org.colleague.pk}
    assert _ids(client.get(PEOPLE, {"role": Role.AUDITOR})) == {org.auditor.pk}
    assert _ids(client.get(PEOPLE, {"unit": org.unit_a.pk})) == {org.owner.pk, org.colleague.pk}


def test_it_filters_people_only_by_roles_on_visible_units(api, org, dual):
    client = _as(api, org, "owner")
    assert dual.pk in _ids(client.get(PEOPLE))
    assert _ids(client.get(PEOPLE, {"role": Role.HEAD_OF_UNIT})) == {org.owner.pk}
    assert _ids(client.get(PEOPLE, {"role": Role.UNIT_STAFF})) == {org.colleague.pk, dual.pk}


# People's grants ----------------------------------------------------------------------------


def _grants(api, org, persona, person):
    response = _as(api, org, persona).get(f"{PEOPLE}{person.pk}/")
    assert response.status_code == 200
    return {(g["unit"], g["role"]) for g in response.json()["grants"]}


def test_it_shows_only_grants_on_visible_units(api, org, dual):
    assert _grants(api, org, "owner", dual) == {(org.unit_a.pk, Role.UNIT_STAFF)}
    assert _grants(api, org, "outsider", dual) == {(org.unit_b.pk, Role.HEAD_OF_UNIT)}
    assert _grants(api, org, "auditor", dual) == {
        (org.unit_a.pk, Role.UNIT_STAFF),
        (org.unit_b.pk, Role.HEAD_OF_UNIT),
    }


def test_it_shows_only_grants_on_visible_units_in_the_list(api, org, dual):
    rows = _as(api, org, "outsider").get(PEOPLE).json()["results"]
    (row,) = [r for r in rows if r["id"] == dual.pk]
    assert [(g["unit_name"], g["role"]) for g in row["grants"]] == [("Unit B", "head_of_unit")]


def test_it_leaves_revoked_grants_out(api, org):
    grant = RoleGrant.objects.get(user=org.colleague, unit=org.unit_a)
    services.role_grant(actor=SYSTEM, user=org.colleague, unit=org.unit_b, role=Role.UNIT_STAFF)
    services.role_revoke(actor=SYSTEM, grant=grant, reason="Flyttat till B")
    assert _grants(api, org, "admin", org.colleague) == {(org.unit_b.pk, Role.UNIT_STAFF)}


# Detail -------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", sorted(ALL_UNITS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_a_unit_only_to_those_who_may_see_it(api, org, persona, unit):
    response = _as(api, org, persona).get(f"{UNITS}{getattr(org, unit).pk}/")
    if unit in VISIBLE_UNITS[persona]:
        assert response.status_code == 200
        assert response.json()["id"] == getattr(org, unit).pk
    else:
        _assert_error(response, 404)


@pytest.mark.parametrize("provider", sorted(BOTH_PROVIDERS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_a_care_provider_only_to_those_who_may_see_it(api, org, persona, provider):
    response = _as(api, org, persona).get(f"{PROVIDERS}{getattr(org, provider).pk}/")
    if provider in VISIBLE_PROVIDERS[persona]:
        assert response.status_code == 200
    else:
        _assert_error(response, 404)


@pytest.mark.parametrize("target", sorted(EVERYONE))
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_a_person_only_to_those_who_may_see_them(api, org, persona, target):
    response = _as(api, org, persona).get(f"{PEOPLE}{getattr(org, target).pk}/")
    if target in VISIBLE_PEOPLE[persona]:
        assert response.status_code == 200
        assert response.json()["username"] == getattr(org, target).username
    else:
        _assert_error(response, 404)


def test_it_handles_a_bad_id(api, org):
    _assert_error(_as(api, org, "admin").get(f"{UNITS}abc/"), 404)
    _assert_error(_as(api, org, "admin").get(f"{UNITS}999999/"), 404)


# Writes: units ------------------------------------------------------------------------------


def _write_status(persona, visible):
    """Administrators may write; others get 403 where they can see, 404 where they cannot."""
    if persona == "admin":
        return 200
    return 403 if visible else 404


@pytest.mark.parametrize("persona", NOT_ADMIN)
def test_it_refuses_unit_changes_from_non_administrators(api, org, persona):
    state = _state()
    for key in ("unit_a", "unit_b"):
        response = _as(api, org, persona).patch(
            f"{UNITS}{getattr(org, key).pk}/", {"name": "Taken over"}
        )
        _assert_error(response, _write_status(persona, key in VISIBLE_UNITS[persona]))
    assert _state() == state


def test_it_changes_a_unit_and_records_it(api, org):
    response = _as(api, org, "admin").patch(
        f"{UNITS}{org.unit_a.pk}/",
        {"name": "Unit Alfa", "hsa_id": "SE2321000032-ua"},
        HTTP_X_REQUEST_ID="req-42",
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Unit Alfa"
    assert response["X-Request-ID"] != "req-42"
    org.unit_a.refresh_from_db()
    assert (org.unit_a.name, org.unit_a.hsa_id) == ("Unit Alfa", "SE2321000032-ua")
    event = AuditEvent.objects.get(action="unit.update", object_id=str(org.unit_a.pk))
    assert event.actor == org.admin
    assert (event.source, event.request_id) == ("api", response["X-Request-ID"])
    assert event.client_request_id == "req-42"
    assert (event.before["name"], event.after["name"]) == ("Unit A", "Unit Alfa")


def test_it_moves_a_unit_with_its_subtree(api, org):
    response = _as(api, org, "admin").patch(f"{UNITS}{org.unit_a.pk}/", {"parent": org.unit_b.pk})
    assert response.status_code == 200
    org.unit_a_child.refresh_from_db()
    assert org.unit_a_child.path == f"{org.unit_b.path}{org.unit_a.pk}/{org.unit_a_child.pk}/"
    assert org.unit_a_child.pk in _ids(_as(api, org, "outsider").get(UNITS))


def test_it_ignores_read_only_fields(api, org):
    path = org.unit_a.path
    response = _as(api, org, "admin").patch(f"{UNITS}{org.unit_a.pk}/", {"path": "/", "depth": 9})
    assert response.status_code == 200
    org.unit_a.refresh_from_db()
    assert (org.unit_a.path, org.unit_a.depth) == (path, 2)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"hsa_id": "not-an-hsa-id"}, "hsa_id"),
        ({"kind": "castle"}, "kind"),
        ({"parent": 999999}, "parent"),
        ({"name": ""}, "name"),
    ],
)
def test_it_rejects_bad_unit_input(api, org, changes, field):
    state = _state()
    response = _as(api, org, "admin").patch(f"{UNITS}{org.unit_a.pk}/", changes, format="json")
    body = _assert_error(response, 400, [field])
    assert body["detail"] == "Invalid input."
    assert _state() == state


def test_it_rejects_moving_a_unit_below_itself(api, org):
    state = _state()
    response = _as(api, org, "admin").patch(
        f"{UNITS}{org.unit_a.pk}/", {"parent": org.unit_a_child.pk}
    )
    _assert_error(response, 400, ["parent"])
    assert _state() == state


def _new_unit(org, parent):
    return {
        "name": "Ny enhet",
        "kind": "department",
        "parent": parent.pk,
        "care_provider": parent.care_provider_id,
    }


@pytest.mark.parametrize("persona", NOT_ADMIN)
def test_it_refuses_new_units_from_non_administrators(api, org, persona):
    state = _state()
    home = getattr(org, HOME_UNIT[persona])
    _assert_error(_as(api, org, persona).post(UNITS, _new_unit(org, home)), 403)
    assert _state() == state


def test_it_refuses_non_administrators_before_reading_the_body(api, org):
    state = _state()
    _assert_error(_as(api, org, "outsider").post(UNITS, _new_unit(org, org.unit_a)), 403)
    _assert_error(_as(api, org, "outsider").post(UNITS, {"name": ""}), 403)
    assert _state() == state


def test_it_answers_an_invisible_parent_exactly_like_a_missing_one(api, org):
    unit_admin = factories.person("badmin", role=Role.ADMINISTRATOR, unit=org.unit_b)
    state = _state()
    invisible = api.as_(unit_admin).post(UNITS, _new_unit(org, org.unit_a), format="json")
    missing = api.as_(unit_admin).post(
        UNITS, {**_new_unit(org, org.unit_a), "parent": 999999}, format="json"
    )
    assert invisible.status_code == missing.status_code == 400
    assert invisible.json()["errors"]["parent"] == [
        m.replace("999999", str(org.unit_a.pk)) for m in missing.json()["errors"]["parent"]
    ]
    assert _state() == state


def test_it_creates_a_unit_and_records_it(api, org):
    response = _as(api, org, "admin").post(UNITS, _new_unit(org, org.unit_b))
    assert response.status_code == 201
    body = response.json()
    unit = Unit.objects.get(pk=body["id"])
    assert body["path"] == unit.path == f"{org.unit_b.path}{unit.pk}/"
    event = AuditEvent.objects.get(action="unit.create", object_id=str(unit.pk))
    assert (event.actor, event.source) == (org.admin, "api")
    assert unit.pk in _ids(_as(api, org, "outsider").get(UNITS))


def test_it_refuses_a_second_region(api, org):
    state = _state()
    response = _as(api, org, "admin").post(
        UNITS, {"name": "Region 2", "kind": "region", "care_provider": org.region_provider.pk}
    )
    _assert_error(response, 400, ["parent"])
    assert _state() == state


def test_it_refuses_a_new_unit_without_a_kind(api, org):
    state = _state()
    data = _new_unit(org, org.unit_b)
    del data["kind"]
    _assert_error(_as(api, org, "admin").post(UNITS, data), 400, ["kind"])
    assert _state() == state


@pytest.mark.parametrize("method", ["put", "delete"])
def test_it_does_not_replace_or_delete_units(api, org, method):
    state = _state()
    response = getattr(_as(api, org, "admin"), method)(f"{UNITS}{org.unit_b.pk}/", {})
    _assert_error(response, 405)
    assert _state() == state


# Writes: care providers ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", NOT_ADMIN)
def test_it_refuses_care_provider_changes_from_non_administrators(api, org, persona):
    state = _state()
    for key in sorted(BOTH_PROVIDERS):
        response = _as(api, org, persona).patch(
            f"{PROVIDERS}{getattr(org, key).pk}/", {"name": "Taken over"}
        )
        _assert_error(response, _write_status(persona, key in VISIBLE_PROVIDERS[persona]))
    assert _state() == state


@pytest.mark.parametrize("persona", NOT_ADMIN)
def test_it_refuses_new_care_providers_from_non_administrators(api, org, persona):
    state = _state()
    response = _as(api, org, persona).post(
        PROVIDERS, {"name": "Ny Vård AB", "org_number": NEW_ORG_NUMBER, "operator": "private"}
    )
    _assert_error(response, 403)
    assert _state() == state


def test_it_creates_a_care_provider_and_records_it(api, org):
    response = _as(api, org, "admin").post(
        PROVIDERS,
        {
            "name": "Ny Vård AB",
            "org_number": NEW_ORG_NUMBER.replace("-", ""),
            "operator": "private",
            "contract_reference": "VV-8",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["org_number"] == NEW_ORG_NUMBER
    event = AuditEvent.objects.get(action="care_provider.create", object_id=str(body["id"]))
    assert (event.actor, event.source) == (org.admin, "api")
    # Not running any unit yet, and still there for the administrator.
    assert _as(api, org, "admin").get(f"{PROVIDERS}{body['id']}/").status_code == 200


def test_it_changes_a_care_provider_and_records_it(api, org):
    response = _as(api, org, "admin").patch(
        f"{PROVIDERS}{org.private_provider.pk}/", {"active": False}
    )
    assert response.status_code == 200
    org.private_provider.refresh_from_db()
    assert not org.private_provider.active
    event = AuditEvent.objects.get(
        action="care_provider.update", object_id=str(org.private_provider.pk)
    )
    assert (event.before["active"], event.after["active"]) == (True, False)


@pytest.mark.parametrize("bad", ["556677-8890", "12345", "abcdefghij"])
def test_it_rejects_a_bad_org_number(api, org, bad):
    state = _state()
    response = _as(api, org, "admin").post(
        PROVIDERS, {"name": "Ny Vård AB", "org_number": bad, "operator": "private"}
    )
    body = _assert_error(response, 400, ["org_number"])
    assert body["detail"] == "Invalid input."
    assert _state() == state


def test_it_rejects_an_org_number_another_provider_has(api, org):
    state = _state()
    response = _as(api, org, "admin").patch(
        f"{PROVIDERS}{org.private_provider.pk}/",
        {"org_number": org.region_provider.org_number.replace("-", "")},
    )
    _assert_error(response, 400, ["org_number"])
    assert _state() == state


def test_it_rejects_a_contract_for_a_region_run_provider(api, org):
    state = _state()
    response = _as(api, org, "admin").patch(
        f"{PROVIDERS}{org.region_provider.pk}/", {"contract_reference": "VV-1"}
    )
    _assert_error(response, 400, ["contract_reference"])
    assert _state() == state


# Writes: people -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", NOT_ADMIN)
def test_it_refuses_changes_to_people_from_non_administrators(api, org, persona):
    state = _state()
    for target in ("colleague", "outsider"):
        response = _as(api, org, persona).patch(
            f"{PEOPLE}{getattr(org, target).pk}/", {"title": "Chef"}
        )
        _assert_error(response, _write_status(persona, target in VISIBLE_PEOPLE[persona]))
    assert _state() == state


@pytest.mark.parametrize("persona", NOT_ADMIN)
def test_it_refuses_new_people_from_non_administrators(api, org, persona):
    state = _state()
    response = _as(api, org, persona).post(PEOPLE, {"username": "nina", "first_name": "Nina"})
    _assert_error(response, 403)
    assert _state() == state


def test_it_creates_a_person_and_records_it(api, org):
    response = _as(api, org, "admin").post(
        PEOPLE,
        {
            "username": "nina",
            "first_name": "Nina",
            "last_name": "Ny",
            "email": "nina@example.org",
            "hsa_id": "SE2321000032-nina1",
            "phone": "010-1",
        },
    )
    assert response.status_code == 201
    body = response.json()
    person = User.objects.get(pk=body["id"])
    assert (person.username, person.hsa_id, person.phone) == ("nina", "SE2321000032-nina1", "010-1")
    assert not person.has_usable_password()
    assert "password" not in body
    event = AuditEvent.objects.get(action="person.create", object_id=str(person.pk))
    assert (event.actor, event.source) == (org.admin, "api")
    assert _as(api, org, "admin").get(f"{PEOPLE}{person.pk}/").status_code == 200


def test_it_changes_a_person_and_records_it(api, org):
    response = _as(api, org, "admin").patch(
        f"{PEOPLE}{org.colleague.pk}/", {"title": "Undersköterska", "username": "renamed"}
    )
    assert response.status_code == 200
    org.colleague.refresh_from_db()
    assert (org.colleague.title, org.colleague.username) == ("Undersköterska", "colleague")
    event = AuditEvent.objects.get(action="person.update", object_id=str(org.colleague.pk))
    assert (event.before["title"], event.after["title"]) == ("", "Undersköterska")


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"email": "not an address"}, "email"), ({"hsa_id": "not-an-hsa-id"}, "hsa_id")],
)
def test_it_rejects_bad_person_input(api, org, changes, field):
    state = _state()
    response = _as(api, org, "admin").patch(f"{PEOPLE}{org.colleague.pk}/", changes)
    _assert_error(response, 400, [field])
    assert _state() == state


def test_it_rejects_a_taken_username(api, org):
    state = _state()
    response = _as(api, org, "admin").post(PEOPLE, {"username": "owner", "first_name": "Ny"})
    _assert_error(response, 400, ["username"])
    assert _state() == state
