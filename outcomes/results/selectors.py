"""Reads about compliance results, scoped to what the acting organisation may see.

Results follow the visibility of monthly returns: the contract's prime provider and its
commissioners (lead and partners) see them; subcontractors and every other provider get 404.
Pages read only stored results (``is_latest``); nothing here computes a figure again. What is
behind a result (its episodes and monthly figures) is ``outcomes.results.episodes``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import Acting
from commissioning.models import Contract, Target, TargetVersion
from commissioning.selectors import contract_returns_visible_to, target_version_in_force
from outcomes.measures import MEASURES, target_measure_name
from outcomes.measures.library import Direction, Measure
from outcomes.measures.rating import plain_number
from outcomes.models import ComplianceResult, RecomputeRun, ResultOverride
from outcomes.periods import (
    Period,
    add_months,
    day_label,
    financial_year_start,
    months_between,
    parse_period,
    quarter_period,
    year_to_date_period,
    year_to_date_shown,
)
from outcomes.results.calculators import data_window
from outcomes.results.compute import contract_periods, previous_period
from outcomes.results.forecasts import TargetForecast, first_month, target_forecast
from outcomes.results.labels import DIRECTION_LABELS, NOT_RATED_LABELS, RAG_LABELS, RAG_TAG_CLASSES
from outcomes.results.overrides import override_in_force, overrides_in_force
from outcomes.statistics.significance import NOT_COMPARED, Change, rate_change

# --- One figure, one source ---------------------------------------------------------------------


def results_shown(**filters) -> QuerySet[ComplianceResult]:
    """The stored results every page, pack, export and API answer shows: the latest figure of each
    target and period (earlier figures are history), narrowed by ``filters``. The RAG shown is the
    override in force (``outcomes.results.overrides``), else the computed one."""
    return ComplianceResult.objects.filter(is_latest=True, **filters)


def changes_since_before(results: list[ComplianceResult]) -> dict[int, Change]:
    """Whether each stored result changed significantly (95%) from the stored result of the same
    target for the period before it (the one the direction of travel compares with), by result id.

    Both must be rated (neither low numbers nor no data), as for the direction of travel; otherwise
    the change is not compared. Two queries (the periods before, the targets' measures) for them all."""
    if not results:
        return {}
    wanted = {r.pk: (r.target_id, previous_period(parse_period(r.period)).identifier) for r in results}
    before = {
        (row.target_id, row.period): row
        for row in results_shown(
            target_id__in={target for target, _ in wanted.values()},
            period__in={period for _, period in wanted.values()},
        ).only("target_id", "period", "numerator", "denominator", "not_rated_reason")
    }
    measures = dict(Target.objects.filter(pk__in={r.target_id for r in results}).values_list("pk", "measure"))
    changes: dict[int, Change] = {}
    for result in results:
        earlier = before.get(wanted[result.pk])
        if earlier is None or result.not_rated_reason or earlier.not_rated_reason:
            changes[result.pk] = Change(NOT_COMPARED)
            continue
        changes[result.pk] = rate_change(
            (result.numerator, result.denominator),
            (earlier.numerator, earlier.denominator),
            higher_is_better=MEASURES[measures[result.target_id]].direction == Direction.HIGHER,
        )
    return changes


# --- Access ------------------------------------------------------------------------------------


def result_contracts_for(acting: Acting) -> QuerySet[Contract]:
    """Contracts whose results the acting organisation may see (as for their returns)."""
    return contract_returns_visible_to(acting)


def result_contract_get_for(acting: Acting, contract_id: int) -> Contract:
    """One contract whose results the acting organisation may see; 404 otherwise."""
    return get_object_or_404(
        result_contracts_for(acting).select_related("provider", "lead_commissioner"), pk=contract_id
    )


def result_get_for(acting: Acting, result_id: int) -> ComplianceResult:
    """One stored result (latest or earlier) of a contract the acting organisation may see; 404 otherwise."""
    return get_object_or_404(
        ComplianceResult.objects.select_related(
            "contract__provider", "contract__lead_commissioner", "target", "target_version"
        ).filter(contract__in=result_contracts_for(acting)),
        pk=result_id,
    )


# --- Wording -----------------------------------------------------------------------------------


def figures_text(result: ComplianceResult) -> str:
    """``85.0% (551/648)``: value, numerator and denominator together, always."""
    value = "—" if result.value is None else f"{result.value:.1f}%"
    return f"{value} ({result.numerator}/{result.denominator})"


def target_text(version: TargetVersion | None, measure: Measure) -> str:
    """``66% or more`` (higher is better) or ``5% or less`` (lower is better)."""
    if version is None or version.target_value is None:
        return "—"
    more = "or more" if measure.direction == Direction.HIGHER else "or less"
    return f"{plain_number(version.target_value)}% {more}"


def gap_text(result: ComplianceResult | None, measure: Measure) -> str:
    """The gap to target in percentage points: ``0.3 pp short``, ``1.2 pp better`` or ``on target``."""
    if result is None or result.value is None or result.not_rated_reason:
        return "—"
    target_value = result.target_version.target_value
    if target_value is None:
        return "—"
    gap = result.value - target_value
    if measure.direction == Direction.LOWER:
        gap = -gap
    gap = gap.quantize(Decimal("0.1"))
    if gap == 0:
        return "On target"
    return f"{abs(gap)} pp better" if gap > 0 else f"{abs(gap)} pp short"


def not_rated_text(result: ComplianceResult) -> str:
    """Why a result is not rated, in words ("" when it is rated)."""
    if result.not_rated_reason == "low_numbers":
        minimum = result.target_version.min_denominator
        return (
            f"Not rated: low numbers. {result.denominator} counted, fewer than the minimum of {minimum} "
            "this target needs before it is rated."
        )
    if result.not_rated_reason == "no_data":
        return "Not rated: no data. No accepted monthly return covers the months this result reads."
    return ""


def month_label(text: str) -> str:
    """``2025-05`` → ``May 2025``."""
    return f"{parse_period(text).start:%B %Y}"


def months_text(months: list[str]) -> str:
    """Months as runs: ``Jul 2024–Mar 2025``, ``May 2025`` or ``Apr 2025, Jun–Aug 2025``."""
    starts = sorted(parse_period(text).start for text in months)
    runs: list[list[date]] = []
    for month in starts:
        if runs and add_months(runs[-1][-1], 1) == month:
            runs[-1].append(month)
        else:
            runs.append([month])

    def run_text(run: list[date]) -> str:
        first, last = run[0], run[-1]
        if first == last:
            return f"{first:%b %Y}"
        return f"{first:%b}–{last:%b %Y}" if first.year == last.year else f"{first:%b %Y}–{last:%b %Y}"

    return ", ".join(run_text(run) for run in runs)


def coverage_texts(result: ComplianceResult) -> list[str]:
    """Why a result's data window is incomplete, in words: the months outside the contract's term
    named apart from the months whose return is owed and missing ([] when it is complete)."""
    contract = result.contract
    texts = []
    outside = result.outside_term_months
    if outside:
        before = [m for m in outside if parse_period(m).start < contract.start_date]
        after = [m for m in outside if m not in before]
        measure = result.target.measure
        start, end = data_window(
            parse_period(result.period), measure, MEASURES[measure].clean_params(result.target.params)
        )
        window = [f"{m:%Y-%m}" for m in months_between(start, end) if f"{m:%Y-%m}" not in outside]
        covered = f"covers {months_text(window)} only" if window else "covers no month of the contract"
        if before:
            texts.append(
                f"Incomplete: {covered}. The contract started on {day_label(contract.start_date)}, "
                f"so no return is owed for {months_text(before)}."
            )
        if after:
            texts.append(
                f"Incomplete: {covered}. The contract ended on {day_label(contract.end_date)}, "
                f"so no return is owed for {months_text(after)}."
            )
    if result.missing_months:
        texts.append(f"Incomplete: no accepted return for {months_text(result.missing_months)}.")
    return texts


# --- One figure, one source ---------------------------------------------------------------------


def stored_results(contract: Contract, period: str) -> list[tuple[ComplianceResult, ResultOverride | None]]:
    """The results stored now for a contract and period, each with its override in force: what every
    page, pack, export and API answer shows (by target, as computed)."""
    results = list(
        results_shown(contract=contract, period=period)
        .select_related("target", "target_version", "contract")
        .order_by("target_id")
    )
    overrides = overrides_in_force([r.target_id for r in results], [period])
    return [(result, overrides.get((result.target_id, period))) for result in results]


# --- Scorecard ---------------------------------------------------------------------------------


@dataclass
class Cell:
    """One stored result as a scorecard cell, with its override in force."""

    result: ComplianceResult
    override: ResultOverride | None = None

    @property
    def figures(self) -> str:
        return figures_text(self.result)

    @property
    def rag(self) -> str:
        """The RAG shown: the override's when one is in force, else the computed one."""
        return self.override.rag if self.override else self.result.rag

    @property
    def rag_label(self) -> str:
        return RAG_LABELS.get(self.rag, self.rag)

    @property
    def rag_class(self) -> str:
        return RAG_TAG_CLASSES.get(self.rag, "govuk-tag--grey")

    @property
    def badges(self) -> list[str]:
        override, result = self.override, self.result
        return result_marks(
            result,
            f"overridden: {RAG_LABELS[override.rag]} (computed {RAG_LABELS.get(result.rag, result.rag)})"
            if override
            else "",
        )


class Marked(Protocol):
    """What ``result_marks`` reads of a result (a model instance, or a page's row of its values)."""

    @property
    def not_rated_reason(self) -> str | None: ...
    @property
    def incomplete(self) -> bool: ...
    @property
    def restated(self) -> bool: ...
    @property
    def pending(self) -> int: ...


def result_marks(result: Marked, overridden: str) -> list[str]:
    """The words a reader must know about a shown figure, in this order: why it is not rated, that
    it is incomplete, restated, overridden (``overridden``, the page's words for it, empty when no
    override is in force) and how many of its episodes are pending."""
    marks = []
    if result.not_rated_reason in NOT_RATED_LABELS:
        marks.append(NOT_RATED_LABELS[result.not_rated_reason])
    if result.incomplete:
        marks.append("incomplete")
    if result.restated:
        marks.append("restated")
    if overridden:
        marks.append(overridden)
    if result.pending:
        marks.append(f"{result.pending} pending")
    return marks


@dataclass
class ScorecardRow:
    target: Target
    measure: Measure
    params_text: str
    name: str  # the measure with its parameters in words (``target_measure_name``)
    quarters: list[Cell | None]
    ytd: Cell | None
    target_text: str
    gap_text: str
    direction: str
    change: Change | None = None  # the latest quarter's, against the quarter before (95%)
    forecast: TargetForecast | None = None  # the year's, from the year to date shown


@dataclass
class Scorecard:
    year: int
    quarters: list[Period]
    rows: list[ScorecardRow]
    latest_quarter: Period | None  # the latest ended quarter of the year with results
    ytd_period: Period | None  # the year to date shown: to the latest ended month, never beyond
    running: Period | None = None  # the quarter still running, if in the year: shown "so far"
    summary: Counter = field(default_factory=Counter)

    @property
    def label(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}"

    @property
    def summary_items(self) -> list[tuple[str, int]]:
        return [(RAG_LABELS[key], self.summary[key]) for key in RAG_LABELS if self.summary[key]]

    @property
    def has_forecasts(self) -> bool:
        """Whether any target has a year-end forecast (the year is still running, or has episodes pending)."""
        return any(row.forecast for row in self.rows)


def year_quarters(year: int) -> list[Period]:
    """Q1–Q4 of the financial year beginning in April of ``year``."""
    return [quarter_period(date(year + (month < 4), month, 1)) for month in (4, 7, 10, 1)]


def year_to_date_ends(year: int) -> list[Period]:
    """The year to date at each quarter end: YTD-06, -09, -12 and -03."""
    return [year_to_date_period(date(year + (month < 4), month, 1)) for month in (6, 9, 12, 3)]


def result_years(contract: Contract) -> list[int]:
    """Financial years (by starting calendar year) in which the contract has stored results."""
    starts = (
        results_shown(contract=contract, period_kind__in=["quarter", "ytd"])
        .values_list("period_start", flat=True)
        .distinct()
    )
    return sorted({financial_year_start(day) for day in starts})


def year_choices(contract: Contract, today: date | None = None) -> list[int]:
    """Years one may pick: the contract's years begun by today, and any year with results, newest first."""
    today = today or timezone.localdate()
    first = financial_year_start(contract.start_date)
    last = min(financial_year_start(contract.end_date), financial_year_start(today))
    return sorted(set(range(first, last + 1)) | set(result_years(contract)), reverse=True)


def default_year(contract: Contract, today: date | None = None) -> int:
    """The latest financial year with results; else the current one (within the contract's term)."""
    years = result_years(contract)
    if years:
        return years[-1]
    choices = year_choices(contract, today)
    return choices[0] if choices else financial_year_start(contract.start_date)


def scorecard(contract: Contract, year: int, today: date | None = None) -> Scorecard:
    """The contract's targets in force in the year, with each quarter's and the year to date's stored results.

    The year to date runs to the latest ended month (``year_to_date_shown``); the summary and the
    direction of travel are of the latest ended quarter with results; a quarter still running is
    marked "so far".
    """
    today = today or timezone.localdate()
    quarters = year_quarters(year)
    ytd_period = year_to_date_shown(year, today)
    year_start, year_end = quarters[0].start, quarters[-1].end
    results = list(
        results_shown(
            contract=contract,
            period_start__gte=year_start,
            period_end__lte=year_end,
            period_kind__in=["quarter", "ytd"],
        ).select_related("target_version")
    )
    by_key = {(r.target_id, r.period): r for r in results}
    targets = [
        t
        for t in contract.targets.prefetch_related("versions").order_by("measure", "id")
        if any(r.target_id == t.pk for r in results)
        or any(target_version_in_force(t, q.end) for q in quarters)
        or target_version_in_force(t, min(year_end, timezone.localdate())) is not None
    ]
    overrides = overrides_in_force([t.pk for t in targets], [r.period for r in results])
    quarter_ids = [q.identifier for q in quarters]
    with_results = [q for q in quarters if q.end < today and any(r.period == q.identifier for r in results)]
    latest_quarter = with_results[-1] if with_results else None
    running = next((q for q in quarters if q.start <= today <= q.end), None)

    def cell(result: ComplianceResult | None) -> Cell | None:
        if result is None:
            return None
        return Cell(result, overrides.get((result.target_id, result.period)))

    first_id = first_month(ytd_period).identifier if ytd_period else ""
    latest_results = [r for r in results if latest_quarter and r.period == latest_quarter.identifier]
    changes = changes_since_before(latest_results)
    rows: list[ScorecardRow] = []
    summary: Counter[str] = Counter()
    for t in targets:
        measure = MEASURES[t.measure]
        ytd = by_key.get((t.pk, ytd_period.identifier)) if ytd_period else None
        quarter_cells = [cell(by_key.get((t.pk, identifier))) for identifier in quarter_ids]
        latest = by_key.get((t.pk, latest_quarter.identifier)) if latest_quarter else None
        latest_cell = cell(latest)  # None when there is no latest result
        if latest_cell is not None:
            summary[latest_cell.rag] += 1
        version = (
            ytd.target_version
            if ytd
            else (
                latest.target_version
                if latest
                else target_version_in_force(t, min(year_end, timezone.localdate()))
            )
        )
        rows.append(
            ScorecardRow(
                target=t,
                measure=measure,
                params_text=measure.describe_params(t.params) if measure.parameters else "",
                name=target_measure_name(measure, t.params),
                quarters=quarter_cells,
                ytd=cell(ytd),
                target_text=target_text(version, measure),
                gap_text=gap_text(ytd, measure),
                direction=DIRECTION_LABELS.get(latest.direction, "—") if latest else "—",
                change=changes.get(latest.pk) if latest else None,
                forecast=target_forecast(ytd, by_key.get((t.pk, first_id)), t) if ytd else None,
            )
        )
    return Scorecard(
        year=year,
        quarters=quarters,
        rows=rows,
        latest_quarter=latest_quarter,
        ytd_period=ytd_period,
        running=running,
        summary=summary,
    )


def recompute_periods(contract: Contract, year: int, today: date | None = None) -> list[Period]:
    """The kept periods (``contract_periods``) that end in the financial year: what "Recompute now" computes."""
    return [p for p in contract_periods(contract, today) if financial_year_start(p.end) == year]


RUN_SHOWN_FOR = timedelta(minutes=30)


def recompute_run_recent(contract: Contract) -> RecomputeRun | None:
    """The contract's latest "Recompute now", if it is under way or finished in the last half hour."""
    run = RecomputeRun.objects.filter(contract=contract).order_by("-requested_at", "-id").first()
    if run is None:
        return None
    if run.active or (run.finished_at and run.finished_at >= timezone.now() - RUN_SHOWN_FOR):
        return run
    return None


# --- A result ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Before:
    """The period before a result's (the one its direction of travel and significance compare with),
    and the result shown for it (None when none is stored)."""

    period: str
    label: str
    cell: Cell | None


def result_before(result: ComplianceResult) -> Before:
    """The period before the result's, as ``changes_since_before`` reads it, with its stored figure
    and the RAG in force."""
    period = previous_period(parse_period(result.period))
    label = month_label(period.identifier) if period.kind == "month" else period.identifier
    earlier = results_shown(target_id=result.target_id, period=period.identifier).first()
    if earlier is None:
        return Before(period.identifier, label, None)
    return Before(
        period.identifier, label, Cell(earlier, override_in_force(result.target_id, period.identifier))
    )


def result_history(result: ComplianceResult) -> list[ComplianceResult]:
    """Every stored figure for the result's target and period, newest first."""
    return list(
        ComplianceResult.objects.filter(target_id=result.target_id, period=result.period)
        .select_related("target_version")
        .order_by("-computed_at", "-id")
    )


def result_overrides(result: ComplianceResult) -> tuple[ResultOverride | None, list[ResultOverride]]:
    """The override in force and every override (and withdrawal) of the target and period, newest first."""
    history = list(
        ResultOverride.objects.filter(target_id=result.target_id, period=result.period).order_by(
            "-created_at", "-id"
        )
    )
    return override_in_force(result.target_id, result.period), history


@dataclass(frozen=True)
class SourceRow:
    month: str
    label: str
    attempt_id: int | None
    version: int | None


def result_sources(result: ComplianceResult) -> list[SourceRow]:
    """The return versions the result read, by month."""
    return [
        SourceRow(month, month_label(month), source.get("attempt"), source.get("version"))
        for month, source in sorted(result.sources.items())
    ]
