"""An entry may hold a file (a StoredFile, disposable with it); its guard covers the new column.

The SQL stands here as it runs (``medtek sqlmigrate example 0003`` shows it): what
``medtek guard_sql example.Entry`` printed when this migration was written.
"""

import django.db.models.deletion
from django.db import migrations, models

from medtek.core.append_only import RunSQLPerVendor

# Undoing this migration rebuilds the table without the column on SQLite, which drops its
# triggers: this puts the guard of 0002 back last (forwards it does nothing).
GUARD_BEFORE_FILE = RunSQLPerVendor(
    sqlite=[],
    postgresql=[],
    sqlite_reverse=[
        """CREATE TRIGGER IF NOT EXISTS example_entry_sealed_no_delete BEFORE DELETE ON example_entry
            WHEN OLD.sealed_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'example_entry is append-only once sealed: DELETE rejected');
            END;""",
        """CREATE TRIGGER IF NOT EXISTS example_entry_sealed_no_update BEFORE UPDATE ON example_entry
            WHEN OLD.sealed_at IS NOT NULL AND NOT (OLD.disposal_id IS NULL AND NEW.disposal_id IS NOT NULL AND NEW.disposed_at IS NOT NULL AND NEW.id IS OLD.id AND NEW.lineage IS OLD.lineage AND NEW.version IS OLD.version AND NEW.supersedes_id IS OLD.supersedes_id AND NEW.correction_reason IS OLD.correction_reason AND NEW.created_at IS OLD.created_at AND NEW.created_by_id IS OLD.created_by_id AND NEW.sealed_at IS OLD.sealed_at AND NEW.sealed_by_id IS OLD.sealed_by_id AND NEW.number IS OLD.number AND NEW.title IS OLD.title AND NEW.party IS OLD.party AND NEW.unit_id IS OLD.unit_id AND (NEW.description IS OLD.description OR NEW.description IS NULL OR NEW.description = ''))
            BEGIN SELECT RAISE(ABORT, 'example_entry is append-only once sealed: UPDATE rejected');
            END;""",
    ],
    postgresql_reverse=[],
)

# The guard for today's columns: on SQLite the trigger lists every column, so the old one is
# dropped and the new one installed; on PostgreSQL the trigger gains the disposable file_id.
GUARD_EXAMPLE_ENTRY = RunSQLPerVendor(
    sqlite=[
        "DROP TRIGGER IF EXISTS example_entry_sealed_no_delete;",
        "DROP TRIGGER IF EXISTS example_entry_sealed_no_update;",
        """CREATE TRIGGER IF NOT EXISTS example_entry_sealed_no_delete BEFORE DELETE ON example_entry
            WHEN OLD.sealed_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'example_entry is append-only once sealed: DELETE rejected');
            END;""",
        """CREATE TRIGGER IF NOT EXISTS example_entry_sealed_no_update BEFORE UPDATE ON example_entry
            WHEN OLD.sealed_at IS NOT NULL AND NOT (OLD.disposal_id IS NULL AND NEW.disposal_id IS NOT NULL AND NEW.disposed_at IS NOT NULL AND NEW.id IS OLD.id AND NEW.lineage IS OLD.lineage AND NEW.version IS OLD.version AND NEW.supersedes_id IS OLD.supersedes_id AND NEW.correction_reason IS OLD.correction_reason AND NEW.created_at IS OLD.created_at AND NEW.created_by_id IS OLD.created_by_id AND NEW.sealed_at IS OLD.sealed_at AND NEW.sealed_by_id IS OLD.sealed_by_id AND NEW.number IS OLD.number AND NEW.title IS OLD.title AND NEW.party IS OLD.party AND NEW.unit_id IS OLD.unit_id AND (NEW.description IS OLD.description OR NEW.description IS NULL OR NEW.description = '') AND (NEW.file_id IS OLD.file_id OR NEW.file_id IS NULL OR NEW.file_id = ''))
            BEGIN SELECT RAISE(ABORT, 'example_entry is append-only once sealed: UPDATE rejected');
            END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_sealed_guard() RETURNS trigger AS $$
DECLARE
  disposable text[] := TG_ARGV;
  old_row jsonb := to_jsonb(OLD);
  new_row jsonb;
  col text;
BEGIN
  IF old_row->>'sealed_at' IS NULL THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION USING
      MESSAGE = TG_TABLE_NAME || ' is append-only once sealed: DELETE rejected',
      ERRCODE = 'integrity_constraint_violation';
  END IF;
  new_row := to_jsonb(NEW);
  IF old_row->>'disposal_id' IS NULL AND new_row->>'disposal_id' IS NOT NULL
     AND new_row->>'disposed_at' IS NOT NULL
     AND (old_row - disposable - 'disposal_id' - 'disposed_at')
         = (new_row - disposable - 'disposal_id' - 'disposed_at') THEN
    FOREACH col IN ARRAY disposable LOOP
      IF new_row->col IS DISTINCT FROM old_row->col
         AND new_row->col NOT IN ('null'::jsonb, '""'::jsonb) THEN
        RAISE EXCEPTION USING
          MESSAGE = TG_TABLE_NAME || ': a disposal may only empty ' || col,
          ERRCODE = 'integrity_constraint_violation';
      END IF;
    END LOOP;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only once sealed: UPDATE rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER example_entry_sealed BEFORE UPDATE OR DELETE ON example_entry
            FOR EACH ROW EXECUTE FUNCTION medtek_sealed_guard('description', 'file_id');""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS example_entry_sealed_no_delete;",
        "DROP TRIGGER IF EXISTS example_entry_sealed_no_update;",
    ],
    postgresql_reverse=[
        """CREATE OR REPLACE TRIGGER example_entry_sealed BEFORE UPDATE OR DELETE ON example_entry
            FOR EACH ROW EXECUTE FUNCTION medtek_sealed_guard('description');""",
    ],
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_storedfile"),
        ("example", "0002_guards"),
    ]

    operations = [
        GUARD_BEFORE_FILE,
        migrations.AddField(
            model_name="entry",
            name="file",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.storedfile",
                verbose_name="file",
            ),
        ),
        GUARD_EXAMPLE_ENTRY,
    ]
