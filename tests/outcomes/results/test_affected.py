"""What a change recomputes: an episode's outcome reported later reaches only the months from it on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from outcomes.results.affected import READ_FIELDS, _outcome_changed_from


def row(**changes) -> tuple:
    values = {
        "person_ref": "P-1",
        "service_type": "long_term",
        "referral_source": "community",
        "age_band": "75-84",
        "dementia": False,
        "end_of_life": False,
        "referred_at": datetime(2025, 11, 24, 17, tzinfo=UTC),
        "first_visit_at": datetime(2025, 11, 26, 13, tzinfo=UTC),
        "referred_on": date(2025, 11, 24),
        "first_visit_on": date(2025, 11, 26),
        "weekly_hours_start": Decimal("14.00"),
        "weekly_hours_now": Decimal("14.00"),
        "ended_on": None,
        "end_reason": None,
        "died_in_preferred_place": None,
        "at_home_91_days": None,
    }
    values.update(changes)
    return tuple(values[name] for name in READ_FIELDS)


def test_an_ending_reported_in_a_new_month_reaches_the_months_from_the_ending():
    ended = row(ended_on=date(2026, 11, 12), end_reason="residential_care")
    assert _outcome_changed_from(row(), ended) == date(2026, 11, 1)


def test_a_corrected_ending_reaches_the_months_from_the_earlier_of_the_two_days():
    before = row(ended_on=date(2026, 9, 3), end_reason="hospital")
    after = row(ended_on=date(2026, 6, 20), end_reason="residential_care")
    assert _outcome_changed_from(before, after) == date(2026, 6, 1)
    assert _outcome_changed_from(after, before) == date(2026, 6, 1)


def test_a_follow_up_reaches_the_month_it_is_judged_in():
    assert _outcome_changed_from(row(), row(at_home_91_days=True)) == date(2026, 2, 1)  # 24 Nov + 91 days


def test_hours_now_alone_reach_only_the_accepted_month():
    assert _outcome_changed_from(row(), row(weekly_hours_now=Decimal("10.00"))) == date.max


def test_any_other_change_reaches_every_month_the_episode_counts_in():
    assert _outcome_changed_from(row(), row(first_visit_on=date(2025, 12, 1))) is None
    assert _outcome_changed_from(row(), row(service_type="short_term", ended_on=date(2026, 1, 5))) is None
    assert _outcome_changed_from(None, row()) is None
    assert _outcome_changed_from(row(), None) is None
