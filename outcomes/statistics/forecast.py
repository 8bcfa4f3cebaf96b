"""A target's year-end forecast: where the financial year's figure is heading, with a 95% interval.

The year's figure is a rate: x of n episodes, over every episode of the year's cohort. Part of the
cohort is known now; the rest is not:

- **judged**: the n episodes of the year to date (to the latest month that has ended), x of them met
  the measure;
- **pending**: episodes already in the cohort whose judging day has not yet come (the stored
  result's "pending" count): their outcome is still to be known;
- **to come**: episodes that will join the cohort in the months of the year still to come,
  projected at the rate the cohort has grown each month since the year's first month:
  (cohort now − cohort after the first month) ÷ (months ended − 1) a month, where the cohort is
  judged + pending. Growth after the first month is used because a measure that counts episodes
  open at any time starts the year with every episode already open; after one month only, the first
  month's cohort is the only guide. Where the year's first month has no figure (a contract that began
  later in the year), the cohort's average a month so far is used.

The forecast is the rate so far, x ÷ n: with no sign that the rest of the year differs, the episodes
still to be judged are expected to meet the measure as often as those judged so far. The 95% interval
is the 2.5% and 97.5% points of the year's rate when the m = pending + to come episodes still
unknown meet it y times, y following the beta-binomial distribution: y ~ Binomial(m, r), with the
uncertain rate r ~ Beta(x + ½, n − x + ½) (Jeffreys' prior; the rate so far and how much it is
known). So the interval allows both for chance in the months to come and for what the months so far
leave unknown about the service; it narrows as the year goes on and has no width once nothing is
still to be judged. The year-end value is (x + y) ÷ (n + m).

The forecast RAG is the target's RAG of the forecast value (rounded as every value is): labelled as
a forecast wherever shown, never in place of the actual year to date.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from outcomes.measures.rating import round_half_up

MONTHS_IN_YEAR = 12
TAIL = 0.025  # each side of the 95% interval
PRIOR = 0.5  # Jeffreys


@dataclass(frozen=True)
class Forecast:
    value: Decimal  # the forecast year-end percentage, one decimal place
    low: Decimal  # the 95% interval, percentages to one decimal place
    high: Decimal
    judged: int  # n: episodes judged so far
    met: int  # x: of those, meeting the measure
    pending: int  # in the cohort, outcome still to come
    to_come: int  # projected to join the cohort in the months still to come
    months_ended: int  # months of the financial year ended (1 to 12)

    @property
    def unknown(self) -> int:
        return self.pending + self.to_come

    @property
    def year_end_episodes(self) -> int:
        """The year's projected cohort: judged, pending and still to come."""
        return self.judged + self.unknown

    @property
    def interval_text(self) -> str:
        return f"{self.low:.1f}% to {self.high:.1f}%"

    @property
    def text(self) -> str:
        """``84.9% (95% interval 82.1% to 87.5%)``."""
        return f"{self.value:.1f}% (95% interval {self.interval_text})"

    @property
    def basis(self) -> str:
        """How the forecast was made, in a sentence."""
        months = f"{self.months_ended} month{'s' if self.months_ended != 1 else ''}"
        return (
            f"From {self.met} of {self.judged} episodes judged in the year's first {months}, "
            f"with {self.pending} pending and about {self.to_come} still to come."
        )


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def beta_binomial_quantiles(m: int, a: float, b: float, qs: tuple[float, ...]) -> tuple[int, ...]:
    """For each q, the smallest y with P(Y ≤ y) ≥ q, for Y ~ BetaBinomial(m, a, b): one pass up the
    distribution, each probability from the one before (in logarithms, so nothing underflows)."""
    if m <= 0:
        return tuple(0 for _ in qs)
    log_pmf = _log_beta(a, m + b) - _log_beta(a, b)  # P(Y = 0)
    found: list[int] = []
    total = 0.0
    for y in range(m + 1):
        total += math.exp(log_pmf)
        while len(found) < len(qs) and total >= qs[len(found)] - 1e-12:
            found.append(y)
        if len(found) == len(qs):
            break
        if y < m:
            log_pmf += math.log((m - y) * (y + a)) - math.log((y + 1) * (m - y - 1 + b))
    return tuple(found + [m] * (len(qs) - len(found)))


def year_end_forecast(
    *, met: int, judged: int, pending: int, cohort_after_first_month: int | None, months_ended: int
) -> Forecast | None:
    """The year-end forecast from the year to date's figures (``met`` of ``judged``, with ``pending``)
    after ``months_ended`` months, and the cohort (judged + pending) after the year's first month (None
    when the first month has no figure). None when nothing has been judged yet (no rate to go on)."""
    if judged <= 0 or not 1 <= months_ended <= MONTHS_IN_YEAR:
        return None
    cohort = judged + pending
    left = MONTHS_IN_YEAR - months_ended
    if left == 0:
        to_come = 0
    elif months_ended == 1:
        to_come = cohort * left
    else:
        if cohort_after_first_month is None:
            growth = Decimal(cohort) / months_ended
        else:
            growth = Decimal(max(0, cohort - cohort_after_first_month)) / (months_ended - 1)
        to_come = int(round_half_up(growth * left, Decimal(1)))
    unknown = pending + to_come
    a, b = met + PRIOR, judged - met + PRIOR
    total = judged + unknown
    low, high = beta_binomial_quantiles(unknown, a, b, (TAIL, 1 - TAIL))
    return Forecast(
        value=round_half_up(Decimal(100 * met) / judged),
        low=round_half_up(Decimal(100 * (met + low)) / total),
        high=round_half_up(Decimal(100 * (met + high)) / total),
        judged=judged,
        met=met,
        pending=pending,
        to_come=to_come,
        months_ended=months_ended,
    )
