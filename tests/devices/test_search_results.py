"""The device list's search finds exactly what its rule says, on a seeded register.

The rule (``DeviceFilter.search``): a device matches when its model's trade name or
manufacturer contains the text, its location contains it, or its inventory or serial number
starts with it — in any case. The indexes behind the search changed (trigram indexes for the
prefix searches became ``text_pattern_ops`` btrees, devices migration 0006); this test compares
the list's answer with the rule computed in Python over every device, for prefix, contains and
model searches, so that an index or a rewrite of the query can never change what is found.
"""

import random
import re

import pytest

from medtek.devices import services
from medtek.devices.filters import DeviceFilter
from medtek.devices.models import Device

pytestmark = pytest.mark.django_db

#: Texts that exercise the search: prefixes of numbers, case, a dash, words in models and
#: locations, LIKE's own wildcards (which must match themselves), and texts matching nothing.
SEARCHES = [
    "mt-1", "MT-10", "mt-2", "sn", "SN9", "sn-0", "ab", "pump", "PUMP", "infus", "acme",
    "cardio", "sal", "Sal 2", "op", "lab", "%", "_", "5%", "a_b", "-", "1", "zz", "nothing",
]  # fmt: skip


def rule(device: Device, text: str) -> bool:
    t = text.strip().upper()
    model = device.model
    return (
        t in model.trade_name.upper()
        or t in model.manufacturer.upper()
        or t in device.location.upper()
        or device.inventory_number.upper().startswith(t)
        or device.serial_number.upper().startswith(t)
    )


@pytest.fixture
def seeded(org, mt, pump, implant, make_device):
    """180 devices with varied numbers, serial numbers and locations (seeded: the same always)."""
    other = services.device_model_create(
        actor=mt,
        manufacturer="Lab_Tech 5% AB",
        trade_name="Centrifug a_b",
        model_version="C",
        risk_class="I",
    )
    pick = random.Random(14)
    words = ["Sal 21", "Op 3", "sal 2B", "Lab 5%", "Förråd", "a_b-rum", "", "OP-korridor"]
    units = [org.unit_a, org.unit_a_child, org.unit_b]
    made = []
    for i in range(180):
        prefix = pick.choice(["MT-", "mt-", "AB-", "X"])
        model = pick.choice([pump, other, pump])
        made.append(
            make_device(
                pick.choice(units),
                f"{prefix}{pick.randint(1, 29999)}-{i}",
                model=model,
                serial_number=pick.choice(["SN", "sn-", "S", "9SN", ""])
                + str(pick.randint(0, 999)),
                location=pick.choice(words),
            )
        )
    implanted = make_device(
        org.unit_b, "MT-IMPL-1", model=implant, udi_carrier="+A123BJC5D6E71G/$$3X", udi_serial="S1"
    )
    return [*made, implanted]


def test_the_search_finds_exactly_what_its_rule_says(seeded) -> None:
    """Every search of ``SEARCHES`` on one seeded register (seeding once keeps this fast)."""
    everything = list(Device.objects.select_related("model"))
    wrong = {}
    for text in SEARCHES:
        expected = {d.pk for d in everything if rule(d, text)}
        found = set(
            DeviceFilter({"q": text}, queryset=Device.objects.all()).qs.values_list("pk", flat=True)
        )
        if found != expected:
            wrong[text] = sorted(found ^ expected)
    assert not wrong


def test_the_seeded_register_exercises_every_kind_of_match(seeded) -> None:
    """The comparison above means something only if each kind of match occurs in the data."""
    devices = Device.objects.select_related("model")
    assert any(d.inventory_number.upper().startswith("MT-1") for d in devices)
    assert any(d.serial_number.upper().startswith("SN9") for d in devices)
    assert any("%" in d.location for d in devices) and any("_" in d.location for d in devices)
    assert any(re.search("INFUS", d.model.trade_name.upper()) for d in devices)
    assert any("%" in d.model.manufacturer for d in devices)
