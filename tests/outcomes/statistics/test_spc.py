"""The SPC method, pinned by the worked examples of spec/spc.md (one test each, named after it), and the
edges the spec's words decide."""

from __future__ import annotations

from fractions import Fraction

import pytest

from outcomes.statistics.spc import (
    LIMIT,
    Assurance,
    Limits,
    NotEnoughPoints,
    PointType,
    Variation,
    assurance_of,
    fixed,
    spc_analyse,
)

EXAMPLE_1 = [10, 12, 11, 13, 12, 11, 12, 13, 11, 12, 12, 11]
EXAMPLE_3 = [50, 51, 49, 50, 52, 48, 50, 51, 49, 50, 51, 49, 50, 60, 59, 61, 60, 60, 61, 59]


def series(values):
    return [(f"m{number}", str(value)) for number, value in enumerate(values, start=1)]


def test_worked_example_1_twelve_points_all_common_cause():
    analysis = spc_analyse(series(EXAMPLE_1), higher_is_better=True)
    limits = analysis.limits
    assert limits.mean == Fraction(140, 12)
    assert fixed(limits.mean, 3) == "11.667"
    assert limits.ranges == 11 and limits.screened == 0
    assert limits.mr_bar == Fraction(13, 11)
    assert fixed(limits.mr_bar) == "1.1818"
    assert (fixed(limits.lower, 3), fixed(limits.upper, 3)) == ("8.523", "14.810")
    assert {point.type for point in analysis.points} == {PointType.COMMON_CAUSE}
    assert all(not point.rules for point in analysis.points)
    assert analysis.variation is Variation.COMMON_CAUSE


def test_worked_example_2_a_point_above_a_fixed_baseline_is_special_cause_improvement():
    analysis = spc_analyse(series([*EXAMPLE_1, 16]), higher_is_better=True, baseline=12)
    assert analysis.limits.baseline == 12
    assert fixed(analysis.limits.upper, 3) == "14.810"  # the baseline's limits, not all 13 points'
    latest = analysis.latest
    assert latest.rules == {1}
    assert latest.type is PointType.IMPROVEMENT
    assert analysis.variation is Variation.IMPROVEMENT_HIGH
    assert all(point.type is PointType.COMMON_CAUSE for point in analysis.points[:12])


def test_worked_example_3_screening_a_shift_down_then_a_shift_up_outside_the_limits():
    analysis = spc_analyse(series(EXAMPLE_3), higher_is_better=True)
    limits = analysis.limits
    assert limits.mean == Fraction(107, 2)
    assert limits.ranges == 19 and limits.screened == 1
    assert limits.mr_bar == Fraction(27, 18)
    assert (fixed(limits.lower, 2), fixed(limits.upper, 2)) == ("49.51", "57.49")
    first, last = analysis.points[:13], analysis.points[13:]
    assert all(2 in point.rules and point.type is PointType.CONCERN for point in first)
    assert [point.value for point in first if 1 in point.rules] == [49, 48, 49, 49]
    assert all(point.rules == {1, 2} and point.type is PointType.IMPROVEMENT for point in last)
    assert analysis.variation is Variation.IMPROVEMENT_HIGH


def test_the_average_moving_range_of_example_3_before_screening():
    ranges = [abs(b - a) for a, b in zip(EXAMPLE_3, EXAMPLE_3[1:], strict=False)]
    assert (sum(ranges), len(ranges)) == (37, 19)
    assert 10 >= 3.267 * 37 / 19  # so the range 50 → 60 is screened out


def test_worked_example_4_assurance_against_limits_80_to_90():
    limits = Limits(baseline=12, mean=Fraction(85), mr_bar=5 / LIMIT, ranges=11, screened=0)
    assert (limits.lower, limits.upper) == (80, 90)
    assert assurance_of(Fraction(95), limits, higher_is_better=True) is Assurance.CONSISTENT_FAIL
    assert assurance_of(Fraction(75), limits, higher_is_better=True) is Assurance.CONSISTENT_PASS
    assert assurance_of(Fraction(85), limits, higher_is_better=True) is Assurance.HIT_AND_MISS
    assert assurance_of(Fraction(95), limits, higher_is_better=False) is Assurance.CONSISTENT_PASS
    assert assurance_of(Fraction(75), limits, higher_is_better=False) is Assurance.CONSISTENT_FAIL
    # a target on a limit lies within the limits
    assert assurance_of(Fraction(90), limits, higher_is_better=True) is Assurance.HIT_AND_MISS
    assert assurance_of(None, limits, higher_is_better=True) is None


def test_worked_example_5_a_point_equal_to_the_mean_breaks_a_run():
    baseline = [12, 8] * 6  # mean 10, wide limits, no runs; it ends below the mean
    analysis = spc_analyse(series([*baseline, *[11] * 6, 10, *[11] * 6]), higher_is_better=True, baseline=12)
    assert analysis.limits.mean == 10
    later = analysis.points[12:]
    assert later[6].side == 0
    assert all(not point.rules for point in later)
    # seven in a row above the mean is a shift
    shifted = spc_analyse(series([*baseline, *[11] * 7]), higher_is_better=True, baseline=12)
    assert all(point.rules == {2} for point in shifted.points[12:])


def test_fewer_than_twelve_points_has_no_spc():
    with pytest.raises(NotEnoughPoints, match="not enough months for SPC: 11 of 12"):
        spc_analyse(series(EXAMPLE_1[:11]), higher_is_better=True)


def test_a_baseline_must_lie_within_the_series_and_hold_twelve_points():
    with pytest.raises(ValueError, match="between 12 and the 12 points"):
        spc_analyse(series(EXAMPLE_1), higher_is_better=True, baseline=13)
    with pytest.raises(ValueError):
        spc_analyse(series(EXAMPLE_1), higher_is_better=True, baseline=11)


def test_a_trend_is_seven_points_each_strictly_beyond_the_one_before():
    baseline = [8, 12] * 6
    rising = [4, 5, 6, 7, 8, 9, 10]  # below the mean then on it: a trend, not a shift
    analysis = spc_analyse(series([*baseline, *rising]), higher_is_better=True, baseline=12)
    assert all(3 in point.rules for point in analysis.points[12:])
    # the last point sits on the mean: marked by the trend, high as the trend runs
    assert analysis.latest.side == 0
    assert analysis.latest.type is PointType.CONCERN
    assert analysis.variation is Variation.CONCERN_HIGH
    # a tie breaks the trend: six points rising is not one
    flat = spc_analyse(series([*baseline, 4, 5, 6, 6, 7, 8, 9]), higher_is_better=True, baseline=12)
    assert all(3 not in point.rules for point in flat.points[12:])


def test_two_of_three_beyond_a_near_limit_marks_those_two():
    baseline = [8, 12] * 6  # mean 10, MR̄ 4: near limits 10 ± 7.093, process limits 10 ± 10.64
    analysis = spc_analyse(series([*baseline, 18, 11, 19]), higher_is_better=False, baseline=12)
    marked = [(point.value, sorted(point.rules)) for point in analysis.points[12:]]
    assert marked == [(18, [4]), (11, []), (19, [4])]
    assert analysis.latest.type is PointType.CONCERN  # above the mean where lower is better
    assert analysis.variation is Variation.CONCERN_HIGH
    # a point outside the process limit does not count as near it
    outside = spc_analyse(series([*baseline, 18, 11, 21]), higher_is_better=False, baseline=12)
    assert [sorted(point.rules) for point in outside.points[12:]] == [[], [], [1]]


def test_a_flat_series_has_no_spread_and_no_special_cause():
    analysis = spc_analyse(series([100] * 12), higher_is_better=True, target="95")
    assert analysis.limits.mr_bar == 0
    assert all(point.type is PointType.COMMON_CAUSE for point in analysis.points)
    assert analysis.assurance is Assurance.CONSISTENT_PASS
    # With the target on the edge of the normal range (100% every month, target 100%), the rule calls it
    # hit and miss, to the letter; the sentence says why rather than "met some months, missed in others".
    edge = spc_analyse(series([100] * 12), higher_is_better=True, target="100")
    assert edge.assurance is Assurance.HIT_AND_MISS
    assert edge.assurance_sentence == (
        "Hit and miss: the target (100.0%) lies on the edge of the normal range (100.0% to 100.0%), not outside "
        "it, so the service cannot be called sure to meet it every month"
    )


def test_the_sentences_say_what_marks_the_latest_point():
    analysis = spc_analyse(series([12] * 6 + [13, 12] * 3 + [9] * 7), higher_is_better=True, target="95")
    assert analysis.variation is Variation.CONCERN_LOW
    assert analysis.variation_sentence.startswith("Special cause concern: ")
    assert "seven months in a row below the average" in analysis.variation_sentence
    assert analysis.assurance_sentence.startswith("Consistently fails the target: ")
    hit = spc_analyse(series(EXAMPLE_1), higher_is_better=True, target="12")
    assert hit.assurance_sentence == (
        "Hit and miss: the target (12.0%) lies inside the normal range (8.5% to 14.8%), so it will be met "
        "some months and missed in others without a change in the service"
    )


def test_figures_are_shown_rounded_half_up():
    assert fixed(Fraction(1, 8), 2) == "0.13"
    assert fixed(Fraction(-1, 8), 2) == "-0.13"
    assert fixed(Fraction(2, 3)) == "0.6667"
