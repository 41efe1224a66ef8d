"""Working days as Swedish law counts them (docs/domain/working-days.md)."""

import datetime

import pytest

from medtek.core.workdays import (
    add_working_days,
    holiday_name,
    is_working_day,
    working_days_between,
)

D = datetime.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 12, 1), True),  # a Tuesday
        (D(2026, 12, 5), False),  # a Saturday
        (D(2026, 1, 6), False),  # Epiphany
        (D(2026, 4, 3), False),  # Good Friday
        (D(2026, 4, 6), False),  # Easter Monday
        (D(2026, 5, 14), False),  # Ascension Day
        (D(2026, 5, 25), True),  # Whit Monday is no holiday since 2005
        (D(2026, 6, 19), False),  # Midsummer Eve
        (D(2026, 12, 24), False),  # Christmas Eve
        (D(2026, 12, 31), False),  # New Year's Eve
        (D(2027, 6, 7), True),  # the Monday after National Day on a Sunday
    ],
)
def test_it_knows_the_days_off(day, working):
    assert is_working_day(day) is working


def test_it_counts_across_a_weekend_and_holidays():
    assert add_working_days(D(2026, 12, 4), 1) == D(2026, 12, 7)  # Friday → Monday
    assert add_working_days(D(2026, 12, 23), 1) == D(2026, 12, 28)  # over Christmas
    assert add_working_days(D(2026, 12, 30), 1) == D(2027, 1, 4)  # over New Year
    assert add_working_days(D(2026, 4, 2), 1) == D(2026, 4, 7)  # over Easter
    assert add_working_days(D(2026, 12, 5), 0) == D(2026, 12, 5)
    assert working_days_between(D(2026, 12, 23), D(2026, 12, 28)) == 1


def test_it_names_the_holiday_in_swedish():
    assert holiday_name(D(2026, 6, 19)) == "Midsommarafton"
    assert holiday_name(D(2026, 12, 1)) is None
