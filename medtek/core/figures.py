"""The headline figures of the register on the start page, from every app (docs/decisions/
0022-start-page-figures.md).

An app registers a provider (``register("devices", provider)`` in its ``AppConfig.ready``) that
says, for a person and a day, which figures of that app the person may see: each a ``Chart``
(counts by category, drawn as a bar chart with its table) or a ``Share`` (a part of a whole, as
a percentage). Every count links to the app's list filtered to exactly those records, as the
to-do items do (``core.todo``), so a figure and its list always agree. Core knows no app: the
apps come to it, and nothing imports upward.

The chart is drawn on the server as SVG, without a script; ``Chart.bars`` computes its geometry
so the template only places it. The table next to it is the accessible alternative.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

#: The chart's drawing, in SVG user units (the SVG scales to its container's width).
CHART_WIDTH = 600
BAR_HEIGHT = 24
BAR_GAP = 10
LABEL_WIDTH = 200
COUNT_WIDTH = 70


@dataclass(frozen=True)
class Row:
    """One category of a chart: ``count`` records behind ``url`` (empty: no list shows them)."""

    label: str
    count: int
    url: str = ""


@dataclass(frozen=True)
class Bar:
    """Where one row is drawn: its rectangle and where its label and count stand."""

    row: Row
    y: int
    width: int
    text_y: int
    count_x: int
    percent: int


@dataclass(frozen=True)
class Chart:
    """Counts by category (devices by status, say): a bar chart and the same figures as a table.

    ``category`` names the categories ("Status") and ``counted`` what is counted, plural
    ("Devices"): the table's column headings.
    """

    key: str
    title: str
    category: str
    counted: str
    rows: tuple[Row, ...]
    kind = "chart"

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rows)

    @property
    def height(self) -> int:
        return len(self.rows) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP

    @property
    def width(self) -> int:
        return CHART_WIDTH

    @property
    def label_width(self) -> int:
        return LABEL_WIDTH

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT

    @property
    def bars(self) -> list[Bar]:
        """Each row's bar, as long as its share of the largest row (the largest fills the
        room between the labels and the counts)."""
        room = CHART_WIDTH - LABEL_WIDTH - COUNT_WIDTH
        largest = max((r.count for r in self.rows), default=0)
        total = self.total
        found = []
        for i, row in enumerate(self.rows):
            y = BAR_GAP + i * (BAR_HEIGHT + BAR_GAP)
            width = round(room * row.count / largest) if largest else 0
            found.append(
                Bar(
                    row=row,
                    y=y,
                    width=width,
                    text_y=y + BAR_HEIGHT // 2,
                    count_x=LABEL_WIDTH + width + 6,
                    percent=round(100 * row.count / total) if total else 0,
                )
            )
        return found


@dataclass(frozen=True)
class Share:
    """A part of a whole (devices with an overdue inspection of all devices in service): shown
    as a percentage with both counts; ``url`` lists the part."""

    key: str
    label: str
    part: int
    whole: int
    url: str
    #: What the whole is, plural ("devices in service"), said after the counts.
    of_what: str
    kind = "share"

    @property
    def percent(self) -> float:
        """The share in per cent, one decimal; 0 of nothing is 0."""
        return round(100 * self.part / self.whole, 1) if self.whole else 0.0


Figure = Chart | Share

#: (person, today) → the figures of one app the person may see (none, usually, for most).
Provider = Callable[[Any, datetime.date], Iterable[Figure]]
_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    _providers[name] = provider


def for_user(user: Any, today: datetime.date) -> list[Figure]:
    """Every figure the person may see, in the apps' order: the shares first, then the charts.

    Note: each provider asks the database (the register's asks one query) on every visit.
    """
    found = [f for p in _providers.values() for f in p(user, today)]
    return sorted(found, key=lambda f: f.kind != "share")
