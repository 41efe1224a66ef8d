"""An object's history page, and the audit log with its filters and exports."""

import csv
import datetime
import io
import re
import zoneinfo

import openpyxl
import pytest
from django.urls import reverse

from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent
from medtek.organisation import services
from medtek.organisation.models import RoleGrant
from medtek.organisation.roles import Role

AUDIT_LOG = reverse("audit_log")
STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
PERSONAS = ["owner", "colleague", "outsider", "auditor", "admin", "private_staff"]
EXPORT_HEADER = [
    "id",
    "time",
    "actor",
    "action",
    "object_type",
    "object_id",
    "object",
    "reason",
    "source",
    "request_id",
    "client_request_id",
    "batch",
    "before",
    "after",
]
#: The export's header as a reader sees it (in Swedish, the default language).
SHOWN_HEADER = [
    "ID",
    "Tid",
    "Utförare",
    "Utförarens titel",
    "Händelse",
    "Objekttyp",
    "Objekt-id",
    "Objekt",
    "Ändringar",
    "Anledning",
    "Källa",
    "Anrops-id",
    "Klientens anrops-id",
    "Omgång",
]


def _login(client, org, persona):
    client.force_login(getattr(org, persona))
    return client


def _history(label, pk):
    return reverse("object_history", args=[label, pk])


def _csv(response):
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff"), "Swedish Excel needs the byte-order mark"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _xlsx(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _shown(response):
    """The events on the audit log page."""
    assert response.status_code == 200
    return list(response.context["page"].object_list)


# History ------------------------------------------------------------------------------------

# (label, attribute of org holding the object, personas who may see it)
OBJECTS = [
    ("organisation.unit", "unit_a", {"owner", "colleague", "auditor", "admin"}),
    ("organisation.unit", "unit_b", {"outsider", "auditor", "admin"}),
    ("organisation.unit", "private_pcc", {"private_staff", "auditor", "admin"}),
    ("organisation.careprovider", "private_provider", {"private_staff", "auditor", "admin"}),
    (
        "organisation.careprovider",
        "region_provider",
        {"owner", "colleague", "outsider", "auditor", "admin"},
    ),
    ("organisation.user", "colleague", {"owner", "colleague", "auditor", "admin"}),
    ("organisation.user", "outsider", {"outsider", "auditor", "admin"}),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("label", "key", "allowed"), OBJECTS)
def test_it_shows_history_only_to_those_who_may_see_the_object(
    client, org, persona, label, key, allowed
):
    obj = getattr(org, key)
    response = _login(client, org, persona).get(_history(label, obj.pk))
    if persona in allowed:
        assert response.status_code == 200
        assert response.context["object"] == obj
        assert response.context["events"]
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_a_role_grants_history_only_to_those_who_see_its_unit(client, org, persona):
    grant = RoleGrant.objects.get(user=org.colleague, unit=org.unit_a)
    response = _login(client, org, persona).get(_history("organisation.rolegrant", grant.pk))
    allowed = {"owner", "colleague", "auditor", "admin"}
    assert response.status_code == (200 if persona in allowed else 404)


def test_it_sends_anonymous_visitors_to_the_login_page(client, org):
    response = client.get(_history("organisation.unit", org.unit_a.pk))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(
    ("label", "pk"),
    [
        ("core.auditevent", "1"),
        ("auth.group", "1"),
        ("organisation.Unit", "1"),
        ("organisation.unit", "abc"),
        ("organisation.unit", "999999"),
    ],
)
def test_it_404s_for_unknown_objects(client, org, label, pk):
    assert _login(client, org, "auditor").get(_history(label, pk)).status_code == 404


def test_it_shows_every_change_oldest_first(client, org):
    services.unit_update(actor=org.admin, unit=org.unit_a, name="Unit Alfa", reason="Nytt namn")
    services.unit_update(actor=org.admin, unit=org.unit_a, short_name="UA")
    response = _login(client, org, "colleague").get(_history("organisation.unit", org.unit_a.pk))
    events = [v.event for v in response.context["events"]]
    assert [e.action for e in events] == ["unit.create", "unit.update", "unit.update"]
    page = response.content.decode()
    assert page.count('data-testid="history-row"') == 3
    assert re.search(
        r'<th scope="row">Namn</th><td>Unit A</td><td>.*?→ </span>Unit Alfa</td>', page
    )
    assert "Nytt namn" in page
    assert "Admin Testsson (admin)" in page


def test_it_shows_only_the_objects_own_events(client, org):
    services.unit_update(actor=org.admin, unit=org.unit_b, name="Unit Beta")
    response = _login(client, org, "auditor").get(_history("organisation.unit", org.unit_a.pk))
    assert {v.event.object_id for v in response.context["events"]} == {str(org.unit_a.pk)}
    assert "Unit Beta" not in response.content.decode()


def test_it_keeps_a_revoked_grants_history_visible(client, org):
    grant = RoleGrant.objects.get(user=org.colleague, unit=org.unit_a)
    services.role_revoke(actor=org.admin, grant=grant, reason="Slutat")
    response = _login(client, org, "owner").get(_history("organisation.rolegrant", grant.pk))
    assert [v.event.action for v in response.context["events"]] == ["role.grant", "role.revoke"]
    assert "Slutat" in response.content.decode()


def test_it_keeps_a_former_employees_history_for_the_auditor(client, org):
    grant = RoleGrant.objects.get(user=org.colleague, unit=org.unit_a)
    services.role_revoke(actor=org.admin, grant=grant, reason="Slutat")
    response = _login(client, org, "auditor").get(_history("organisation.user", org.colleague.pk))
    assert response.status_code == 200
    # …while the colleague's former unit no longer sees them.
    response = _login(client, org, "owner").get(_history("organisation.user", org.colleague.pk))
    assert response.status_code == 404


# Audit log: who may read it --------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("export", [None, "csv", "xlsx"])
def test_it_shows_the_audit_log_only_to_auditors_and_administrators(client, org, persona, export):
    params = {"export": export} if export else {}
    response = _login(client, org, persona).get(AUDIT_LOG, params)
    assert response.status_code == (200 if persona in ("auditor", "admin") else 403)


def test_it_refuses_an_administrator_of_a_single_unit(client, org):
    unit_admin = services.person_create(
        actor=SYSTEM, username="badmin", first_name="Bea", last_name="Admin"
    )
    services.role_grant(actor=SYSTEM, user=unit_admin, unit=org.unit_b, role=Role.ADMINISTRATOR)
    client.force_login(unit_admin)
    assert client.get(AUDIT_LOG).status_code == 403


def test_it_sends_anonymous_visitors_of_the_audit_log_to_log_in(client, org):
    response = client.get(AUDIT_LOG, {"export": "csv"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_links_each_event_to_its_objects_history(client, org):
    response = _login(client, org, "auditor").get(AUDIT_LOG)
    events = _shown(response)
    assert len(events) == AuditEvent.objects.count()
    assert _history("organisation.unit", org.unit_b.pk) in response.content.decode()


def test_it_shows_the_newest_events_first(client, org):
    services.unit_update(actor=org.admin, unit=org.unit_b, name="Unit Beta")
    events = _shown(_login(client, org, "auditor").get(AUDIT_LOG))
    assert events[0].action == "unit.update"
    assert [e.pk for e in events] == sorted((e.pk for e in events), reverse=True)


# Audit log: filters ---------------------------------------------------------------------------


@pytest.fixture
def changes(org):
    """Two administrators' changes on top of the system's set-up events."""
    other_admin = services.person_create(
        actor=SYSTEM, username="admin2", first_name="Adam", last_name="Andra"
    )
    services.role_grant(actor=SYSTEM, user=other_admin, unit=org.region, role=Role.ADMINISTRATOR)
    services.unit_update(actor=org.admin, unit=org.unit_a, name="Unit Alfa", reason="Nytt namn")
    services.care_provider_update(
        actor=other_admin, provider=org.private_provider, contract_reference="VV-2"
    )
    services.unit_update(actor=other_admin, unit=org.unit_b, short_name="B")
    return other_admin


def test_it_filters_by_actor(client, org, changes):
    events = _shown(_login(client, org, "auditor").get(AUDIT_LOG, {"actor": changes.pk}))
    assert [(e.action, e.object_id) for e in events] == [
        ("unit.update", str(org.unit_b.pk)),
        ("care_provider.update", str(org.private_provider.pk)),
    ]


def test_it_filters_by_object_type(client, org, changes):
    events = _shown(
        _login(client, org, "auditor").get(AUDIT_LOG, {"object_type": "organisation.careprovider"})
    )
    assert {e.object_type for e in events} == {"organisation.careprovider"}
    assert [e.action for e in events] == [
        "care_provider.update",
        "care_provider.create",
        "care_provider.create",
    ]


def test_it_filters_by_object(client, org, changes):
    events = _shown(
        _login(client, org, "admin").get(
            AUDIT_LOG, {"object_type": "organisation.unit", "object_id": org.unit_a.pk}
        )
    )
    assert [e.action for e in events] == ["unit.update", "unit.create"]
    assert {e.object_id for e in events} == {str(org.unit_a.pk)}


def test_it_filters_by_action(client, org, changes):
    events = _shown(_login(client, org, "auditor").get(AUDIT_LOG, {"action": "unit.update"}))
    assert len(events) == 2
    assert {e.action for e in events} == {"unit.update"}


def test_it_combines_filters(client, org, changes):
    events = _shown(
        _login(client, org, "auditor").get(
            AUDIT_LOG, {"actor": changes.pk, "object_type": "organisation.unit"}
        )
    )
    assert [(e.action, e.object_id) for e in events] == [("unit.update", str(org.unit_b.pk))]


def _event_at(org, when, action):
    """An event recorded at a given time (as if long ago): test data for the date filters."""
    return AuditEvent.objects.create(
        at=when,
        actor=org.admin,
        actor_name="Admin Testsson (admin)",
        action=action,
        object_type="organisation.unit",
        object_id=str(org.unit_b.pk),
        object_repr="Unit B",
    )


@pytest.fixture
def dated(org):
    return {
        "feb": _event_at(org, datetime.datetime(2025, 2, 28, 12, 0, tzinfo=STOCKHOLM), "old.feb"),
        # Late in the evening of 1 March in Sweden, already 1 March 22:30 in UTC.
        "mar1": _event_at(org, datetime.datetime(2025, 3, 1, 23, 30, tzinfo=STOCKHOLM), "old.mar1"),
        # Just after midnight in Sweden on 2 March, still 1 March in UTC.
        "mar2": _event_at(org, datetime.datetime(2025, 3, 2, 0, 30, tzinfo=STOCKHOLM), "old.mar2"),
        "apr": _event_at(org, datetime.datetime(2025, 4, 10, 9, 0, tzinfo=STOCKHOLM), "old.apr"),
    }


def test_it_filters_by_dates_inclusively_in_swedish_time(client, org, dated):
    client = _login(client, org, "auditor")
    events = _shown(client.get(AUDIT_LOG, {"after": "2025-03-01", "before": "2025-03-01"}))
    assert [e.action for e in events] == ["old.mar1"]
    events = _shown(client.get(AUDIT_LOG, {"after": "2025-03-02", "before": "2025-04-10"}))
    assert [e.action for e in events] == ["old.apr", "old.mar2"]


def test_it_filters_from_a_date_onwards(client, org, dated):
    events = _shown(_login(client, org, "auditor").get(AUDIT_LOG, {"after": "2025-03-02"}))
    actions = {e.action for e in events}
    assert {"old.mar2", "old.apr"} <= actions
    assert not {"old.feb", "old.mar1"} & actions
    assert "unit.create" in actions  # today's set-up events


def test_it_filters_up_to_a_date(client, org, dated):
    events = _shown(_login(client, org, "auditor").get(AUDIT_LOG, {"before": "2025-03-01"}))
    assert [e.action for e in events] == ["old.mar1", "old.feb"]


def test_it_shows_an_error_and_no_events_for_a_bad_date(client, org, dated):
    response = _login(client, org, "auditor").get(AUDIT_LOG, {"after": "yesterday"})
    assert _shown(response) == []
    assert "after" in response.context["filter"].errors


def test_it_rejects_an_unknown_object_type(client, org):
    response = _login(client, org, "auditor").get(AUDIT_LOG, {"object_type": "auth.group"})
    assert _shown(response) == []
    assert "object_type" in response.context["filter"].errors


# Audit log: exports ---------------------------------------------------------------------------


def test_it_exports_the_filtered_rows_as_csv(client, org, changes):
    rows = _csv(
        _login(client, org, "auditor").get(
            AUDIT_LOG,
            {"export": "csv", "object_type": "organisation.unit", "action": "unit.update"},
        )
    )
    header, *body = rows
    assert header == SHOWN_HEADER
    assert [(r[4], r[5], r[6]) for r in body] == [
        ("Enhet ändrad", "Enhet", str(org.unit_b.pk)),
        ("Enhet ändrad", "Enhet", str(org.unit_a.pk)),
    ]
    by_object = {r[6]: dict(zip(header, r, strict=True)) for r in body}
    row = by_object[str(org.unit_a.pk)]
    assert row["Utförare"] == "Admin Testsson (admin)"
    assert row["Objekt"] == "Unit Alfa"
    assert row["Anledning"] == "Nytt namn"
    assert row["Ändringar"] == "Namn: Unit A → Unit Alfa"
    assert row["Källa"] == ""
    assert by_object[str(org.unit_b.pk)]["Utförare"] == "Adam Andra (admin2)"
    assert "{" not in "".join(row.values()), "no raw JSON"


def test_it_exports_the_filtered_rows_as_xlsx(client, org, changes):
    rows = _xlsx(
        _login(client, org, "admin").get(
            AUDIT_LOG, {"export": "xlsx", "actor": changes.pk, "codes": "1"}
        )
    )
    header, *body = rows
    assert header == EXPORT_HEADER
    assert [(r[3], r[4]) for r in body] == [
        ("unit.update", "organisation.unit"),
        ("care_provider.update", "organisation.careprovider"),
    ]
    assert {r[0] for r in body} == set(
        AuditEvent.objects.filter(actor=changes).values_list("pk", flat=True)
    )


def test_it_exports_everything_without_filters(client, org, changes):
    _header, *body = _csv(_login(client, org, "auditor").get(AUDIT_LOG, {"export": "csv"}))
    assert len(body) == AuditEvent.objects.count()


def test_it_exports_dates_in_swedish_time(client, org, dated):
    _header, *body = _csv(
        _login(client, org, "auditor").get(
            AUDIT_LOG, {"export": "csv", "after": "2025-03-01", "before": "2025-03-01"}
        )
    )
    assert [r[1] for r in body] == ["2025-03-01 23:30:00"]


def test_it_exports_nothing_for_a_bad_filter(client, org, changes):
    rows = _csv(_login(client, org, "auditor").get(AUDIT_LOG, {"export": "csv", "after": "x"}))
    assert rows == [SHOWN_HEADER]
