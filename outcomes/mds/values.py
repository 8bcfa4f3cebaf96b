"""Reading one cell's text as the type the standard asks for; a CellError says how to fix it.

Dates and times follow the periods rules of the measure library: a datetime without an offset is
London local time, a date alone means 00:00 London time, and a datetime with an offset (or Z) is
converted to London time. Every datetime returned is timezone-aware in Europe/London. Besides ISO
8601, dates are read as UK spreadsheets write them (return-format v1.1): day first, with slashes
or hyphens, four-digit years.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from outcomes.mds.columns import YES_NO
from outcomes.periods import LONDON

MAX_WEEKLY_HOURS = Decimal(168)

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATETIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
    r"(?:\s*([Zz]|[+-]\d{2}(?::?\d{2})?))?)?"
)
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_WHOLE = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_FORMULA_STARTS = ("=", "+", "-", "@")


class CellError(ValueError):
    """A cell whose text cannot be used; the message says what is wrong and how to fix it."""


def is_formula(text: str) -> bool:
    """True for a value starting with =, +, - or @ that is not a number (a spreadsheet formula)."""
    return text.startswith(_FORMULA_STARTS) and _NUMBER.fullmatch(text) is None


# UK day-first text, as UK spreadsheets write dates to CSV: 03/04/2025, 3/4/2025, 03-04-2025,
# optionally with a time 14:30 or 14:30:00 (return-format v1.1).
_UK = re.compile(r"(\d{1,2})([/-])(\d{1,2})\2(\d{2,4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_MIDNIGHT = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt ]00:00(?::00(?:\.0{1,6})?)?")


def _uk_parts(text: str, column: str) -> tuple[date, tuple[int, int, int] | None] | None:
    """A UK day-first date (and time, if any): None when the text is not written that way."""
    match = _UK.fullmatch(text)
    if match is None:
        return None
    day, _, month, year, hour, minute, second = match.groups()
    if len(year) != 4:
        raise CellError(
            f"{column} has a two-digit year, so its century is a guess. Write the year in full, "
            "for example 03/04/2025 or 2025-04-03."
        )
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        if int(month) > 12 and int(day) <= 12:
            raise CellError(
                f"{column} looks month-first (month/day/year), as US spreadsheets write dates. This "
                "service reads a date with slashes as day/month/year: set the spreadsheet's language "
                "to English (UK) and save again, or write the date as 2025-04-13."
            ) from None
        raise CellError(
            f"{column} is not a real calendar date. Check the day and month (day first), "
            "for example 30/04/2025."
        ) from None
    clock = (int(hour), int(minute), int(second or 0)) if hour is not None else None
    if clock is not None and not (clock[0] <= 23 and clock[1] <= 59 and clock[2] <= 59):
        raise CellError(
            f"{column} is not a real date and time. Check the hours (00-23) and minutes (00-59), "
            "for example 03/04/2025 14:30."
        )
    return found, clock


def parse_date(text: str, column: str) -> date:
    """A calendar date: YYYY-MM-DD, or UK day-first (03/04/2025, 3/4/2025, 03-04-2025). A date with a
    time of exactly midnight is the date (a spreadsheet's date cell saved as CSV); any other time is
    refused."""
    uk = _uk_parts(text, column)
    if uk is not None:
        found, clock = uk
        if clock not in (None, (0, 0, 0)):
            raise CellError(_date_only(column))
        return found
    midnight = _MIDNIGHT.fullmatch(text)
    if midnight is not None:
        text = midnight.group(1)
    if _DATE.fullmatch(text) is None:
        if _DATETIME.fullmatch(text) is not None:
            raise CellError(_date_only(column))
        raise CellError(f"{column} is not a date written YYYY-MM-DD or DD/MM/YYYY. {_date_hint(text)}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CellError(
            f"{column} is not a real calendar date. Check the day and month, for example 2025-04-30."
        ) from None


def _date_only(column: str) -> str:
    return f"{column} takes a date without a time. Write only the date, for example 30/04/2025 or 2025-04-30."


def parse_datetime(text: str, column: str) -> datetime:
    """A date (00:00 London) or a date and time (London local unless it has an offset), in London time:
    ISO (2025-04-03, 2025-04-03T14:30) or UK day-first (03/04/2025, 03/04/2025 14:30)."""
    uk = _uk_parts(text, column)
    if uk is not None:
        found, clock = uk
        hours, minutes, seconds = clock or (0, 0, 0)
        local = datetime(found.year, found.month, found.day, hours, minutes, seconds)
        return local.replace(tzinfo=LONDON).astimezone(UTC).astimezone(LONDON)
    match = _DATETIME.fullmatch(text)
    if match is None:
        raise CellError(
            f"{column} is not a date or date and time written DD/MM/YYYY HH:MM or YYYY-MM-DDTHH:MM. "
            f"{_date_hint(text)}"
        )
    day_text, hour, minute, second, fraction, offset = match.groups()
    try:
        day = date.fromisoformat(day_text)
        if hour is None:
            moment = datetime(day.year, day.month, day.day)
        else:
            micro = int((fraction or "0").ljust(6, "0"))
            moment = datetime(day.year, day.month, day.day, int(hour), int(minute), int(second or 0), micro)
        if offset is None:
            # Going through UTC turns a clock time skipped when the clocks go forward into a real one.
            return moment.replace(tzinfo=LONDON).astimezone(UTC).astimezone(LONDON)
        aware = datetime.fromisoformat(moment.isoformat() + _iso_offset(offset))
        return aware.astimezone(LONDON)
    except (ValueError, OverflowError):
        raise CellError(
            f"{column} is not a real date and time. Check the day, month, hours (00-23) and "
            "minutes (00-59), for example 2025-04-03T14:30."
        ) from None


def parse_hours(text: str, column: str) -> Decimal:
    """Planned hours per week: a decimal number from 0 to 168."""
    if _DECIMAL.fullmatch(text) is None:
        raise CellError(
            f"{column} must be a number of hours per week, such as 10 or 10.5, written in digits "
            "without units or commas."
        )
    try:
        hours = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise CellError(f"{column} must be a number of hours per week, such as 10 or 10.5.") from None
    if hours < 0:
        raise CellError(f"{column} cannot be negative. Enter the planned hours per week, 0 to 168.")
    if hours > MAX_WEEKLY_HOURS:
        raise CellError(
            f"{column} is more than 168, the number of hours in a week. Enter the planned hours "
            "per week, 0 to 168."
        )
    return hours + 0  # drops a negative zero's sign


MAX_RESPONDENTS = 1_000_000  # far above any provider's month; well inside what is stored


def parse_count(text: str, column: str) -> int:
    """A whole number of survey respondents, 0 or more."""
    if _WHOLE.fullmatch(text) is None:
        raise CellError(f"{column} must be a whole number of respondents written in digits, such as 12.")
    count = int(text)
    if count < 0:
        raise CellError(f"{column} cannot be negative. Enter the number of respondents, 0 or more.")
    if count > MAX_RESPONDENTS:
        raise CellError(
            f"{column} is {count:,}, more people than a month's survey can have. Enter the number of "
            f"respondents (at most {MAX_RESPONDENTS:,})."
        )
    return count


def parse_choice(text: str, column: str, allowed: tuple[str, ...]) -> str:
    """One of the allowed values, exactly as the standard writes it."""
    if text in allowed:
        return text
    if allowed == YES_NO:
        raise CellError(
            f"{column} must be a capital Y or N: not a small letter, and not words such as Yes or True."
        )
    for option in allowed:
        if text.casefold() == option.casefold():
            raise CellError(f"{column} must be written exactly {option}, with the same capital letters.")
    raise CellError(f"{column} must be one of {_or_list(allowed)}.")


def parse_flag(text: str, column: str) -> bool:
    """Y (True) or N (False), capital letters only."""
    return parse_choice(text, column, YES_NO) == "Y"


def _or_list(values: tuple[str, ...]) -> str:
    return ", ".join(values[:-1]) + " or " + values[-1]


def _iso_offset(offset: str) -> str:
    """An offset as fromisoformat wants it: Z, +01, +0100 and +01:00 all become +01:00."""
    if offset in ("Z", "z"):
        return "+00:00"
    digits = offset[1:].replace(":", "")
    return f"{offset[0]}{digits[:2]}:{digits[2:4] or '00'}"


def _date_hint(text: str) -> str:
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}.*", text):
        return (
            "Write it day first with slashes, for example 03/04/2025 or 03/04/2025 14:30, or as 2025-04-03."
        )
    if re.fullmatch(r"\d{5}(?:\.\d+)?", text):
        return (
            "This looks like an Excel date number: format the column as a date (or text) and "
            "type it as, for example, 2025-04-03."
        )
    return "For example 2025-04-03, or 2025-04-03T14:30 with a time."
