"""The year-end forecast (outcomes.statistics.forecast): the worked examples of docs/statistics.md,
the interval checked against scipy's beta-binomial distribution."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from scipy.stats import betabinom  # type: ignore[import-untyped]

from outcomes.statistics.forecast import (
    Forecast,
    beta_binomial_quantiles,
    episodes_to_come,
    year_end_forecast,
)


def test_worked_example_half_way_through_the_year():
    # 551 of 648 judged by September (6 months with returns), 40 pending; the cohort was 120 after
    # April, so it has grown (688 − 120) ÷ 5 = 113.6 a month: 682 more in the 6 months to come.
    to_come = episodes_to_come(cohort=688, cohort_after_first_month=120, months_covered=6, months_to_come=6)
    assert to_come == 682
    forecast = year_end_forecast(met=551, judged=648, pending=40, to_come=to_come, months_covered=6)
    assert forecast is not None
    assert (forecast.unknown, forecast.year_end_episodes) == (722, 1370)
    assert forecast.value == Decimal("85.0")  # the rate so far
    low = betabinom.ppf(0.025, 722, 551.5, 97.5)
    high = betabinom.ppf(0.975, 722, 551.5, 97.5)
    assert (forecast.low, forecast.high) == (
        (Decimal(100 * (551 + int(low))) / 1370).quantize(Decimal("0.1"), ROUND_HALF_UP),
        (Decimal(100 * (551 + int(high))) / 1370).quantize(Decimal("0.1"), ROUND_HALF_UP),
    )
    assert forecast.text == "85.0% (95% interval 82.9% to 86.9%)"
    assert forecast.basis == (
        "From 551 of 648 episodes judged in 6 months with returns so far, with 40 pending and about 682 "
        "still to come."
    )


def test_worked_example_the_interval_narrows_as_the_year_goes_on():
    early = year_end_forecast(met=20, judged=30, pending=5, to_come=105, months_covered=3)
    late = year_end_forecast(met=80, judged=120, pending=5, to_come=12, months_covered=11)
    assert early is not None and late is not None
    assert early.value == late.value == Decimal("66.7")
    assert early.high - early.low > late.high - late.low > 0


def test_with_nothing_left_to_judge_the_forecast_is_the_result():
    done = year_end_forecast(met=566, judged=767, pending=0, to_come=0, months_covered=12)
    assert done == Forecast(Decimal("73.8"), Decimal("73.8"), Decimal("73.8"), 767, 566, 0, 0, 12)
    # ... and with episodes still pending, only they are unknown.
    pending = year_end_forecast(met=566, judged=767, pending=10, to_come=0, months_covered=12)
    assert pending is not None and pending.unknown == 10
    assert pending.low < Decimal("73.8") < pending.high


def test_how_many_episodes_are_still_to_come():
    # After April alone, April's cohort is the guide: 12 a month for 11 months.
    assert (
        episodes_to_come(cohort=12, cohort_after_first_month=12, months_covered=1, months_to_come=11) == 132
    )
    # No figure for April (a contract begun later in the year): 90 over 9 months is 10 a month.
    assert (
        episodes_to_come(cohort=90, cohort_after_first_month=None, months_covered=9, months_to_come=3) == 30
    )
    # Nothing to come once the year's months are all in.
    assert episodes_to_come(cohort=90, cohort_after_first_month=10, months_covered=12, months_to_come=0) == 0


@pytest.mark.parametrize(("met", "judged"), [(0, 40), (40, 40)])
def test_0_of_n_and_n_of_n_still_have_an_interval_inside_0_to_100(met, judged):
    forecast = year_end_forecast(met=met, judged=judged, pending=0, to_come=60, months_covered=4)
    assert forecast is not None
    assert Decimal(0) <= forecast.low <= forecast.value <= forecast.high <= Decimal(100)
    assert forecast.value == Decimal(100 * met // judged)
    assert forecast.high - forecast.low > 0  # 60 episodes to come: the rate so far is not certain


def test_nothing_judged_yet_has_no_forecast():
    assert year_end_forecast(met=0, judged=0, pending=9, to_come=99, months_covered=1) is None


@pytest.mark.parametrize(
    ("m", "a", "b"),
    [(1, 0.5, 0.5), (10, 3.5, 1.5), (50, 0.5, 40.5), (300, 80.5, 20.5), (2000, 1500.5, 499.5)],
)
def test_the_quantiles_agree_with_scipys(m, a, b):
    assert beta_binomial_quantiles(m, a, b, (0.025, 0.975)) == (
        int(betabinom.ppf(0.025, m, a, b)),
        int(betabinom.ppf(0.975, m, a, b)),
    )
