"""A target's year-end forecast: where the financial year's figure is heading, with a 95% interval.

The year's figure is a rate: x of n episodes, over every episode of the year's cohort. Part of the
cohort is known now; the rest is not:

- **judged**: the n episodes of the year to date (to the latest month that has ended), x of them met
  the measure;
- **pending**: episodes already in the cohort whose judging day has not yet come (the stored
  result's "pending" count): their outcome is still to be known;
- **to come**: episodes that will join the cohort in the months still to come (the months of the
  year after the year to date while the contract runs, and months of it whose return is owed and
  missing), projected at the rate the cohort has grown each month with a return since the year's
  first: (cohort now − cohort after the first month) ÷ (months with a return − 1) a month, where the
  cohort is judged + pending. Growth after the first month is used because a measure that counts
  episodes open at any time starts the year with every episode already open; with one month only,
  that month's cohort is the only guide; where the year's first month has no figure (a contract
  that began later in the year, or April's return missing), the cohort's average a month is used.

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
    months_covered: int  # months of the year to date with an accepted return (1 to 12)

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
        months = f"{self.months_covered} month{'s' if self.months_covered != 1 else ''}"
        return (
            f"From {self.met} of {self.judged} episodes judged in {months} with returns so far, "
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


def episodes_to_come(
    *, cohort: int, cohort_after_first_month: int | None, months_covered: int, months_to_come: int
) -> int:
    """The episodes expected to join the year's cohort in ``months_to_come`` months, at the rate the
    ``cohort`` (judged + pending) has grown over ``months_covered`` months with a return: since the
    first month (``cohort_after_first_month``), or on average a month where that month has no figure."""
    if months_to_come <= 0 or months_covered <= 0:
        return 0
    if cohort_after_first_month is None:
        growth = Decimal(cohort) / months_covered
    elif months_covered == 1:
        growth = Decimal(cohort)
    else:
        growth = Decimal(max(0, cohort - cohort_after_first_month)) / (months_covered - 1)
    return int(round_half_up(growth * months_to_come, Decimal(1)))


def year_end_forecast(
    *, met: int, judged: int, pending: int, to_come: int, months_covered: int
) -> Forecast | None:
    """The year-end forecast from the year to date's figures (``met`` of ``judged``, with ``pending``)
    over ``months_covered`` months with a return, and the episodes still ``to_come``
    (``episodes_to_come``). None when nothing has been judged yet (no rate to go on)."""
    if judged <= 0:
        return None
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
        months_covered=months_covered,
    )
