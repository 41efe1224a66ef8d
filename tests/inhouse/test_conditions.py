"""The evidence for MDR art. 5(5)(a)–(c) that a file shows, and the list filter that finds the
files where it does not hold. Both must agree."""

import datetime

import pytest
from django.utils import timezone

from medtek.devices import services as device_services
from medtek.devices.models import DeviceStatus
from medtek.inhouse.models import InhouseDevice, incomplete_q
from tests.devices.conftest import ACCEPTED

TODAY = timezone.localdate()


def _problems(file):
    return {c.point: c.problem for c in file.conditions(TODAY) if not c.met}


def _listed_incomplete(file):
    return InhouseDevice.objects.filter(incomplete_q(TODAY), pk=file.pk).exists()


def test_a_complete_file_meets_a_to_c(adapter_in_a, adapter, make_file):
    file = make_file(adapter)
    assert _problems(file) == {}
    assert not _listed_incomplete(file)


@pytest.mark.parametrize(
    ("changes", "point", "says"),
    [
        ({"not_transferred": False}, "a", "No statement"),
        ({"qms_reference": ""}, "b", "No quality management system"),
        ({"justification": ""}, "c", "Justification or market search missing"),
        ({"market_search": ""}, "c", "Justification or market search missing"),
        ({"market_searched_on": None}, "c", "missing"),
        ({"justification_review_due": None}, "c", "missing"),
        (
            {"justification_review_due": TODAY - datetime.timedelta(days=1)},
            "c",
            "should have been checked again by",
        ),
    ],
)
def test_it_names_what_is_missing(adapter, make_file, changes, point, says):
    file = make_file(adapter, **changes)
    problems = _problems(file)
    assert list(problems) == [point]
    assert says in str(problems[point])
    assert _listed_incomplete(file)


def test_a_device_held_by_another_care_provider_breaks_a(org, mt, adapter, make_file):
    """Art. 5(5)(a): not transferred to another legal entity. A private primary care centre is
    another legal entity than the region."""
    file = make_file(adapter)
    device = device_services.device_register(
        actor=mt,
        unit=org.private_pcc,
        model=adapter,
        inventory_number="EGT-PRIV-1",
        acceptance_checked_on=ACCEPTED,
        status_since=ACCEPTED,
    )
    problems = _problems(file)
    assert list(problems) == ["a"]
    assert "Privat VC" in str(problems["a"])
    assert _listed_incomplete(file)

    # Scrapped, it is no longer held there.
    device_services.device_change_status(
        actor=mt, device=device, status=DeviceStatus.SCRAPPED, reason="Kasserad", effective_on=TODAY
    )
    assert _problems(file) == {}
    assert not _listed_incomplete(file)


def test_a_device_in_another_region_run_unit_is_not_a_transfer(org, mt, adapter, make_file):
    file = make_file(adapter)
    device_services.device_register(
        actor=mt,
        unit=org.unit_b,
        model=adapter,
        inventory_number="EGT-B-1",
        acceptance_checked_on=ACCEPTED,
        status_since=ACCEPTED,
    )
    assert _problems(file) == {}


def test_it_says_which_regulation_applies(mt, adapter, make_file):
    assert make_file(adapter).regulation == "MDR"
    adapter.risk_class = "C"
    assert InhouseDevice.objects.get(device_model=adapter).regulation == "MDR"  # stored class
    device_services.device_model_update(actor=mt, model=adapter, risk_class="C")
    assert InhouseDevice.objects.get(device_model=adapter).regulation == "IVDR"
