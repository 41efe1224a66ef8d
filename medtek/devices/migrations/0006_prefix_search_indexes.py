"""Indexes that pay for themselves (issue 14, benchmarks/README.md).

- The inventory and serial number searches are prefix searches (``istartswith``: on
  PostgreSQL ``UPPER(column::text) LIKE 'ABC%'``), which a btree with ``text_pattern_ops``
  answers as a range, whatever the database's collation, in a fraction of a trigram index's
  time; and a btree costs an insert less than a GIN index. The unique index on
  ``UPPER(inventory_number)`` becomes that btree (it still answers equality, so the unique
  check and the import's lookups use it as before), and the serial number gets one. Their
  trigram indexes (migration 0003) go; the location, searched anywhere in the text
  (``icontains``), keeps its trigram index.
- The index on ``unit_id`` alone goes: ``device_unit_status_idx`` (unit, status) answers every
  lookup by unit.

PostgreSQL only for the first part (operator classes exist there only); the model state keeps
the unique constraint as it is, since only its operator class changes.
"""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

FORWARD = [
    "CREATE INDEX IF NOT EXISTS device_serial_prefix_idx ON devices_device "
    "(UPPER(serial_number::text) text_pattern_ops)",
    "CREATE UNIQUE INDEX device_unique_inventory_number_prefix ON devices_device "
    "(UPPER(inventory_number::text) text_pattern_ops)",
    "DROP INDEX device_unique_inventory_number",
    "ALTER INDEX device_unique_inventory_number_prefix RENAME TO device_unique_inventory_number",
    "DROP INDEX IF EXISTS device_inventory_trgm_idx",
    "DROP INDEX IF EXISTS device_serial_trgm_idx",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS device_inventory_trgm_idx ON devices_device "
    "USING gin ((UPPER(inventory_number::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS device_serial_trgm_idx ON devices_device "
    "USING gin ((UPPER(serial_number::text)) gin_trgm_ops)",
    "CREATE UNIQUE INDEX device_unique_inventory_number_plain ON devices_device "
    "(UPPER(inventory_number::text))",
    "DROP INDEX device_unique_inventory_number",
    "ALTER INDEX device_unique_inventory_number_plain RENAME TO device_unique_inventory_number",
    "DROP INDEX IF EXISTS device_serial_prefix_idx",
]


def _run(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0005_text_limits"),
        ("organisation", "0004_text_limits"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
        migrations.AlterField(
            model_name="device",
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="devices",
                to="organisation.unit",
                verbose_name="owning unit",
            ),
        ),
    ]
