"""The month a return reports on, and its bounds in Europe/London time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from outcomes.periods import LONDON, month_end, parse_month


@dataclass(frozen=True)
class ReturnPeriod:
    """A return's month: its days, and the instant it ends (midnight London after its last day)."""

    code: str
    first_day: date
    last_day: date

    @classmethod
    def parse(cls, period: str) -> ReturnPeriod:
        """The period for a YYYY-MM code (ValueError as ``outcomes.periods.parse_month``)."""
        first_day = parse_month(period)
        return cls(code=f"{first_day:%Y-%m}", first_day=first_day, last_day=month_end(first_day))

    @cached_property
    def ends_at(self) -> datetime:
        """The end of the last day in London: anything at or after this instant is after the period."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=LONDON)

    @cached_property
    def ends_at_utc(self) -> datetime:
        """``ends_at`` in UTC, for comparing with other moments (see ``episodes._utc``)."""
        return self.ends_at.astimezone(UTC)

    @property
    def label(self) -> str:
        """The month as people say it, e.g. "April 2025"."""
        return f"{self.first_day:%B %Y}"

    @property
    def last_day_label(self) -> str:
        """The last day as people write it, e.g. "30 April 2025"."""
        return f"{self.last_day.day} {self.last_day:%B %Y}"
