"""The in-house file's records that never change: technical documents once added (sealed
versioned records, ADR 0009), release records and the document versions they name, reviews,
sign-offs and published declarations (append-only).

The SQL stands here as it runs (``medtek sqlmigrate inhouse 0004`` shows it): what
``medtek guard_sql`` printed for the tables when this migration was written.
"""

from django.db import migrations

from medtek.core.append_only import RunSQLPerVendor

GUARD_FILEDOCUMENT = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS inhouse_filedocument_sealed_no_delete BEFORE DELETE ON inhouse_filedocument
            WHEN OLD.sealed_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'inhouse_filedocument is append-only once sealed: DELETE rejected');
            END;""",
        """CREATE TRIGGER IF NOT EXISTS inhouse_filedocument_sealed_no_update BEFORE UPDATE ON inhouse_filedocument
            WHEN OLD.sealed_at IS NOT NULL AND NOT (OLD.disposal_id IS NULL AND NEW.disposal_id IS NOT NULL AND NEW.disposed_at IS NOT NULL AND EXISTS (SELECT 1 FROM core_disposaldecision d, json_each(d.record_types) k WHERE d.id = NEW.disposal_id AND k.value = 'inhouse.filedocument') AND NEW.id IS OLD.id AND NEW.lineage IS OLD.lineage AND NEW.version IS OLD.version AND NEW.supersedes_id IS OLD.supersedes_id AND NEW.correction_reason IS OLD.correction_reason AND NEW.created_at IS OLD.created_at AND NEW.created_by_id IS OLD.created_by_id AND NEW.sealed_at IS OLD.sealed_at AND NEW.sealed_by_id IS OLD.sealed_by_id AND NEW.file_id IS OLD.file_id AND NEW.kind IS OLD.kind AND NEW.title IS OLD.title AND NEW.content_id IS OLD.content_id AND NEW.name IS OLD.name AND NEW.note IS OLD.note)
            BEGIN SELECT RAISE(ABORT, 'inhouse_filedocument is append-only once sealed: UPDATE rejected');
            END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_sealed_guard() RETURNS trigger AS $$
DECLARE
  label text := TG_ARGV[0];
  disposable text[] := TG_ARGV[1:];
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
    IF NOT EXISTS (SELECT 1 FROM core_disposaldecision d
                   WHERE d.id = (new_row->>'disposal_id')::bigint
                     AND d.record_types @> jsonb_build_array(label)) THEN
      RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ': no recorded disposal decision covers ' || label,
        ERRCODE = 'integrity_constraint_violation';
    END IF;
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
        """CREATE OR REPLACE TRIGGER inhouse_filedocument_sealed BEFORE UPDATE OR DELETE ON inhouse_filedocument
            FOR EACH ROW EXECUTE FUNCTION medtek_sealed_guard('inhouse.filedocument');""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS inhouse_filedocument_sealed_no_delete;",
        "DROP TRIGGER IF EXISTS inhouse_filedocument_sealed_no_update;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS inhouse_filedocument_sealed ON inhouse_filedocument;",
    ],
)

GUARD_RELEASERECORD = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS inhouse_releaserecord_no_update BEFORE UPDATE ON inhouse_releaserecord
            BEGIN SELECT RAISE(ABORT, 'inhouse_releaserecord is append-only: UPDATE rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS inhouse_releaserecord_no_delete BEFORE DELETE ON inhouse_releaserecord
            BEGIN SELECT RAISE(ABORT, 'inhouse_releaserecord is append-only: DELETE rejected'); END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_reject_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER inhouse_releaserecord_append_only BEFORE UPDATE OR DELETE ON inhouse_releaserecord
            FOR EACH ROW EXECUTE FUNCTION medtek_reject_change();""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS inhouse_releaserecord_no_update;",
        "DROP TRIGGER IF EXISTS inhouse_releaserecord_no_delete;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS inhouse_releaserecord_append_only ON inhouse_releaserecord;",
    ],
)

GUARD_RELEASEDOCUMENT = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS inhouse_releasedocument_no_update BEFORE UPDATE ON inhouse_releasedocument
            BEGIN SELECT RAISE(ABORT, 'inhouse_releasedocument is append-only: UPDATE rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS inhouse_releasedocument_no_delete BEFORE DELETE ON inhouse_releasedocument
            BEGIN SELECT RAISE(ABORT, 'inhouse_releasedocument is append-only: DELETE rejected'); END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_reject_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER inhouse_releasedocument_append_only BEFORE UPDATE OR DELETE ON inhouse_releasedocument
            FOR EACH ROW EXECUTE FUNCTION medtek_reject_change();""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS inhouse_releasedocument_no_update;",
        "DROP TRIGGER IF EXISTS inhouse_releasedocument_no_delete;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS inhouse_releasedocument_append_only ON inhouse_releasedocument;",
    ],
)

GUARD_REVIEW = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS inhouse_review_no_update BEFORE UPDATE ON inhouse_review
            BEGIN SELECT RAISE(ABORT, 'inhouse_review is append-only: UPDATE rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS inhouse_review_no_delete BEFORE DELETE ON inhouse_review
            BEGIN SELECT RAISE(ABORT, 'inhouse_review is append-only: DELETE rejected'); END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_reject_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER inhouse_review_append_only BEFORE UPDATE OR DELETE ON inhouse_review
            FOR EACH ROW EXECUTE FUNCTION medtek_reject_change();""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS inhouse_review_no_update;",
        "DROP TRIGGER IF EXISTS inhouse_review_no_delete;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS inhouse_review_append_only ON inhouse_review;",
    ],
)

GUARD_SIGNOFF = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS inhouse_signoff_no_update BEFORE UPDATE ON inhouse_signoff
            BEGIN SELECT RAISE(ABORT, 'inhouse_signoff is append-only: UPDATE rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS inhouse_signoff_no_delete BEFORE DELETE ON inhouse_signoff
            BEGIN SELECT RAISE(ABORT, 'inhouse_signoff is append-only: DELETE rejected'); END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_reject_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER inhouse_signoff_append_only BEFORE UPDATE OR DELETE ON inhouse_signoff
            FOR EACH ROW EXECUTE FUNCTION medtek_reject_change();""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS inhouse_signoff_no_update;",
        "DROP TRIGGER IF EXISTS inhouse_signoff_no_delete;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS inhouse_signoff_append_only ON inhouse_signoff;",
    ],
)

GUARD_DECLARATION = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS inhouse_declaration_no_update BEFORE UPDATE ON inhouse_declaration
            BEGIN SELECT RAISE(ABORT, 'inhouse_declaration is append-only: UPDATE rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS inhouse_declaration_no_delete BEFORE DELETE ON inhouse_declaration
            BEGIN SELECT RAISE(ABORT, 'inhouse_declaration is append-only: DELETE rejected'); END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_reject_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER inhouse_declaration_append_only BEFORE UPDATE OR DELETE ON inhouse_declaration
            FOR EACH ROW EXECUTE FUNCTION medtek_reject_change();""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS inhouse_declaration_no_update;",
        "DROP TRIGGER IF EXISTS inhouse_declaration_no_delete;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS inhouse_declaration_append_only ON inhouse_declaration;",
    ],
)


class Migration(migrations.Migration):
    dependencies = [("inhouse", "0003_load_annex_i")]

    operations = [
        GUARD_FILEDOCUMENT,
        GUARD_RELEASERECORD,
        GUARD_RELEASEDOCUMENT,
        GUARD_REVIEW,
        GUARD_SIGNOFF,
        GUARD_DECLARATION,
    ]
