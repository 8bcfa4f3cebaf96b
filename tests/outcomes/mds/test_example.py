"""A full, realistic monthly return passes the data standard with no errors and no warnings.

Eleven episodes for June 2025: short- and long-term care, hospital discharges with and without
their 91-day follow-up due, open and ended episodes (including two deaths), plus the survey. The
same return is checked as CSV and as an XLSX workbook with typed cells.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from outcomes.mds import validate_return
from outcomes.periods import LONDON

HEADER = [
    "episode_ref",
    "person_ref",
    "service_type",
    "referral_source",
    "age_band",
    "dementia",
    "end_of_life",
    "referred_at",
    "first_visit_at",
    "weekly_hours_start",
    "weekly_hours_now",
    "ended_on",
    "end_reason",
    "died_in_preferred_place",
    "at_home_91_days",
]
EPISODES = [
    # hospital discharge, reabled to independence; 91-day follow-up due (2 June) and answered
    ["EP-2025-0101", "P-40117", "short_term", "hospital_discharge", "85+", "N", "N", "2025-03-03T11:20", "2025-03-04T09:00", "12", "0", "2025-04-11", "independent", "", "Y"],
    # hospital discharge still in reablement; follow-up not yet due
    ["EP-2025-0102", "P-40118", "short_term", "hospital_discharge", "75-84", "Y", "N", "2025-05-19T16:45", "2025-05-20T08:30", "14", "10.5", "", "", "", ""],
    ["EP-2025-0103", "P-40119", "short_term", "community", "65-74", "N", "N", "2025-06-02", "2025-06-03T10:00", "7", "7", "", "", "", ""],
    ["EP-2025-0104", "P-40120", "long_term", "community", "85+", "Y", "N", "2024-09-12T09:00", "2024-09-13T08:00", "21", "17.5", "", "", "", ""],
    ["EP-2025-0105", "P-40121", "long_term", "other", "18-64", "N", "N", "2023-11-01", "2023-11-02T07:30", "28", "28", "2025-05-14", "residential_care", "", ""],
    # end-of-life care after a hospital discharge; died at home as wished (day 91 not reached: blank)
    ["EP-2025-0106", "P-40122", "long_term", "hospital_discharge", "85+", "N", "Y", "2025-05-06T13:10", "2025-05-07T09:15", "14", "21", "2025-06-10", "died", "Y", ""],
    # referred on a Friday evening, not started by the end of the month
    ["EP-2025-0107", "P-40123", "short_term", "hospital_discharge", "75-84", "N", "N", "2025-06-27T18:05", "", "10", "10", "", "", "", ""],
    ["EP-2025-0108", "P-40124", "short_term", "community", "65-74", "N", "N", "2025-04-22T10:00+01:00", "2025-04-23T09:00+01:00", "9", "0", "2025-05-30", "transferred", "", ""],
    ["EP-2025-0109", "P-40125", "long_term", "community", "75-84", "Y", "N", "2025-01-15T12:00", "2025-01-16T08:45", "10.5", "7", "", "", "", ""],
    ["EP-2025-0110", "P-40126", "short_term", "hospital_discharge", "85+", "N", "N", "2025-02-20 15:00:00", "2025-02-21 09:00:00", "12", "4", "2025-03-28", "hospital", "", "N"],
    ["EP-2025-0111", "P-40127", "long_term", "community", "85+", "N", "Y", "2025-03-10", "2025-03-11T10:00", "14", "14", "2025-06-29", "died", "N", ""],
]  # fmt: skip
SURVEY = [
    ["measure_code", "numerator", "denominator"],
    ["HEALTH_NEEDS_MET", "41", "44"],
    ["CARER_SUPPORTED", "18", "20"],
    ["DIED_WITH_DIGNITY", "3", "3"],
]


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def typed(column: str, text: str) -> object:
    """The cell as Excel would hold it once typed in: dates as dates, hours as numbers."""
    if not text:
        return None
    if column in ("referred_at", "first_visit_at") and "+" not in text:
        return datetime.fromisoformat(text)
    if column == "ended_on":
        return date.fromisoformat(text)
    if column.startswith("weekly_hours"):
        return float(text)
    return text


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    guidance = workbook.active
    guidance.title = "Guidance"
    guidance.append(["Fill in one row per episode of care."])
    episodes = workbook.create_sheet("episodes")
    episodes.append(HEADER)
    for row in EPISODES:
        episodes.append([typed(column, text) for column, text in zip(HEADER, row, strict=True)])
    survey = workbook.create_sheet("survey")
    for row in SURVEY:
        survey.append([row[0], *(int(cell) if cell.isdigit() else cell for cell in row[1:])])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def check_result(result) -> None:
    assert result.errors == [] and result.warnings == [] and result.is_valid
    assert len(result.episodes) == 11
    assert [episode.row for episode in result.episodes] == list(range(2, 13))
    first, *_, last = result.episodes
    assert first.ended_on == date(2025, 4, 11) and first.at_home_91_days is True
    assert first.referred_at == datetime(2025, 3, 3, 11, 20, tzinfo=LONDON)
    assert result.episodes[1].weekly_hours_now == Decimal("10.5") and result.episodes[1].ended_on is None
    assert result.episodes[6].first_visit_at is None
    assert result.episodes[7].referred_at == datetime(2025, 4, 22, 10, 0, tzinfo=LONDON)
    assert last.end_reason == "died" and last.died_in_preferred_place is False
    assert [(row.measure_code, row.numerator, row.denominator) for row in result.survey] == [
        ("HEALTH_NEEDS_MET", 41, 44),
        ("CARER_SUPPORTED", 18, 20),
        ("DIED_WITH_DIGNITY", 3, 3),
    ]


def test_worked_example_return_as_csv_passes():
    check_result(
        validate_return(
            period="2025-06",
            episodes_file=csv_bytes([HEADER, *EPISODES]),
            filename="Acme Homecare June 2025.csv",
            survey_file=csv_bytes(SURVEY),
            survey_filename="survey June 2025.csv",
        )
    )


def test_worked_example_return_as_xlsx_passes():
    check_result(validate_return(period="2025-06", episodes_file=xlsx_bytes(), filename="June.xlsx"))
