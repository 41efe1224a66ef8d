"""Indexes on the audit trail that pay for every event written (issue 14).

The trail is written on every change and grows without end, so each index costs every write.
``actor_id`` alone goes (``auditevent_actor_idx`` (actor, at) answers every lookup by actor);
``action`` and ``batch`` keep a plain btree but lose the ``varchar_pattern_ops`` twin that
``db_index`` adds on PostgreSQL for prefix searches nobody makes.

SQLite alters a column by rebuilding its table, which drops the table's triggers: the trail's
append-only triggers (migration 0002) are put back after the rebuild, and, going back, after the
rebuild back. PostgreSQL alters in place and keeps its trigger.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from medtek.core.append_only import RunSQLPerVendor

SQLITE_GUARD = [
    """CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update BEFORE UPDATE ON core_auditevent
            BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only: UPDATE rejected'); END;""",
    """CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete BEFORE DELETE ON core_auditevent
            BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only: DELETE rejected'); END;""",
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_text_limits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Going back, the triggers return after the last rebuild (reverse runs bottom-up).
        RunSQLPerVendor(
            sqlite=[], postgresql=[], sqlite_reverse=SQLITE_GUARD, postgresql_reverse=[]
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(max_length=100, verbose_name="action"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="Empty for changes made by the system itself (e.g. a scheduled job).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="actor",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="batch",
            field=models.CharField(
                blank=True,
                help_text="Groups events made together, e.g. one import session.",
                max_length=64,
                verbose_name="batch",
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action"], name="auditevent_action_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["batch"], name="auditevent_batch_idx"),
        ),
        RunSQLPerVendor(
            sqlite=SQLITE_GUARD, postgresql=[], sqlite_reverse=[], postgresql_reverse=[]
        ),
    ]
