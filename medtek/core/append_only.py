"""Database triggers that make a table append-only: UPDATE and DELETE are rejected by the database.

Used for the audit trail now, and later for registered diary entries, sent reports, adopted
decisions and signed minutes (design.md, "Records that must never silently change"). A check in
Python alone would not stop a bug, a raw SQL statement or an administrator's console.

TRUNCATE is not covered by the triggers (it is a table-level privilege on PostgreSQL): production
runs the application under a role without TRUNCATE rights (docs/decisions/0004).
"""

from typing import Any


def _sqlite_sql(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE rejected'); END;""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE rejected'); END;""",
    ]


def _postgresql_sql(table: str) -> list[str]:
    return [
        """CREATE OR REPLACE FUNCTION medtek_reject_change() RETURNS trigger AS $$
           BEGIN
             RAISE EXCEPTION USING
               MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
               ERRCODE = 'integrity_constraint_violation';
           END; $$ LANGUAGE plpgsql;""",
        f"""CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION medtek_reject_change();""",
    ]


def protect_sql(vendor: str, table: str) -> list[str]:
    if vendor == "sqlite":
        return _sqlite_sql(table)
    if vendor == "postgresql":
        return _postgresql_sql(table)
    raise NotImplementedError(f"No append-only triggers for database {vendor!r}")


def unprotect_sql(vendor: str, table: str) -> list[str]:
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update;",
            f"DROP TRIGGER IF EXISTS {table}_no_delete;",
        ]
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};"]
    raise NotImplementedError(f"No append-only triggers for database {vendor!r}")


def protect(connection: Any, table: str) -> None:
    with connection.cursor() as cursor:
        for statement in protect_sql(connection.vendor, table):
            cursor.execute(statement)


def unprotect(connection: Any, table: str) -> None:
    with connection.cursor() as cursor:
        for statement in unprotect_sql(connection.vendor, table):
            cursor.execute(statement)


#: Tables made append-only by migrations; the test suite lifts and restores the triggers around
#: database flushes of transactional tests.
PROTECTED_TABLES: list[str] = ["core_auditevent"]


class AppendOnly:
    """A migration operation: ``AppendOnly("core_auditevent")`` installs the triggers."""

    @staticmethod
    def operation(table: str) -> Any:
        from django.db import migrations

        def forwards(apps: Any, schema_editor: Any) -> None:
            for statement in protect_sql(schema_editor.connection.vendor, table):
                schema_editor.execute(statement)

        def backwards(apps: Any, schema_editor: Any) -> None:
            for statement in unprotect_sql(schema_editor.connection.vendor, table):
                schema_editor.execute(statement)

        return migrations.RunPython(forwards, backwards, elidable=False)
