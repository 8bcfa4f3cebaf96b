"""Reading return files (return-format.md): formats, headers, formulas, limits and row numbering.

Pure Python: no database. CSV bytes are built here and XLSX bytes with openpyxl in memory.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from outcomes.mds import (
    EPISODE_COLUMNS,
    MAX_EPISODE_ROWS,
    MAX_FILE_BYTES,
    SURVEY_COLUMNS,
    ValidatedReturn,
    validate_return,
)
from outcomes.mds import columns as mds_columns
from outcomes.mds import problems as mds_problems
from outcomes.mds import reading as mds_reading

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
ROW = [
    "EP-1",
    "P-1",
    "short_term",
    "community",
    "85+",
    "N",
    "N",
    "2025-04-03T14:30",
    "2025-04-04T09:00",
    "10",
    "8",
]
SURVEY = [["measure_code", "numerator", "denominator"], ["HEALTH_NEEDS_MET", "9", "10"]]


def csv_bytes(*rows: list, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def check(data: bytes, filename: str = "return.csv", **kwargs) -> ValidatedReturn:
    return validate_return(period="2025-04", episodes_file=data, filename=filename, **kwargs)


def only_error(result: ValidatedReturn):
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def test_limits_are_those_of_the_standard():
    assert MAX_FILE_BYTES == 20 * 1024 * 1024 and MAX_EPISODE_ROWS == 100_000


# --- formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["return.csv", "RETURN.CSV", "April Return.Csv"])
def test_csv_extension_any_case(filename):
    assert check(csv_bytes(HEADER, ROW), filename).is_valid


@pytest.mark.parametrize(
    ("filename", "says"),
    [("return.txt", "not a CSV or XLSX"), ("return", "not a CSV or XLSX"), ("return.xls", "Excel 97-2003")],
)
def test_other_extensions_are_refused(filename, says):
    problem = only_error(check(csv_bytes(HEADER, ROW), filename))
    assert (problem.sheet, problem.row, problem.column) == ("file", None, None)
    assert says in problem.message and ".xlsx" in problem.message


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"  \r\n\r\n"])
@pytest.mark.parametrize("filename", ["return.csv", "return.xlsx"])
def test_empty_file(data, filename):
    problem = only_error(check(data, filename))
    assert problem.sheet == "file" and "is empty" in problem.message and "nil return" in problem.message


def test_csv_with_a_byte_order_mark():
    result = check(b"\xef\xbb\xbf" + csv_bytes(HEADER, ROW))
    assert result.is_valid and result.episodes[0].episode_ref == "EP-1"


def test_csv_that_is_not_utf8():
    data = csv_bytes(HEADER, ROW[:1] + ["Zoë"] + ROW[2:], encoding="latin-1")
    problem = only_error(check(data))
    assert problem.sheet == "file" and "UTF-8" in problem.message
    assert "CSV UTF-8 (Comma delimited)" in problem.message and "line 2" in problem.message


def test_csv_that_is_binary_junk():
    junk = bytes((index * 37 + 11) % 256 for index in range(4000))
    problem = only_error(check(junk))
    assert "binary data" in problem.message


def test_csv_that_is_really_a_workbook():
    problem = only_error(check(xlsx_bytes({"episodes": [HEADER, ROW]}), "return.csv"))
    assert "is an Excel workbook" in problem.message and ".xlsx" in problem.message


def test_csv_saved_as_unicode_text():
    problem = only_error(check(",".join(HEADER).encode("utf-16")))
    assert "UTF-16" in problem.message


def test_csv_separated_by_semicolons():
    problem = only_error(check(";".join(HEADER).encode() + b"\r\n" + ";".join(ROW).encode()))
    assert "semicolons" in problem.message


def test_xlsx_that_is_really_a_csv():
    problem = only_error(check(csv_bytes(HEADER, ROW), "return.xlsx"))
    assert problem.sheet == "file" and "Rename it to end .csv" in problem.message


@pytest.mark.parametrize(
    "data",
    [
        bytes((index * 37 + 11) % 256 for index in range(4000)),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
    ],
)
def test_xlsx_that_is_another_kind_of_file(data):
    problem = only_error(check(data, "return.xlsx"))
    assert problem.sheet == "file" and "Excel Workbook (*.xlsx)" in problem.message


def test_xlsx_that_is_a_zip_but_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    problem = only_error(check(out.getvalue(), "return.xlsx"))
    assert "not a readable Excel workbook" in problem.message


# --- sizes --------------------------------------------------------------------------------------


def test_file_over_20_mb_is_refused():
    data = b"a" * (MAX_FILE_BYTES + 1)  # the one large allocation in the suite
    problem = only_error(check(data))
    assert problem.sheet == "file" and "at most 20 MB" in problem.message


def test_file_size_limit_applies_to_every_file(monkeypatch):
    monkeypatch.setattr(mds_columns, "MAX_FILE_BYTES", 300)
    survey = csv_bytes(*SURVEY)
    data = csv_bytes(HEADER, ROW)
    assert len(data) < 300 < len(data * 2)
    assert check(data, survey_file=survey, survey_filename="survey.csv").is_valid
    problem = only_error(check(data * 2))
    assert "at most" in problem.message


@pytest.mark.parametrize("filename", ["return.csv", "return.xlsx"])
def test_row_limit(monkeypatch, filename):
    monkeypatch.setattr(mds_columns, "MAX_EPISODE_ROWS", 3)
    rows = [[f"EP-{index}", *ROW[1:]] for index in range(4)]

    def file_of(data_rows):
        if filename.endswith(".csv"):
            return csv_bytes(HEADER, *data_rows, [], [])
        return xlsx_bytes({"episodes": [HEADER, *data_rows, [None], [None]]})

    assert check(file_of(rows[:3]), filename).is_valid  # blank rows do not count
    problem = only_error(check(file_of(rows), filename))
    assert problem.sheet == "episodes" and "more than 3 rows" in problem.message


def test_workbook_that_unpacks_too_large(monkeypatch):
    monkeypatch.setattr(mds_reading, "MAX_UNPACKED_BYTES", 1024)
    problem = only_error(check(xlsx_bytes({"episodes": [HEADER, ROW]}), "r.xlsx"))
    assert "unpacks to more than" in problem.message


# --- header row ---------------------------------------------------------------------------------


def test_header_case_spaces_and_order_do_not_matter():
    header = [f"  {name.upper()} " for name in HEADER]
    order = list(reversed(range(len(HEADER))))
    row = (ROW + [""] * 4)[::-1]
    result = check(csv_bytes([header[index] for index in order], row))
    assert result.is_valid and result.episodes[0].weekly_hours_now == Decimal("8")


def test_optional_columns_may_be_left_out():
    assert check(csv_bytes(HEADER[:8] + HEADER[9:11], ROW[:8] + ROW[9:11])).is_valid


def test_unknown_column_is_an_error_naming_it():
    problem = only_error(check(csv_bytes(HEADER + ["NHS Number"], ROW + [""] * 4 + ["9434765919"])))
    assert (problem.sheet, problem.row, problem.column, problem.value) == ("episodes", 1, None, "NHS Number")
    assert (
        '"NHS Number"' in problem.message and "column P" in problem.message and "Delete it" in problem.message
    )


def test_unknown_column_close_to_a_real_name_suggests_it():
    header = ["Episode Ref", *HEADER[1:]]
    problem = only_error(check(csv_bytes(header, ROW)))
    assert "rename it exactly episode_ref" in problem.message


def test_missing_required_columns_are_named_and_rows_are_not_checked():
    result = check(csv_bytes(HEADER[2:], ["bad"] * 13))
    assert [(p.row, p.column) for p in result.errors] == [(1, "episode_ref"), (1, "person_ref")]
    assert "missing from the header row" in result.errors[0].message


def test_repeated_column():
    problem = only_error(check(csv_bytes(HEADER + ["Age_Band"], ROW + [""] * 4 + ["85+"])))
    assert problem.column == "age_band" and "columns E and P" in problem.message


def test_data_under_a_blank_header_is_an_error():
    result = check(
        csv_bytes(HEADER[:11] + ["", "ended_on"], ROW + ["Mary", ""], ["EP-2", "P-2", *ROW[2:], "Jones"])
    )
    problem = only_error(result)
    assert problem.row == 2 and "Column L has no name" in problem.message


def test_data_beyond_the_header_is_an_error():
    problem = only_error(check(csv_bytes(HEADER[:11], ROW + ["Mary Jones"])))
    assert "Column L has no name" in problem.message and problem.value is None


def test_blank_columns_beyond_the_header_are_fine():
    assert check(csv_bytes(HEADER[:11] + ["", ""], ROW + ["", ""])).is_valid


def test_file_without_a_header_row():
    problem = only_error(check(csv_bytes(ROW, ["EP-2", *ROW[1:]])))
    assert problem.row == 1 and "header row is missing" in problem.message


def test_file_with_only_blank_rows():
    problem = only_error(check(b",,,\r\n,,,\r\n"))
    assert "no rows with anything in them" in problem.message


def test_header_only_is_rejected_and_points_to_a_nil_return():
    result = check(csv_bytes(HEADER))
    assert not result.is_valid and result.episodes == []
    (problem,) = result.errors
    assert (problem.sheet, problem.row, problem.column) == ("episodes", None, None)
    assert "no episodes" in problem.message and "nil return" in problem.message


def test_column_names_in_the_standards_order():
    assert list(EPISODE_COLUMNS) == HEADER
    assert list(SURVEY_COLUMNS) == SURVEY[0]


# --- formulas -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("weekly_hours_now", "=SUM(A1)"),
        ("person_ref", "@cmd"),
        ("age_band", "+44 7700 900123"),
        ("weekly_hours_start", "-2+3"),
        ("first_visit_at", "-"),
        ("referred_at", " =NOW()"),
    ],
)
def test_formula_in_a_csv_cell(column, value):
    row = dict(zip(HEADER, ROW, strict=False))
    row[column] = value
    problem = only_error(check(csv_bytes(HEADER, [row.get(name, "") for name in HEADER])))
    assert (problem.row, problem.column) == (2, column)
    assert "formula" in problem.message
    if column == "person_ref":
        assert problem.value == "@c***"


def test_a_negative_number_is_not_a_formula():
    row = ROW[:9] + ["-5", "8"]
    problem = only_error(check(csv_bytes(HEADER, row)))
    assert "cannot be negative" in problem.message and "formula" not in problem.message


def test_formula_in_the_header():
    problem = only_error(check(csv_bytes(HEADER + ["=HYPERLINK(1)"], ROW)))
    assert problem.row == 1 and "formula" in problem.message


def test_formula_cells_in_xlsx():
    sheet = [
        HEADER,
        ["EP-1", *ROW[1:9], "=2*5", ArrayFormula("K2", "=SUM(J2:J2)")],
        ["EP-2", "@cmd", *ROW[2:]],
    ]
    result = check(xlsx_bytes({"episodes": sheet}), "return.xlsx")
    assert [(p.row, p.column, p.value) for p in result.errors] == [
        (2, "weekly_hours_start", "=2*5"),
        (2, "weekly_hours_now", "=SUM(J2:J2)"),
        (3, "person_ref", "@c***"),
    ]
    assert all("formula" in p.message for p in result.errors)


# --- row numbers as Excel shows them ------------------------------------------------------------


def test_csv_row_numbers_count_blank_and_multiline_rows():
    data = csv_bytes(
        HEADER,
        ROW,
        [],
        ["", ""],
        ["EP-2", "P-2", "short\nterm", *ROW[3:]],
        ["EP-3", *ROW[1:4], "90+", *ROW[5:]],
    )
    result = check(data)
    assert [(p.row, p.column) for p in result.errors] == [(5, "service_type"), (6, "age_band")]


def test_leading_blank_rows_move_the_header():
    result = check(b"\r\n" + csv_bytes(HEADER, [*ROW[:4], "90+", *ROW[5:]]))
    assert [(p.row, p.column) for p in result.errors] == [(3, "age_band")]


def test_xlsx_row_numbers_count_blank_rows():
    sheet = [HEADER, ROW, [None], [], ["EP-2", *ROW[1:4], "90+", *ROW[5:]]]
    result = check(xlsx_bytes({"episodes": sheet}), "return.xlsx")
    assert [(p.row, p.column) for p in result.errors] == [(5, "age_band")]


# --- workbooks ----------------------------------------------------------------------------------


def test_xlsx_sheet_names_are_matched_loosely_and_survey_is_read():
    result = check(
        xlsx_bytes({"Notes": [["anything"]], " Episodes ": [HEADER, ROW], "SURVEY": SURVEY}), "r.xlsx"
    )
    assert result.is_valid and len(result.episodes) == 1
    assert [(row.measure_code, row.numerator, row.denominator) for row in result.survey] == [
        ("HEALTH_NEEDS_MET", 9, 10)
    ]


def test_xlsx_survey_sheet_is_optional_and_may_be_empty():
    assert check(xlsx_bytes({"episodes": [HEADER, ROW]}), "r.xlsx").is_valid
    result = check(xlsx_bytes({"episodes": [HEADER, ROW], "survey": []}), "r.xlsx")
    assert result.is_valid and result.survey == []
    assert check(xlsx_bytes({"episodes": [HEADER, ROW], "survey": SURVEY[:1]}), "r.xlsx").is_valid


def test_xlsx_without_an_episodes_sheet():
    problem = only_error(check(xlsx_bytes({"Sheet1": [HEADER, ROW]}), "r.xlsx"))
    assert (
        problem.sheet == "file"
        and 'no sheet named "episodes"' in problem.message
        and '"Sheet1"' in problem.message
    )


def test_xlsx_with_two_episodes_sheets():
    problem = only_error(check(xlsx_bytes({"episodes": [HEADER, ROW], "EPISODES ": [HEADER, ROW]}), "r.xlsx"))
    assert "more than one sheet" in problem.message


def test_xlsx_with_an_empty_episodes_sheet():
    problem = only_error(check(xlsx_bytes({"episodes": []}), "r.xlsx"))
    assert problem.sheet == "episodes" and "is empty" in problem.message


def test_xlsx_typed_cells_are_read_as_a_provider_would_type_them():
    row = [
        1001,
        "P-1",
        "short_term",
        "hospital_discharge",
        "85+",
        "N",
        "N",
        datetime(2025, 7, 1, 10, 0),
        datetime(2025, 7, 2),
        10.0,
        7.25,
        date(2025, 7, 20),
        "independent",
        None,
        None,  # at_home_91_days: day 91 is after July, so it cannot be known yet
    ]
    result = validate_return(
        period="2025-07", episodes_file=xlsx_bytes({"episodes": [HEADER, row]}), filename="r.xlsx"
    )
    assert result.errors == []
    (episode,) = result.episodes
    assert episode.episode_ref == "1001"
    assert episode.referred_at == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)  # an Excel date cell is London local
    assert episode.first_visit_at.hour == 0 and episode.first_visit_at.utcoffset().total_seconds() == 3600
    assert episode.weekly_hours_start == Decimal("10") and str(episode.weekly_hours_start) == "10"
    assert episode.weekly_hours_now == Decimal("7.25")
    assert episode.ended_on == date(2025, 7, 20)


def test_xlsx_typed_cells_that_do_not_fit():
    row = ["EP-1", 9434765919, *ROW[2:5], True, "N", *ROW[7:11], datetime(2025, 4, 20, 15, 0), "other"]
    result = check(xlsx_bytes({"episodes": [HEADER, row]}), "r.xlsx")
    assert [(p.column, p.value) for p in result.errors] == [
        ("person_ref", "94***"),
        ("dementia", "TRUE"),
        ("ended_on", "2025-04-20T15:00:00"),
    ]


# --- a separate survey file ---------------------------------------------------------------------


def test_survey_as_a_second_csv():
    result = check(
        csv_bytes(HEADER, ROW), survey_file=b"\xef\xbb\xbf" + csv_bytes(*SURVEY), survey_filename="s.CSV"
    )
    assert result.is_valid and result.survey[0].measure_code == "HEALTH_NEEDS_MET"


def test_survey_file_must_be_csv():
    survey = xlsx_bytes({"survey": SURVEY})
    problem = only_error(check(csv_bytes(HEADER, ROW), survey_file=survey, survey_filename="s.xlsx"))
    assert "must be a CSV file" in problem.message


def test_survey_given_twice():
    workbook = xlsx_bytes({"episodes": [HEADER, ROW], "survey": SURVEY})
    problem = only_error(check(workbook, "r.xlsx", survey_file=csv_bytes(*SURVEY), survey_filename="s.csv"))
    assert "given twice" in problem.message


def test_survey_file_problems_are_reported_with_the_episodes_problems():
    result = check(
        csv_bytes(HEADER, [*ROW[:4], "90+", *ROW[5:]]),
        survey_file=csv_bytes(
            ["measure_code", "numerator", "denominator", "name"], ["CARER_SUPPORTED", "1", "1", "x"]
        ),
        survey_filename="s.csv",
    )
    assert [(p.sheet, p.row, p.column) for p in result.errors] == [
        ("episodes", 2, "age_band"),
        ("survey", 1, None),
    ]


def test_survey_file_that_is_empty_or_not_utf8():
    assert (
        "is empty"
        in only_error(check(csv_bytes(HEADER, ROW), survey_file=b"", survey_filename="s.csv")).message
    )
    latin = "measure_code,numerator,denominator\r\nCARER_SUPPORTED,1,1 \xa3\r\n".encode("latin-1")
    problem = only_error(check(csv_bytes(HEADER, ROW), survey_file=latin, survey_filename="s.csv"))
    assert '"s.csv"' in problem.message and "UTF-8" in problem.message


def test_survey_missing_column():
    survey = csv_bytes(["measure_code", "numerator"], ["CARER_SUPPORTED", "1"])
    problem = only_error(check(csv_bytes(HEADER, ROW), survey_file=survey, survey_filename="s.csv"))
    assert (problem.sheet, problem.row, problem.column) == ("survey", 1, "denominator")


def test_problem_lists_are_capped_with_a_count_of_the_rest(monkeypatch):
    monkeypatch.setattr(mds_problems, "MAX_PROBLEMS_LISTED", 2)
    # Five different problems (each message names its own date), so five entries: two listed.
    rows = [[f"EP-{index}", *ROW[1:7], f"2025-06-0{index + 1}T09:00", "", *ROW[9:]] for index in range(5)]
    result = check(csv_bytes(HEADER, *rows))
    assert [problem.row for problem in result.errors] == [2, 3, None]
    assert result.errors[-1].message.startswith("3 more errors are not listed")


def test_the_same_problem_down_a_column_is_reported_once_with_its_rows():
    rows = [[f"EP-{index}", *ROW[1:4], "90+", *ROW[5:]] for index in range(18)]
    result = check(csv_bytes(HEADER, *rows))
    (problem,) = result.errors
    assert (problem.column, problem.row) == ("age_band", 2)
    assert problem.message.startswith("age_band, rows 2–19 (18 rows): age_band must be one of")
