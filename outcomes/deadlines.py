"""When each monthly return is due (pure Python, London time)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def month_start(period: str) -> date:
    """The first day of a "YYYY-MM" month; ValueError with a plain message otherwise."""
    try:
        year_text, month_text = period.split("-")
        if len(year_text) != 4 or len(month_text) != 2:
            raise ValueError
        return date(int(year_text), int(month_text), 1)
    except ValueError:
        raise ValueError(f"{period!r} is not a month: write it as YYYY-MM, like 2025-04.") from None


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def due_at(month: date, due_day: int) -> datetime:
    """End of the due day of the following month, London time (the last instant a return is on time)."""
    following = next_month(month)
    return datetime.combine(date(following.year, following.month, due_day), time.max, tzinfo=LONDON)


def is_late(submitted_at: datetime, due: datetime) -> bool:
    """A return submitted after the end of its due day is late."""
    return submitted_at > due
