"""The file store's catalogue (ADR 0010): a stored file's row is kept forever and never changes,
except that ``removed_at`` is set once when a disposal removes the content.

The guard's SQL stands here as it runs (``medtek sqlmigrate core 0005`` shows it): what
``medtek guard_sql core.StoredFile`` printed when this migration was written.
"""

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.lookups
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from medtek.core.append_only import RunSQLPerVendor

GUARD_CORE_STOREDFILE = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS core_storedfile_no_delete BEFORE DELETE ON core_storedfile
            BEGIN SELECT RAISE(ABORT, 'core_storedfile is append-only: DELETE rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS core_storedfile_no_update BEFORE UPDATE ON core_storedfile
            WHEN NOT (OLD.removed_at IS NULL AND NEW.removed_at IS NOT NULL AND NEW.id IS OLD.id AND NEW.sha256 IS OLD.sha256 AND NEW.size IS OLD.size AND NEW.content_type IS OLD.content_type AND NEW.original_name IS OLD.original_name AND NEW.stored_at IS OLD.stored_at AND NEW.stored_by_id IS OLD.stored_by_id)
            BEGIN SELECT RAISE(ABORT,
              'core_storedfile is append-only: UPDATE rejected (only removed_at may be set, once)');
            END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_set_once_guard() RETURNS trigger AS $$
DECLARE
  once text := TG_ARGV[0];
  old_row jsonb := to_jsonb(OLD);
  new_row jsonb;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    new_row := to_jsonb(NEW);
    IF old_row->>once IS NULL AND new_row->>once IS NOT NULL
       AND (old_row - once) = (new_row - once) THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
      MESSAGE = TG_TABLE_NAME || ' is append-only: UPDATE rejected (only ' || once
                || ' may be set, once)',
      ERRCODE = 'integrity_constraint_violation';
  END IF;
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER core_storedfile_set_once BEFORE UPDATE OR DELETE ON core_storedfile
            FOR EACH ROW EXECUTE FUNCTION medtek_set_once_guard('removed_at');""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS core_storedfile_no_delete;",
        "DROP TRIGGER IF EXISTS core_storedfile_no_update;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS core_storedfile_set_once ON core_storedfile;",
    ],
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_disposal_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StoredFile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "sha256",
                    models.CharField(
                        db_index=True,
                        editable=False,
                        help_text="The digest of the content, in hexadecimal: its name in the store.",
                        max_length=64,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[0-9a-f]{64}\\Z", "A SHA-256 is 64 hexadecimal digits."
                            )
                        ],
                        verbose_name="SHA-256",
                    ),
                ),
                (
                    "size",
                    models.PositiveBigIntegerField(editable=False, verbose_name="size (bytes)"),
                ),
                (
                    "content_type",
                    models.CharField(
                        editable=False,
                        help_text="Found from the content itself, never from the name.",
                        max_length=100,
                        verbose_name="type",
                    ),
                ),
                (
                    "original_name",
                    models.CharField(
                        blank=True, editable=False, max_length=255, verbose_name="original name"
                    ),
                ),
                (
                    "stored_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, editable=False, verbose_name="stored"
                    ),
                ),
                (
                    "removed_at",
                    models.DateTimeField(
                        blank=True,
                        editable=False,
                        help_text="When a disposal removed the content; the row itself is kept.",
                        null=True,
                        verbose_name="content removed",
                    ),
                ),
                (
                    "stored_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        help_text="Empty for files the system stored itself (e.g. a generated document).",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="stored by",
                    ),
                ),
            ],
            options={
                "verbose_name": "stored file",
                "verbose_name_plural": "stored files",
                "ordering": ["-stored_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("removed_at__isnull", True)),
                        fields=("sha256",),
                        name="storedfile_one_per_content",
                        violation_error_message="This content is stored already.",
                    ),
                    models.CheckConstraint(
                        condition=django.db.models.lookups.Exact(
                            django.db.models.functions.text.Length("sha256"), 64
                        ),
                        name="storedfile_sha256_length",
                        violation_error_message="A SHA-256 is 64 hexadecimal digits.",
                    ),
                ],
            },
        ),
        GUARD_CORE_STOREDFILE,
    ]
