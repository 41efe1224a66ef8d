"""Routing and deadlines: from the facts of an event to the reports it needs, and when each is
due (docs/domain/reporting.md#routing, #several-reports, #deadlines).

:func:`route` is a pure function of :class:`Facts`: no database, no settings, no clock. It names
each report by its kind's code (the kinds, with their recipients and anchors, are data:
``ReportKind``) with the reason in words and the legal anchor, so a person sees why a report is
needed. One event can need several: a device incident and a Lex Maria report do not exclude
each other.

- in-house manufacture starts, or an in-house device changes materially →
  ``in_house_information`` (MDR art. 5(5)(d); HSLF-FS 2021:32 ch. 4 § 2);
- a CE-marked device's malfunction, deterioration or labelling error led or could have led to
  death or serious deterioration of health → ``device_incident`` (HSLF-FS 2021:52 ch. 5 § 5), to
  Läkemedelsverket and the manufacturer;
- the same for an in-house device → ``in_house_incident`` (HSLF-FS 2021:52 ch. 5);
- the event caused or could have caused a serious care injury → ``lex_maria``
  (Patientsäkerhetslagen ch. 3 § 5; HSLF-FS 2017:41).
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

#: The kinds' codes, as seeded (migration 0002).
IN_HOUSE_INFORMATION = "in_house_information"
DEVICE_INCIDENT = "device_incident"
IN_HOUSE_INCIDENT = "in_house_incident"
LEX_MARIA = "lex_maria"


@dataclass(frozen=True)
class Facts:
    """What is known of an event, as far as routing asks.

    ``device``: ``"ce"``, ``"in_house"`` or ``None`` (no device involved). ``device_problem``:
    a malfunction, a deterioration of its performance, or an error in its label or
    instructions. ``outcome``: what happened to the patient or user (``death``,
    ``serious_deterioration``, ``other_harm``, ``none``); ``outcome_possible``: it could have
    led to death or a serious deterioration. ``care_injury`` is the step on the severity ladder
    (``none``, ``risk``, ``care_injury``, ``serious``); ``care_injury_possible``: it could have
    caused a serious care injury. ``in_house_change``: in-house manufacture starts, or an
    in-house device changes materially.
    """

    device: str | None = None
    device_problem: bool = False
    outcome: str = "none"
    outcome_possible: bool = False
    care_injury: str = "none"
    care_injury_possible: bool = False
    in_house_change: bool = False


@dataclass(frozen=True)
class Needed:
    """One report an event needs: its kind's code, why, and the rule."""

    kind: str
    reason: str
    anchor: str


SERIOUS_OUTCOMES = frozenset({"death", "serious_deterioration"})


def route(facts: Facts) -> list[Needed]:
    """The reports ``facts`` call for, in the table's order (docs/domain/reporting.md#routing)."""
    needed: list[Needed] = []
    if facts.in_house_change:
        needed.append(
            Needed(
                IN_HOUSE_INFORMATION,
                str(_("In-house manufacture starts or an in-house device changes materially.")),
                "MDR art. 5(5)(d); HSLF-FS 2021:32 4 kap. 2 §",
            )
        )
    serious = facts.outcome in SERIOUS_OUTCOMES or facts.outcome_possible
    if facts.device and facts.device_problem and serious:
        if facts.device == "in_house":
            needed.append(
                Needed(
                    IN_HOUSE_INCIDENT,
                    str(
                        _(
                            "An in-house device's failure led or could have led to death or "
                            "serious deterioration of health."
                        )
                    ),
                    "HSLF-FS 2021:52 5 kap.",
                )
            )
        else:
            needed.append(
                Needed(
                    DEVICE_INCIDENT,
                    str(
                        _(
                            "A CE-marked device's failure led or could have led to death or "
                            "serious deterioration of health: Läkemedelsverket and the "
                            "manufacturer."
                        )
                    ),
                    "HSLF-FS 2021:52 5 kap. 5 §",
                )
            )
    if facts.care_injury == "serious" or facts.care_injury_possible:
        needed.append(
            Needed(
                LEX_MARIA,
                str(_("The event caused or could have caused a serious care injury.")),
                "Patientsäkerhetslagen (2010:659) 3 kap. 5 §; HSLF-FS 2017:41",
            )
        )
    return needed


def due_date(
    *,
    basis: str,
    days_public_health_threat: int,
    days_death_or_unexpected: int,
    days_other: int,
    awareness_date: datetime.date,
    planned_use_date: datetime.date | None = None,
    public_health_threat: bool = False,
    death: bool = False,
    unexpected_serious: bool = False,
) -> datetime.date:
    """The internal target for sending a report (docs/domain/reporting.md#deadlines).

    The law says *snarast*, as soon as possible; the region's targets borrow the limits MDR art.
    87 sets manufacturers, in calendar days from the day the event became known: 2 days for a
    serious public-health threat, 10 for a death or an unexpected serious deterioration, 15
    otherwise (each configurable per kind). The information about an in-house device is due
    before its planned clinical use (``before_use``): the day before, or — with no date
    planned — at once.
    """
    if basis == "before_use":
        if planned_use_date is None:
            return awareness_date
        return planned_use_date - datetime.timedelta(days=1)
    if public_health_threat:
        days = days_public_health_threat
    elif death or unexpected_serious:
        days = days_death_or_unexpected
    else:
        days = days_other
    return awareness_date + datetime.timedelta(days=days)
