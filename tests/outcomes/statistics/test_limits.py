"""Exact binomial funnel limits against the binomial probabilities summed exactly, in fractions."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from outcomes.statistics.limits import binomial_bounds, binomial_limits, binomial_quantile


def exact_quantile(p: str, n: int, q: Fraction) -> int:
    rate, total = Fraction(p), Fraction(0)
    for count in range(n + 1):
        total += math.comb(n, count) * rate**count * (1 - rate) ** (n - count)
        if total >= q:
            return count
    return n


@pytest.mark.parametrize("p", ["0", "0.001", "0.01", "0.05", "0.3333", "0.5", "0.8", "0.853", "0.99", "1"])
@pytest.mark.parametrize("n", [1, 2, 9, 25, 50, 100, 137])
def test_the_quantiles_are_the_exact_ones(p, n):
    for q in (Fraction(1, 40), Fraction(39, 40), Fraction(1, 1000), Fraction(999, 1000)):
        assert binomial_quantile(Decimal(p), n, float(q)) == exact_quantile(p, n, q), (p, n, q)


def test_a_rate_of_0_or_100_percent_and_the_counts_at_the_ends():
    assert binomial_bounds(Decimal(0), 50, "99.8") == (0, 0)
    assert binomial_bounds(Decimal(1), 50, "99.8") == (50, 50)
    assert binomial_limits(Decimal("0.01"), 50, "95") == (Decimal(0), Decimal("0.04"))  # 0 of 50 within
    assert binomial_limits(Decimal("0.99"), 50, "95") == (Decimal("0.96"), Decimal(1))  # 50 of 50 within
    with pytest.raises(ValueError):
        binomial_bounds(Decimal("0.5"), 0, "95")
