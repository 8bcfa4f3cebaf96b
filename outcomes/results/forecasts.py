"""Year-end forecasts from stored results: each target's year to date (and the year's first month,
for how fast its cohort grows) read as stored, forecast by the one method
(``outcomes.statistics.forecast``) and rated against the target as a forecast.

Every page and pack that shows a forecast reads it from here: the scorecard, the review pack (frozen
with its figures) and the scrutiny report (the forecast of each measure's portfolio rate).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from commissioning.models import Target, TargetVersion
from commissioning.selectors import target_version_in_force
from outcomes.measures import MEASURES
from outcomes.measures.rating import rag
from outcomes.models import ComplianceResult
from outcomes.periods import Period, add_months, months_between, next_month, parse_period, year_to_date_period
from outcomes.results.labels import RAG_LABELS, RAG_TAG_CLASSES
from outcomes.statistics.forecast import MONTHS_IN_YEAR, Forecast, episodes_to_come, year_end_forecast


def months_ended(ytd: Period) -> int:
    """How many months of its financial year a year to date covers (April: 1, March: 12)."""
    return len(months_between(ytd.start, ytd.end))


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


@dataclass(frozen=True)
class _Year:
    """What a stored year to date says about its year: months with a return, months still to come,
    the cohort now and after the first month (None when that month has no figure), what is pending."""

    covered: int
    to_come_months: int
    cohort: int
    cohort_first: int | None

    @property
    def to_come(self) -> int:
        return episodes_to_come(
            cohort=self.cohort,
            cohort_after_first_month=self.cohort_first,
            months_covered=self.covered,
            months_to_come=self.to_come_months,
        )


def _year(ytd: ComplianceResult, first: ComplianceResult | None, contract_end: date | None) -> _Year:
    period = parse_period(ytd.period)
    ended = months_ended(period)
    missing, outside = len(ytd.missing_months), len(ytd.outside_term_months)
    later = months_between(next_month(period.end), year_end(period).end)
    running = [month for month in later if contract_end is None or month <= contract_end]
    april = f"{period.start:%Y-%m}"
    first_known = (
        first is not None and april not in ytd.missing_months and april not in ytd.outside_term_months
    )
    return _Year(
        covered=ended - missing - outside,
        to_come_months=len(running) + missing,
        cohort=ytd.denominator + ytd.pending,
        cohort_first=(first.denominator + first.pending) if first is not None and first_known else None,
    )


def forecast_from(
    ytd: ComplianceResult, first: ComplianceResult | None, contract_end: date | None
) -> Forecast | None:
    """The year-end forecast from a stored year to date and the stored year to date of its first
    month; None once the year is over with nothing pending or owed (its result is no forecast)."""
    year = _year(ytd, first, contract_end)
    if not year.to_come_months and not ytd.pending:
        return None
    return year_end_forecast(
        met=ytd.numerator,
        judged=ytd.denominator,
        pending=ytd.pending,
        to_come=year.to_come,
        months_covered=year.covered,
    )


def target_forecast(
    ytd: ComplianceResult, first: ComplianceResult | None, target: Target
) -> TargetForecast | None:
    """A target's forecast from its stored year to date and that year's first month's, rated against
    the target version in force at the year's end (else the one the year to date was judged against)."""
    version = target_version_in_force(target, year_end(parse_period(ytd.period)).end) or ytd.target_version
    return rated_forecast(
        forecast_from(ytd, first, target.contract.end_date),
        measure_code=target.measure,
        version=version,
        year_label=ytd.period[:7],
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
    by_contract = {r.contract_id: r for r in firsts}
    years = [_year(r, by_contract.get(r.contract_id), r.contract.end_date) for r in ytds]
    pending = sum(r.pending for r in ytds)
    if not any(year.to_come_months for year in years) and not pending:
        return None
    forecast = year_end_forecast(
        met=sum(r.numerator for r in ytds),
        judged=sum(r.denominator for r in ytds),
        pending=pending,
        to_come=sum(year.to_come for year in years),
        months_covered=max(year.covered for year in years),
    )
    return rated_forecast(forecast, measure_code=measure_code, version=version, year_label=ytds[0].period[:7])
