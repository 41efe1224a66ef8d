"""Disposal decisions and the traces disposals leave are append-only at the database level.

The SQL stands here as it runs (``medtek sqlmigrate core 0004`` shows it): what
``medtek guard_sql`` printed for the table(s) when this migration was written.
"""

from django.db import migrations

from medtek.core.append_only import RunSQLPerVendor

GUARD_CORE_DISPOSALDECISION = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS core_disposaldecision_no_update BEFORE UPDATE ON core_disposaldecision
            BEGIN SELECT RAISE(ABORT, 'core_disposaldecision is append-only: UPDATE rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS core_disposaldecision_no_delete BEFORE DELETE ON core_disposaldecision
            BEGIN SELECT RAISE(ABORT, 'core_disposaldecision is append-only: DELETE rejected'); END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_reject_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER core_disposaldecision_append_only BEFORE UPDATE OR DELETE ON core_disposaldecision
            FOR EACH ROW EXECUTE FUNCTION medtek_reject_change();""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS core_disposaldecision_no_update;",
        "DROP TRIGGER IF EXISTS core_disposaldecision_no_delete;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS core_disposaldecision_append_only ON core_disposaldecision;",
    ],
)

GUARD_CORE_DISPOSALTRACE = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS core_disposaltrace_no_update BEFORE UPDATE ON core_disposaltrace
            BEGIN SELECT RAISE(ABORT, 'core_disposaltrace is append-only: UPDATE rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS core_disposaltrace_no_delete BEFORE DELETE ON core_disposaltrace
            BEGIN SELECT RAISE(ABORT, 'core_disposaltrace is append-only: DELETE rejected'); END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_reject_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER core_disposaltrace_append_only BEFORE UPDATE OR DELETE ON core_disposaltrace
            FOR EACH ROW EXECUTE FUNCTION medtek_reject_change();""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS core_disposaltrace_no_update;",
        "DROP TRIGGER IF EXISTS core_disposaltrace_no_delete;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS core_disposaltrace_append_only ON core_disposaltrace;",
    ],
)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_client_request_id_and_disposal")]

    operations = [GUARD_CORE_DISPOSALDECISION, GUARD_CORE_DISPOSALTRACE]
