"""Over-dispersion in a funnel plot: do the providers' figures vary more than chance alone explains?

Funnel limits assume that every provider has the portfolio's true rate and differs from it only by
chance. When providers really differ (different case mixes, areas, ways of working), many fall
outside the limits and the flags say little. The standard check and adjustment (Spiegelhalter,
"Handling over-dispersion of performance indicators", 2005) is the multiplicative one:

- each provider's standardised residual z = (x/n − p) ÷ √(p(1 − p)/n), against the portfolio rate p;
- the residuals winsorised at 10% each side (the lowest tenth set to the 10th percentile's value, the
  highest to the 90th; with fewer than 10 providers none is moved), so that one or two real outliers
  do not inflate the estimate;
- φ = (sum of the squared residuals) ÷ k over the k providers;
- over-dispersed when k·φ exceeds the 95th percentile of the chi-squared distribution on k − 1
  degrees of freedom (P < 0.05), and only with at least ``MIN_PROVIDERS`` providers;
- the adjustment: each limit's distance from p is multiplied by √φ (φ > 1 only, so limits only ever
  widen), kept within 0% to 100%. Applied to the exact binomial limits, it keeps their shape near 0%
  and 100%; applied to p ± z·√(p(1 − p)/n) it would be Spiegelhalter's p ± z·√(φ·p(1 − p)/n).

The adjustment is optional: the page offers it and says what it did.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

MIN_PROVIDERS = 5  # fewer, and the spread cannot be told from chance
WINSOR = Decimal("0.1")  # the share of providers pulled in on each side
LEVEL = 0.05


@dataclass(frozen=True)
class Dispersion:
    providers: int  # k
    phi: float  # the estimate, winsorised
    statistic: float  # k·φ, chi-squared on k − 1 degrees of freedom when there is no over-dispersion
    p_value: float
    winsorised: int  # how many residuals were pulled in (both sides)

    @property
    def over_dispersed(self) -> bool:
        return self.phi > 1 and self.p_value < LEVEL

    @property
    def factor(self) -> float:
        """The factor the limits' distances from the rate are multiplied by when the adjustment is
        applied: √φ when over-dispersed, else 1 (the limits are left as they are)."""
        return math.sqrt(self.phi) if self.over_dispersed else 1.0

    @property
    def p_text(self) -> str:
        return "P < 0.001" if self.p_value < 0.001 else f"P = {self.p_value:.3f}"

    @property
    def sentence(self) -> str:
        if self.over_dispersed:
            return (
                f"The providers' figures vary more than chance alone explains (φ = {self.phi:.2f}, "
                f"{self.p_text}, {self.providers} providers)."
            )
        return (
            f"The providers' figures vary no more than chance explains (φ = {self.phi:.2f}, {self.p_text}, "
            f"{self.providers} providers)."
        )


def _winsorised(values: list[float]) -> tuple[list[float], int]:
    k = len(values)
    cut = int(WINSOR * k)  # whole providers on each side: 0 below 10 providers
    if cut == 0:
        return values, 0
    ordered = sorted(values)
    low, high = ordered[cut], ordered[k - 1 - cut]
    moved = sum(1 for v in values if v < low or v > high)
    return [min(max(v, low), high) for v in values], moved


def dispersion(points: list[tuple[int, int]], rate: Decimal) -> Dispersion | None:
    """The over-dispersion of providers' (count, counted) around ``rate`` (a proportion); None with
    fewer than ``MIN_PROVIDERS`` providers, or at a rate of 0% or 100% (nothing can vary)."""
    from scipy.special import chdtrc  # type: ignore[import-untyped]  # loaded on first use

    counted = [(x, n) for x, n in points if n > 0]
    p = float(rate)
    if len(counted) < MIN_PROVIDERS or not 0 < p < 1:
        return None
    residuals = [(x / n - p) / math.sqrt(p * (1 - p) / n) for x, n in counted]
    residuals, moved = _winsorised(residuals)
    k = len(residuals)
    phi = sum(z * z for z in residuals) / k
    statistic = k * phi
    return Dispersion(
        providers=k, phi=phi, statistic=statistic, p_value=float(chdtrc(k - 1, statistic)), winsorised=moved
    )


def widened(rate: Decimal, limits: tuple[Decimal, Decimal], factor: float) -> tuple[Decimal, Decimal]:
    """``limits`` (proportions) around ``rate`` with their distances from it multiplied by ``factor``,
    kept within 0 and 1; as they are when the factor is 1."""
    if factor == 1:
        return limits
    scale = Decimal(repr(factor))
    low, high = limits
    return max(Decimal(0), rate - (rate - low) * scale), min(Decimal(1), rate + (high - rate) * scale)
