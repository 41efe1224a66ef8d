"""Mapping profiles (append-only: saving again stores the next version), and what a session
was read with: left-out columns, suggestions, value mappings, the profile, the grouped errors."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from medtek.core.append_only import RunSQLPerVendor

#: What ``medtek guard_sql imports.ImportProfile`` printed when this migration was written.
GUARD_PROFILE = RunSQLPerVendor(
    sqlite=[
        """CREATE TRIGGER IF NOT EXISTS imports_importprofile_no_update BEFORE UPDATE ON imports_importprofile
            BEGIN SELECT RAISE(ABORT, 'imports_importprofile is append-only: UPDATE rejected'); END;""",
        """CREATE TRIGGER IF NOT EXISTS imports_importprofile_no_delete BEFORE DELETE ON imports_importprofile
            BEGIN SELECT RAISE(ABORT, 'imports_importprofile is append-only: DELETE rejected'); END;""",
    ],
    postgresql=[
        """CREATE OR REPLACE FUNCTION medtek_reject_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE TRIGGER imports_importprofile_append_only BEFORE UPDATE OR DELETE ON imports_importprofile
            FOR EACH ROW EXECUTE FUNCTION medtek_reject_change();""",
    ],
    sqlite_reverse=[
        "DROP TRIGGER IF EXISTS imports_importprofile_no_update;",
        "DROP TRIGGER IF EXISTS imports_importprofile_no_delete;",
    ],
    postgresql_reverse=[
        "DROP TRIGGER IF EXISTS imports_importprofile_append_only ON imports_importprofile;",
    ],
)


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0004_importrow_session_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="importsession",
            name="error_summary",
            field=models.JSONField(
                default=list,
                help_text="The rows' errors grouped by kind: [{column, field, message, count, rows}]",
            ),
        ),
        migrations.AddField(
            model_name="importsession",
            name="ignored",
            field=models.JSONField(default=list, help_text="column headers left out"),
        ),
        migrations.AddField(
            model_name="importsession",
            name="suggestions",
            field=models.JSONField(
                default=dict,
                help_text="column header → field name, a close match not yet confirmed",
            ),
        ),
        migrations.AddField(
            model_name="importsession",
            name="value_map",
            field=models.JSONField(
                default=dict,
                help_text="field name → {value as the file writes it (casefolded) → value}",
            ),
        ),
        migrations.CreateModel(
            name="ImportProfile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=50, verbose_name="kind")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("version", models.PositiveIntegerField(verbose_name="version")),
                (
                    "description",
                    models.CharField(blank=True, max_length=500, verbose_name="description"),
                ),
                ("columns", models.JSONField(default=dict, help_text="column header → field name")),
                ("ignored", models.JSONField(default=list, help_text="column headers left out")),
                (
                    "values",
                    models.JSONField(
                        default=dict,
                        help_text="field name → {value as the file writes it (casefolded) → value}",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "import profile",
                "verbose_name_plural": "import profiles",
                "ordering": ["kind", "name", "-version"],
            },
        ),
        migrations.AddField(
            model_name="importsession",
            name="profile",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sessions",
                to="imports.importprofile",
                verbose_name="profile",
            ),
        ),
        migrations.AddConstraint(
            model_name="importprofile",
            constraint=models.UniqueConstraint(
                fields=("kind", "name", "version"), name="importprofile_unique_version"
            ),
        ),
        GUARD_PROFILE,
    ]
