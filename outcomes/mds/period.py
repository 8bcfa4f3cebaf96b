"""The month a return reports on, and its bounds in Europe/London time."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

_PERIOD = re.compile(r"(\d{4})-(\d{2})")
_FIRST_YEAR, _LAST_YEAR = 2000, 2099


def parse_period(period: str) -> tuple[date, date]:
    """The first and last day of a month given as YYYY-MM; ValueError saying how to write it otherwise."""
    match = _PERIOD.fullmatch(period.strip()) if isinstance(period, str) else None
    if match is None:
        raise ValueError(
            f"The period {period!r} is not a month written as YYYY-MM (four-digit year, two-digit "
            "month), for example 2025-04 for April 2025."
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(
            f"The period {period!r} has month {month:02d}; the month must be 01 to 12, "
            "for example 2025-04 for April 2025."
        )
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise ValueError(
            f"The period {period!r} has year {year}; returns cover {_FIRST_YEAR} to {_LAST_YEAR}. "
            "Check the year, for example 2025-04 for April 2025."
        )
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class ReturnPeriod:
    """A return's month: its days, and the instant it ends (midnight London after its last day)."""

    code: str
    first_day: date
    last_day: date

    @classmethod
    def parse(cls, period: str) -> ReturnPeriod:
        """The period for a YYYY-MM code (ValueError as parse_period)."""
        first_day, last_day = parse_period(period)
        return cls(code=f"{first_day:%Y-%m}", first_day=first_day, last_day=last_day)

    @cached_property
    def ends_at(self) -> datetime:
        """The end of the last day in London: anything at or after this instant is after the period."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=LONDON)

    @property
    def label(self) -> str:
        """The month as people say it, e.g. "April 2025"."""
        return f"{self.first_day:%B %Y}"

    @property
    def last_day_label(self) -> str:
        """The last day as people write it, e.g. "30 April 2025"."""
        return f"{self.last_day.day} {self.last_day:%B %Y}"
