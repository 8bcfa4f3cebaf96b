"""Working days in England and Wales: Monday to Friday, not a bank holiday. Pure Python.

The reading used for notice deadlines (a council statistician's): the day a notice is issued is
day 0, and day 1 is the first working day *after* it. So a Notice of Concern issued on any day
with a 20-working-day target must close by the 20th working day after that day, whether it was
issued on a working day, a Saturday or a bank holiday.

Bank holidays come from the ``holidays`` package (England subdivision of GB, which England and
Wales share), substitute days ("observed") included.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in ``year``, substitute days included."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself never counts; 0 gives ``start``)."""
    if days < 0:
        raise ValueError("Count working days forwards: days must be 0 or more.")
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier.

    The inverse of ``add_working_days``: ``working_days_between(s, add_working_days(s, n)) == n``.
    """
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for offset in range(1, (end - start).days + 1) if is_working_day(start + timedelta(offset)))
