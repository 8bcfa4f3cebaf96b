"""A target's trend: its stored monthly and quarterly results over 24 months, with the target and
its RAG bands as they stood each month (stored results only; nothing is computed again).

The window is the 24 months up to the latest month that has a stored monthly or quarterly figure
for the target (up to the last month that has ended, when there is none yet). A quarter still
running is shown "so far", as on the scorecard: its figure is not final.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from commissioning.models import Contract, Target, TargetVersion
from commissioning.selectors import version_in_force
from outcomes.measures import MEASURES, Direction, Measure
from outcomes.models import ComplianceResult
from outcomes.periods import add_months, month_end
from outcomes.results.overrides import overrides_in_force
from outcomes.results.selectors import (
    DIRECTION_LABELS,
    Cell,
    changes_since_before,
    month_label,
    results_shown,
    target_text,
)
from outcomes.statistics.significance import Change

WINDOW_MONTHS = 24


@dataclass(frozen=True)
class Band:
    """The target and tolerance in force over consecutive months of the window (indexes, inclusive)."""

    first: int
    last: int
    target: Decimal
    tolerance: Decimal

    @property
    def target_text(self) -> str:
        return f"{float(self.target):g}"

    @property
    def tolerance_text(self) -> str:
        return f"{float(self.tolerance):g}"


@dataclass
class TrendRow:
    cell: Cell
    label: str
    kind_label: str
    target_text: str
    direction: str
    change: Change | None = None  # against the period before, at 95%
    running: bool = False  # a quarter still running: its figure so far

    @property
    def result(self) -> ComplianceResult:
        return self.cell.result


@dataclass
class Trend:
    contract: Contract
    target: Target
    measure: Measure
    months: list[date]
    monthly: list[TrendRow] = field(default_factory=list)
    quarterly: list[TrendRow] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)

    @property
    def higher(self) -> bool:
        return self.measure.direction == Direction.HIGHER

    @property
    def running(self) -> TrendRow | None:
        """The quarter still running, if one has a figure so far."""
        return next((row for row in self.quarterly if row.running), None)

    @property
    def rows(self) -> list[TrendRow]:
        """Every value, by period end; a month before the quarter that ends with it."""
        return sorted(
            [*self.monthly, *self.quarterly],
            key=lambda r: (r.result.period_end, r.result.period_kind != "month", r.result.period_start),
        )


def _bands(versions: list[TargetVersion], months: list[date]) -> list[Band]:
    bands: list[Band] = []
    for index, month in enumerate(months):
        version = version_in_force(versions, month_end(month))
        if version is None or version.target_value is None:
            continue
        tolerance = version.tolerance if version.tolerance is not None else Decimal("0.5")
        last = bands[-1] if bands else None
        if (
            last
            and last.last == index - 1
            and (last.target, last.tolerance) == (version.target_value, tolerance)
        ):
            bands[-1] = Band(last.first, index, last.target, tolerance)
        else:
            bands.append(Band(index, index, version.target_value, tolerance))
    return bands


def _quarter_label(result: ComplianceResult, running: bool) -> str:
    label = f"{result.period} ({result.period_start:%b}–{result.period_end:%b %Y})"
    return f"{label}, so far" if running else label


def trend_for(contract: Contract, target: Target, today: date | None = None) -> Trend:
    """The target's monthly and quarterly results over the last 24 months with a figure, and its bands."""
    today = today or timezone.localdate()
    results = results_shown(target=target, period_kind__in=["month", "quarter"]).select_related(
        "target_version"
    )
    latest = results.order_by("-period_end").values_list("period_end", flat=True).first()
    last_month = (latest or add_months(today.replace(day=1), -1)).replace(day=1)
    first_month = add_months(last_month, 1 - WINDOW_MONTHS)
    months = [add_months(first_month, i) for i in range(WINDOW_MONTHS)]
    shown = list(results.filter(period_start__gte=first_month, period_end__lte=month_end(last_month)))
    overrides = overrides_in_force([target.pk], [r.period for r in shown])
    measure = MEASURES[target.measure]
    versions = sorted(target.versions.all(), key=lambda v: (v.effective_from, v.recorded_at, v.id))
    trend = Trend(contract, target, measure, months, bands=_bands(versions, months))
    changes = changes_since_before(shown)
    for result in sorted(shown, key=lambda r: r.period_end):
        running = result.period_kind == "quarter" and result.period_end >= today
        row = TrendRow(
            cell=Cell(result, overrides.get((target.pk, result.period))),
            label=month_label(result.period)
            if result.period_kind == "month"
            else _quarter_label(result, running),
            kind_label="Month" if result.period_kind == "month" else "Quarter",
            target_text=target_text(result.target_version, measure),
            direction=DIRECTION_LABELS.get(result.direction, "—"),
            change=changes[result.pk],
            running=running,
        )
        (trend.monthly if result.period_kind == "month" else trend.quarterly).append(row)
    return trend
