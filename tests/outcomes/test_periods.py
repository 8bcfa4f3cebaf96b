"""Reporting periods (measures.md, "Periods"): identifiers, bounds and the periods a month feeds."""

from __future__ import annotations

from datetime import date

import pytest

from outcomes.periods import (
    MONTH,
    QUARTER,
    ROLLING_12,
    YEAR_TO_DATE,
    Period,
    add_months,
    affected_periods,
    financial_year_start,
    month_end,
    month_period,
    parse_period,
    quarter_period,
    rolling_twelve_period,
    year_to_date_period,
)


def bounds(identifier: str) -> tuple[date, date]:
    period = parse_period(identifier)
    return period.start, period.end


# --- The identifiers named in measures.md ---------------------------------------------------------


def test_month_2025_04_is_april_2025():
    period = parse_period("2025-04")
    assert (period.kind, period.identifier) == (MONTH, "2025-04")
    assert (period.start, period.end) == (date(2025, 4, 1), date(2025, 4, 30))
    assert str(period) == "2025-04"


def test_quarter_2025_26_q1_is_april_to_june_2025():
    period = parse_period("2025-26-Q1")
    assert period.kind == QUARTER
    assert (period.start, period.end) == (date(2025, 4, 1), date(2025, 6, 30))
    assert period.months == [date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)]


def test_year_to_date_2025_26_ytd_06_is_april_to_the_end_of_june_2025():
    period = parse_period("2025-26-YTD-06")
    assert period.kind == YEAR_TO_DATE
    assert (period.start, period.end) == (date(2025, 4, 1), date(2025, 6, 30))


def test_rolling_twelve_months_r12_2025_06_is_july_2024_to_june_2025():
    period = parse_period("R12-2025-06")
    assert period.kind == ROLLING_12
    assert (period.start, period.end) == (date(2024, 7, 1), date(2025, 6, 30))
    assert len(period.months) == 12
    assert period.months[0] == date(2024, 7, 1) and period.months[-1] == date(2025, 6, 1)


@pytest.mark.parametrize(
    "identifier", ["2025-04", "2025-26-Q1", "2025-26-YTD-06", "R12-2025-06", "2026-03", "2099-00-Q4"]
)
def test_identifiers_round_trip(identifier):
    assert parse_period(identifier).identifier == identifier


def test_surrounding_spaces_are_ignored():
    assert parse_period(" 2025-26-Q2 ").identifier == "2025-26-Q2"


# --- Quarters: the financial year runs April to March ------------------------------------------


@pytest.mark.parametrize(
    ("identifier", "start", "end"),
    [
        ("2025-26-Q1", date(2025, 4, 1), date(2025, 6, 30)),
        ("2025-26-Q2", date(2025, 7, 1), date(2025, 9, 30)),
        ("2025-26-Q3", date(2025, 10, 1), date(2025, 12, 31)),
        ("2025-26-Q4", date(2026, 1, 1), date(2026, 3, 31)),
        ("2027-28-Q4", date(2028, 1, 1), date(2028, 3, 31)),
        ("1999-00-Q4", date(2000, 1, 1), date(2000, 3, 31)),
    ],
)
def test_quarter_boundaries(identifier, start, end):
    assert bounds(identifier) == (start, end)


@pytest.mark.parametrize(
    ("month", "identifier"),
    [
        (date(2025, 4, 1), "2025-26-Q1"),
        (date(2025, 6, 30), "2025-26-Q1"),
        (date(2025, 7, 1), "2025-26-Q2"),
        (date(2025, 9, 15), "2025-26-Q2"),
        (date(2025, 10, 1), "2025-26-Q3"),
        (date(2025, 12, 31), "2025-26-Q3"),
        (date(2026, 1, 1), "2025-26-Q4"),
        (date(2026, 3, 31), "2025-26-Q4"),
        (date(2026, 4, 1), "2026-27-Q1"),
    ],
)
def test_the_quarter_containing_a_day(month, identifier):
    assert quarter_period(month.replace(day=1)).identifier == identifier


def test_financial_year_start():
    assert financial_year_start(date(2025, 3, 31)) == 2024
    assert financial_year_start(date(2025, 4, 1)) == 2025
    assert financial_year_start(date(2026, 1, 15)) == 2025


# --- Year to date across January ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("identifier", "end"),
    [
        ("2025-26-YTD-04", date(2025, 4, 30)),
        ("2025-26-YTD-12", date(2025, 12, 31)),
        ("2025-26-YTD-01", date(2026, 1, 31)),
        ("2025-26-YTD-02", date(2026, 2, 28)),
        ("2027-28-YTD-02", date(2028, 2, 29)),  # leap year
        ("2025-26-YTD-03", date(2026, 3, 31)),
    ],
)
def test_year_to_date_always_starts_in_april_of_the_financial_year(identifier, end):
    assert bounds(identifier) == (date(int(identifier[:4]), 4, 1), end)


def test_year_to_date_of_january_counts_ten_months():
    period = year_to_date_period(date(2026, 1, 1))
    assert period.identifier == "2025-26-YTD-01"
    assert len(period.months) == 10


# --- Rolling twelve months ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identifier", "start", "end"),
    [
        ("R12-2025-06", date(2024, 7, 1), date(2025, 6, 30)),
        ("R12-2025-12", date(2025, 1, 1), date(2025, 12, 31)),
        ("R12-2026-01", date(2025, 2, 1), date(2026, 1, 31)),
        ("R12-2024-02", date(2023, 3, 1), date(2024, 2, 29)),
    ],
)
def test_rolling_twelve_month_windows(identifier, start, end):
    assert bounds(identifier) == (start, end)
    assert len(parse_period(identifier).months) == 12


def test_month_arithmetic():
    assert add_months(date(2025, 12, 1), 1) == date(2026, 1, 1)
    assert add_months(date(2025, 1, 1), -1) == date(2024, 12, 1)
    assert add_months(date(2025, 6, 1), -11) == date(2024, 7, 1)
    assert month_end(date(2024, 2, 1)) == date(2024, 2, 29)
    assert month_end(date(2025, 12, 1)) == date(2025, 12, 31)
    assert month_period(date(2025, 5, 17)).identifier == "2025-05"
    assert rolling_twelve_period(date(2025, 6, 1)) == parse_period("R12-2025-06")


def test_periods_compare_and_hash_by_value():
    assert parse_period("2025-26-Q1") == quarter_period(date(2025, 5, 1))
    assert len({parse_period("2025-26-YTD-06"), year_to_date_period(date(2025, 6, 1))}) == 1
    assert isinstance(parse_period("2025-04"), Period)


# --- Invalid identifiers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identifier",
    [
        "",
        "2025-13",
        "2025-00",
        "2025-4",
        "25-04",
        "April 2025",
        "2025/04",
        "2025-26-Q5",
        "2025-26-Q0",
        "2025-27-Q1",  # the years of a financial year follow each other
        "2025-2026-Q1",
        "2025-26-YTD-13",
        "2025-26-YTD-00",
        "2025-26-YTD-6",
        "2025-27-YTD-06",
        "R12-2025-13",
        "R12-2025",
        "R12-0000-06",
        "Q1-2025",
    ],
)
def test_an_invalid_identifier_raises_a_helpful_value_error(identifier):
    with pytest.raises(ValueError) as caught:
        parse_period(identifier)
    message = str(caught.value)
    assert repr(identifier) in message, "the message quotes what was given"
    for form in ("2025-04", "2025-26-Q1", "2025-26-YTD-06", "R12-2025-06"):
        assert form in message, "the message shows every accepted form"


# --- The periods a month's figures feed ---------------------------------------------------------


def test_affected_periods_for_may_2025():
    affected = affected_periods(["2025-05"])
    expected = {
        "2025-05",
        "2025-26-Q1",
        *(f"2025-26-YTD-{m:02d}" for m in (5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)),
        *(f"R12-2025-{m:02d}" for m in range(5, 13)),
        *(f"R12-2026-{m:02d}" for m in range(1, 5)),
    }
    assert set(affected) == expected
    assert len(affected) == len(expected) == 25
    assert "2025-26-YTD-04" not in affected, "April's year to date does not read May"
    assert "R12-2025-04" not in affected and "R12-2026-05" not in affected
    # every period named reads May 2025
    for identifier in affected:
        period = parse_period(identifier)
        assert period.start <= date(2025, 5, 1) <= period.end


def test_affected_periods_are_sorted_by_end_date():
    affected = [parse_period(identifier) for identifier in affected_periods(["2025-05"])]
    assert [p.end for p in affected] == sorted(p.end for p in affected)
    assert affected[0].identifier == "2025-05"
    assert affected[-1].identifier == "R12-2026-04"


def test_affected_periods_for_march_end_at_the_financial_year_end():
    affected = affected_periods(["2026-03"])
    assert [p for p in affected if "YTD" in p] == ["2025-26-YTD-03"]
    assert [p for p in affected if "-Q" in p] == ["2025-26-Q4"]
    assert "R12-2027-02" in affected and "R12-2027-03" not in affected


def test_affected_periods_for_january_stay_in_their_financial_year():
    affected = affected_periods(["2026-01"])
    assert [p for p in affected if "YTD" in p] == ["2025-26-YTD-01", "2025-26-YTD-02", "2025-26-YTD-03"]
    assert "2025-26-Q4" in affected and "2026-27-Q1" not in affected


def test_affected_periods_of_several_months_name_each_period_once():
    affected = affected_periods(["2025-05", "2025-06", "2025-05"])
    assert len(affected) == len(set(affected))
    assert set(affected) == set(affected_periods(["2025-05"])) | set(affected_periods(["2025-06"]))


def test_affected_periods_refuses_a_bad_month():
    with pytest.raises(ValueError, match="not a period"):
        affected_periods(["2025-13"])
