"""The import's lookup of existing inventory numbers probes the unique index, whatever the number
of keys: PostgreSQL is never left to choose a scan of the whole register for it.

Asked as ``UPPER(inventory_number) = ANY(keys)``, a chunk's 2,000 keys looked dearer to the
planner at its default ``random_page_cost`` than reading the register, which it then did for
every chunk of an import (60 ms instead of 2 ms a chunk at 250,000 devices, benchmarks/README.md).
This test seeds a register large enough for the planner to prefer the index for one key, analyses
it, and reads the plan of the query the importer actually sends.
"""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medtek.devices.importer import DeviceImporter
from medtek.devices.models import Device

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def relations_read(plan: dict) -> list[tuple[str, str]]:
    """(node type, table) of every node of an ``EXPLAIN (FORMAT JSON)`` plan that reads a table."""
    found = []
    if "Relation Name" in plan:
        found.append((plan["Node Type"], plan["Relation Name"]))
    for child in plan.get("Plans", []):
        found.extend(relations_read(child))
    return found


@pytest.mark.parametrize("keys", [1, 2000, 5000])
def test_the_existing_numbers_lookup_probes_the_unique_index(org, mt, pump, keys) -> None:
    Device.objects.bulk_create(
        Device(
            inventory_number=f"REG-{i:06d}",
            model=pump,
            unit=org.unit_a,
            acceptance_checked_on=datetime.date(2024, 3, 1),
        )
        for i in range(5_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE devices_device")
    importer = DeviceImporter(mt, update_existing=True)
    # Half the keys exist (in another case than the register's), half do not.
    wanted = {f"reg-{i:06d}".upper() if i % 2 else f"NEW-{i:06d}" for i in range(keys)}

    with CaptureQueriesContext(connection) as queries:
        found = importer._existing(wanted)

    assert sorted(found) == sorted(k for k in wanted if k.startswith("REG-"))
    assert all(found[k].inventory_number.upper() == k for k in found)
    lookup = queries.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {lookup}")
        (plan,) = cursor.fetchone()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    reads = [r for r in relations_read(plan[0]["Plan"]) if r[1] == "devices_device"]
    assert reads == [("Index Scan", "devices_device")], reads
