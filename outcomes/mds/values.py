"""Reading one cell's text as the type the standard asks for; a CellError says how to fix it.

Dates and times follow the periods rules of the measure library: a datetime without an offset is
London local time, a date alone means 00:00 London time, and a datetime with an offset (or Z) is
converted to London time. Every datetime returned is timezone-aware in Europe/London.
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


def parse_date(text: str, column: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    if _DATE.fullmatch(text) is None:
        if _DATETIME.fullmatch(text) is not None:
            raise CellError(
                f"{column} takes a date without a time. Write only the date, for example {text[:10]}."
            )
        raise CellError(f"{column} is not a date written YYYY-MM-DD. {_date_hint(text)}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CellError(
            f"{column} is not a real calendar date. Check the day and month, for example 2025-04-30."
        ) from None


def parse_datetime(text: str, column: str) -> datetime:
    """A date (00:00 London) or a date and time (London local unless it has an offset), in London time."""
    match = _DATETIME.fullmatch(text)
    if match is None:
        raise CellError(
            f"{column} is not a date or date and time written YYYY-MM-DD or YYYY-MM-DDTHH:MM. "
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
            "Dates like 03/04/2025 can be read two ways; write the year first, for example "
            "2025-04-03 or 2025-04-03T14:30."
        )
    if re.fullmatch(r"\d{5}(?:\.\d+)?", text):
        return (
            "This looks like an Excel date number: format the column as a date (or text) and "
            "type it as, for example, 2025-04-03."
        )
    return "For example 2025-04-03, or 2025-04-03T14:30 with a time."
