"""The evidence for MDR art. 5(5)(a)–(c) that a file shows, and the list filter that finds the
files where it does not hold. Both must agree."""

import datetime

import pytest
from django.utils import timezone

from medtek.devices import services as device_services
from medtek.devices.models import DeviceStatus
from medtek.inhouse.models import InhouseDevice, incomplete_q

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


def test_a_device_held_by_another_care_provider_breaks_a(org, mt, adapter, make_file, hold):
    """Art. 5(5)(a): not transferred to another legal entity. A private primary care centre is
    another legal entity than the region."""
    file = make_file(adapter)
    device = hold(adapter, org.private_pcc, "EGT-PRIV-1")
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


def test_a_device_in_another_region_run_unit_is_not_a_transfer(org, mt, adapter, make_file, hold):
    file = make_file(adapter)
    hold(adapter, org.unit_b, "EGT-B-1")
    assert _problems(file) == {}


def test_it_says_which_regulation_applies(mt, adapter, make_file):
    assert make_file(adapter).regulation == "MDR"
    adapter.risk_class = "C"
    assert InhouseDevice.objects.get(device_model=adapter).regulation == "MDR"  # stored class
    device_services.device_model_update(actor=mt, model=adapter, risk_class="C")
    assert InhouseDevice.objects.get(device_model=adapter).regulation == "IVDR"


# Python and SQL agree -----------------------------------------------------------------------


def _scenarios(org, mt, adapter, make_file, hold, make_model):
    """Files in every state the evidence can be in, each on its own in-house model."""
    files = [make_file(adapter)]
    for n, changes in enumerate(
        [
            {"not_transferred": False},
            {"qms_reference": ""},
            {"justification": ""},
            {"market_search": ""},
            {"market_searched_on": None},
            {"justification_review_due": None},
            {"justification_review_due": TODAY - datetime.timedelta(days=1)},
            {"justification_review_due": TODAY},
        ]
    ):
        files.append(make_file(make_model(f"Modell {n}"), **changes))
    elsewhere = make_model("Hos privat VC")
    hold(elsewhere, org.private_pcc, "PRIV-1")
    files.append(make_file(elsewhere))
    in_region = make_model("Hos enhet B")
    hold(in_region, org.unit_b, "B-1")
    files.append(make_file(in_region))
    reclassified = make_model("Omklassad")
    files.append(make_file(reclassified))
    device_services.device_model_update(actor=mt, model=reclassified, conformity="ce")
    return files


def test_the_sql_test_agrees_with_the_files_own(org, mt, adapter, make_file, hold, make_model):
    from medtek.inhouse.selectors import inhouse_list_queryset

    files = [
        InhouseDevice.objects.get(pk=f.pk)
        for f in _scenarios(org, mt, adapter, make_file, hold, make_model)
    ]
    complete = {f.pk for f in files if all(c.met for c in f.conditions(TODAY))}
    assert len(complete) == 3  # the complete file, the one due today, the one in unit B
    incomplete_pks = set(
        InhouseDevice.objects.filter(incomplete_q(TODAY)).values_list("pk", flat=True)
    )
    complete_pks = set(
        InhouseDevice.objects.exclude(incomplete_q(TODAY)).values_list("pk", flat=True)
    )
    annotated = dict(inhouse_list_queryset(mt, TODAY).values_list("pk", "evidence_complete"))
    assert complete_pks == complete
    assert incomplete_pks == {f.pk for f in files} - complete
    assert {pk for pk, ok in annotated.items() if ok} == complete


def test_a_file_whose_model_became_ce_marked_shows_why_and_stays_editable(mt, adapter, make_file):
    file = make_file(adapter)
    device_services.device_model_update(actor=mt, model=adapter, conformity="ce")
    file = InhouseDevice.objects.get(pk=file.pk)
    problems = {c.label: c.problem for c in file.conditions(TODAY) if not c.met}
    assert list(problems.values()) == ["The device model is registered as CE-marked."]
    # Its history stays, and it can still be corrected.
    from medtek.inhouse import services

    services.inhouse_device_update(actor=mt, inhouse_device=file, qms_reference="Rutin 14")


def test_a_reader_is_told_of_units_outside_their_view_without_their_names(
    org, mt, adapter_in_a, adapter, make_file, hold
):
    from medtek.devices.access import devices_visible_to

    file = make_file(adapter)
    hold(adapter, org.private_pcc, "EGT-PRIV-1")
    hold(adapter, org.private_pcc, "EGT-PRIV-2")

    def problem_for(user):
        (a,) = [
            c
            for c in file.conditions(TODAY, visible_devices=devices_visible_to(user))
            if c.point == "a"
        ]
        return str(a.problem)

    assert problem_for(org.colleague) == "Held by 1 unit of another care provider."
    assert problem_for(org.private_staff) == "Held by a unit of another care provider: Privat VC."
    assert problem_for(mt) == "Held by a unit of another care provider: Privat VC."
