"""Return format v1.1, one test per new rule, each named after it (return-format.md)."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from outcomes.mds import PreviousEpisode, PreviousMonth, validate_return
from outcomes.periods import LONDON
from tests.outcomes.mds.test_rules import GOOD, csv_bytes, errors_in, validate_row, validate_rows

# --- Dates as spreadsheets write them -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/04/2025", datetime(2025, 4, 3, tzinfo=LONDON)),
        ("3/4/2025", datetime(2025, 4, 3, tzinfo=LONDON)),
        ("03/04/2025 14:30", datetime(2025, 4, 3, 14, 30, tzinfo=LONDON)),
        ("03/04/2025 14:30:00", datetime(2025, 4, 3, 14, 30, tzinfo=LONDON)),
        ("03-04-2025", datetime(2025, 4, 3, tzinfo=LONDON)),
        ("2025-04-03 14:30", datetime(2025, 4, 3, 14, 30, tzinfo=LONDON)),
    ],
)
def test_uk_day_first_dates_are_read_as_day_month_year(text, expected):
    (episode,) = validate_row(referred_at=text, first_visit_at="04/04/2025 09:00").episodes
    assert episode.referred_at == expected
    assert episode.first_visit_at == datetime(2025, 4, 4, 9, 0, tzinfo=LONDON)


def test_a_month_first_date_is_an_error_that_says_how_to_fix_it():
    (problem,) = errors_in(validate_row(referred_at="04/13/2025", first_visit_at=""), "referred_at")
    assert "month-first" in problem.message and "day/month/year" in problem.message


def test_a_two_digit_year_is_an_error():
    (problem,) = errors_in(validate_row(referred_at="03/04/25", first_visit_at=""), "referred_at")
    assert "two-digit year" in problem.message


def test_a_midnight_time_in_a_date_only_column_is_the_date():
    for text in ("20/04/2025 00:00", "2025-04-20 00:00:00", "2025-04-20T00:00"):
        (episode,) = validate_row(ended_on=text, end_reason="independent").episodes
        assert episode.ended_on == date(2025, 4, 20)


def test_any_other_time_in_a_date_only_column_is_an_error():
    (problem,) = errors_in(validate_row(ended_on="20/04/2025 14:30", end_reason="independent"), "ended_on")
    assert "date without a time" in problem.message


def test_real_date_cells_in_xlsx_are_read_whatever_their_number_format():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "episodes"
    sheet.append(list(GOOD))
    row = {**GOOD, "referred_at": datetime(2025, 4, 3, 14, 30), "first_visit_at": datetime(2025, 4, 4, 9)}
    row.update(ended_on=datetime(2025, 4, 20), end_reason="independent")
    sheet.append(list(row.values()))
    for cell, number_format in (
        (sheet["H2"], "dd/mm/yyyy hh:mm"),
        (sheet["I2"], "d mmm yy"),
        (sheet["L2"], "dd/mm/yyyy"),
    ):
        cell.number_format = number_format
    out = io.BytesIO()
    workbook.save(out)
    result = validate_return(period="2025-04", episodes_file=out.getvalue(), filename="april.xlsx")
    assert result.errors == []
    (episode,) = result.episodes
    assert episode.referred_at == datetime(2025, 4, 3, 14, 30, tzinfo=LONDON)
    assert episode.ended_on == date(2025, 4, 20)


def test_a_problem_repeated_down_a_column_is_reported_once_with_its_rows():
    rows = [
        {**GOOD, "episode_ref": f"EP-{i}", "referred_at": "04/13/2025", "first_visit_at": ""}
        for i in range(18)
    ]
    result = validate_rows(rows)
    (problem,) = errors_in(result, "referred_at")
    assert problem.row == 2
    assert problem.message.startswith("referred_at, rows 2–19 (18 rows): ")


def test_a_uk_dated_csv_saved_by_excel_passes(tmp_path):
    text = (
        ",".join(GOOD)
        + "\r\n"
        + "EP-1,P-1,short_term,community,75-84,N,N,03/04/2025 14:30,04/04/2025 09:00,10,7.5,20/04/2025,independent,,\r\n"
        + "EP-2,P-2,long_term,community,85+,Y,N,01/02/2025,02/02/2025 08:00,14,14,,,,\r\n"
    )
    result = validate_return(period="2025-04", episodes_file=text.encode("utf-8-sig"), filename="april.csv")
    assert result.errors == [] and len(result.episodes) == 2


# --- Rows that are not episodes -----------------------------------------------------------------------


def test_blank_rows_are_skipped_anywhere_in_the_table():
    text = ",".join(GOOD) + "\r\n,,,\r\n" + ",".join(GOOD.values()) + "\r\n\r\n,,,,,,\r\n"
    result = validate_return(period="2025-04", episodes_file=text.encode(), filename="april.csv")
    assert result.errors == [] and len(result.episodes) == 1


@pytest.mark.parametrize(
    "totals",
    [
        {"episode_ref": "Total"},
        {"episode_ref": "TOTALS:", "weekly_hours_start": "120", "weekly_hours_now": "98.5"},
        {"episode_ref": "Sum", "person_ref": "", "weekly_hours_start": "120"},
        {"weekly_hours_start": "1,200", "weekly_hours_now": "980"},
    ],
)
def test_a_totals_row_is_one_error(totals):
    blank = dict.fromkeys(GOOD, "")
    result = validate_rows([GOOD, {**blank, **totals}])
    assert [(p.row, p.message) for p in result.errors] == [
        (3, "Row 3 looks like a totals row: delete it; the return holds only episodes.")
    ]


# --- at_home_91_days before day 91 ------------------------------------------------------------------


def test_at_home_91_days_before_day_91_is_an_error():
    result = validate_row(referral_source="hospital_discharge", at_home_91_days="Y")  # referred 3 April
    (problem,) = errors_in(result, "at_home_91_days")
    assert "cannot be known yet" in problem.message
    later = validate_row(
        period="2025-07", referral_source="hospital_discharge", at_home_91_days="Y"
    )  # day 91 is 3 July
    assert later.is_valid


def test_a_referral_in_year_9999_is_a_problem_not_a_crash():
    """Day 91 after a mistyped far-future referral would fall past the last day a date can hold: the
    row gets its problems like any other, and the check never raises."""
    for at_home in ("Y", ""):
        result = validate_row(
            referred_at="01/12/9999 10:00",
            first_visit_at="02/12/9999 09:00",
            referral_source="hospital_discharge",
            at_home_91_days=at_home,
        )
        assert not result.is_valid


# --- Checks against the previous month ---------------------------------------------------------------

MARCH = PreviousMonth(
    label="March 2025",
    episodes=tuple(
        PreviousEpisode(
            f"EP-{i}", f"P-{i}", "short_term", "community", datetime(2025, 3, 1, 9, tzinfo=LONDON), None
        )
        for i in range(10)
    ),
)


def april(*refs: str, **changes) -> list[dict]:
    return [
        {
            **GOOD,
            "episode_ref": ref,
            "person_ref": f"P-{ref[3:]}",
            "referred_at": "01/03/2025 09:00",
            **changes,
        }
        for ref in refs
    ]


def checked(rows, previous=MARCH, commissioned=None):
    return validate_return(
        period="2025-04",
        episodes_file=csv_bytes(rows),
        filename="april.csv",
        previous=previous,
        commissioned=commissioned,
    )


def test_episodes_open_last_month_and_absent_are_listed_in_one_warning():
    result = checked(april(*(f"EP-{i}" for i in range(8))))
    (warning,) = [w for w in result.warnings if w.column == "episode_ref"]
    assert (
        "2 episodes open at the end of March 2025 are missing from this return: EP-8, EP-9" in warning.message
    )
    assert result.is_valid


def test_an_episode_on_a_row_with_errors_is_in_the_file_not_missing_from_it():
    """A rejected file's rows with errors are not episodes, but they are there: naming them missing,
    or counting a fall in open episodes, would send the provider looking for rows they sent."""
    rows = april(*(f"EP-{i}" for i in range(10)))
    for row in rows[3:9]:
        row["age_band"] = "ninety"
    result = checked(rows)
    assert not result.is_valid
    assert not [w for w in result.warnings if w.column == "episode_ref" or "fewer than the" in w.message]
    rows[9]["episode_ref"] = "EP-NEW"  # EP-9 really is missing
    (warning,) = [w for w in checked(rows).warnings if w.column == "episode_ref"]
    assert "1 episode open at the end of March 2025 is missing from this return: EP-9" in warning.message


def test_the_open_count_falling_by_more_than_30_percent_and_at_least_5_is_a_warning():
    result = checked(april(*(f"EP-{i}" for i in range(4))))
    assert any("4 open episodes, 6 fewer than the 10" in w.message for w in result.warnings)
    fewer = checked(april(*(f"EP-{i}" for i in range(7))))  # 3 fewer: under 5
    assert not any("fewer than the" in w.message for w in fewer.warnings)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("person_ref", "P-999"),
        ("service_type", "long_term"),
        ("referral_source", "other"),
        ("referred_at", "02/03/2025 09:00"),
    ],
)
def test_a_field_that_cannot_change_for_an_episode_changed_is_a_warning(field, value):
    rows = april(*(f"EP-{i}" for i in range(10)))
    rows[3][field] = value
    result = checked(rows)
    (warning,) = [w for w in result.warnings if w.column == field]
    assert warning.row == 5 and "March 2025" in warning.message
    assert result.is_valid


def test_a_service_type_the_contract_does_not_commission_is_a_warning():
    rows = april(*(f"EP-{i}" for i in range(10)))
    rows[0]["service_type"] = "long_term"
    result = checked(rows, previous=None, commissioned=frozenset({"short_term"}))
    (warning,) = [w for w in result.warnings if w.column == "service_type"]
    assert warning.row == 2 and "not a service this contract commissions" in warning.message


# --- Pseudonymisation: references that look like names or dates -------------------------------------


@pytest.mark.parametrize(
    "reference", ["Jane_Smith_1950-03-12", "Jane_Smith", "Mary-Jones", "P-19500312", "ref-12-03-1950"]
)
def test_a_person_ref_that_looks_like_a_name_or_a_date_is_a_warning(reference):
    result = validate_row(person_ref=reference)
    (warning,) = [w for w in result.warnings if w.column == "person_ref"]
    assert "looks like it holds a name or a date" in warning.message
    assert warning.value != reference  # the report masks it
    assert result.is_valid


@pytest.mark.parametrize("reference", ["P-00123", "P-2025-0001", "P-40117", "AB12-X"])
def test_a_pseudonymous_person_ref_passes_without_a_warning(reference):
    result = validate_row(person_ref=reference)
    assert not [w for w in result.warnings if w.column == "person_ref"]
