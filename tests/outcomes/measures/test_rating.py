"""Rounding, RAG and direction of travel (outcomes.measures.rating): the worked examples of measures.md.

Pure Python, no database. One test per worked example, named after it; example 4 (HELP_48H)
needs stored episodes and lives in test_calculators.py.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from outcomes.measures.library import Direction
from outcomes.measures.rating import (
    AMBER,
    GREEN,
    IMPROVED,
    LOW_NUMBERS,
    NO_DATA,
    NONE,
    NOT_RATED,
    RED,
    STABLE,
    WORSENED,
    direction_of_travel,
    percentage,
    rag,
    round_half_up,
)

HIGHER, LOWER = Direction.HIGHER, Direction.LOWER


def judge(
    numerator: int,
    denominator: int,
    target: str,
    *,
    direction: Direction = HIGHER,
    tolerance: str = "0.5",
    min_denominator: int = 5,
    has_data: bool = True,
) -> tuple[Decimal | None, str, str | None]:
    """(value, RAG, not-rated reason) for a count, judged as the compliance engine judges it."""
    value = percentage(numerator, denominator)
    colour, reason = rag(
        value,
        target=Decimal(target),
        tolerance=Decimal(tolerance),
        direction=direction,
        denominator=denominator,
        min_denominator=min_denominator,
        has_data=has_data,
    )
    return value, colour, reason


def test_worked_example_1_at_home_91d_551_of_648():
    assert judge(551, 648, "90") == (Decimal("85.0"), RED, None)  # default A = 0.5
    assert judge(551, 648, "90", tolerance="5") == (Decimal("85.0"), AMBER, None)
    assert judge(551, 648, "90", tolerance="4") == (Decimal("85.0"), RED, None)


def test_worked_example_2_independent_within_42_target_66():
    # 2 of 3 can only be rated with a minimum denominator of 3 or less (the default 5 would make
    # it "low numbers", as example 5 says); the example is about the rounding and the RAG.
    assert judge(2, 3, "66", min_denominator=3) == (Decimal("66.7"), GREEN, None)
    assert judge(2, 3, "66") == (Decimal("66.7"), NOT_RATED, LOW_NUMBERS)
    assert judge(65, 99, "66") == (Decimal("65.7"), AMBER, None)  # 0.3 pp short, A = 0.5
    assert judge(64, 99, "66") == (Decimal("64.6"), RED, None)
    # 566/767 = 73.7940…: judged on the displayed value 73.8, so it meets a 73.8 target.
    assert judge(566, 767, "73.8") == (Decimal("73.8"), GREEN, None)


def test_worked_example_3_residential_entry_lower_is_better():
    assert judge(5, 100, "5", direction=LOWER) == (Decimal("5.0"), GREEN, None)
    assert judge(11, 200, "5", direction=LOWER) == (Decimal("5.5"), AMBER, None)
    assert judge(6, 100, "5", direction=LOWER) == (Decimal("6.0"), RED, None)
    assert judge(6, 100, "5", direction=LOWER, tolerance="5") == (Decimal("6.0"), AMBER, None)
    assert judge(11, 100, "5", direction=LOWER, tolerance="5") == (Decimal("11.0"), RED, None)
    # Dementia cohort, target 10.
    assert judge(9, 90, "10", direction=LOWER) == (Decimal("10.0"), GREEN, None)


@pytest.mark.parametrize("numerator", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("direction", [HIGHER, LOWER])
def test_worked_example_5_denominator_4_below_d_5_is_not_rated(numerator, direction):
    value, colour, reason = judge(numerator, 4, "50", direction=direction)
    assert (colour, reason) == (NOT_RATED, LOW_NUMBERS)
    assert value == percentage(numerator, 4)  # the figures are still shown with "low numbers"


def test_worked_example_6_direction_of_travel_higher_is_better():
    def travel(current: str, previous: str = "80.0") -> str:
        return direction_of_travel(Decimal(current), Decimal(previous), direction=HIGHER, both_rated=True)

    assert travel("80.9") == STABLE
    assert travel("81.0") == IMPROVED
    assert travel("79.1") == STABLE
    assert travel("79.0") == WORSENED
    assert travel("80.0") == STABLE


def test_worked_example_6_mirrored_for_lower_is_better():
    def travel(current: str, previous: str = "5.0") -> str:
        return direction_of_travel(Decimal(current), Decimal(previous), direction=LOWER, both_rated=True)

    assert travel("4.1") == STABLE
    assert travel("4.0") == IMPROVED  # down 1.0 pp is better
    assert travel("5.9") == STABLE
    assert travel("6.0") == WORSENED


def test_worked_example_6_no_direction_when_either_period_is_not_rated():
    for direction in (HIGHER, LOWER):
        assert (
            direction_of_travel(Decimal("90.0"), Decimal("80.0"), direction=direction, both_rated=False)
            == NONE
        )
        assert direction_of_travel(None, Decimal("80.0"), direction=direction, both_rated=True) == NONE
        assert direction_of_travel(Decimal("80.0"), None, direction=direction, both_rated=True) == NONE


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (1, 8, "12.5"),
        (2, 3, "66.7"),
        (1, 3, "33.3"),
        (1701, 2000, "85.1"),  # exactly 85.05: half up (a float would give 85.0)
        (1699, 2000, "85.0"),  # exactly 84.95
        (1, 16, "6.3"),  # exactly 6.25: half up, not to even
        (3, 16, "18.8"),  # exactly 18.75
        (1, 80, "1.3"),  # exactly 1.25
        (1, 40, "2.5"),
        (0, 7, "0.0"),
        (7, 7, "100.0"),
    ],
)
def test_percentages_round_half_up_to_one_decimal_place(numerator, denominator, expected):
    assert percentage(numerator, denominator) == Decimal(expected)
    assert str(percentage(numerator, denominator)) == expected


def test_no_value_when_the_denominator_is_zero():
    assert percentage(0, 0) is None
    assert judge(0, 0, "66") == (None, NOT_RATED, LOW_NUMBERS)


def test_round_half_up_is_the_one_rounding_helper():
    assert round_half_up(Decimal("85.05")) == Decimal("85.1")
    assert round_half_up(Decimal("85.049999")) == Decimal("85.0")
    assert round_half_up(Decimal("0.05")) == Decimal("0.1")


def test_boundaries_of_amber_are_inclusive():
    # Higher is better: T − A ≤ V < T is amber; lower is better: T < V ≤ T + A is amber.
    assert judge(655, 1000, "66")[1] == AMBER  # 65.5 = 66 − 0.5
    assert judge(654, 1000, "66")[1] == RED  # 65.4
    assert judge(660, 1000, "66")[1] == GREEN
    assert judge(55, 1000, "5", direction=LOWER)[1] == AMBER  # 5.5 = 5 + 0.5
    assert judge(56, 1000, "5", direction=LOWER)[1] == RED


def test_a_judgement_uses_the_rounded_value_not_the_exact_one():
    # 6549/10000 = 65.49 → 65.5: amber against 66 with A = 0.5, though the exact value is below 65.5.
    assert judge(6549, 10000, "66") == (Decimal("65.5"), AMBER, None)
    # Lower is better: 5049/100000 = 5.049 → 5.0: green against 5.
    assert judge(5049, 100000, "5", direction=LOWER) == (Decimal("5.0"), GREEN, None)


def test_no_data_is_not_rated_whatever_the_figures():
    assert judge(9, 10, "50", has_data=False) == (Decimal("90.0"), NOT_RATED, NO_DATA)
    assert judge(0, 0, "50", has_data=False)[1:] == (NOT_RATED, NO_DATA)


def test_minimum_denominator_boundary():
    assert judge(5, 5, "50", min_denominator=5)[1] == GREEN
    assert judge(4, 4, "50", min_denominator=5)[1:] == (NOT_RATED, LOW_NUMBERS)
    assert judge(1, 1, "50", min_denominator=1)[1] == GREEN
