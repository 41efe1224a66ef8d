"""Indexes for the device list at region scale (benchmarks/README.md, benchmarks/device_list.py).

- ``device_inventory_order_idx`` (every database): the list's default order, inventory number
  then id, read from an index instead of sorting every visible device for a page of 50.
- On PostgreSQL, trigram GIN indexes (pg_trgm) for the free-text search of the device's own
  columns. The search (``DeviceFilter.search``) is Django's ``istartswith``/``icontains``, which on
  PostgreSQL is ``UPPER(column::text) LIKE UPPER(…)``; these indexes are on exactly that
  expression, so a search no longer reads every device. ``TrigramExtension`` does nothing on other
  databases; pg_trgm is a trusted extension, which the owner of the database may create.

The indexes are not in the models' ``Meta.indexes`` (the model state): a GIN index of an
expression with an operator class exists only on PostgreSQL, and SQLite must migrate the same
models. So they are created here with SQL, vendor by vendor, and ``makemigrations`` neither sees
nor needs them.
"""

from typing import Any

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

TRIGRAM_INDEXES = {
    "device_inventory_trgm_idx": "inventory_number",
    "device_serial_trgm_idx": "serial_number",
    "device_location_trgm_idx": "location",
}


def add_trigram_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON devices_device "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0002_inspection_checks_optional"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX device_inventory_order_idx ON devices_device (inventory_number, id)",
            "DROP INDEX device_inventory_order_idx",
            elidable=False,
        ),
        TrigramExtension(),
        migrations.RunPython(add_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
