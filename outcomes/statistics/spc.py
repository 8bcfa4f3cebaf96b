"""Statistical process control the "Making Data Count" way: an XmR (individuals) chart's limits, the four
rules that mark special cause variation, and the variation and assurance icons, exactly as
``spec/spc.md`` defines them.

Every figure is an exact fraction until it is shown: nothing is rounded before a rule is applied, so a
point equal to the mean, or a moving range equal to the screening threshold, is judged as the spec says
rather than as floating point happens to round it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from math import lcm

from outcomes.measures.rating import round_half_up

MINIMUM_POINTS = 12  # fewer points than this: no SPC
SCREEN = Fraction("3.267")  # a moving range at least this many times the average is screened out
LIMIT = Fraction("2.66")  # process limits: the mean ± 2.66 × the average moving range
NEAR = Fraction(2, 3) * LIMIT  # near limits ("two sigma")
RUN = 7  # the length of a shift or a trend

OUTSIDE, SHIFT, TREND, NEAR_LIMIT = 1, 2, 3, 4  # the spec's rule numbers

RULE_NAMES = {
    OUTSIDE: "outside the process limits",
    SHIFT: "a shift: seven or more in a row on one side of the mean",
    TREND: "a trend: seven or more in a row each rising, or each falling",
    NEAR_LIMIT: "two of three close to a process limit",
}

WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]


class PointType(StrEnum):
    COMMON_CAUSE = "common_cause"
    IMPROVEMENT = "special_cause_improvement"
    CONCERN = "special_cause_concern"


class Variation(StrEnum):
    """The variation icon: the latest point's type, and for special cause whether it is above (high) or
    below (low) the mean."""

    COMMON_CAUSE = "common_cause"
    IMPROVEMENT_HIGH = "special_cause_improvement_high"
    IMPROVEMENT_LOW = "special_cause_improvement_low"
    CONCERN_HIGH = "special_cause_concern_high"
    CONCERN_LOW = "special_cause_concern_low"

    @property
    def label(self) -> str:
        return {
            Variation.COMMON_CAUSE: "Common cause variation",
            Variation.IMPROVEMENT_HIGH: "Special cause improvement (high)",
            Variation.IMPROVEMENT_LOW: "Special cause improvement (low)",
            Variation.CONCERN_HIGH: "Special cause concern (high)",
            Variation.CONCERN_LOW: "Special cause concern (low)",
        }[self]


class Assurance(StrEnum):
    """The assurance icon: where the target lies against the process limits."""

    CONSISTENT_PASS = "consistent_pass"
    CONSISTENT_FAIL = "consistent_fail"
    HIT_AND_MISS = "hit_and_miss"

    @property
    def label(self) -> str:
        return {
            Assurance.CONSISTENT_PASS: "Consistently passes the target",
            Assurance.CONSISTENT_FAIL: "Consistently fails the target",
            Assurance.HIT_AND_MISS: "Hit and miss",
        }[self]


class NotEnoughPoints(ValueError):
    """Fewer than 12 values: the series is too short for process limits."""

    def __init__(self, count: int):
        self.count = count
        super().__init__(f"not enough months for SPC: {count} of {MINIMUM_POINTS}")


@dataclass(frozen=True)
class Limits:
    """An XmR chart's lines, from the baseline's first ``baseline`` points."""

    baseline: int
    mean: Fraction
    mr_bar: Fraction  # the average moving range after screening
    ranges: int  # moving ranges in the baseline
    screened: int  # of which screened out (≥ 3.267 × their average)
    lower: Fraction = field(init=False)
    upper: Fraction = field(init=False)
    near_lower: Fraction = field(init=False)
    near_upper: Fraction = field(init=False)

    def __post_init__(self) -> None:
        spread, near = LIMIT * self.mr_bar, NEAR * self.mr_bar
        object.__setattr__(self, "lower", self.mean - spread)
        object.__setattr__(self, "upper", self.mean + spread)
        object.__setattr__(self, "near_lower", self.mean - near)
        object.__setattr__(self, "near_upper", self.mean + near)


@dataclass(frozen=True)
class Point:
    period: str
    value: Fraction
    rules: frozenset[int]  # the rules that mark it (empty: common cause)
    type: PointType
    side: int  # 1 above the mean, -1 below it, 0 on it


@dataclass(frozen=True)
class Analysis:
    """A series judged the "Making Data Count" way."""

    limits: Limits
    points: tuple[Point, ...]
    higher_is_better: bool
    target: Fraction | None
    fixed_baseline: bool  # the commissioner fixed the first ``limits.baseline`` points

    @property
    def n(self) -> int:
        return len(self.points)

    @property
    def latest(self) -> Point:
        return self.points[-1]

    @property
    def variation(self) -> Variation:
        return _variation(self)

    @property
    def assurance(self) -> Assurance | None:
        return assurance_of(self.target, self.limits, higher_is_better=self.higher_is_better)

    @property
    def variation_sentence(self) -> str:
        return variation_sentence(self)

    @property
    def assurance_sentence(self) -> str:
        return assurance_sentence(self)

    @property
    def variation_reason(self) -> str:
        return variation_reason(self)

    @property
    def assurance_reason(self) -> str:
        return assurance_reason(self)


def as_fraction(value: Decimal | Fraction | int | str) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def fixed(value: Fraction, places: int = 4) -> str:
    """A figure as text with ``places`` decimal places, rounded by the one rounding helper (half up)."""
    with localcontext() as context:
        context.prec = 60  # the exact fraction as a decimal, well past the places kept
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return str(round_half_up(exact, Decimal(1).scaleb(-places)))


def _whole(figures: Sequence[Fraction]) -> tuple[int, list[int]]:
    """A common denominator of the figures, and each figure times it (a whole number)."""
    scale = lcm(*(figure.denominator for figure in figures))
    return scale, [figure.numerator * (scale // figure.denominator) for figure in figures]


def xmr_limits(values: Sequence[Fraction]) -> Limits:
    """The mean, and the average moving range after screening out every range of at least 3.267 times
    the average of them all (one pass), of a baseline's values."""
    scale, whole = _whole(values)
    ranges = [abs(later - earlier) for earlier, later in zip(whole, whole[1:], strict=False)]
    total = sum(ranges)
    # r ≥ 3.267 × total / count  ⇔  r × count × 1000 ≥ 3267 × total: exact, in whole numbers
    kept = [r for r in ranges if r * len(ranges) * SCREEN.denominator < SCREEN.numerator * total]
    return Limits(
        baseline=len(values),
        mean=Fraction(sum(whole), len(whole) * scale),
        mr_bar=Fraction(sum(kept), len(kept) * scale) if kept else Fraction(0),  # every range 0: no spread
        ranges=len(ranges),
        screened=len(ranges) - len(kept),
    )


def _sign(value: Fraction) -> int:
    return (value > 0) - (value < 0)


def _runs(signs: Sequence[int]) -> Iterable[tuple[int, int]]:
    """(start, length) of each run of equal non-zero signs."""
    start = 0
    while start < len(signs):
        end = start
        while end + 1 < len(signs) and signs[end + 1] == signs[start]:
            end += 1
        if signs[start]:
            yield start, end - start + 1
        start = end + 1


def rules_marking(values: Sequence[Fraction], limits: Limits) -> list[set[int]]:
    """For each value, the rules (1 outside the limits, 2 a shift, 3 a trend, 4 two of three near a
    limit) that mark it."""
    lines = (limits.mean, limits.lower, limits.upper, limits.near_lower, limits.near_upper)
    # Every figure times one common denominator is a whole number: the rules compare integers, exactly.
    scale = lcm(*(figure.denominator for figure in (*lines, *values)))
    mean, lower, upper, near_lower, near_upper = (
        figure.numerator * (scale // figure.denominator) for figure in lines
    )
    whole = [value.numerator * (scale // value.denominator) for value in values]
    marks: list[set[int]] = [set() for _ in whole]
    sides = [(value > mean) - (value < mean) for value in whole]
    for index, value in enumerate(whole):
        if value < lower or value > upper:
            marks[index].add(OUTSIDE)
    for start, length in _runs(sides):
        if length >= RUN:
            for index in range(start, start + length):
                marks[index].add(SHIFT)
    steps = [(later > earlier) - (later < earlier) for earlier, later in zip(whole, whole[1:], strict=False)]
    for start, length in _runs(steps):
        if length >= RUN - 1:  # six rises (or falls) in a row: seven points
            for index in range(start, start + length + 1):
                marks[index].add(TREND)
    near = [
        (near_upper < value <= upper) if side > 0 else (lower <= value < near_lower)
        for value, side in zip(whole, sides, strict=True)
    ]
    for first in range(len(whole) - 2):
        side = sides[first]
        if side and sides[first + 1] == side and sides[first + 2] == side:
            beyond = [index for index in range(first, first + 3) if near[index]]
            if len(beyond) >= 2:
                for index in beyond:
                    marks[index].add(NEAR_LIMIT)
    return marks


def spc_analyse(
    series: Sequence[tuple[str, Decimal | Fraction | str]],
    *,
    higher_is_better: bool,
    target: Decimal | Fraction | str | None = None,
    baseline: int | None = None,
) -> Analysis:
    """Judge a series of (period, value) in order: limits from every point, or from the first
    ``baseline`` points when a baseline is fixed (later points judged against them). Raises
    NotEnoughPoints below 12 points, ValueError for a baseline under 12 or longer than the series."""
    if len(series) < MINIMUM_POINTS:
        raise NotEnoughPoints(len(series))
    if baseline is not None and not MINIMUM_POINTS <= baseline <= len(series):
        raise ValueError(
            f"a fixed baseline must be between {MINIMUM_POINTS} and the {len(series)} points of the series, "
            f"not {baseline}"
        )
    values = [as_fraction(value) for _, value in series]
    limits = xmr_limits(values[: baseline or len(values)])
    points = []
    for (period, _), value, rules in zip(series, values, rules_marking(values, limits), strict=True):
        side = (value > limits.mean) - (value < limits.mean)
        if not rules:
            kind = PointType.COMMON_CAUSE
        elif side == (1 if higher_is_better else -1):
            kind = PointType.IMPROVEMENT
        else:  # on the worse side of the mean (or on it)
            kind = PointType.CONCERN
        points.append(Point(period=str(period), value=value, rules=frozenset(rules), type=kind, side=side))
    return Analysis(
        limits=limits,
        points=tuple(points),
        higher_is_better=higher_is_better,
        target=None if target is None else as_fraction(target),
        fixed_baseline=baseline is not None,
    )


def _variation(analysis: Analysis) -> Variation:
    latest = analysis.latest
    if latest.type is PointType.COMMON_CAUSE:
        return Variation.COMMON_CAUSE
    side = latest.side
    if not side:  # on the mean, marked only by a trend: high or low as the trend runs
        side = _sign(latest.value - analysis.points[-2].value)
    if latest.type is PointType.IMPROVEMENT:
        return Variation.IMPROVEMENT_HIGH if side > 0 else Variation.IMPROVEMENT_LOW
    return Variation.CONCERN_HIGH if side > 0 else Variation.CONCERN_LOW


def assurance_of(target: Fraction | None, limits: Limits, *, higher_is_better: bool) -> Assurance | None:
    """Consistent pass or fail when the target lies outside the process limits, hit and miss inside them
    (limits included); none without a target."""
    if target is None:
        return None
    if limits.lower <= target <= limits.upper:
        return Assurance.HIT_AND_MISS
    above = target > limits.upper
    return Assurance.CONSISTENT_FAIL if above == higher_is_better else Assurance.CONSISTENT_PASS


def _count(number: int) -> str:
    return WORDS[number] if number < len(WORDS) else str(number)


def _run_to_latest(signs: Sequence[int]) -> int:
    """How many of the last signs equal the last one."""
    length = 0
    for sign in reversed(signs):
        if sign != signs[-1]:
            break
        length += 1
    return length


def percent(value: Fraction) -> str:
    return f"{fixed(value, 1)}%"


def _reasons(analysis: Analysis) -> list[str]:
    """Why the latest point is special cause, in plain English, one phrase per rule that marks it."""
    points, limits, latest = analysis.points, analysis.limits, analysis.latest
    reasons = []
    if OUTSIDE in latest.rules:
        if latest.value > limits.upper:
            reasons.append(
                f"the latest month ({percent(latest.value)}) is above the upper process limit ({percent(limits.upper)})"
            )
        else:
            reasons.append(
                f"the latest month ({percent(latest.value)}) is below the lower process limit ({percent(limits.lower)})"
            )
    if SHIFT in latest.rules:
        run = _run_to_latest([point.side for point in points])
        where = "above" if latest.side > 0 else "below"
        reasons.append(f"{_count(run)} months in a row {where} the average")
    if TREND in latest.rules:
        steps = [_sign(b.value - a.value) for a, b in zip(points, points[1:], strict=False)]
        run = _run_to_latest(steps) + 1
        how = "rising" if steps[-1] > 0 else "falling"
        reasons.append(f"{_count(run)} months in a row each {how} on the one before")
    if NEAR_LIMIT in latest.rules:
        which = "upper" if latest.side > 0 else "lower"
        reasons.append(f"two of the last three months are close to the {which} process limit")
    return reasons


def variation_reason(analysis: Analysis) -> str:
    """Why the latest month has its variation type, in words ("seven months in a row below the average")."""
    if analysis.latest.type is PointType.COMMON_CAUSE:
        limits = analysis.limits
        return (
            f"the latest month lies within the normal range ({percent(limits.lower)} to {percent(limits.upper)}), "
            "with no sign of a change in the service"
        )
    return "; ".join(_reasons(analysis))


def variation_sentence(analysis: Analysis) -> str:
    """The variation icon in words: "Special cause concern: seven months in a row below the average"."""
    label = {
        PointType.COMMON_CAUSE: "Common cause variation",
        PointType.IMPROVEMENT: "Special cause improvement",
        PointType.CONCERN: "Special cause concern",
    }[analysis.latest.type]
    return f"{label}: {variation_reason(analysis)}"


def assurance_reason(analysis: Analysis) -> str:
    """Why the target has its assurance, in words."""
    assurance, limits = analysis.assurance, analysis.limits
    normal = f"{percent(limits.lower)} to {percent(limits.upper)}"
    if assurance is None:
        return "there is no target in force to judge the normal range against"
    target = percent(analysis.target) if analysis.target is not None else ""
    if assurance is Assurance.HIT_AND_MISS and analysis.target in (limits.lower, limits.upper):
        return (
            f"the target ({target}) lies on the edge of the normal range ({normal}), not outside it, so the "
            "service cannot be called sure to meet it every month"
        )
    if assurance is Assurance.HIT_AND_MISS:
        return (
            f"the target ({target}) lies inside the normal range ({normal}), so it will be met some months and "
            "missed in others without a change in the service"
        )
    if assurance is Assurance.CONSISTENT_PASS:
        return (
            f"the whole normal range ({normal}) is on the passing side of the target ({target}), so it will be "
            "met month after month unless the service changes"
        )
    return (
        f"the whole normal range ({normal}) falls short of the target ({target}), so it will not be met "
        "without a change in the service"
    )


def assurance_sentence(analysis: Analysis) -> str:
    """The assurance icon in words: "Hit and miss: the target (66.0%) lies inside the normal range …"."""
    label = analysis.assurance.label if analysis.assurance else "No assurance"
    return f"{label}: {assurance_reason(analysis)}"
