"""Reporting periods and return deadlines (pure Python, London time).

The financial year runs April to March; Q1 is April–June … Q4 January–March. Identifiers:
month ``2025-04``; quarter ``2025-26-Q1``; year to date ``2025-26-YTD-06`` (April 2025 to the end
of June 2025); rolling twelve months ``R12-2025-06`` (July 2024 to June 2025).

Every month written as text is read by ``parse_month``, and every date and time of the service is
placed in ``LONDON``: both are defined here and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

MONTH = "month"
QUARTER = "quarter"
YEAR_TO_DATE = "ytd"
ROLLING_12 = "r12"


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: its kind, identifier and first and last days (inclusive)."""

    start: date
    end: date
    kind: str
    identifier: str

    def __str__(self) -> str:
        return self.identifier

    @property
    def months(self) -> list[date]:
        """The first day of every month in the period."""
        result, month = [], self.start
        while month <= self.end:
            result.append(month)
            month = add_months(month, 1)
        return result


_MONTH = re.compile(r"(\d{4})-(\d{2})")
FIRST_YEAR, LAST_YEAR = 2000, 2099  # the years a month may be in (returns, periods, URLs)


def parse_month(text: str) -> date:
    """The first day of a month written YYYY-MM; ValueError saying how to write it otherwise."""
    match = _MONTH.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"The period {text!r} is not a month written as YYYY-MM (four-digit year, two-digit "
            "month), for example 2025-04 for April 2025."
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(
            f"The period {text!r} has month {month:02d}; the month must be 01 to 12, "
            "for example 2025-04 for April 2025."
        )
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"The period {text!r} has year {year}; returns cover {FIRST_YEAR} to {LAST_YEAR}. "
            "Check the year, for example 2025-04 for April 2025."
        )
    return date(year, month, 1)


def day_label(day: date | None) -> str:
    """A day as people write it, e.g. "4 December 2026" ("" for none)."""
    return f"{day.day} {day:%B %Y}" if day else ""


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month``'s month (negative goes back)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def next_month(month: date) -> date:
    """The first day of the month after ``month``'s month."""
    return add_months(month, 1)


def due_at(month: date, due_day: int) -> datetime:
    """End of the due day of the following month, London time (the last instant a return is on time)."""
    following = next_month(month)
    return datetime.combine(date(following.year, following.month, due_day), time.max, tzinfo=LONDON)


def is_late(submitted_at: datetime, due: datetime) -> bool:
    """A return submitted after the end of its due day is late."""
    return submitted_at > due


def financial_year_start(day: date) -> int:
    """The calendar year in which the financial year containing ``day`` began."""
    return day.year if day.month >= 4 else day.year - 1


def _fy_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def month_period(month: date) -> Period:
    first = month.replace(day=1)
    return Period(first, month_end(first), MONTH, f"{first:%Y-%m}")


def quarter_period(month: date) -> Period:
    fy = financial_year_start(month)
    offset = (month.year * 12 + month.month - (fy * 12 + 4)) // 3  # 0..3
    start = add_months(date(fy, 4, 1), offset * 3)
    return Period(start, month_end(add_months(start, 2)), QUARTER, f"{_fy_label(fy)}-Q{offset + 1}")


def year_to_date_period(month: date) -> Period:
    fy = financial_year_start(month)
    last = month.replace(day=1)
    return Period(date(fy, 4, 1), month_end(last), YEAR_TO_DATE, f"{_fy_label(fy)}-YTD-{last:%m}")


def rolling_twelve_period(month: date) -> Period:
    last = month.replace(day=1)
    return Period(add_months(last, -11), month_end(last), ROLLING_12, f"R12-{last:%Y-%m}")


_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})$"), MONTH),
    (re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$"), QUARTER),
    (re.compile(r"^(\d{4})-(\d{2})-YTD-(\d{2})$"), YEAR_TO_DATE),
    (re.compile(r"^R12-(\d{4})-(\d{2})$"), ROLLING_12),
)
FORMS = "2025-04 (a month), 2025-26-Q1 (a quarter), 2025-26-YTD-06 (a year to date) or R12-2025-06"


def parse_period(identifier: str) -> Period:
    """The period an identifier names; ValueError saying the accepted forms otherwise."""
    text = identifier.strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        try:
            if kind == MONTH:
                return month_period(parse_month(f"{match[1]}-{match[2]}"))
            if kind == ROLLING_12:
                return rolling_twelve_period(parse_month(f"{match[1]}-{match[2]}"))
            fy = int(match[1])
            if int(match[2]) != (fy + 1) % 100:
                break
            if kind == QUARTER:
                return quarter_period(add_months(date(fy, 4, 1), (int(match[3]) - 1) * 3))
            month_number = int(match[3])
            year = fy if month_number >= 4 else fy + 1
            return year_to_date_period(date(year, month_number, 1))
        except ValueError:
            break
    raise ValueError(f"{identifier!r} is not a period. Write it as {FORMS}.")


def latest_ended_month(today: date) -> date:
    """The first day of the latest month that has ended by ``today``: the month before today's."""
    return add_months(today.replace(day=1), -1)


def latest_ended_quarter(today: date) -> Period:
    """The latest quarter that has ended by ``today``: the quarter before today's."""
    return quarter_period(add_months(quarter_period(today).start, -3))


def quarter_shown(quarters: list[Period], today: date) -> Period | None:
    """The "latest quarter", wherever one is shown by default: the latest of the given quarters (those
    with results) that has ended by ``today``; None when none of them has. A quarter still running
    is never "latest": it may only be shown beside it, "so far"."""
    ended = [quarter for quarter in quarters if quarter.kind == QUARTER and quarter.end < today]
    return max(ended, key=lambda quarter: quarter.end) if ended else None


def has_ended(period: Period, today: date) -> bool:
    """Whether every day of the period is before ``today``."""
    return period.end < today


def year_to_date_shown(year: int, today: date) -> Period | None:
    """The year to date shown for the financial year beginning in April of ``year``, as at ``today``.

    It runs to the latest month of that year that has ended (never a month still to come): in
    November, to the end of October; once the year is over, to March. None before the year's first
    month has ended.
    """
    last = min(latest_ended_month(today), date(year + 1, 3, 1))
    if last < date(year, 4, 1):
        return None
    return year_to_date_period(last)


def periods_kept(accepted: list[date], today: date) -> list[Period]:
    """The periods whose results are kept for a contract whose accepted months are ``accepted``.

    Every period whose months hold an accepted month: each such month; each such quarter that has
    begun by ``today`` (a running quarter is shown as "so far"); and each year to date and rolling
    twelve months that ends by the latest ended month (a "to date" figure never reaches a month
    still to come). Sorted by end, then kind.
    """
    last_ended = latest_ended_month(today)
    found: set[Period] = set()
    for month in {day.replace(day=1) for day in accepted}:
        found.add(month_period(month))
        quarter = quarter_period(month)
        if quarter.start <= today:
            found.add(quarter)
        fy_end = date(financial_year_start(month) + 1, 3, 1)
        later = month
        while later <= min(fy_end, last_ended):
            found.add(year_to_date_period(later))
            later = add_months(later, 1)
        for step in range(12):
            if add_months(month, step) > last_ended:
                break
            found.add(rolling_twelve_period(add_months(month, step)))
    return sorted(found, key=lambda p: (p.end, p.kind, p.start))


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s month to ``last``'s, inclusive."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months
