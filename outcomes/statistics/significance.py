"""Is a change between two rates more than chance? The significance test behind "improved",
"worsened" and "no significant change".

Two rates, each a count of a total (this period's x₁ of n₁ and the earlier period's x₂ of n₂), are
compared by a two-sided test at the 95% level:

- the **two-proportion z-test** with the pooled rate p = (x₁ + x₂) ÷ (n₁ + n₂):
  z = (x₁/n₁ − x₂/n₂) ÷ √(p(1 − p)(1/n₁ + 1/n₂)), P = 2(1 − Φ(|z|)); used when each of the four
  expected counts (p·n₁, (1 − p)·n₁, p·n₂, (1 − p)·n₂) is at least 5, as the textbooks require;
- otherwise **Fisher's exact test**: with the four margins fixed, P is the sum of the (hypergeometric)
  probabilities of every table no more likely than the one observed, worked out in whole numbers, so
  that it is exact. Small counts, such as 1 of 2 against 2 of 3, go this way.

The change is significant when P < 0.05; it is then an improvement or a worsening as the measure's
better direction says. Two rates that are the same, or a pooled rate of 0% or 100% (nothing varies),
are no significant change. A period with nothing counted cannot be compared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

LEVEL = Fraction(5, 100)  # two-sided: significant when P < 0.05 (95%)
SMALLEST_EXPECTED = 5  # each expected count at least this for the z-test; else Fisher's exact test

IMPROVED = "improved"
WORSENED = "worsened"
NO_CHANGE = "no_significant_change"
NOT_COMPARED = "not_compared"

Z_TEST = "two-proportion z-test"
FISHER = "Fisher's exact test"

LABELS = {
    IMPROVED: "Significant improvement",
    WORSENED: "Significant worsening",
    NO_CHANGE: "No significant change",
    NOT_COMPARED: "Not compared",
}


@dataclass(frozen=True)
class Change:
    """The judgement on a change between two rates, with the test that made it and its P value."""

    judgement: str  # IMPROVED, WORSENED, NO_CHANGE or NOT_COMPARED
    method: str = ""  # Z_TEST or FISHER ("" when not compared)
    p_value: float | None = None

    @property
    def label(self) -> str:
        return LABELS[self.judgement]

    @property
    def significant(self) -> bool:
        return self.judgement in (IMPROVED, WORSENED)

    @property
    def p_text(self) -> str:
        """The P value as a reader is shown it: "P < 0.001", or to 3 decimal places."""
        if self.p_value is None:
            return ""
        if self.p_value < 0.001:
            return "P < 0.001"
        return f"P = {self.p_value:.3f}"

    @property
    def sentence(self) -> str:
        """One plain sentence: the judgement, the test and its P value."""
        if self.judgement == NOT_COMPARED:
            return "Not compared: a period has nothing counted."
        verdict = "more than chance would explain" if self.significant else "within what chance explains"
        return f"{self.label}: the change is {verdict} ({self.method}, {self.p_text}; significant when P < 0.05)."


def _fisher_p(x1: int, n1: int, x2: int, n2: int) -> Fraction:
    """Two-sided P of Fisher's exact test: the probability, with the margins fixed, of every table
    no more likely than the one observed (in whole numbers, so ties are found exactly)."""
    successes = x1 + x2
    low, high = max(0, successes - n2), min(successes, n1)

    def weight(a: int) -> int:  # proportional to P(the first row holds a successes)
        return math.comb(n1, a) * math.comb(n2, successes - a)

    observed = weight(x1)
    weights = [weight(a) for a in range(low, high + 1)]
    return Fraction(sum(w for w in weights if w <= observed), sum(weights))


def _z_test_p(x1: int, n1: int, x2: int, n2: int) -> float:
    pooled = (x1 + x2) / (n1 + n2)
    error = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (x1 / n1 - x2 / n2) / error
    return math.erfc(abs(z) / math.sqrt(2))  # = 2(1 − Φ(|z|))


def rate_change(now: tuple[int, int], before: tuple[int, int], *, higher_is_better: bool) -> Change:
    """The change from ``before`` (count, total) to ``now`` (count, total), judged at 95%."""
    (x1, n1), (x2, n2) = now, before
    if n1 <= 0 or n2 <= 0:
        return Change(NOT_COMPARED)
    if not (0 <= x1 <= n1 and 0 <= x2 <= n2):
        raise ValueError(f"a count lies outside its total: {x1} of {n1}, {x2} of {n2}")
    successes, total = x1 + x2, n1 + n2
    expected = [Fraction(m * n, total) for n in (n1, n2) for m in (successes, total - successes)]
    if Fraction(x1, n1) == Fraction(x2, n2) or successes in (0, total):
        method = Z_TEST if min(expected) >= SMALLEST_EXPECTED else FISHER
        return Change(NO_CHANGE, method, 1.0)
    if min(expected) >= SMALLEST_EXPECTED:
        method, p_value = Z_TEST, _z_test_p(x1, n1, x2, n2)
        significant = p_value < LEVEL
    else:
        exact = _fisher_p(x1, n1, x2, n2)
        method, p_value, significant = FISHER, float(exact), exact < LEVEL
    if not significant:
        return Change(NO_CHANGE, method, p_value)
    better = (Fraction(x1, n1) > Fraction(x2, n2)) == higher_is_better
    return Change(IMPROVED if better else WORSENED, method, p_value)
