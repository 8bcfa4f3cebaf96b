"""Small-number suppression: the one rule for every figure about other people's counts that leaves
the lead commissioning body (the scrutiny report, and other providers' figures on provider-facing
benchmarks and review packs).

Only counts of people are disclosive: people receiving care, and the episodes (people) counted in a
measure's numerator and denominator. Those, and percentages built from them, are suppressed:

1. A count of people of 1 to 4 is shown as "fewer than 5". Zero, and 5 or more, are shown as they are.
2. A rate (numerator of denominator): when the denominator is 1 to 4, both are shown as "fewer than
   5" and the percentage is suppressed. When the numerator is 1 to 4 it is shown as "fewer than 5"
   and the percentage is suppressed (with the denominator it would give the numerator back). When
   the denominator less the numerator is 1 to 4, the numerator and the percentage are suppressed
   (the few left out could be worked out by subtraction).
3. Secondary suppression, for a row of counts of people that adds up to a total shown elsewhere: if
   exactly one cell of the row is 1 to 4, the next smallest non-zero cell is suppressed too
   ("suppressed"), so the small one cannot be worked out by subtraction from the total.

Facts about contracts and providers are not about people, and are public or the body's own record:
counts of contracts and providers, CQC ratings and their counts, RAG counts of contracts, notices
issued to providers, returns on time. They are shown as they are (``public``, ``public_rate``),
however small. ``count_shown`` and ``rate_shown`` take the kind of figure and apply the rule.

Pure Python: no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from outcomes.measures.rating import percentage

SMALL_BELOW = 5
FEWER_THAN_5 = "fewer than 5"
SUPPRESSED = "suppressed"


def is_small(count: int | None) -> bool:
    """1 to 4: a count that could identify someone."""
    return count is not None and 0 < count < SMALL_BELOW


def suppress(count: int | None) -> str:
    """A count as printed: "fewer than 5" for 1 to 4, else the number ("—" for none at all)."""
    if count is None:
        return "—"
    return FEWER_THAN_5 if is_small(count) else str(count)


def suppress_row(counts: Sequence[int]) -> list[str]:
    """Counts that add up to a total shown elsewhere, with secondary suppression: when exactly one is
    1 to 4, the next smallest non-zero count is shown as "suppressed" too."""
    shown = [suppress(count) for count in counts]
    small = [index for index, count in enumerate(counts) if is_small(count)]
    if len(small) == 1:
        others = [(count, index) for index, count in enumerate(counts) if index != small[0] and count > 0]
        if others:
            shown[min(others)[1]] = SUPPRESSED
    return shown


@dataclass(frozen=True)
class Rate:
    """A rate as printed: the percentage, numerator and denominator after suppression."""

    percent: str
    numerator: str
    denominator: str
    value: Decimal | None = None  # the percentage when it may be shown, for the direction of travel

    @property
    def text(self) -> str:
        """``85.0% (551 of 648)``; ``suppressed (fewer than 5 of 648)``; ``no data``."""
        if self.denominator == "0":
            return "no data"
        return f"{self.percent} ({self.numerator} of {self.denominator})"

    @property
    def shown(self) -> bool:
        return self.value is not None


def suppress_rate(numerator: int, denominator: int) -> Rate:
    """A numerator of a denominator, with rule 2 of the module's suppression rule applied."""
    if denominator == 0:
        return Rate("—", "0", "0")
    if is_small(denominator):
        return Rate(SUPPRESSED, FEWER_THAN_5, FEWER_THAN_5)
    if is_small(numerator):
        return Rate(SUPPRESSED, FEWER_THAN_5, str(denominator))
    if is_small(denominator - numerator):
        return Rate(SUPPRESSED, SUPPRESSED, str(denominator))
    value = percentage(numerator, denominator)
    return Rate(f"{value:.1f}%", str(numerator), str(denominator), value)


def public(count: int | None) -> str:
    """A count that is not of people (contracts, providers, ratings, notices): shown as it is."""
    return "—" if count is None else str(count)


def public_rate(numerator: int, denominator: int) -> Rate:
    """A rate that is not of people (providers compliant, returns on time): shown as it is."""
    if denominator == 0:
        return Rate("—", "0", "0")
    value = percentage(numerator, denominator)
    return Rate(f"{value:.1f}%", str(numerator), str(denominator), value)


def count_shown(count: int | None, *, of_people: bool) -> str:
    """A count as printed: suppressed when it counts people (rule 1), else as it is."""
    return suppress(count) if of_people else public(count)


def rate_shown(numerator: int, denominator: int, *, of_people: bool) -> Rate:
    """A rate as printed: suppressed when built from counts of people (rule 2), else as it is."""
    return suppress_rate(numerator, denominator) if of_people else public_rate(numerator, denominator)


def row_shown(counts: Sequence[int], *, of_people: bool) -> list[str]:
    """A row adding up to a total: counts of people with secondary suppression (rule 3), else as they are."""
    return suppress_row(counts) if of_people else [public(count) for count in counts]
