"""Year-end forecasts from stored results: each target's year to date (and the year's first month,
for how fast its cohort grows) read as stored, forecast by the one method
(``outcomes.statistics.forecast``) and rated against the target as a forecast.

Every page and pack that shows a forecast reads it from here: the scorecard, the review pack (frozen
with its figures) and the scrutiny report (the forecast of each measure's portfolio rate).
"""

from __future__ import annotations

from dataclasses import dataclass

from commissioning.models import Target, TargetVersion
from commissioning.selectors import target_version_in_force
from outcomes.measures import MEASURES
from outcomes.measures.rating import rag
from outcomes.models import ComplianceResult
from outcomes.periods import Period, add_months, year_to_date_period
from outcomes.results.labels import RAG_LABELS, RAG_TAG_CLASSES
from outcomes.statistics.forecast import MONTHS_IN_YEAR, Forecast, year_end_forecast


def months_ended(ytd: Period) -> int:
    """How many months of its financial year a year to date covers (April: 1, March: 12)."""
    return (ytd.end.month - 4) % MONTHS_IN_YEAR + 1


def first_month(ytd: Period) -> Period:
    """The year to date of the same financial year's first month (April)."""
    return year_to_date_period(ytd.start)


def year_end(ytd: Period) -> Period:
    return year_to_date_period(add_months(ytd.start, MONTHS_IN_YEAR - 1))


@dataclass(frozen=True)
class TargetForecast:
    forecast: Forecast
    rag: str  # the target's RAG of the forecast value: green, amber, red or not_rated
    year_label: str  # "2025-26"

    @property
    def rag_label(self) -> str:
        return RAG_LABELS[self.rag]

    @property
    def rag_class(self) -> str:
        return RAG_TAG_CLASSES[self.rag]

    @property
    def sentence(self) -> str:
        """``Forecast for 2025-26: 85.0% (95% interval 82.9% to 86.9%), Red.``"""
        return f"Forecast for {self.year_label}: {self.forecast.text}, {self.rag_label}."

    def frozen(self) -> dict:
        """Plain data, as a review pack keeps it."""
        f = self.forecast
        return {
            "value": f"{f.value:.1f}",
            "low": f"{f.low:.1f}",
            "high": f"{f.high:.1f}",
            "text": f.text,
            "basis": f.basis,
            "rag": self.rag,
            "rag_label": self.rag_label,
            "rag_class": self.rag_class,
            "year_label": self.year_label,
            "sentence": self.sentence,
        }


def rated_forecast(
    forecast: Forecast | None, *, measure_code: str, version: TargetVersion | None, year_label: str
) -> TargetForecast | None:
    """The forecast with its RAG against ``version`` (not rated when the year's projected episodes are
    fewer than the target's minimum, or when there is no target)."""
    if forecast is None:
        return None
    if version is None or version.target_value is None or version.tolerance is None:
        return TargetForecast(forecast, "not_rated", year_label)
    rating, _ = rag(
        forecast.value,
        target=version.target_value,
        tolerance=version.tolerance,
        direction=MEASURES[measure_code].direction,
        denominator=forecast.year_end_episodes,
        min_denominator=version.min_denominator or 0,
        has_data=True,
    )
    return TargetForecast(forecast, rating, year_label)


def forecast_from(ytd: ComplianceResult, first: ComplianceResult | None) -> Forecast | None:
    """The year-end forecast from a stored year to date and the stored year to date of its first month."""
    period = Period(ytd.period_start, ytd.period_end, "ytd", ytd.period)
    ended = months_ended(period)
    if ended == MONTHS_IN_YEAR and not ytd.pending:
        return None  # the year is over and every episode judged: its result is no forecast
    return year_end_forecast(
        met=ytd.numerator,
        judged=ytd.denominator,
        pending=ytd.pending,
        cohort_after_first_month=(first.denominator + first.pending) if first else None,
        months_ended=ended,
    )


def target_forecast(
    ytd: ComplianceResult, first: ComplianceResult | None, target: Target
) -> TargetForecast | None:
    """A target's forecast from its stored year to date and that year's first month's, rated against
    the target version in force at the year's end (else the one the year to date was judged against)."""
    period = Period(ytd.period_start, ytd.period_end, "ytd", ytd.period)
    version = target_version_in_force(target, year_end(period).end) or ytd.target_version
    return rated_forecast(
        forecast_from(ytd, first), measure_code=target.measure, version=version, year_label=ytd.period[:7]
    )


def portfolio_forecast(
    ytds: list[ComplianceResult],
    firsts: list[ComplianceResult],
    *,
    measure_code: str,
    version: TargetVersion | None,
) -> TargetForecast | None:
    """The forecast of a portfolio rate: the contracts' years to date added up (and their first
    months'), rated against ``version`` when every contract has the same target (else not rated)."""
    if not ytds:
        return None
    head = ytds[0]
    period = Period(head.period_start, head.period_end, "ytd", head.period)
    ended = months_ended(period)
    pending = sum(r.pending for r in ytds)
    if ended == MONTHS_IN_YEAR and not pending:
        return None
    forecast = year_end_forecast(
        met=sum(r.numerator for r in ytds),
        judged=sum(r.denominator for r in ytds),
        pending=pending,
        cohort_after_first_month=sum(r.denominator + r.pending for r in firsts) if firsts else None,
        months_ended=ended,
    )
    return rated_forecast(forecast, measure_code=measure_code, version=version, year_label=head.period[:7])
