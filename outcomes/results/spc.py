"""SPC of a target's stored monthly values (spec/spc.md): the series every page and pack judges, read
from the stored results only (nothing is computed again), and its analysis by
``outcomes.statistics.spc``.

The series is the target's latest monthly results in month order, up to a month when one is given (a
page about a past period judges the months up to its end). A month whose result has no value, or is
not rated (low numbers, no data), is left out; the page says which. The limits come from every value,
or from the first B when a commissioner has fixed a baseline (``outcomes.results.baselines``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from outcomes.measures import MEASURES, Direction
from outcomes.models import SpcBaseline
from outcomes.results.baselines import baselines_in_force
from outcomes.results.selectors import results_shown
from outcomes.statistics.spc import MINIMUM_POINTS, Analysis, NotEnoughPoints, fixed, spc_analyse

LINES = ("mean", "lower", "upper", "near_lower", "near_upper")


@dataclass(frozen=True)
class SeriesPoint:
    month: date
    value: Decimal
    result_id: int
    target_value: Decimal | None  # the target of the version in force that month


@dataclass
class TargetSpc:
    """One target's monthly series and, from 12 values on, its SPC analysis."""

    target_id: int
    higher_is_better: bool
    points: list[SeriesPoint] = field(default_factory=list)
    left_out: list[date] = field(default_factory=list)  # months stored without a value
    analysis: Analysis | None = None
    baseline: SpcBaseline | None = None  # the fixed baseline in force, if any

    @property
    def baseline_short(self) -> bool:
        """A fixed baseline longer than the values there are (a page about an earlier month, or months
        that lost their value since): the limits then come from every value."""
        return bool(self.baseline and self.baseline.points and self.baseline.points > self.count)

    @property
    def count(self) -> int:
        return len(self.points)

    @property
    def as_at(self) -> date | None:
        """The month of the latest value: the icons describe the service as it stood then."""
        return self.points[-1].month if self.points else None

    @property
    def target_value(self) -> Decimal | None:
        return self.points[-1].target_value if self.points else None

    @property
    def not_enough(self) -> str:
        return f"Not enough months for SPC: {self.count} of {MINIMUM_POINTS}"

    def frozen(self) -> dict:
        """The SPC as plain JSON-ready data: what the trend page, the scorecard and a review pack (which
        keeps it with its frozen figures) show, and all their charts and tables are drawn from."""
        data: dict = {
            "count": self.count,
            "not_enough": "" if self.analysis else self.not_enough,
            "left_out": [f"{month:%Y-%m}" for month in self.left_out],
            "as_at": f"{self.as_at:%Y-%m}" if self.as_at else None,
            "as_at_label": f"{self.as_at:%B %Y}" if self.as_at else "",
        }
        analysis = self.analysis
        if analysis is None:
            return data
        limits, baseline = analysis.limits, self.baseline
        return {
            **data,
            **{name: fixed(getattr(limits, name)) for name in LINES},
            "mr_bar": fixed(limits.mr_bar),
            "ranges": limits.ranges,
            "screened": limits.screened,
            "baseline": limits.baseline,
            "fixed": analysis.fixed_baseline,
            "baseline_short": self.baseline_short,
            "baseline_points": baseline.points if baseline else None,
            "baseline_by": baseline.created_by_label if baseline else "",
            "baseline_on": f"{baseline.created_at:%Y-%m-%d}" if baseline else "",
            "baseline_reason": baseline.reason if baseline else "",
            "variation": analysis.variation.value,
            "variation_label": analysis.variation.label,
            "variation_reason": analysis.variation_reason,
            "assurance": analysis.assurance.value if analysis.assurance else None,
            "assurance_label": analysis.assurance.label if analysis.assurance else "No assurance",
            "assurance_reason": analysis.assurance_reason,
            "points": [
                {
                    "month": f"{point.month:%Y-%m}",
                    "value": f"{point.value:.1f}",
                    "type": judged.type.value,
                    "rules": sorted(judged.rules),
                    "target": None if point.target_value is None else f"{point.target_value.normalize():f}",
                    "result_id": point.result_id,
                }
                for point, judged in zip(self.points, analysis.points, strict=True)
            ],
        }


def _analysed(spc: TargetSpc) -> TargetSpc:
    try:
        spc.analysis = spc_analyse(
            [(f"{point.month:%Y-%m}", point.value) for point in spc.points],
            higher_is_better=spc.higher_is_better,
            target=spc.target_value,
            baseline=spc.baseline.points if spc.baseline and not spc.baseline_short else None,
        )
    except NotEnoughPoints:
        spc.analysis = None
    return spc


def targets_spc(targets: Iterable, *, until: date | None = None) -> dict[int, TargetSpc]:
    """Each target's SPC from its stored monthly values (up to the month that starts ``until``, when
    given), by target id; one query for them all."""
    targets = list(targets)
    found = {
        target.pk: TargetSpc(target.pk, MEASURES[target.measure].direction == Direction.HIGHER)
        for target in targets
    }
    for target_id, baseline in baselines_in_force(found).items():
        found[target_id].baseline = baseline
    rows = results_shown(target_id__in=list(found), period_kind="month")
    if until is not None:
        rows = rows.filter(period_start__lte=until)
    by_target: dict[int, list[tuple]] = defaultdict(list)
    for row in rows.order_by("target_id", "period_start").values_list(
        "target_id", "period_start", "value", "not_rated_reason", "id", "target_version__target_value"
    ):
        by_target[row[0]].append(row)
    for target_id, spc in found.items():
        for _, month, value, not_rated, result_id, target_value in by_target[target_id]:
            if value is None or not_rated is not None:
                spc.left_out.append(month)
            else:
                spc.points.append(SeriesPoint(month, value, result_id, target_value))
        _analysed(spc)
    return found


def target_spc(target, *, until: date | None = None) -> TargetSpc:
    """One target's SPC (see ``targets_spc``)."""
    return targets_spc([target], until=until)[target.pk]
