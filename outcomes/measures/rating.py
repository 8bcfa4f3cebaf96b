"""Rounding, RAG and direction of travel: the judging rules of the measure library (pure Python)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from outcomes.measures.library import Direction

GREEN, AMBER, RED, NOT_RATED = "green", "amber", "red", "not_rated"
LOW_NUMBERS, NO_DATA = "low_numbers", "no_data"
IMPROVED, STABLE, WORSENED, NONE = "improved", "stable", "worsened", "none"
ONE_DECIMAL = Decimal("0.1")
TRAVEL_THRESHOLD = Decimal("1.0")


def plain_number(value: object) -> str:
    """A number as people read it, without trailing zeros: 66.00 → 66, 0.50 → 0.5, 73.80 → 73.8
    ("" for none)."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).normalize()
    return format(number.quantize(Decimal(1)) if number == number.to_integral() else number, "f")


def round_half_up(value: Decimal, places: Decimal = ONE_DECIMAL) -> Decimal:
    """The one rounding helper: half up to one decimal place (85.05 → 85.1, 66.66… → 66.7)."""
    return value.quantize(places, rounding=ROUND_HALF_UP)


def percentage(numerator: int, denominator: int) -> Decimal | None:
    """100 × numerator ÷ denominator, rounded half up to one decimal place; None when the denominator is 0."""
    if denominator == 0:
        return None
    return round_half_up(Decimal(100) * Decimal(numerator) / Decimal(denominator))


def rag(
    value: Decimal | None,
    *,
    target: Decimal,
    tolerance: Decimal,
    direction: Direction,
    denominator: int,
    min_denominator: int,
    has_data: bool,
) -> tuple[str, str | None]:
    """(RAG, not-rated reason) for a rounded value, as the measure library's rules say."""
    if not has_data:
        return NOT_RATED, NO_DATA
    if denominator < min_denominator or value is None:
        return NOT_RATED, LOW_NUMBERS
    if direction == Direction.HIGHER:
        if value >= target:
            return GREEN, None
        return (AMBER, None) if value >= target - tolerance else (RED, None)
    if value <= target:
        return GREEN, None
    return (AMBER, None) if value <= target + tolerance else (RED, None)


def direction_of_travel(
    current: Decimal | None, previous: Decimal | None, *, direction: Direction, both_rated: bool
) -> str:
    """Improved or worsened when the value moved at least 1.0 pp the better or worse way; else stable."""
    if not both_rated or current is None or previous is None:
        return NONE
    change = current - previous
    if direction == Direction.LOWER:
        change = -change
    if change >= TRAVEL_THRESHOLD:
        return IMPROVED
    if change <= -TRAVEL_THRESHOLD:
        return WORSENED
    return STABLE
