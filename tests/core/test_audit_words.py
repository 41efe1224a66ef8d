"""The audit trail in words (medtek.core.presentation): every action has a Swedish label; the
audit log and a person's history show labels, names and values as the interface does, the
person's title at the time, and filters that find one person's, one request's or one source's
events; the history extract reads the same in a PDF; an outsider sees none of it."""

import datetime
import importlib
import inspect
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from medtek.core import audit
from medtek.core.models import AuditEvent
from medtek.core.numbering import number_series_create
from medtek.organisation import services
from tests.core.test_documents import text, write

pytestmark = pytest.mark.django_db

AUDIT_LOG = reverse("audit_log")


def _history(label, pk, name="object_history"):
    return reverse(name, args=[label, pk])


def _action_enums():
    """Every app's action names, found in the code: each medtek app's ``actions`` module."""
    for config in apps.get_app_configs():
        if not config.name.startswith("medtek."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.actions")
        except ModuleNotFoundError:
            continue
        for _name, enum in inspect.getmembers(module, inspect.isclass):
            if issubclass(enum, models.TextChoices) and enum is not models.TextChoices:
                yield config.name, enum


def test_every_action_name_has_a_swedish_label():
    enums = list(_action_enums())
    assert {app for app, _enum in enums} >= {"medtek.core", "medtek.devices", "medtek.inhouse"}
    known = audit.known_actions()
    missing = []
    for app, enum in enums:
        for member in enum:
            label = known.get(member.value)
            if label is None:
                missing.append(f"{app}: {member.value} is not registered in the app's ready()")
                continue
            with translation.override("sv"):
                swedish = str(label)
            with translation.override("en"):
                english = str(label)
            if swedish == english or swedish == member.value:
                missing.append(f"{app}: {member.value} has no Swedish label (msgstr)")
    assert not missing, "\n".join(missing)


@pytest.fixture
def titled(org):
    """The administrator with a title, who then renames a unit: the event keeps the title."""
    services.person_update(actor=org.admin, person=org.admin, title="Systemförvaltare")
    org.admin.refresh_from_db()
    with audit.audit_context(source="web", request_id="req-rename-1"):
        services.unit_update(actor=org.admin, unit=org.unit_a, name="Unit Alfa", reason="Nytt namn")
    return org.admin


def test_it_keeps_the_actors_title_at_the_time(org, titled):
    event = AuditEvent.objects.filter(action="unit.update").get()
    assert event.actor_title == "Systemförvaltare"
    services.person_update(actor=org.admin, person=org.admin, title="Enhetschef")
    event.refresh_from_db()
    assert event.actor_title == "Systemförvaltare"  # the trail is not rewritten


def test_the_audit_log_shows_labels_names_and_titles(client, org, titled):
    client.force_login(org.auditor)
    html = client.get(AUDIT_LOG).content.decode().split("<tbody>")[1]
    assert "Enhet ändrad" in html and "unit.update" not in html
    assert "Enhet Unit Alfa" in html and "organisation.unit #" not in html
    assert (
        '<span class="small text-body-secondary" data-testid="actor-title">Systemförvaltare' in html
    )
    assert "Webb" in html
    # Times in Swedish time, to the second: no microseconds, no UTC offset.
    event = AuditEvent.objects.get(action="unit.update")
    local = event.at.astimezone(datetime.UTC).astimezone(
        datetime.timezone(datetime.timedelta(hours=1))
    )
    assert local.strftime("%Y-%m-%d %H:%M:%S") in html


def test_older_events_show_no_title(client, org):
    client.force_login(org.auditor)
    html = client.get(_history("organisation.unit", org.unit_a.pk)).content.decode()
    assert 'data-testid="actor-title"' not in html


def test_a_persons_history_shows_labels_and_yes_or_no(client, org):
    services.person_update(
        actor=org.admin, person=org.colleague, title="Sjuksköterska", is_active=False
    )
    client.force_login(org.auditor)
    html = client.get(_history("organisation.user", org.colleague.pk)).content.decode()
    assert "Historik: Person Colleague Testsson" in html
    assert "Person ändrad" in html
    rows = re.findall(r'<tr data-testid="change">(.*?)</tr>', html, re.S)
    cells = [
        tuple(
            re.sub(r"<[^>]+>|→", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        )
        for r in rows
    ]
    assert ("Titel", "—", "Sjuksköterska") in cells
    assert ("Aktiv", "Ja", "Nej") in cells
    shown = " ".join(" ".join(c) for c in cells)
    for code in ("is_active", "True", "False", "title", "{"):
        assert code not in shown, code


@pytest.mark.parametrize(
    ("params", "actions"),
    [
        ({"source": "web"}, {"unit.update"}),
        ({"request_id": "req-rename-1"}, {"unit.update"}),
        ({"action": "person.update"}, {"person.update"}),
    ],
)
def test_the_filters_find_what_they_say(client, org, titled, params, actions):
    client.force_login(org.auditor)
    response = client.get(AUDIT_LOG, params)
    assert {e.action for e in response.context["page"].object_list} == actions


def test_it_filters_by_batch_everything_one_import_did(client, org):
    with audit.audit_context(source="import", batch="session-42"), transaction.atomic():
        audit.record(actor=org.admin, action="unit.update", obj=org.unit_a, before={}, after={})
        audit.record(actor=org.admin, action="unit.update", obj=org.unit_b, before={}, after={})
    client.force_login(org.auditor)
    response = client.get(AUDIT_LOG, {"request_id": "session-42"})
    shown = response.context["page"].object_list
    assert {e.object_id for e in shown} == {str(org.unit_a.pk), str(org.unit_b.pk)}
    assert "Import" in response.content.decode()


def test_the_kind_of_object_filter_reads_in_words(client, org):
    client.force_login(org.auditor)
    html = client.get(AUDIT_LOG).content.decode()
    assert '<option value="organisation.unit">Enhet</option>' in html
    assert '<option value="unit.update">Enhet ändrad</option>' in html


def test_the_history_extract_reads_in_the_pdf(client, org, titled, tmp_path: Path):
    client.force_login(org.auditor)
    response = client.get(_history("organisation.unit", org.unit_a.pk, "object_history_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    words = " ".join(text(write(tmp_path, response.content)).split())
    for expected in (
        "Historikutdrag: Enhet Unit Alfa",
        "Enhet skapad",
        "Enhet ändrad",
        "Namn: Unit A → Unit Alfa",
        "Systemförvaltare",
        "Nytt namn",
    ):
        assert expected in words, expected
    assert "unit.update" not in words


@pytest.mark.parametrize("persona", ["outsider", "private_staff"])
def test_an_outsider_gets_nothing(client, org, titled, persona):
    client.force_login(getattr(org, persona))
    for name in ("object_history", "object_history_pdf"):
        response = client.get(_history("organisation.unit", org.unit_a.pk, name))
        assert response.status_code == 404
        assert b"Unit Alfa" not in response.content
    assert client.get(AUDIT_LOG).status_code == 403
    assert client.get(AUDIT_LOG, {"export": "csv"}).status_code == 403


def test_a_record_without_a_page_shows_its_history_in_place(client, org):
    with transaction.atomic():
        series = number_series_create(
            actor=org.admin, key="test-series", name="Testserie", format="T-{yy}-{seq:04}"
        )
    url = _history("core.numberseries", series.pk)
    client.force_login(org.auditor)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nummerserie skapad" in html and "Testserie" in html
    assert 'data-testid="no-page"' in html
    # Only those who read the whole audit log see records outside every scope.
    client.force_login(org.owner)
    assert client.get(url).status_code == 404


def test_a_removed_records_history_stays_readable_for_the_auditor(client, org):
    with transaction.atomic():
        AuditEvent.objects.create(
            actor=org.admin,
            actor_name="Admin Testsson (admin)",
            action="unit.update",
            object_type="organisation.unit",
            object_id="999999",
            object_repr="Nedlagd enhet",
        )
    client.force_login(org.auditor)
    assert "Nedlagd enhet" in client.get(_history("organisation.unit", "999999")).content.decode()
    client.force_login(org.owner)
    assert client.get(_history("organisation.unit", "999999")).status_code == 404


def test_the_export_reads_in_words_in_xlsx(client, org, titled):
    client.force_login(org.auditor)
    response = client.get(AUDIT_LOG, {"export": "xlsx", "action": "unit.update"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header, *rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    row = dict(zip(header, rows[0], strict=True))
    assert row["Händelse"] == "Enhet ändrad"
    assert row["Objekttyp"] == "Enhet"
    assert row["Utförarens titel"] == "Systemförvaltare"
    assert row["Ändringar"] == "Namn: Unit A → Unit Alfa"
    assert row["Källa"] == "Webb"


def test_a_history_costs_the_same_queries_however_long(client, org):
    """One query per kind of record the changes point to, not per event or field."""
    client.force_login(org.auditor)
    url = _history("organisation.unit", org.unit_a.pk)
    with CaptureQueriesContext(connection) as short:
        assert client.get(url).status_code == 200
    for i in range(8):
        services.unit_update(
            actor=org.admin,
            unit=org.unit_a,
            name=f"Unit {i}",
            parent=org.hsf if i % 2 else org.region,
        )
    with CaptureQueriesContext(connection) as long:
        assert client.get(url).status_code == 200
    assert len(long) == len(short), [q["sql"] for q in long]
