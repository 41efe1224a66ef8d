"""The actor's title at the time of each event, copied as the name is (issue 10: the person's
name and title at the time). Events recorded before this migration keep an empty title."""

from django.db import migrations, models

from medtek.core.append_only import RunSQLPerVendor

# SQLite adds the column by building the table anew, which drops its triggers: they are put back
# (the same SQL as migrations 0002 and 0003; on PostgreSQL, where the table stays, this changes nothing).
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
    dependencies = [
        ("core", "0008_audit_indexes_that_pay"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="actor_title",
            field=models.CharField(
                blank=True,
                db_default="",
                help_text="Copy of the actor's title at the time; empty for older events.",
                max_length=200,
                verbose_name="actor's title",
            ),
        ),
        GUARD_CORE_AUDITEVENT,
    ]
