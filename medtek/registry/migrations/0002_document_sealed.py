"""A registered document is append-only at the database; its files are frozen with it. Only a disposal under a recorded decision may empty what it declares disposable (ADR 0009).

The SQL stands here as it runs (``medtek sqlmigrate registry 0002`` shows it): what
``medtek guard_sql`` printed for the table(s) when this migration was written.
"""

from django.db import migrations

from medtek.core.append_only import RunSQLPerVendor

GUARD_REGISTRY_DOCUMENT = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS registry_document_sealed_no_delete BEFORE DELETE ON registry_document
            WHEN OLD.sealed_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'registry_document is append-only once sealed: DELETE rejected');
            END;""",
        """CREATE TRIGGER IF NOT EXISTS registry_document_sealed_no_update BEFORE UPDATE ON registry_document
            WHEN OLD.sealed_at IS NOT NULL AND NOT (OLD.disposal_id IS NULL AND NEW.disposal_id IS NOT NULL AND NEW.disposed_at IS NOT NULL AND EXISTS (SELECT 1 FROM core_disposaldecision d, json_each(d.record_types) k WHERE d.id = NEW.disposal_id AND k.value = 'registry.document') AND NEW.id IS OLD.id AND NEW.lineage IS OLD.lineage AND NEW.version IS OLD.version AND NEW.supersedes_id IS OLD.supersedes_id AND NEW.correction_reason IS OLD.correction_reason AND NEW.created_at IS OLD.created_at AND NEW.created_by_id IS OLD.created_by_id AND NEW.sealed_at IS OLD.sealed_at AND NEW.sealed_by_id IS OLD.sealed_by_id AND NEW.case_id IS OLD.case_id AND NEW.number IS OLD.number AND NEW.seq IS OLD.seq AND NEW.direction IS OLD.direction AND NEW.kind IS OLD.kind AND NEW.date IS OLD.date AND NEW.counterparty IS OLD.counterparty AND NEW.unit_id IS OLD.unit_id AND NEW.secrecy_provision_id IS OLD.secrecy_provision_id AND NEW.secrecy_marked_on IS OLD.secrecy_marked_on AND NEW.secrecy_marked_by IS OLD.secrecy_marked_by AND NEW.submitted_at IS OLD.submitted_at AND NEW.submitted_by_id IS OLD.submitted_by_id AND NEW.external_system IS OLD.external_system AND NEW.external_number IS OLD.external_number AND (NEW.description IS OLD.description OR NEW.description IS NULL OR NEW.description = '') AND (NEW.details IS OLD.details OR NEW.details IS NULL OR NEW.details = '') AND (NEW.counterparty_restricted IS OLD.counterparty_restricted OR NEW.counterparty_restricted IS NULL OR NEW.counterparty_restricted = '') AND (NEW.search_text IS OLD.search_text OR NEW.search_text IS NULL OR NEW.search_text = '') AND (NEW.search_restricted IS OLD.search_restricted OR NEW.search_restricted IS NULL OR NEW.search_restricted = ''))
            BEGIN SELECT RAISE(ABORT, 'registry_document is append-only once sealed: UPDATE rejected');
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
        """CREATE OR REPLACE TRIGGER registry_document_sealed BEFORE UPDATE OR DELETE ON registry_document
            FOR EACH ROW EXECUTE FUNCTION medtek_sealed_guard('registry.document', 'description', 'details', 'counterparty_restricted', 'search_text', 'search_restricted');""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS registry_document_sealed_no_delete;",
        "DROP TRIGGER IF EXISTS registry_document_sealed_no_update;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS registry_document_sealed ON registry_document;",
    ],
)

GUARD_REGISTRY_DOCUMENTFILE = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS registry_documentfile_sealed_no_insert BEFORE INSERT ON registry_documentfile
            WHEN (SELECT sealed_at FROM registry_document WHERE id = NEW.document_id) IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'registry_documentfile belongs to a sealed record: INSERT rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS registry_documentfile_sealed_no_delete BEFORE DELETE ON registry_documentfile
            WHEN (SELECT sealed_at FROM registry_document WHERE id = OLD.document_id) IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'registry_documentfile belongs to a sealed record: DELETE rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS registry_documentfile_sealed_no_update BEFORE UPDATE ON registry_documentfile
            WHEN (SELECT sealed_at FROM registry_document WHERE id = OLD.document_id) IS NOT NULL AND NOT ((SELECT disposal_id FROM registry_document WHERE id = OLD.document_id) IS NOT NULL AND NEW.id IS OLD.id AND NEW.document_id IS OLD.document_id AND NEW.name IS OLD.name AND NEW.added_at IS OLD.added_at AND NEW.added_by_id IS OLD.added_by_id AND (NEW.file_id IS OLD.file_id OR NEW.file_id IS NULL OR NEW.file_id = ''))
            BEGIN SELECT RAISE(ABORT, 'registry_documentfile belongs to a sealed record: UPDATE rejected'); END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_sealed_child_guard()
RETURNS trigger AS $$
DECLARE
  parent_table text := TG_ARGV[0];
  parent_column text := TG_ARGV[1];
  disposable text[] := TG_ARGV[2:];
  old_row jsonb;
  new_row jsonb;
  parent_id text;
  sealed boolean;
  disposed boolean;
  col text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    new_row := to_jsonb(NEW);
    parent_id := new_row->>parent_column;
  ELSE
    old_row := to_jsonb(OLD);
    parent_id := old_row->>parent_column;
  END IF;
  EXECUTE format('SELECT sealed_at IS NOT NULL, disposal_id IS NOT NULL FROM %I WHERE id = $1',
                 parent_table) INTO sealed, disposed USING parent_id::bigint;
  IF NOT coalesce(sealed, false) THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND disposed THEN
    new_row := to_jsonb(NEW);
    IF (old_row - disposable) = (new_row - disposable) THEN
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
  END IF;
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' belongs to a sealed record: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER registry_documentfile_sealed_parent
            BEFORE INSERT OR UPDATE OR DELETE ON registry_documentfile
            FOR EACH ROW EXECUTE FUNCTION medtek_sealed_child_guard('registry_document', 'document_id', 'file_id');""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS registry_documentfile_sealed_no_insert;",
        "DROP TRIGGER IF EXISTS registry_documentfile_sealed_no_delete;",
        "DROP TRIGGER IF EXISTS registry_documentfile_sealed_no_update;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS registry_documentfile_sealed_parent ON registry_documentfile;",
    ],
)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_diary")]

    operations = [GUARD_REGISTRY_DOCUMENT, GUARD_REGISTRY_DOCUMENTFILE]
