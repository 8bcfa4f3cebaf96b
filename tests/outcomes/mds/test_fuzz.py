"""Property tests: whatever a provider uploads, validate_return answers with a report and never raises.

Malformed input of every kind (random bytes, damaged workbooks, random CSV tables with formulas,
unicode, very long values and NUL bytes, the right header with random cells) must give a
ValidatedReturn; a return with any error carries no typed rows, so nothing of it can be applied.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outcomes.mds import ValidatedReturn, validate_nil_return, validate_return
from tests.outcomes.return_files import HEADER, PERIOD, SURVEY_HEADER, VALID_EPISODES, xlsx_bytes

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CSV_NAMES = st.sampled_from(["may.csv", "MAY RETURN.CSV", " may.csv ", "m.Csv"])
XLSX_NAMES = st.sampled_from(["may.xlsx", "May Return.XLSX", "m.xlsx"])
SURVEY_CODES = ["HEALTH_NEEDS_MET", "CARER_SUPPORTED", "DIED_WITH_DIGNITY"]

# Cells a provider's spreadsheet might hold: plausible values, near misses and hostile text.
PLAUSIBLE = st.sampled_from(
    [
        "", " ", "EP-1", "P-1", "9434765919", "943 476 5919", "Jane Smith", "short_term", "long_term",
        "Short_Term", "community", "hospital_discharge", "other", "85+", "18-64", "65-74", "Y", "N", "y",
        "Yes", "TRUE", "2025-05-03", "2025-05-03T14:30", "2025-05-03 14:30:00", "2025-05-03T14:30+01:00",
        "2025-05-03T14:30Z", "2025-03-30T01:30", "2025-10-26T01:30", "2025-02-30", "03/05/2025",
        "2025-06-01", "2024-12-31", "9999-12-31", "0001-01-01", "10", "10.5", "0", "-0", "168", "168.01",
        "-1", "1e3", ".5", "5.", "NaN", "Infinity", "independent", "died", "residential_care", "Died",
        "=1+1", "+44 20", "-SUM(A1)", "@cmd", "=HYPERLINK(\"http://x\")", "\x00", "a\x00b", "\ufeffEP-1",
        "é", "ẞ", "\u202eEP", "١٢٣", "𝟙𝟘", "\r\n", "\"", ",", ";", "\t",
    ]
)  # fmt: skip
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.integers(min_value=70, max_value=5_000).map(lambda n: "x" * n),  # very long values
    st.tuples(st.sampled_from("=+-@"), st.text(max_size=20)).map("".join),  # formulas
    st.text(alphabet='\x00\r\n",; \t', max_size=8),
)
# Dates as spreadsheets write them (return-format v1.1): day-first, month-first, two-digit years,
# impossible days and times, separators mixed, and midnight in a date-only column.
UK_DATES = st.one_of(
    st.builds(
        lambda day, month, year, sep, time: f"{day}{sep}{month}{sep}{year}{time}",
        st.sampled_from(["1", "01", "3", "13", "29", "31", "32", "00", "7"]),
        st.sampled_from(["1", "02", "04", "12", "13", "00"]),
        st.sampled_from(["2025", "25", "1899", "99999", "0000", "2024"]),
        st.sampled_from(["/", "-", ".", "/ "]),
        st.sampled_from(
            ["", " 14:30", " 00:00", " 00:00:00", " 23:59:59", " 24:00", " 9:5", "T14:30", " 14:30:60"]
        ),
    ),
    st.sampled_from(
        ["03/04/2025 14:30", "2025-04-03 00:00", "2025-04-03T00:00:00.000", "03-04/2025", "3/4/2025 "]
    ),
)
CELL = st.one_of(PLAUSIBLE, HOSTILE, UK_DATES)
HEADER_NAME = st.one_of(
    st.sampled_from(HEADER + SURVEY_HEADER),
    st.sampled_from(HEADER).map(str.upper),
    st.sampled_from(HEADER).map(lambda name: f"  {name} "),
    st.sampled_from(["", "name", "nhs_number", "notes", "episode ref", "=A1", "\x00"]),
    st.text(max_size=30),
)


def check(result: ValidatedReturn) -> None:
    """The properties every validation result has."""
    assert isinstance(result, ValidatedReturn)
    assert result.period == PERIOD
    for problem in result.errors + result.warnings:
        assert isinstance(problem.sheet, str) and problem.sheet
        assert isinstance(problem.message, str) and problem.message.strip()
        assert problem.row is None or (isinstance(problem.row, int) and problem.row >= 1)
        assert problem.value is None or len(problem.value) <= 40
    if result.errors:
        assert result.episodes == [] and result.survey == [], "a rejected return carries no rows"
    else:
        assert result.episodes, "a return without errors has episodes (an empty month is a nil return)"


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def encode(text: str, how: str) -> bytes:
    if how == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if how in ("utf-16", "cp1252", "latin-1"):
        return text.encode(how, "replace")
    return text.encode("utf-8", "surrogatepass")


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])


@FUZZ
@given(data=st.binary(max_size=4_000), filename=st.one_of(CSV_NAMES, XLSX_NAMES))
def test_random_bytes_never_raise(data, filename):
    check(validate_return(period=PERIOD, episodes_file=data, filename=filename))


@FUZZ
@given(
    prefix=st.sampled_from(
        [b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b""]
    ),
    data=st.binary(max_size=2_000),
    filename=st.one_of(CSV_NAMES, XLSX_NAMES),
)
def test_random_bytes_behind_a_file_signature_never_raise(prefix, data, filename):
    check(validate_return(period=PERIOD, episodes_file=prefix + data, filename=filename))


VALID_WORKBOOK = xlsx_bytes(
    {
        "episodes": [HEADER, *([row[c] or None for c in HEADER] for row in VALID_EPISODES)],
        "survey": [SURVEY_HEADER, ["CARER_SUPPORTED", 3, 5]],
    }
)


def test_the_undamaged_workbook_is_valid():
    result = validate_return(period=PERIOD, episodes_file=VALID_WORKBOOK, filename="may.xlsx")
    assert result.errors == [] and len(result.episodes) == 3


@FUZZ
@given(
    changes=st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(VALID_WORKBOOK) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=12,
    ),
    cut=st.one_of(st.none(), st.integers(min_value=4, max_value=len(VALID_WORKBOOK))),
)
def test_a_damaged_workbook_never_raises(changes, cut):
    data = bytearray(VALID_WORKBOOK)
    for position, byte in changes:
        data[position] = byte
    damaged = bytes(data[:cut] if cut is not None else data)
    check(validate_return(period=PERIOD, episodes_file=damaged, filename="may.xlsx"))


@FUZZ
@given(
    header=st.lists(HEADER_NAME, min_size=0, max_size=18),
    rows=st.lists(st.lists(CELL, max_size=18), max_size=6),
    encoding=ENCODINGS,
    filename=CSV_NAMES,
)
def test_random_csv_tables_never_raise(header, rows, encoding, filename):
    data = encode(csv_text([header, *rows]), encoding)
    check(validate_return(period=PERIOD, episodes_file=data, filename=filename))


@FUZZ
@given(
    text=st.text(alphabet=st.sampled_from(list('ab,"\r\n\x00=+-@ \t;é\ufeff')), max_size=300),
    encoding=ENCODINGS,
)
def test_random_csv_like_text_never_raises(text, encoding):
    check(validate_return(period=PERIOD, episodes_file=encode(text, encoding), filename="may.csv"))


@st.composite
def episodes_with_random_cells(draw):
    """The right header (in a random order) and rows whose cells are random, plausible or hostile."""
    header = draw(st.permutations(HEADER))
    count = draw(st.integers(min_value=0, max_value=5))
    rows = [[draw(CELL) for _ in header] for _ in range(count)]
    return [header, *rows]


@FUZZ
@given(table=episodes_with_random_cells(), survey=st.lists(st.lists(CELL, max_size=4), max_size=4))
def test_the_right_header_with_random_cells_never_raises(table, survey):
    data = csv_text(table).encode("utf-8", "surrogatepass")
    survey_file = csv_text([SURVEY_HEADER, *survey]).encode("utf-8", "surrogatepass")
    check(
        validate_return(
            period=PERIOD,
            episodes_file=data,
            filename="may.csv",
            survey_file=survey_file,
            survey_filename="s.csv",
        )
    )


@FUZZ
@given(rows=st.lists(st.integers(0, len(VALID_EPISODES) - 1), min_size=1, max_size=4), column=st.sampled_from(HEADER),
       cell=CELL)  # fmt: skip
def test_one_random_cell_in_a_valid_return_never_raises(rows, column, cell):
    table = [HEADER]
    for index, position in enumerate(rows):
        row = dict(VALID_EPISODES[position], episode_ref=f"EP-{index}")
        table.append([row[c] for c in HEADER])
    table[1][HEADER.index(column)] = cell
    check(validate_return(period=PERIOD, episodes_file=csv_text(table).encode("utf-8", "surrogatepass"),
                          filename="may.csv"))  # fmt: skip


XLSX_CELL = st.one_of(
    PLAUSIBLE.filter(lambda text: text.isprintable() or text == ""),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
    st.sampled_from(["=1+1", "=NOW()", "=A1", '="EP"&1']),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=30),
    st.none(),
)


@FUZZ
@given(
    header=st.one_of(st.permutations(HEADER), st.lists(HEADER_NAME.filter(str.isprintable), max_size=16)),
    rows=st.lists(st.lists(XLSX_CELL, max_size=16), max_size=5),
    survey=st.one_of(st.none(), st.lists(st.lists(XLSX_CELL, max_size=4), max_size=4)),
    sheet=st.sampled_from(["episodes", "Episodes", " EPISODES ", "Sheet1"]),
)
def test_workbooks_with_random_typed_cells_never_raise(header, rows, survey, sheet):
    workbook = openpyxl.Workbook()
    episodes = workbook.active
    episodes.title = sheet
    for row in [list(header), *rows]:
        episodes.append(row)
    if survey is not None:
        survey_sheet = workbook.create_sheet("survey")
        for row in [SURVEY_HEADER, *survey]:
            survey_sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    check(validate_return(period=PERIOD, episodes_file=out.getvalue(), filename="may.xlsx"))


@FUZZ
@given(rows=st.lists(st.lists(st.one_of(st.sampled_from(SURVEY_CODES), CELL), max_size=4), max_size=5),
       header=st.one_of(st.just(SURVEY_HEADER), st.lists(HEADER_NAME, max_size=4)))  # fmt: skip
def test_random_survey_files_of_a_nil_return_never_raise(rows, header):
    data = csv_text([header, *rows]).encode("utf-8", "surrogatepass")
    result = validate_nil_return(period=PERIOD, survey_file=data, survey_filename="survey.csv")
    assert isinstance(result, ValidatedReturn) and result.episodes == []
    if result.errors:
        assert result.survey == []
