"""Funnel-plot control limits for a proportion: exact binomial limits.

For a rate p (the portfolio's) and a provider that counted n, the limits at a two-sided level (95% or
99.8%) are the counts between which Bin(n, p) falls with at least that probability, as proportions
of n:

    lower = r_lo ÷ n, r_lo the smallest count with P(X ≤ r_lo) ≥ t
    upper = r_hi ÷ n, r_hi the smallest count with P(X ≤ r_hi) ≥ 1 − t

with t = 0.025 for the 95% limits and 0.001 for the 99.8% limits. A provider whose count lies below
r_lo or above r_hi is outside them: chance alone, at the portfolio rate, would give a count at least
that far out with probability t or less. So the limits on the page and the flag beside them always
agree, whole counts being what a provider can have.

Unlike the normal approximation p ± z·√(p(1 − p)/n), these limits are right near 0% and 100% and for
small n: with a rate of 1% and 50 counted, 0 of 50 (which happens six times in ten) lies within them;
with a rate of 99%, so does 50 of 50; at a rate of 0% they are 0 to 0 (nothing else can happen). The
binomial distribution function is scipy's (``scipy.special.bdtr``).
"""

from __future__ import annotations

import math
from decimal import Decimal

TAILS = {"95": 0.025, "99.8": 0.001}  # the probability outside each side of a two-sided level


def _cdf(count: int, n: int, p: float) -> float:
    """P(X ≤ count) for X ~ Bin(n, p)."""
    from scipy.special import bdtr  # type: ignore[import-untyped]  # loaded on first use, not at start

    if count < 0:
        return 0.0
    if count >= n:
        return 1.0
    return float(bdtr(count, n, p))


def binomial_quantile(p: Decimal, n: int, q: float) -> int:
    """The smallest count r with P(X ≤ r) ≥ q, for X ~ Bin(n, p)."""
    from scipy.special import bdtrik

    if n <= 0:
        raise ValueError("the limits need a provider that counted at least one")
    rate = float(p)
    if rate <= 0:
        return 0
    if rate >= 1:
        return n
    # scipy inverts the distribution function over continuous counts; the whole count is checked
    # against it exactly below (and found by stepping, should rounding leave it one off)
    guess = bdtrik(q, n, rate)
    count = min(n, max(0, int(math.ceil(guess - 1e-9)))) if math.isfinite(guess) else 0
    while count > 0 and _cdf(count - 1, n, rate) >= q:
        count -= 1
    while _cdf(count, n, rate) < q:
        count += 1
    return count


def binomial_bounds(p: Decimal, n: int, level: str) -> tuple[int, int]:
    """(r_lo, r_hi): the counts within the ``level`` ("95" or "99.8") limits are r_lo to r_hi."""
    tail = TAILS[level]
    return binomial_quantile(p, n, tail), binomial_quantile(p, n, 1 - tail)


def binomial_limits(p: Decimal, n: int, level: str) -> tuple[Decimal, Decimal]:
    """(lower, upper) as proportions of ``n``: the exact binomial ``level`` limits around ``p``."""
    low, high = binomial_bounds(p, n, level)
    return Decimal(low) / Decimal(n), Decimal(high) / Decimal(n)
