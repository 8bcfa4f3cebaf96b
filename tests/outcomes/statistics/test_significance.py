"""The significance of a change between two rates (outcomes.statistics.significance): the worked
examples of docs/statistics.md, and the exact test checked against scipy's own."""

from __future__ import annotations

import math

import pytest
from scipy.stats import fisher_exact  # type: ignore[import-untyped]

from outcomes.statistics.significance import (
    FISHER,
    IMPROVED,
    NO_CHANGE,
    NOT_COMPARED,
    WORSENED,
    Z_TEST,
    Change,
    rate_change,
)


def test_worked_example_1_one_of_two_to_two_of_three_is_no_significant_change():
    # The QAF portfolio once called 50.0% (1/2) → 66.7% (2/3) "Improved".
    change = rate_change((2, 3), (1, 2), higher_is_better=True)
    assert change == Change(NO_CHANGE, FISHER, 1.0)
    assert change.label == "No significant change"


def test_worked_example_2_a_one_point_rise_at_100_is_no_significant_change():
    # measures.md's worked example 6 (80.0% → 81.0%: "improved" by the 1.0 pp rule) is chance here.
    change = rate_change((81, 100), (80, 100), higher_is_better=True)
    assert (change.judgement, change.method) == (NO_CHANGE, Z_TEST)
    assert change.p_value == pytest.approx(0.858, abs=0.001)


def test_worked_example_3_five_points_over_650_is_a_significant_improvement():
    # 85.0% (551/648) against 80.0% (520/650): pooled 82.5%, z = 2.385, P = 0.017.
    change = rate_change((551, 648), (520, 650), higher_is_better=True)
    pooled = (551 + 520) / (648 + 650)
    z = (551 / 648 - 520 / 650) / math.sqrt(pooled * (1 - pooled) * (1 / 648 + 1 / 650))
    assert z == pytest.approx(2.385, abs=0.001)
    assert (change.judgement, change.method) == (IMPROVED, Z_TEST)
    assert change.p_value == pytest.approx(0.0170, abs=0.0001)
    assert change.p_text == "P = 0.017"
    assert change.sentence.startswith("Significant improvement: the change is more than chance")


def test_worked_example_4_lower_is_better_a_rise_is_a_worsening():
    # Care home entries 2.0% (4/200) → 8.0% (16/200): z = 2.753, P = 0.006, worse for a lower-is-better measure.
    change = rate_change((16, 200), (4, 200), higher_is_better=False)
    assert (change.judgement, change.method) == (WORSENED, Z_TEST)
    assert change.p_value == pytest.approx(0.0059, abs=0.0001)
    # ... and 5.5% (11/200) against 2.0% (4/200) is not significant (P = 0.065).
    assert rate_change((11, 200), (4, 200), higher_is_better=False).judgement == NO_CHANGE


def test_worked_example_5_n_of_n_and_0_of_n():
    # 50 of 50 against 30 of 40: four expected counts under 5, so Fisher's exact test, P = 0.00015.
    change = rate_change((50, 50), (30, 40), higher_is_better=True)
    assert (change.judgement, change.method) == (IMPROVED, FISHER)
    assert change.p_value == pytest.approx(fisher_exact([[50, 0], [30, 10]]).pvalue, rel=1e-12)
    # 0 of 50 against 0 of 40: nothing varies, so nothing changed.
    assert rate_change((0, 50), (0, 40), higher_is_better=True) == Change(NO_CHANGE, FISHER, 1.0)
    # 0 of 40 care home entries against 4 of 40: P = 0.116, not significant.
    assert rate_change((0, 40), (4, 40), higher_is_better=False).judgement == NO_CHANGE
    # A period with nothing counted is not compared.
    assert rate_change((0, 0), (4, 40), higher_is_better=True) == Change(NOT_COMPARED)
    assert rate_change((0, 0), (4, 40), higher_is_better=True).p_text == ""


def test_the_same_rate_is_no_significant_change_at_any_size():
    assert rate_change((660, 1000), (66, 100), higher_is_better=True) == Change(NO_CHANGE, Z_TEST, 1.0)


@pytest.mark.parametrize(
    ("now", "before"),
    [
        ((x1, n1), (x2, n2))
        for n1, n2 in ((3, 2), (7, 9), (12, 30), (25, 4))
        for x1 in range(0, n1 + 1, 2)
        for x2 in range(0, n2 + 1, 3)
    ],
)
def test_the_exact_test_agrees_with_scipys(now, before):
    (x1, n1), (x2, n2) = now, before
    change = rate_change(now, before, higher_is_better=True)
    if change.method == FISHER:
        expected = fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue
        assert change.p_value == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_a_count_beyond_its_total_is_refused():
    with pytest.raises(ValueError, match="outside its total"):
        rate_change((5, 4), (1, 4), higher_is_better=True)
