"""Audit events are append-only at the database level (triggers on SQLite and PostgreSQL).

The SQL stands here as it runs (``medtek sqlmigrate core 0002`` shows it): what
``medtek guard_sql`` printed for the table(s) when this migration was written.
"""

from django.db import migrations

from medtek.core.append_only import RunSQLPerVendor

GUARD_CORE_AUDITEVENT = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update BEFORE UPDATE ON core_auditevent
            BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only: UPDATE rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete BEFORE DELETE ON core_auditevent
            BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only: DELETE rejected'); END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_reject_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
            FOR EACH ROW EXECUTE FUNCTION medtek_reject_change();""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS core_auditevent_no_update;",
        "DROP TRIGGER IF EXISTS core_auditevent_no_delete;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;",
    ],
)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [GUARD_CORE_AUDITEVENT]
