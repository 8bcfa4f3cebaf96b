"""QAF status and portfolio measures (outcomes.qaf_status): pure rules, hand-computed cases."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from commissioning.qaf.status_rules import (
    COMPLIANT,
    COMPLIANT_ACTIONS_OPEN,
    NON_COMPLIANT_IN_WINDOW,
    NON_COMPLIANT_PAST_WINDOW,
    NOT_ASSESSED,
    OVERDUE,
    Facts,
    one_year_after,
    portfolio_figure,
    qaf_status,
)
from outcomes.periods import parse_period

COMPLETED = date(2025, 7, 1)


def initial(outcome: str, finalised_on: date | None = COMPLETED, *, id: int = 1, started_on=None, actions=0):
    started = started_on or (finalised_on - timedelta(days=60) if finalised_on else date(2025, 5, 1))
    return Facts(id, "initial", started, finalised_on, outcome if finalised_on else "", actions)


def reassessment(outcome: str, finalised_on: date, *, id: int = 2, actions=0):
    return Facts(id, "reassessment", finalised_on - timedelta(days=20), finalised_on, outcome, actions)


def test_no_completed_assessment_is_not_yet_assessed():
    assert qaf_status([], today=COMPLETED).status == NOT_ASSESSED
    running = qaf_status([initial("", None)], today=COMPLETED)
    assert running.status == NOT_ASSESSED
    assert "started on 1 May 2025 is in progress" in running.reason


def test_a_finalisation_dated_after_today_does_not_count_yet():
    assert qaf_status([initial("compliant")], today=COMPLETED - timedelta(days=1)).status == NOT_ASSESSED


def test_compliant_and_compliant_with_actions_open():
    assert qaf_status([initial("compliant")], today=COMPLETED).status == COMPLIANT
    decision = qaf_status([initial("compliant", actions=2)], today=COMPLETED)
    assert decision.status == COMPLIANT_ACTIONS_OPEN
    assert "2 actions not yet verified" in decision.reason
    assert decision.next_due_on == date(2026, 7, 1)


@pytest.mark.parametrize(("day", "status"), [(84, NON_COMPLIANT_IN_WINDOW), (85, NON_COMPLIANT_PAST_WINDOW)])
def test_compliance_window_day_84_is_within_and_day_85_is_past(day, status):
    decision = qaf_status([initial("non_compliant")], today=COMPLETED + timedelta(days=day), window_weeks=12)
    assert decision.status == status
    assert decision.window_ends_on == date(2025, 9, 23)  # 1 July + 84 days
    assert f"today is day {day}" in decision.reason


def test_the_window_is_the_contracts_setting():
    today = COMPLETED + timedelta(days=28)
    assert (
        qaf_status([initial("non_compliant")], today=today, window_weeks=4).status == NON_COMPLIANT_IN_WINDOW
    )
    assert qaf_status([initial("non_compliant")], today=today, window_weeks=4).window_ends_on == date(
        2025, 7, 29
    )
    later = COMPLETED + timedelta(days=29)
    assert (
        qaf_status([initial("non_compliant")], today=later, window_weeks=4).status
        == NON_COMPLIANT_PAST_WINDOW
    )


def test_a_failed_reassessment_keeps_the_initial_evaluations_window():
    history = [initial("non_compliant"), reassessment("non_compliant", COMPLETED + timedelta(days=50))]
    decision = qaf_status(history, today=COMPLETED + timedelta(days=85))
    assert decision.status == NON_COMPLIANT_PAST_WINDOW
    assert decision.assessment_id == 2
    assert "first found non-compliant on 1 July 2025" in decision.reason


def test_compliant_after_reassessment_within_the_window():
    history = [initial("non_compliant", actions=1), reassessment("compliant", COMPLETED + timedelta(days=70))]
    decision = qaf_status(history, today=COMPLETED + timedelta(days=100))
    assert decision.status == COMPLIANT_ACTIONS_OPEN  # one action of the plan not verified yet


def test_a_later_non_compliant_spell_starts_a_new_window():
    second = date(2026, 6, 1)
    history = [
        initial("non_compliant"),
        reassessment("compliant", COMPLETED + timedelta(days=70)),
        Facts(3, "initial", second - timedelta(days=30), second, "non_compliant"),
    ]
    decision = qaf_status(history, today=second + timedelta(days=10))
    assert decision.status == NON_COMPLIANT_IN_WINDOW
    assert decision.window_ends_on == second + timedelta(days=84)


def test_overdue_a_year_and_a_day_after_the_last_completed_assessment():
    assert qaf_status([initial("compliant")], today=date(2026, 7, 1)).status == COMPLIANT
    decision = qaf_status([initial("compliant")], today=date(2026, 7, 2))
    assert decision.status == OVERDUE
    assert "next was due by 1 July 2026" in decision.reason


def test_non_compliance_is_shown_before_an_overdue_assessment():
    assert qaf_status([initial("non_compliant")], today=date(2027, 1, 1)).status == NON_COMPLIANT_PAST_WINDOW


def test_one_year_after_a_leap_day():
    assert one_year_after(date(2024, 2, 29)) == date(2025, 2, 28)


def test_portfolio_27_of_32_compliant_at_first_assessment_is_84_4_percent():
    quarter = parse_period("2025-26-Q2")  # July to September 2025
    by_provider = {}
    for number in range(32):
        outcome = "compliant" if number < 27 else "non_compliant"
        by_provider[number] = [initial(outcome, date(2025, 7, 1) + timedelta(days=number), id=number)]
    by_provider[99] = [reassessment("compliant", date(2025, 8, 1), id=99)]  # reassessments are not counted
    by_provider[98] = [initial("compliant", date(2025, 6, 30), id=98)]  # completed the quarter before
    figure = portfolio_figure("QAF_COMPLIANT_AT_ASSESSMENT", by_provider, quarter)
    assert (figure.numerator, figure.denominator, figure.value) == (27, 32, Decimal("84.4"))
    assert sorted(figure.met) == list(range(27))
    # 84.4% against 100% (1/1, provider 98) the quarter before: no significant change (Fisher, P = 1)
    assert figure.direction == "stable"


def test_portfolio_compliant_within_the_window():
    quarter = parse_period("2025-26-Q2")
    by_provider = {
        1: [
            initial("non_compliant", date(2025, 5, 1), id=1),
            reassessment("compliant", date(2025, 7, 24), id=11),
        ],
        2: [
            initial("non_compliant", date(2025, 5, 1), id=2),
            reassessment("compliant", date(2025, 7, 25), id=12),
        ],
        3: [initial("non_compliant", date(2025, 5, 1), id=3)],
        4: [initial("compliant", date(2025, 5, 1), id=4)],  # never non-compliant: not counted
        5: [initial("non_compliant", date(2025, 9, 1), id=5)],  # window ends in Q3
    }
    figure = portfolio_figure("QAF_COMPLIANT_WITHIN_WINDOW", by_provider, quarter)
    # 1 May + 84 days = 24 July: provider 1 on the last day, provider 2 a day late.
    assert (figure.numerator, figure.denominator) == (1, 3)
    assert figure.met == [1]


def test_portfolio_completed_within_13_weeks():
    quarter = parse_period("2025-26-Q2")
    by_provider = {
        1: [initial("compliant", date(2025, 8, 1), id=1, started_on=date(2025, 8, 1) - timedelta(days=91))],
        2: [initial("compliant", date(2025, 8, 1), id=2, started_on=date(2025, 8, 1) - timedelta(days=92))],
        3: [reassessment("compliant", date(2025, 9, 1), id=3)],
    }
    figure = portfolio_figure("QAF_COMPLETED_WITHIN_13_WEEKS", by_provider, quarter)
    assert (figure.numerator, figure.denominator, figure.value) == (2, 3, Decimal("66.7"))


def test_portfolio_baseline_and_direction():
    quarter = parse_period("2025-26-Q2")
    by_provider = {
        1: [initial("compliant", date(2024, 8, 1), id=1)],  # a year earlier: baseline 100%
        2: [initial("non_compliant", date(2025, 5, 1), id=2)],  # the quarter before: 0%
        3: [initial("compliant", date(2025, 8, 1), id=3)],  # this quarter: 100%
    }
    figure = portfolio_figure("QAF_COMPLIANT_AT_ASSESSMENT", by_provider, quarter)
    assert figure.value == Decimal("100.0") and figure.baseline == Decimal("100.0")
    assert figure.direction == "stable"  # 1/1 against 0/1: no significant change (Fisher, P = 1)


def test_portfolio_direction_one_of_two_to_two_of_three_is_no_significant_change():
    """The portfolio once called 50.0% (1/2) → 66.7% (2/3) "Improved": it is chance (Fisher, P = 1)."""
    quarter = parse_period("2025-26-Q2")
    by_provider = {
        1: [initial("compliant", date(2025, 5, 1), id=1)],
        2: [initial("non_compliant", date(2025, 5, 2), id=2)],
        3: [initial("compliant", date(2025, 8, 1), id=3)],
        4: [initial("compliant", date(2025, 8, 2), id=4)],
        5: [initial("non_compliant", date(2025, 8, 3), id=5)],
    }
    figure = portfolio_figure("QAF_COMPLIANT_AT_ASSESSMENT", by_provider, quarter)
    assert (figure.numerator, figure.denominator) == (2, 3)
    assert figure.direction == "stable"
