"""The audit trail is append-only in the database itself, whichever database is in use.

Every way of changing or removing a row (model, queryset, hand-written SQL) must be refused by the
database, and the row must read the same afterwards. Each attempt runs in a savepoint so the test
can go on after the database has refused.
"""

from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection, transaction

from medtek.core.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> AuditEvent:
    """The audit event written when a care provider is created."""
    provider = factories.provider(name="Ekbackens Läkarhus AB")
    return AuditEvent.objects.get(
        action="care_provider.create",
        object_id=str(provider.pk),
        object_type="organisation.careprovider",
    )


def _row(pk: int) -> dict[str, object]:
    return AuditEvent.objects.values().get(pk=pk)


def _model_save(e: AuditEvent) -> None:
    e.action = "care_provider.delete"
    e.reason = "rewritten"
    e.save()


def _model_save_update_fields(e: AuditEvent) -> None:
    e.reason = "rewritten"
    e.save(update_fields=["reason"])


def _queryset_update(e: AuditEvent) -> None:
    AuditEvent.objects.filter(pk=e.pk).update(actor_name="Someone Else")


def _queryset_update_all(e: AuditEvent) -> None:
    AuditEvent.objects.all().update(reason="rewritten")


def _bulk_update(e: AuditEvent) -> None:
    e.object_repr = "rewritten"
    AuditEvent.objects.bulk_update([e], ["object_repr"])


def _raw_sql_update(e: AuditEvent) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET action = %s, reason = %s WHERE id = %s",
            ["care_provider.delete", "rewritten", e.pk],
        )


def _model_delete(e: AuditEvent) -> None:
    e.delete()


def _queryset_delete(e: AuditEvent) -> None:
    AuditEvent.objects.filter(pk=e.pk).delete()


def _queryset_delete_all(e: AuditEvent) -> None:
    AuditEvent.objects.all().delete()


def _raw_sql_delete(e: AuditEvent) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [e.pk])


def _raw_sql_delete_all(e: AuditEvent) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")


UPDATES = {
    "model_save": _model_save,
    "model_save_update_fields": _model_save_update_fields,
    "queryset_update": _queryset_update,
    "queryset_update_all": _queryset_update_all,
    "bulk_update": _bulk_update,
    "raw_sql": _raw_sql_update,
}

DELETES = {
    "model_delete": _model_delete,
    "queryset_delete": _queryset_delete,
    "queryset_delete_all": _queryset_delete_all,
    "raw_sql": _raw_sql_delete,
    "raw_sql_all": _raw_sql_delete_all,
}


@pytest.mark.parametrize("change", UPDATES.values(), ids=UPDATES.keys())
def test_it_rejects_an_update(event: AuditEvent, change: Callable[[AuditEvent], None]) -> None:
    before = _row(event.pk)

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        change(event)

    assert _row(event.pk) == before


@pytest.mark.parametrize("remove", DELETES.values(), ids=DELETES.keys())
def test_it_rejects_a_delete(event: AuditEvent, remove: Callable[[AuditEvent], None]) -> None:
    count = AuditEvent.objects.count()
    before = _row(event.pk)

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        remove(event)

    assert AuditEvent.objects.count() == count
    assert _row(event.pk) == before


def test_it_still_records_new_events(event: AuditEvent) -> None:
    count = AuditEvent.objects.count()

    provider = factories.provider(name="Sjöstadens Vård AB")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditevent (at, actor_name, action, object_type, object_id,"
            " object_repr, request_id, reason, source, batch)"
            " VALUES (%s, 'system', 'manual.note', 'organisation.careprovider', %s, %s,"
            " '', '', 'cli', '')",
            [event.at, str(provider.pk), str(provider)],
        )

    assert AuditEvent.objects.count() == count + 2
    assert AuditEvent.objects.filter(
        action="care_provider.create", object_repr="Sjöstadens Vård AB"
    ).exists()
    assert AuditEvent.objects.filter(action="manual.note", source="cli").exists()


def test_it_keeps_the_connection_usable_after_a_refusal(event: AuditEvent) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()

    # The same transaction goes on: the refusal rolled back only its own savepoint.
    factories.provider(name="Efter vägran AB")
    assert AuditEvent.objects.filter(object_repr="Efter vägran AB").count() == 1


def test_it_has_the_triggers_in_the_database_catalogue() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                ["core_auditevent"],
            )
            triggers = {name: sql.upper() for name, sql in cursor.fetchall()}
            assert set(triggers) >= {"core_auditevent_no_update", "core_auditevent_no_delete"}
            assert "BEFORE UPDATE" in triggers["core_auditevent_no_update"]
            assert "BEFORE DELETE" in triggers["core_auditevent_no_delete"]
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, tgenabled, pg_get_triggerdef(oid) FROM pg_trigger"
                " WHERE tgrelid = 'core_auditevent'::regclass AND NOT tgisinternal"
            )
            triggers = {name: (enabled, definition) for name, enabled, definition in cursor}
            assert "core_auditevent_append_only" in triggers
            enabled, definition = triggers["core_auditevent_append_only"]
            assert enabled == "O"  # fires in ordinary sessions (not disabled)
            timing = definition.split(" ON ")[0]  # "CREATE TRIGGER … BEFORE DELETE OR UPDATE"
            assert " BEFORE " in timing
            assert {"UPDATE", "DELETE"} <= set(timing.split())
            assert "FOR EACH ROW" in definition
        else:
            pytest.fail(f"No append-only check for database {connection.vendor!r}")
