"""Routing, row by row against the table of docs/domain/reporting.md#routing, and the
combinations; deadlines with their defaults."""

import datetime

import pytest

from medtek.reports.routing import (
    DEVICE_INCIDENT,
    IN_HOUSE_INCIDENT,
    IN_HOUSE_INFORMATION,
    LEX_MARIA,
    Facts,
    due_date,
    route,
)


def kinds(facts: Facts) -> list[str]:
    return [n.kind for n in route(facts)]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # Row 1: in-house manufacture starts, or an in-house device changes materially.
        (Facts(in_house_change=True), [IN_HOUSE_INFORMATION]),
        # Row 2: a CE-marked device's failure led, or could have led, to death or serious
        # deterioration of health.
        (Facts(device="ce", device_problem=True, outcome="death"), [DEVICE_INCIDENT]),
        (
            Facts(device="ce", device_problem=True, outcome="serious_deterioration"),
            [DEVICE_INCIDENT],
        ),
        (Facts(device="ce", device_problem=True, outcome_possible=True), [DEVICE_INCIDENT]),
        # Row 3: the same for an in-house device.
        (Facts(device="in_house", device_problem=True, outcome="death"), [IN_HOUSE_INCIDENT]),
        (
            Facts(device="in_house", device_problem=True, outcome_possible=True),
            [IN_HOUSE_INCIDENT],
        ),
        # Row 4: caused or could have caused a serious care injury.
        (Facts(care_injury="serious"), [LEX_MARIA]),
        (Facts(care_injury="care_injury", care_injury_possible=True), [LEX_MARIA]),
        # Below every threshold: nothing to report.
        (Facts(), []),
        (Facts(device="ce", device_problem=True, outcome="other_harm"), []),
        (Facts(device="ce", device_problem=False, outcome="death"), []),
        (Facts(care_injury="care_injury"), []),
        (Facts(care_injury="risk"), []),
        # Combinations: a device incident and a Lex Maria do not exclude each other.
        (
            Facts(device="ce", device_problem=True, outcome="death", care_injury="serious"),
            [DEVICE_INCIDENT, LEX_MARIA],
        ),
        (
            Facts(
                device="in_house",
                device_problem=True,
                outcome_possible=True,
                care_injury_possible=True,
            ),
            [IN_HOUSE_INCIDENT, LEX_MARIA],
        ),
        (
            Facts(
                in_house_change=True,
                device="in_house",
                device_problem=True,
                outcome="serious_deterioration",
            ),
            [IN_HOUSE_INFORMATION, IN_HOUSE_INCIDENT],
        ),
    ],
)
def test_route_follows_the_table(facts: Facts, expected: list[str]) -> None:
    assert kinds(facts) == expected


def test_every_needed_report_says_why_and_under_which_rule() -> None:
    needed = route(Facts(device="ce", device_problem=True, outcome="death", care_injury="serious"))
    anchors = {n.kind: n.anchor for n in needed}
    assert anchors == {
        DEVICE_INCIDENT: "HSLF-FS 2021:52 5 kap. 5 §",
        LEX_MARIA: "Patientsäkerhetslagen (2010:659) 3 kap. 5 §; HSLF-FS 2017:41",
    }
    assert all(n.reason for n in needed)
    assert "manufacturer" in needed[0].reason


KNOWN = datetime.date(2026, 3, 2)
DAYS = {"days_public_health_threat": 2, "days_death_or_unexpected": 10, "days_other": 15}


@pytest.mark.parametrize(
    ("facts", "days"),
    [
        ({"public_health_threat": True}, 2),
        ({"public_health_threat": True, "death": True}, 2),
        ({"death": True}, 10),
        ({"unexpected_serious": True}, 10),
        ({}, 15),
    ],
)
def test_deadlines_count_calendar_days_from_awareness(facts: dict, days: int) -> None:
    due = due_date(basis="awareness", awareness_date=KNOWN, **DAYS, **facts)
    assert due == KNOWN + datetime.timedelta(days=days)


def test_in_house_information_is_due_before_clinical_use() -> None:
    planned = datetime.date(2026, 4, 1)
    assert due_date(
        basis="before_use", awareness_date=KNOWN, planned_use_date=planned, **DAYS
    ) == datetime.date(2026, 3, 31)
    # No date planned: due at once.
    assert due_date(basis="before_use", awareness_date=KNOWN, **DAYS) == KNOWN
