"""A device's status history is append-only at the database level: never edited, never removed.

The SQL stands here as it runs (``medtek sqlmigrate devices 0004`` shows it): what
``medtek guard_sql`` printed for the table(s) when this migration was written.
"""

from django.db import migrations

from medtek.core.append_only import RunSQLPerVendor

GUARD_DEVICES_DEVICESTATUSCHANGE = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS devices_devicestatuschange_no_update BEFORE UPDATE ON devices_devicestatuschange
            BEGIN SELECT RAISE(ABORT, 'devices_devicestatuschange is append-only: UPDATE rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS devices_devicestatuschange_no_delete BEFORE DELETE ON devices_devicestatuschange
            BEGIN SELECT RAISE(ABORT, 'devices_devicestatuschange is append-only: DELETE rejected'); END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_reject_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER devices_devicestatuschange_append_only BEFORE UPDATE OR DELETE ON devices_devicestatuschange
            FOR EACH ROW EXECUTE FUNCTION medtek_reject_change();""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS devices_devicestatuschange_no_update;",
        "DROP TRIGGER IF EXISTS devices_devicestatuschange_no_delete;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS devices_devicestatuschange_append_only ON devices_devicestatuschange;",
    ],
)


class Migration(migrations.Migration):
    dependencies = [("devices", "0003_device_list_indexes")]

    operations = [GUARD_DEVICES_DEVICESTATUSCHANGE]
