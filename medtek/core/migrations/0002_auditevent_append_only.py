"""Audit events are append-only at the database level (triggers on SQLite and PostgreSQL)."""

from django.db import migrations

from medtek.core.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [AppendOnly.operation("core_auditevent")]
