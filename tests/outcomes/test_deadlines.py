"""When a month's return is due: the contract's due day of the following month, end of day, London."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from outcomes.periods import LONDON, due_at, is_late, next_month, parse_month

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
