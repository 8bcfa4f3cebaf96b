"""Working days in England and Wales (commissioning.notices.working_days): day 1 is the first working
day after the start day; weekends and bank holidays (substitute days included) are skipped."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from commissioning.notices.working_days import (
    add_working_days,
    bank_holidays,
    is_working_day,
    working_days_between,
)


def test_bank_holidays_2025_and_2026():
    assert {date(2025, 4, 18), date(2025, 4, 21), date(2025, 12, 25), date(2025, 12, 26)} <= bank_holidays(
        2025
    )
    assert {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),  # Boxing Day falls on a Saturday: the Monday is the substitute day
    } == bank_holidays(2026) - {date(2026, 12, 26)}
    assert not is_working_day(date(2025, 4, 18))
    assert not is_working_day(date(2025, 4, 19))  # Saturday
    assert is_working_day(date(2025, 4, 22))


def test_the_start_day_does_not_count():
    assert add_working_days(date(2025, 6, 2), 1) == date(2025, 6, 3)  # Monday -> Tuesday
    assert add_working_days(date(2025, 6, 6), 1) == date(2025, 6, 9)  # Friday -> Monday
    assert add_working_days(date(2025, 6, 7), 1) == date(2025, 6, 9)  # issued on a Saturday
    assert add_working_days(date(2025, 6, 2), 0) == date(2025, 6, 2)


def test_easter_2025():
    # Thursday 17 April; Good Friday 18, the weekend, Easter Monday 21: day 1 is Tuesday 22.
    assert add_working_days(date(2025, 4, 17), 1) == date(2025, 4, 22)
    assert add_working_days(date(2025, 4, 18), 1) == date(2025, 4, 22)  # issued on Good Friday
    # 20 working days from 17 April also skip the early May bank holiday (5 May).
    assert add_working_days(date(2025, 4, 17), 20) == date(2025, 5, 20)


def test_christmas_and_new_year_2025():
    assert add_working_days(date(2025, 12, 24), 1) == date(2025, 12, 29)
    assert add_working_days(date(2025, 12, 24), 3) == date(2025, 12, 31)
    assert add_working_days(date(2025, 12, 24), 4) == date(2026, 1, 2)  # 1 January skipped
    # A low-complexity NoC issued on Friday 19 December 2025: 20 working days is 21 January 2026,
    # three working days later than a count ignoring the holidays would give (16 January).
    assert add_working_days(date(2025, 12, 19), 20) == date(2026, 1, 21)


def test_2026_easter_and_boxing_day_substitute():
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)  # 25, weekend, 28 (substitute)
    assert add_working_days(date(2026, 5, 1), 1) == date(2026, 5, 5)  # early May bank holiday


def test_working_days_between():
    assert working_days_between(date(2025, 12, 24), date(2026, 1, 2)) == 4
    assert working_days_between(date(2026, 1, 2), date(2025, 12, 24)) == -4
    assert working_days_between(date(2025, 4, 17), date(2025, 4, 21)) == 0
    assert working_days_between(date(2025, 4, 17), date(2025, 4, 17)) == 0


def test_between_is_the_inverse_of_add_across_two_years():
    start = date(2025, 1, 1)
    for offset in range(0, 730, 3):
        day = start + timedelta(days=offset)
        for days in (1, 5, 20, 40, 60):
            assert working_days_between(day, add_working_days(day, days)) == days


def test_counting_backwards_is_refused():
    with pytest.raises(ValueError, match="forwards"):
        add_working_days(date(2025, 1, 1), -1)
