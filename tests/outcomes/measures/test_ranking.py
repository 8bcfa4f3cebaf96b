"""The one rank rule (outcomes.measures.ranking): ties share the best rank, quartiles follow the shared
rank, and the words say "joint" when a rank is shared (spec: "The periods shown by default")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from outcomes.measures.ranking import (
    MIN_COMPARATORS,
    Rank,
    ordinal,
    quartile_of,
    rank_short,
    rank_words,
    shared_rank,
    shared_ranks,
)


def figures(*values: str) -> list[Decimal]:
    return [Decimal(value) for value in values]


def ranks(values: list[Decimal], *, higher: bool = True) -> list[Rank]:
    return [shared_rank(value, values, higher=higher) for value in values]


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (10, "10th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (14, "14th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (101, "101st"),
        (111, "111th"),
        (112, "112th"),
        (113, "113th"),
        (122, "122nd"),
    ],
)
def test_ordinal_suffixes(number, text):
    assert ordinal(number) == text


def test_all_ten_equal_are_each_joint_first_in_the_top_quartile():
    values = figures(*["100.0"] * 10)
    for rank in ranks(values):
        assert (rank.rank, rank.ranked, rank.shared) == (1, 10, True)
        assert (rank.quartile, rank.quartile_label) == (1, "top quartile")
        assert rank.words == "joint 1st of 10"
        assert rank.short == "1="
    assert ranks(values, higher=False) == ranks(values)  # whichever way is better


def test_ties_in_the_middle_share_the_best_rank_and_the_next_figure_skips():
    # Competition ranking ("1224"): rank = 1 + the number strictly better.
    values = figures("95.0", "90.0", "90.0", "85.0", "80.0", "80.0", "80.0", "70.0")
    found = ranks(values)
    assert [rank.rank for rank in found] == [1, 2, 2, 4, 5, 5, 5, 8]
    assert [rank.short for rank in found] == ["1", "2=", "2=", "4", "5=", "5=", "5=", "8"]
    assert [rank.words for rank in found] == [
        "1st of 8",
        "joint 2nd of 8",
        "joint 2nd of 8",
        "4th of 8",
        "joint 5th of 8",
        "joint 5th of 8",
        "joint 5th of 8",
        "8th of 8",
    ]
    # ceil(4 × shared rank ÷ 8): 1 → 1, 2 → 1, 4 → 2, 5 → 3, 8 → 4
    assert [rank.quartile for rank in found] == [1, 1, 1, 2, 3, 3, 3, 4]


def test_lower_is_better_ranks_the_smallest_first():
    values = figures("5.5", "2.0", "8.0", "2.0", "3.1")
    found = {str(value): rank for value, rank in zip(values, ranks(values, higher=False), strict=True)}
    assert (found["2.0"].rank, found["2.0"].words) == (1, "joint 1st of 5")
    assert (found["3.1"].rank, found["3.1"].words) == (3, "3rd of 5")
    assert (found["5.5"].rank, found["8.0"].rank) == (4, 5)
    assert (found["8.0"].quartile_label, found["2.0"].quartile_label) == ("bottom quartile", "top quartile")
    # The same figures, higher is better: the order turns round.
    assert shared_rank(Decimal("8.0"), values, higher=True).words == "1st of 5"
    assert shared_rank(Decimal("2.0"), values, higher=True).words == "joint 4th of 5"


def test_quartiles_need_enough_comparators():
    assert MIN_COMPARATORS == 4
    assert quartile_of(1, MIN_COMPARATORS) is None  # three others
    assert quartile_of(1, MIN_COMPARATORS + 1) == 1  # four others
    few = ranks(figures("80.0", "80.0", "50.0"))
    assert [(rank.short, rank.quartile, rank.quartile_label) for rank in few] == [
        ("1=", None, ""),
        ("1=", None, ""),
        ("3", None, ""),
    ]
    assert shared_rank(Decimal("50.0"), figures("50.0"), higher=True).words == "1st of 1"


def test_the_words_and_the_short_form():
    assert rank_words(3, 10, shared=False) == "3rd of 10"
    assert rank_words(1, 10, shared=True) == "joint 1st of 10"
    assert rank_words(12, 21, shared=True) == "joint 12th of 21"
    assert (rank_short(1, shared=True), rank_short(3, shared=False)) == ("1=", "3")


def test_the_value_ranked_must_be_among_the_figures():
    with pytest.raises(ValueError):
        shared_rank(Decimal("1.0"), figures("2.0", "3.0"), higher=True)


@pytest.mark.parametrize("higher", [True, False])
def test_every_figure_ranked_at_once_follows_the_rule(higher):
    """shared_ranks (a funnel's providers ranked in one sort) gives each figure 1 + the number of
    figures strictly better, shared when another figure is equal: a count for each, as stated."""
    values = figures(*(f"{(n * 37) % 101 / 2:.1f}" for n in range(300)), "20.0", "20.0", "0.0")
    every = shared_ranks(values, higher=higher)
    for value in values:
        better = sum(1 for other in values if (other > value if higher else other < value))
        equal = sum(1 for other in values if other == value)
        assert every[value] == Rank(rank=1 + better, ranked=len(values), shared=equal > 1)
        assert shared_rank(value, values, higher=higher) == every[value]
    assert shared_ranks(figures("80.0", "80"), higher=True)[Decimal("80")].words == "joint 1st of 2"
