"""Audit events written in bulk (``audit.record_rows``, ``audit.record_many``) read exactly as
events written one by one (``audit.record``), on SQLite and on PostgreSQL alike: the same actor,
context, reason, and the same before/after values (dates as ISO text, no before as NULL)."""

import datetime
import decimal
import uuid

import pytest
from django.db import transaction

from medtek.core import audit
from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

VALUES = {
    "name": "Åsa Öberg",
    "count": 3,
    "flag": True,
    "none": None,
    "day": datetime.date(2026, 2, 28),
    "at": datetime.datetime(2026, 2, 28, 13, 5, 7, 120, tzinfo=datetime.UTC),
    "amount": decimal.Decimal("12.50"),
    "token": uuid.UUID(int=7),
    "tags": ("a", "b"),
    "nested": {1: [datetime.date(2025, 1, 1)]},
}


def _fields(event: AuditEvent) -> dict[str, object]:
    return {
        k: getattr(event, k)
        for k in (
            "actor",
            "actor_name",
            "action",
            "object_type",
            "object_repr",
            "before",
            "after",
            "request_id",
            "source",
            "batch",
            "reason",
        )
    }


def test_bulk_events_read_as_single_ones() -> None:
    actor = factories.person("mt")
    provider = factories.provider(name="Ekbacken AB")
    with audit.audit_context(source="import", batch="batch-1"), transaction.atomic():
        single = audit.record(
            actor=actor, action="example_entry.update", obj=provider, after=VALUES, reason="Because"
        )
        written = audit.record_rows(
            actor=actor,
            action="example_entry.update",
            rows=[
                ("organisation.careprovider", str(provider.pk), str(provider), None, VALUES),
                ("organisation.careprovider", "999", "Other", {"name": "old"}, None),
            ],
            reason="Because",
        )

    assert written == 2
    bulk, other = (
        AuditEvent.objects.filter(object_type="organisation.careprovider")
        .exclude(pk=single.pk)
        .filter(action="example_entry.update")
        .order_by("object_id")
    )
    single.refresh_from_db()
    assert _fields(bulk) == _fields(single)
    assert bulk.object_id == str(provider.pk)
    assert bulk.after["at"] == "2026-02-28T13:05:07.000120+00:00"
    assert bulk.after["nested"] == {"1": ["2025-01-01"]}
    assert (other.before, other.after) == ({"name": "old"}, None)
    assert AuditEvent.objects.filter(pk=other.pk, after__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_bulk_events_need_the_transaction_of_the_change() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.record_rows(
            actor=SYSTEM, action="example_entry.create", rows=[("a.b", "1", "x", None, None)]
        )


def test_many_events_are_written_in_several_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "ROWS_PER_STATEMENT", 2)
    with transaction.atomic():
        written = audit.record_rows(
            actor=SYSTEM,
            action="example_task.create",
            rows=((("a.b", str(n), f"#{n}", None, {"n": n})) for n in range(5)),
        )
    assert written == 5
    events = AuditEvent.objects.filter(action="example_task.create")
    assert sorted(e.after["n"] for e in events) == [0, 1, 2, 3, 4]
    assert {e.actor_name for e in events} == {"system"}


@pytest.mark.postgres  # record_query writes through PostgreSQL's WITH
def test_events_of_a_query_read_as_single_ones() -> None:
    """The change and its events in one statement: here a care provider renamed by SQL."""
    actor = factories.person("mt")
    provider = factories.provider(name="Ekbacken AB")
    with audit.audit_context(source="import", batch="batch-2"), transaction.atomic():
        single = audit.record(
            actor=actor,
            action="example_entry.update",
            obj=provider,
            before={"name": "Ekbacken AB"},
            after={"name": "Ekbacken Vård AB"},
            reason="Because",
        )
        written = audit.record_query(
            actor=actor,
            action="example_entry.update",
            with_sql=(
                "WITH old AS (SELECT id, name FROM organisation_careprovider WHERE id = %(pk)s), "
                "new AS (UPDATE organisation_careprovider AS p SET name = %(name)s FROM old "
                "WHERE p.id = old.id RETURNING p.id, p.name)"
            ),
            rows_sql=(
                "SELECT 'organisation.careprovider' AS object_type, new.id::text AS object_id, "
                "new.name AS object_repr, jsonb_build_object('name', old.name) AS before, "
                "jsonb_build_object('name', new.name) AS after FROM new JOIN old USING (id)"
            ),
            params={"pk": provider.pk, "name": "Ekbacken Vård AB"},
            reason="Because",
        )

    assert written == 1
    provider.refresh_from_db()
    assert provider.name == "Ekbacken Vård AB"
    bulk = AuditEvent.objects.exclude(pk=single.pk).get(action="example_entry.update")
    single.refresh_from_db()
    assert {**_fields(bulk), "object_repr": "x"} == {**_fields(single), "object_repr": "x"}
    assert bulk.object_repr == "Ekbacken Vård AB"
    assert (bulk.object_id, bulk.actor_title) == (str(provider.pk), single.actor_title)


@pytest.mark.postgres  # record_query writes through PostgreSQL's WITH
def test_a_query_may_not_use_the_events_own_parameter_names() -> None:
    with transaction.atomic(), pytest.raises(ValueError, match="audit_reason"):
        audit.record_query(
            actor=SYSTEM,
            action="example_entry.create",
            with_sql="WITH x AS (SELECT 1)",
            rows_sql="SELECT * FROM x",
            params={"audit_reason": "mine"},
        )


@pytest.mark.postgres  # record_query writes through PostgreSQL's WITH
@pytest.mark.django_db(transaction=True)
def test_events_of_a_query_need_the_transaction_of_the_change() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.record_query(
            actor=SYSTEM,
            action="example_entry.create",
            with_sql="WITH x AS (SELECT 1)",
            rows_sql="SELECT * FROM x",
            params={},
        )
