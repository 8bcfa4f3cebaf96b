"""SPC of a target's stored monthly values (spec/spc.md): the series every page and pack judges, read
from the stored results only (nothing is computed again), and its analysis by
``outcomes.statistics.spc``.

The series is the target's latest monthly results in month order, up to a month when one is given (a
page about a past period judges the months up to its end). A month whose result has no value, or is
not rated (low numbers, no data), is left out; the page says which. The limits come from every value,
or from the first B when a commissioner has fixed a baseline (``outcomes.results.baselines``).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.db import connection

from accounts.id_lists import in_ids
from commissioning.models import Target, TargetVersion
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

    def frozen(self, *, points: bool = True) -> dict:
        """The SPC as plain JSON-ready data: what the trend page, the scorecard and a review pack (which
        keeps it with its frozen figures) show, and all their charts and tables are drawn from;
        without ``points`` (each value's type), the lines and the icons alone."""
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
        } | ({"points": self._points_frozen()} if points else {})

    def _points_frozen(self) -> list[dict]:
        analysis = self.analysis
        assert analysis is not None
        return [
            {
                "month": f"{point.month:%Y-%m}",
                "value": f"{point.value:.1f}",
                "type": judged.type.value,
                "rules": sorted(judged.rules),
                "target": None if point.target_value is None else f"{point.target_value.normalize():f}",
                "result_id": point.result_id,
            }
            for point, judged in zip(self.points, analysis.points, strict=True)
        ]


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


ICON_KEYS = (
    "count",
    "not_enough",
    "as_at",
    "as_at_label",
    "variation",
    "variation_label",
    "variation_reason",
    "assurance",
    "assurance_label",
    "assurance_reason",
)
# Each target's monthly values (its series) as a digest of what its SPC is worked out from, with the
# target in force at its latest month; then the series themselves, of the targets not kept. Both read
# the index results_months_by_contract alone (an index-only scan).
DIGESTS_SQL = """
SELECT r.target_id,
       md5(string_agg(r.period_start::text || '=' || r.value::text, ',' ORDER BY r.period_start)) AS digest,
       (array_agg(r.target_version_id ORDER BY r.period_start DESC))[1] AS version_id
FROM outcomes_complianceresult r
WHERE r.is_latest AND r.period_kind = 'month' AND r.contract_id = ANY(%s) AND r.period_start <= %s
  AND r.value IS NOT NULL AND r.not_rated_reason IS NULL
GROUP BY r.target_id
"""
SERIES_SQL = """
SELECT r.target_id, array_agg(r.period_start ORDER BY r.period_start), array_agg(r.value ORDER BY r.period_start)
FROM outcomes_complianceresult r
WHERE r.is_latest AND r.period_kind = 'month' AND r.contract_id = ANY(%s) AND r.period_start <= %s
  AND r.value IS NOT NULL AND r.not_rated_reason IS NULL AND r.target_id = ANY(%s)
GROUP BY r.target_id
"""
ICONS_VERSION = "spc-icons-1"  # part of every kept answer's key: a change of method starts afresh
ICONS_KEPT_SECONDS = 7 * 24 * 3600


def contracts_spc_icons(
    contract_ids: list[int], *, until: date, measures: dict[int, str] | None = None
) -> dict[int, dict]:
    """The two icons (and their words) of every target of the contracts with a stored monthly value,
    as at the month that starts ``until``: the icon fields of ``TargetSpc.frozen`` (the one method),
    by target id, for a page of many contracts (the portfolio matrix).

    Each target's answer is kept in the cache under a digest of exactly what it is worked out from
    (its months and values, its target, its baseline and which way is better), so a figure restated,
    a target changed or a baseline fixed is a new key: what is kept can never differ from working it
    out again. Only the targets whose answer is not kept have their series read and worked out.
    ``measures`` (target id: measure code) narrows the answer to those targets, when the caller has
    read them already; otherwise they are read here."""
    ids = list(contract_ids)
    if connection.vendor != "postgresql":  # the embedded database: a council's page, worked out directly
        targets = Target.objects.filter(contract_id__in=ids).only("pk", "measure")
        return {
            target_id: {name: frozen.get(name) for name in ICON_KEYS}
            for target_id, spc in targets_spc(targets, until=until).items()
            if spc.points and (frozen := spc.frozen(points=False))
        }
    with connection.cursor() as cursor:
        cursor.execute(DIGESTS_SQL, [ids, until])
        digests = cursor.fetchall()
    if measures is None:
        measures = dict(Target.objects.filter(contract_id__in=ids).values_list("pk", "measure"))
    digests = [row for row in digests if row[0] in measures]
    target_values = dict(
        TargetVersion.objects.filter(in_ids("id", {version_id for _, _, version_id in digests})).values_list(
            "pk", "target_value"
        )
    )
    rows = [
        (target_id, measures[target_id], digest, target_values[version_id])
        for target_id, digest, version_id in digests
    ]
    baselines = baselines_in_force(row[0] for row in rows)
    keys: dict[int, str] = {}
    for target_id, measure, series, target_value in rows:
        baseline = baselines.get(target_id)
        plain = f"{ICONS_VERSION}|{MEASURES[measure].direction.value}|{target_value}|{baseline and baseline.pk}|{series}"
        keys[target_id] = "spc-icons:" + hashlib.sha256(plain.encode()).hexdigest()
    kept = cache.get_many(list(keys.values()))
    found = {target_id: kept[key] for target_id, key in keys.items() if key in kept}
    unknown = [row for row in rows if row[0] not in found]
    if not unknown:
        return found
    with connection.cursor() as cursor:
        cursor.execute(SERIES_SQL, [ids, until, [row[0] for row in unknown]])
        series_of = {target_id: (months, values) for target_id, months, values in cursor.fetchall()}
    missing: dict[str, dict] = {}
    for target_id, measure, _, target_value in unknown:
        months, values = series_of[target_id]
        spc = TargetSpc(
            target_id, MEASURES[measure].direction == Direction.HIGHER, baseline=baselines.get(target_id)
        )
        spc.points = [
            SeriesPoint(month, value, 0, target_value if index == len(months) - 1 else None)
            for index, (month, value) in enumerate(zip(months, values, strict=True))
        ]
        frozen = _analysed(spc).frozen(points=False)
        found[target_id] = missing[keys[target_id]] = {name: frozen.get(name) for name in ICON_KEYS}
    cache.set_many(missing, timeout=ICONS_KEPT_SECONDS)
    return found
