"""Ranks among providers: the one rule for the benchmarking page, the review pack and anything else
that ranks providers on a measure (pure Python).

- rank: best first in the measure's better direction, and equal figures share the best rank of their
  group ("competition" ranking, 1, 2, 2, 4): rank = 1 + the number of figures strictly better;
- quartile: ceil(4 × shared rank ÷ number ranked), so 1 is the top quartile and 4 the bottom, given
  only when at least MIN_COMPARATORS other providers are ranked beside the one ranked;
- words: "joint 1st of 10" when the rank is shared, "3rd of 10" otherwise; where a table column is
  short of room, "1=" or "3".
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

MIN_COMPARATORS = 4  # with fewer other providers, quartiles say nothing
QUARTILE_WORDS: dict[int | None, str] = {
    1: "top quartile",
    2: "second quartile",
    3: "third quartile",
    4: "bottom quartile",
}
SUFFIXES = {1: "st", 2: "nd", 3: "rd"}


def ordinal(number: int) -> str:
    """1 → 1st, 2 → 2nd, 3 → 3rd, 4 → 4th, 11 → 11th, 12 → 12th, 13 → 13th, 21 → 21st, 112 → 112th."""
    suffix = "th" if 11 <= number % 100 <= 13 else SUFFIXES.get(number % 10, "th")
    return f"{number}{suffix}"


def quartile_of(rank: int, ranked: int) -> int | None:
    """ceil(4 × rank ÷ number ranked); None with fewer than MIN_COMPARATORS others beside this one."""
    if ranked - 1 < MIN_COMPARATORS:
        return None
    return math.ceil(4 * rank / ranked)


def rank_words(rank: int, ranked: int, *, shared: bool) -> str:
    """ "joint 1st of 10" for a shared rank, "3rd of 10" otherwise."""
    return f"{'joint ' if shared else ''}{ordinal(rank)} of {ranked}"


def rank_short(rank: int, *, shared: bool) -> str:
    """The rank in a table column: "1=" for a shared rank, "3" otherwise."""
    return f"{rank}=" if shared else str(rank)


@dataclass(frozen=True)
class Rank:
    """One provider's place among those ranked: its shared rank, how many were ranked, and whether
    another provider has the same figure."""

    rank: int
    ranked: int
    shared: bool

    @property
    def quartile(self) -> int | None:
        return quartile_of(self.rank, self.ranked)

    @property
    def quartile_label(self) -> str:
        return QUARTILE_WORDS.get(self.quartile, "")

    @property
    def words(self) -> str:
        return rank_words(self.rank, self.ranked, shared=self.shared)

    @property
    def short(self) -> str:
        return rank_short(self.rank, shared=self.shared)


def shared_ranks(ranked: Sequence[Decimal], *, higher: bool) -> dict[Decimal, Rank]:
    """The rank of every figure among ``ranked`` (the figures as shown, to one decimal place), by
    figure: rank = 1 + the number of figures strictly better, shared when another figure is equal.
    ``higher`` is True when higher figures are better. One sort, so that ranking every provider of
    a large funnel takes no longer than sorting them."""
    counts = Counter(ranked)
    ranks, better = {}, 0
    for value in sorted(counts, reverse=higher):  # best first
        ranks[value] = Rank(rank=1 + better, ranked=len(ranked), shared=counts[value] > 1)
        better += counts[value]
    return ranks


def shared_rank(value: Decimal, ranked: Sequence[Decimal], *, higher: bool) -> Rank:
    """The rank of ``value`` among ``ranked``: every figure ranked, this one included (the rule of
    ``shared_ranks``)."""
    if value not in ranked:
        raise ValueError("The value ranked must be among the figures ranked.")
    return shared_ranks(ranked, higher=higher)[value]
