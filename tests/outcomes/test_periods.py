"""Reporting periods (measures.md, "Periods"): identifiers, bounds and the periods a month feeds; the
one month parser; and when a month's return is due (the due day of the following month, end of day,
London)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from outcomes.periods import (
    LONDON,
    MONTH,
    QUARTER,
    ROLLING_12,
    YEAR_TO_DATE,
    Period,
    add_months,
    due_at,
    financial_year_start,
    is_late,
    latest_ended_quarter,
    month_end,
    month_period,
    next_month,
    parse_month,
    parse_period,
    periods_kept,
    quarter_period,
    quarter_shown,
    rolling_twelve_period,
    year_to_date_period,
    year_to_date_shown,
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


# --- The periods kept, and the periods shown by default -----------------------------------------

LATER = date(2030, 1, 1)  # every period of 2025 has ended


def kept(months: list[str], today: date = LATER) -> list[str]:
    return [p.identifier for p in periods_kept([parse_period(m).start for m in months], today)]


def test_periods_kept_for_may_2025_once_everything_has_ended():
    found = kept(["2025-05"])
    expected = {
        "2025-05",
        "2025-26-Q1",
        *(f"2025-26-YTD-{m:02d}" for m in (5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)),
        *(f"R12-2025-{m:02d}" for m in range(5, 13)),
        *(f"R12-2026-{m:02d}" for m in range(1, 5)),
    }
    assert set(found) == expected and len(found) == 25
    assert "2025-26-YTD-04" not in found, "April's year to date does not read May"
    for identifier in found:  # every period kept reads May 2025
        period = parse_period(identifier)
        assert period.start <= date(2025, 5, 1) <= period.end
    periods = [parse_period(identifier) for identifier in found]
    assert [p.end for p in periods] == sorted(p.end for p in periods)


def test_periods_kept_never_run_to_a_month_still_to_come():
    found = kept(["2025-05"], today=date(2025, 7, 20))  # June has ended; July has not
    assert {p for p in found if "YTD" in p} == {"2025-26-YTD-05", "2025-26-YTD-06"}
    assert {p for p in found if p.startswith("R12")} == {"R12-2025-05", "R12-2025-06"}
    assert "2025-26-Q1" in found


def test_a_running_quarter_is_kept_so_far_and_a_quarter_not_begun_is_not():
    assert "2025-26-Q3" in kept(["2025-10"], today=date(2025, 11, 5))
    assert kept(["2025-10"], today=date(2025, 9, 30)) == ["2025-10"]


def test_periods_kept_for_january_stay_in_their_financial_year():
    found = kept(["2026-01"])
    assert [p for p in found if "YTD" in p] == ["2025-26-YTD-01", "2025-26-YTD-02", "2025-26-YTD-03"]
    assert "2025-26-Q4" in found and "2026-27-Q1" not in found


def test_the_year_to_date_shown_runs_to_the_latest_ended_month():
    assert year_to_date_shown(2026, date(2026, 11, 20)).identifier == "2026-27-YTD-10"
    assert year_to_date_shown(2026, date(2026, 11, 1)).identifier == "2026-27-YTD-10"
    assert (
        year_to_date_shown(2025, date(2026, 11, 20)).identifier == "2025-26-YTD-03"
    )  # a year that has ended
    assert year_to_date_shown(2026, date(2026, 4, 30)) is None  # no month of the year has ended
    assert year_to_date_shown(2026, date(2026, 5, 1)).identifier == "2026-27-YTD-04"


def test_the_latest_quarter_shown_has_ended():
    q2, q3 = parse_period("2026-27-Q2"), parse_period("2026-27-Q3")
    assert latest_ended_quarter(date(2026, 11, 20)) == q2
    assert latest_ended_quarter(date(2026, 10, 1)) == q2
    assert quarter_shown([q2, q3], date(2026, 11, 20)) == q2
    assert quarter_shown([q3], date(2026, 11, 20)) is None
    assert quarter_shown([q2, q3], date(2027, 1, 1)) == q3


# --- When a month's return is due ---------------------------------------------------------------

ONE_MICROSECOND = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("month", "due_day", "due_utc"),
    [
        # Winter (GMT = UTC): January's return is due at the end of 10 February
        (date(2025, 1, 1), 10, datetime(2025, 2, 10, 23, 59, 59, 999999, tzinfo=UTC)),
        # Summer (BST = UTC+1): May's return is due at the end of 10 June, 22:59:59 UTC
        (date(2025, 5, 1), 10, datetime(2025, 6, 10, 22, 59, 59, 999999, tzinfo=UTC)),
        # The due day is the contract's: 28 June
        (date(2025, 5, 1), 28, datetime(2025, 6, 28, 22, 59, 59, 999999, tzinfo=UTC)),
        # February's return is due in March before the clocks go forward (30 March 2025)
        (date(2025, 2, 1), 10, datetime(2025, 3, 10, 23, 59, 59, 999999, tzinfo=UTC)),
        # February's return due on 30 March... not possible (days 1-28), so 28 March: still GMT
        (date(2025, 2, 1), 28, datetime(2025, 3, 28, 23, 59, 59, 999999, tzinfo=UTC)),
        # March's return is due in April: summer time
        (date(2025, 3, 1), 1, datetime(2025, 4, 1, 22, 59, 59, 999999, tzinfo=UTC)),
        # September's return due on 26 October 2025, the day the clocks go back: ends in GMT
        (date(2025, 9, 1), 26, datetime(2025, 10, 26, 23, 59, 59, 999999, tzinfo=UTC)),
        # September's return due on 25 October: still summer time
        (date(2025, 9, 1), 25, datetime(2025, 10, 25, 22, 59, 59, 999999, tzinfo=UTC)),
        # December's return is due in January of the next year
        (date(2025, 12, 1), 10, datetime(2026, 1, 10, 23, 59, 59, 999999, tzinfo=UTC)),
        (date(2025, 11, 1), 10, datetime(2025, 12, 10, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_due_at(month, due_day, due_utc):
    due = due_at(month, due_day)
    assert due == due_utc
    local = due.astimezone(LONDON)
    assert (local.hour, local.minute, local.second) == (23, 59, 59), "the end of the due day in London"
    assert local.date() == date(next_month(month).year, next_month(month).month, due_day)


def test_december_return_is_due_in_january_of_the_next_year():
    assert due_at(date(2025, 12, 1), 10).astimezone(LONDON).date() == date(2026, 1, 10)
    assert next_month(date(2025, 12, 1)) == date(2026, 1, 1)
    assert next_month(date(2025, 11, 1)) == date(2025, 12, 1)
    assert next_month(date(2025, 1, 1)) == date(2025, 2, 1)


@pytest.mark.parametrize(
    ("month", "last_on_time_london"),
    [
        (date(2025, 5, 1), datetime(2025, 6, 10, 23, 59, 59, tzinfo=LONDON)),  # BST
        (date(2025, 11, 1), datetime(2025, 12, 10, 23, 59, 59, tzinfo=LONDON)),  # GMT
        (date(2025, 12, 1), datetime(2026, 1, 10, 23, 59, 59, tzinfo=LONDON)),  # year change
    ],
)
def test_is_late_boundary(month, last_on_time_london):
    due = due_at(month, 10)
    assert not is_late(last_on_time_london, due)
    assert not is_late(last_on_time_london + timedelta(microseconds=999999), due)
    assert not is_late(due, due), "a return submitted at the due instant is on time"
    assert is_late(due + ONE_MICROSECOND, due)
    next_midnight = datetime.combine(
        last_on_time_london.date() + timedelta(days=1), datetime.min.time(), LONDON
    )
    assert is_late(next_midnight, due)
    assert is_late(next_midnight.astimezone(UTC), due), "the same instant written in UTC"
    assert not is_late(last_on_time_london - timedelta(days=20), due)


def test_is_late_in_summer_is_judged_in_london_time_not_utc():
    due = due_at(date(2025, 5, 1), 10)
    # 23:30 UTC on 10 June is 00:30 on 11 June in London: late
    assert is_late(datetime(2025, 6, 10, 23, 30, tzinfo=UTC), due)
    # 22:30 UTC on 10 June is 23:30 in London: on time
    assert not is_late(datetime(2025, 6, 10, 22, 30, tzinfo=UTC), due)


def test_is_late_in_winter_london_is_utc():
    due = due_at(date(2025, 11, 1), 10)
    assert not is_late(datetime(2025, 12, 10, 23, 30, tzinfo=UTC), due)
    assert is_late(datetime(2025, 12, 11, 0, 0, tzinfo=UTC), due)


@pytest.mark.parametrize(("text", "first"), [("2025-04", date(2025, 4, 1)), ("2026-01", date(2026, 1, 1))])
def test_parse_month(text, first):
    assert parse_month(text) == first


@pytest.mark.parametrize(
    "text", ["2025-13", "2025-00", "2025-4", "25-04", "2025-04-01", "April", "", "2025-26-Q1"]
)
def test_parse_month_refuses_anything_but_yyyy_mm(text):
    with pytest.raises(ValueError, match="2025-04"):
        parse_month(text)
