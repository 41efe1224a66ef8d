"""Working days: Monday to Friday, except Swedish public holidays and the three eves that are
days off by law (docs/domain/working-days.md).

Registration targets ("registered by the next working day") and other deadlines counted in
working days use these functions. The holidays come from the maintained ``holidays`` library
(lag (1989:253) om allmänna helgdagar: its "public" days; Midsummer Eve, Christmas Eve and New
Year's Eve: its "de facto" days), not from a table of our own.
"""

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _days_off(year: int) -> frozenset[datetime.date]:
    calendar = holidays.country_holidays("SE", years=year, categories=("public", "de_facto"))
    return frozenset(calendar)


def holiday_name(day: datetime.date) -> str | None:
    """The holiday's Swedish name, or None on an ordinary day."""
    calendar = holidays.country_holidays(
        "SE", years=day.year, categories=("public", "de_facto"), language="sv"
    )
    name = calendar.get(day)
    return str(name) if name else None


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _days_off(day.year)


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """The working day ``count`` working days after ``day`` (``day`` itself need not be one):
    with ``count=1``, the next working day."""
    if count < 0:
        raise ValueError("count must not be negative")
    current = day
    while count:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            count -= 1
    return current


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """How many working days come after ``start`` up to and including ``end`` (0 if none)."""
    count, current = 0, start
    while current < end:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
