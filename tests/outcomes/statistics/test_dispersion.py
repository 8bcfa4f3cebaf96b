"""Over-dispersion in a funnel plot (outcomes.statistics.dispersion) and the limits allowing for it
(outcomes.portfolio.funnel): worked examples from docs/statistics.md."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from scipy.stats import chi2  # type: ignore[import-untyped]

from outcomes.measures import Direction
from outcomes.portfolio.funnel import SPECIAL_CAUSE, WITHIN, Z_95, Z_998, Point, control_limits, funnel
from outcomes.statistics.dispersion import dispersion, widened

SPREAD = [(60, 100), (70, 100), (80, 100), (90, 100), (75, 100), (75, 100)]  # 450 of 600: p = 75%
CLOSE = [(74, 100), (76, 100), (75, 100), (75, 100), (73, 100), (77, 100)]


def test_worked_example_six_providers_spread_wide_are_over_dispersed():
    # z = ±2√3 for 60 and 90 of 100 (0.15 from 75%, with a standard error of 0.0433), ±2/√3 for 70 and 80:
    # Σz² = 12 + 12 + 4/3 + 4/3 = 26.67, φ = 26.67 ÷ 6 = 4.44, k·φ = 26.67 on 5 degrees of freedom.
    spread = dispersion(SPREAD, Decimal("0.75"))
    assert spread is not None
    assert spread.phi == pytest.approx(80 / 18, rel=1e-12)
    assert spread.statistic == pytest.approx(80 / 3, rel=1e-12)
    assert spread.p_value == pytest.approx(chi2.sf(80 / 3, 5), rel=1e-9)
    assert spread.p_value < 0.001 and spread.p_text == "P < 0.001"
    assert spread.over_dispersed and spread.factor == pytest.approx(math.sqrt(80 / 18))
    assert spread.sentence.startswith("The providers' figures vary more than chance alone explains (φ = 4.44")


def test_worked_example_six_providers_close_together_are_not():
    spread = dispersion(CLOSE, Decimal("0.75"))
    assert spread is not None
    # z² = 4/75 for 74 and 76 of 100, 16/75 for 73 and 77, 0 for 75: φ = (40/75) ÷ 6 = 4/45 = 0.089.
    assert spread.phi == pytest.approx(4 / 45, rel=1e-9)
    assert not spread.over_dispersed and spread.factor == 1.0


def test_fewer_than_five_providers_or_a_rate_of_0_or_100_cannot_tell():
    assert dispersion(SPREAD[:4], Decimal("0.75")) is None
    assert dispersion([(0, 50)] * 6, Decimal("0")) is None
    assert dispersion([(50, 50)] * 6, Decimal("1")) is None


def test_ten_providers_or_more_have_the_most_extreme_tenth_pulled_in_on_each_side():
    points = [(50, 100)] * 8 + [(10, 100), (90, 100)]  # 400 of 1000: p = 40%
    spread = dispersion(points, Decimal("0.4"))
    assert spread is not None and spread.winsorised == 2
    se = math.sqrt(0.4 * 0.6 / 100)
    # 10 of 100 is pulled in to 50 of 100's residual, and so is 90 of 100: every z is 0.1 ÷ se.
    assert spread.phi == pytest.approx((0.1 / se) ** 2, rel=1e-12)


def test_widened_limits_move_each_limit_away_from_the_rate_and_stop_at_100_percent():
    rate = Decimal("0.8")
    assert control_limits(rate, 100, Z_95) == (Decimal("0.72"), Decimal("0.88"))
    assert control_limits(rate, 100, Z_95, 2.0) == (Decimal("0.64"), Decimal("0.96"))
    assert control_limits(rate, 100, Z_998, 2.0) == (Decimal("0.54"), Decimal("1"))  # 0.67 and 0.91 before
    assert widened(rate, (Decimal("0.72"), Decimal("0.88")), 1.0) == (Decimal("0.72"), Decimal("0.88"))


def test_the_funnel_allows_for_over_dispersion_only_when_asked_and_the_flags_follow_the_limits():
    points = [
        Point(n, x, d, Decimal(100 * x / d).quantize(Decimal("0.1"))) for n, (x, d) in enumerate(SPREAD)
    ]
    plain = funnel(points, Direction.HIGHER)
    assert not plain.adjusted and plain.dispersion is not None and plain.dispersion.over_dispersed
    flags = {row.point.numerator: row.flag for row in plain.rows}
    assert flags[60] == SPECIAL_CAUSE and flags[90] == SPECIAL_CAUSE
    allowed = funnel(points, Direction.HIGHER, allow_for_dispersion=True)
    assert allowed.adjusted and allowed.factor == pytest.approx(math.sqrt(80 / 18))
    for row in allowed.rows:
        assert row.flag == WITHIN  # 60 and 90 of 100 lie inside limits 2.11 times as wide
        low, high = row.limits_998
        assert low <= row.point.value <= high  # the flag and the limits shown agree
