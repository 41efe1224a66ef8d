"""A sent report is append-only at the database but for its lifecycle (status, the authority's
reference, acknowledged, closed); what was sent and received about it never changes (ADR 0009,
docs/domain/reporting.md).

The SQL stands here as it runs (``medtek sqlmigrate reports 0003`` shows it): what
``medtek guard_sql`` printed for the tables when this migration was written.
"""

from django.db import migrations

from medtek.core.append_only import RunSQLPerVendor

GUARD_REPORTS_REPORT = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS reports_report_sealed_no_delete BEFORE DELETE ON reports_report
            WHEN OLD.sealed_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'reports_report is append-only once sealed: DELETE rejected');
            END;""",
        """CREATE TRIGGER IF NOT EXISTS reports_report_sealed_no_update BEFORE UPDATE ON reports_report
            WHEN OLD.sealed_at IS NOT NULL AND NOT (OLD.disposal_id IS NULL AND NEW.disposal_id IS NOT NULL AND NEW.disposed_at IS NOT NULL AND EXISTS (SELECT 1 FROM core_disposaldecision d, json_each(d.record_types) k WHERE d.id = NEW.disposal_id AND k.value = 'reports.report') AND NEW.id IS OLD.id AND NEW.lineage IS OLD.lineage AND NEW.version IS OLD.version AND NEW.supersedes_id IS OLD.supersedes_id AND NEW.correction_reason IS OLD.correction_reason AND NEW.created_at IS OLD.created_at AND NEW.created_by_id IS OLD.created_by_id AND NEW.sealed_at IS OLD.sealed_at AND NEW.sealed_by_id IS OLD.sealed_by_id AND NEW.number IS OLD.number AND NEW.kind_id IS OLD.kind_id AND NEW.authority_id IS OLD.authority_id AND NEW.unit_id IS OLD.unit_id AND NEW.care_provider_id IS OLD.care_provider_id AND NEW.contact_person_id IS OLD.contact_person_id AND NEW.contact_phone IS OLD.contact_phone AND NEW.contact_email IS OLD.contact_email AND NEW.event_date IS OLD.event_date AND NEW.awareness_date IS OLD.awareness_date AND NEW.planned_use_date IS OLD.planned_use_date AND NEW.outcome IS OLD.outcome AND NEW.outcome_possible IS OLD.outcome_possible AND NEW.unexpected IS OLD.unexpected AND NEW.public_health_threat IS OLD.public_health_threat AND NEW.care_injury IS OLD.care_injury AND NEW.care_injury_possible IS OLD.care_injury_possible AND NEW.device_id IS OLD.device_id AND NEW.device_model_id IS OLD.device_model_id AND NEW.manufacturer IS OLD.manufacturer AND NEW.trade_name IS OLD.trade_name AND NEW.model_version IS OLD.model_version AND NEW.catalogue_number IS OLD.catalogue_number AND NEW.udi_di IS OLD.udi_di AND NEW.serial_or_lot IS OLD.serial_or_lot AND NEW.software_version IS OLD.software_version AND NEW.device_location IS OLD.device_location AND NEW.manufacturer_contact IS OLD.manufacturer_contact AND NEW.case_id IS OLD.case_id AND NEW.related_report_id IS OLD.related_report_id AND NEW.personal_numbers_confirmed IS OLD.personal_numbers_confirmed AND NEW.due_date IS OLD.due_date AND NEW.approved_at IS OLD.approved_at AND NEW.approved_by_id IS OLD.approved_by_id AND NEW.sent_on IS OLD.sent_on AND NEW.sent_document_id IS OLD.sent_document_id AND (NEW.description IS OLD.description OR NEW.description IS NULL OR NEW.description = '') AND (NEW.consequence IS OLD.consequence OR NEW.consequence IS NULL OR NEW.consequence = '') AND (NEW.actions_taken IS OLD.actions_taken OR NEW.actions_taken IS NULL OR NEW.actions_taken = ''))
              AND NOT (NEW.id IS OLD.id AND NEW.lineage IS OLD.lineage AND NEW.version IS OLD.version AND NEW.supersedes_id IS OLD.supersedes_id AND NEW.correction_reason IS OLD.correction_reason AND NEW.created_at IS OLD.created_at AND NEW.created_by_id IS OLD.created_by_id AND NEW.sealed_at IS OLD.sealed_at AND NEW.sealed_by_id IS OLD.sealed_by_id AND NEW.disposal_id IS OLD.disposal_id AND NEW.disposed_at IS OLD.disposed_at AND NEW.number IS OLD.number AND NEW.kind_id IS OLD.kind_id AND NEW.authority_id IS OLD.authority_id AND NEW.unit_id IS OLD.unit_id AND NEW.care_provider_id IS OLD.care_provider_id AND NEW.contact_person_id IS OLD.contact_person_id AND NEW.contact_phone IS OLD.contact_phone AND NEW.contact_email IS OLD.contact_email AND NEW.event_date IS OLD.event_date AND NEW.awareness_date IS OLD.awareness_date AND NEW.planned_use_date IS OLD.planned_use_date AND NEW.description IS OLD.description AND NEW.outcome IS OLD.outcome AND NEW.outcome_possible IS OLD.outcome_possible AND NEW.unexpected IS OLD.unexpected AND NEW.public_health_threat IS OLD.public_health_threat AND NEW.care_injury IS OLD.care_injury AND NEW.care_injury_possible IS OLD.care_injury_possible AND NEW.consequence IS OLD.consequence AND NEW.actions_taken IS OLD.actions_taken AND NEW.device_id IS OLD.device_id AND NEW.device_model_id IS OLD.device_model_id AND NEW.manufacturer IS OLD.manufacturer AND NEW.trade_name IS OLD.trade_name AND NEW.model_version IS OLD.model_version AND NEW.catalogue_number IS OLD.catalogue_number AND NEW.udi_di IS OLD.udi_di AND NEW.serial_or_lot IS OLD.serial_or_lot AND NEW.software_version IS OLD.software_version AND NEW.device_location IS OLD.device_location AND NEW.manufacturer_contact IS OLD.manufacturer_contact AND NEW.case_id IS OLD.case_id AND NEW.related_report_id IS OLD.related_report_id AND NEW.personal_numbers_confirmed IS OLD.personal_numbers_confirmed AND NEW.due_date IS OLD.due_date AND NEW.approved_at IS OLD.approved_at AND NEW.approved_by_id IS OLD.approved_by_id AND NEW.sent_on IS OLD.sent_on AND NEW.sent_document_id IS OLD.sent_document_id)
            BEGIN SELECT RAISE(ABORT, 'reports_report is append-only once sealed: UPDATE rejected');
            END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_sealed_state_guard()
RETURNS trigger AS $$
DECLARE
  label text := TG_ARGV[0];
  state text[] := string_to_array(TG_ARGV[1], ',');
  disposable text[] := TG_ARGV[2:];
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
  IF (old_row - state) = (new_row - state) THEN
    RETURN NEW;
  END IF;
  IF old_row->>'disposal_id' IS NULL AND new_row->>'disposal_id' IS NOT NULL
     AND new_row->>'disposed_at' IS NOT NULL
     AND (old_row - disposable - state - 'disposal_id' - 'disposed_at')
         = (new_row - disposable - state - 'disposal_id' - 'disposed_at') THEN
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
        """CREATE OR REPLACE TRIGGER reports_report_sealed BEFORE UPDATE OR DELETE ON reports_report
            FOR EACH ROW EXECUTE FUNCTION medtek_sealed_state_guard('reports.report', 'status,authority_reference,acknowledged_on,closed_at,closed_by_id', 'description', 'consequence', 'actions_taken');""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS reports_report_sealed_no_delete;",
        "DROP TRIGGER IF EXISTS reports_report_sealed_no_update;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS reports_report_sealed ON reports_report;",
    ],
)


GUARD_REPORTS_DISPATCH = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS reports_dispatch_no_update BEFORE UPDATE ON reports_dispatch
            BEGIN SELECT RAISE(ABORT, 'reports_dispatch is append-only: UPDATE rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS reports_dispatch_no_delete BEFORE DELETE ON reports_dispatch
            BEGIN SELECT RAISE(ABORT, 'reports_dispatch is append-only: DELETE rejected'); END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_reject_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER reports_dispatch_append_only BEFORE UPDATE OR DELETE ON reports_dispatch
            FOR EACH ROW EXECUTE FUNCTION medtek_reject_change();""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS reports_dispatch_no_update;",
        "DROP TRIGGER IF EXISTS reports_dispatch_no_delete;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS reports_dispatch_append_only ON reports_dispatch;",
    ],
)


GUARD_REPORTS_REPLY = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS reports_reply_no_update BEFORE UPDATE ON reports_reply
            BEGIN SELECT RAISE(ABORT, 'reports_reply is append-only: UPDATE rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS reports_reply_no_delete BEFORE DELETE ON reports_reply
            BEGIN SELECT RAISE(ABORT, 'reports_reply is append-only: DELETE rejected'); END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_reject_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER reports_reply_append_only BEFORE UPDATE OR DELETE ON reports_reply
            FOR EACH ROW EXECUTE FUNCTION medtek_reject_change();""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS reports_reply_no_update;",
        "DROP TRIGGER IF EXISTS reports_reply_no_delete;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS reports_reply_append_only ON reports_reply;",
    ],
)


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_seed_authorities_and_kinds")]

    operations = [GUARD_REPORTS_REPORT, GUARD_REPORTS_DISPATCH, GUARD_REPORTS_REPLY]
