"""Reading a provider's CSV or XLSX file into tables of cell text, with rows numbered as Excel shows them.

Reading knows nothing of the standard's rules beyond where the tables are: it returns the header
and the non-blank rows of each table as trimmed strings. Typed XLSX cells become the text a
provider would have typed: an integral number loses its ".0", a date cell at midnight becomes
YYYY-MM-DD and other date cells YYYY-MM-DDTHH:MM:SS (London local, rounded to the second), a
boolean becomes TRUE/FALSE, and a formula cell becomes its formula text (starting with "="), so the
validator treats typed-in and real formulas alike. Anything that stops a file being read at all
raises FileRejected with a message saying how to fix it, including a workbook whose parts unpack
to far more than any real return (a guard against "zip bombs"; the 20 MB limit is on the upload).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from outcomes.mds.columns import EPISODES, SURVEY
from outcomes.mds.problems import FILE

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A workbook of 100,000 rows unpacks to about 75 MB; far more is a "zip bomb" or not a return.
MAX_UNPACKED_BYTES = 320 * 1024 * 1024
_SAVE_CSV = 'In Excel choose File > Save As > "CSV UTF-8 (Comma delimited) (*.csv)" and upload the new file.'
_SAVE_XLSX = 'Open it in Excel, choose File > Save As > "Excel Workbook (*.xlsx)" and upload the new file.'


class FileRejected(Exception):
    """A file, or one table in it, that cannot be read; the message says how to fix it."""

    def __init__(self, message: str, sheet: str = FILE):
        super().__init__(message)
        self.message = message
        self.sheet = sheet


class RawRow(NamedTuple):
    """One non-blank row: its number as Excel shows it, and its cells as trimmed text (a named tuple:
    a return has up to 100,000 rows)."""

    number: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table as found in the file: its header cells (as written) and its non-blank rows."""

    sheet: str
    header_row: int
    header: tuple[str, ...]
    rows: tuple[RawRow, ...]


def file_format(filename: str) -> str | None:
    """ "csv" or "xlsx" from the file name's extension (any case), else None."""
    name = filename.strip().lower()
    for extension in ("csv", "xlsx"):
        if name.endswith("." + extension):
            return extension
    return None


def is_empty(data: bytes) -> bool:
    """True for a file with nothing in it but spaces, line breaks or a byte-order mark."""
    return not data.replace(b"\xef\xbb\xbf", b"").strip()


def read_csv_table(data: bytes, *, sheet: str, filename: str, max_rows: int) -> Table:
    """The table in a CSV file (UTF-8 with or without a byte-order mark, comma separated)."""
    text = _decode_csv(data, filename)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        table = _build_table(enumerate(reader, start=1), sheet=sheet, max_rows=max_rows)
    except csv.Error as exc:
        raise FileRejected(
            f'The file "{filename}" could not be read as CSV near line {reader.line_num} ({exc}). {_SAVE_CSV}'
        ) from None
    if table is None:
        raise FileRejected(
            f'The file "{filename}" has no rows with anything in them. {_fill_template(sheet)}'
        )
    named = [cell for cell in table.header if cell.strip()]
    if len(named) == 1 and (";" in named[0] or "\t" in named[0]):
        separator = "semicolons" if ";" in named[0] else "tabs"
        raise FileRejected(
            f'The file "{filename}" is separated by {separator}, not commas. {_SAVE_CSV}', sheet=sheet
        )
    return table


def read_workbook(data: bytes, *, filename: str, max_rows: int) -> tuple[Table, Table | None]:
    """The episodes table (required) and the survey table (None when absent or empty) of an XLSX file."""
    if not data.startswith(_ZIP):
        raise FileRejected(_not_a_workbook(data, filename))
    if _unpacked_size(data) > MAX_UNPACKED_BYTES:
        raise FileRejected(
            f'The workbook "{filename}" unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB, far '
            "more than a monthly return needs. Copy only the episodes and survey tables into a new "
            "workbook (Paste Special > Values) and upload that."
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:
        raise FileRejected(
            f'The file "{filename}" is not a readable Excel workbook: it may be damaged, or another '
            f"kind of file renamed to .xlsx. {_SAVE_XLSX}"
        ) from None
    try:
        by_name: dict[str, list[str]] = {}
        for title in workbook.sheetnames:
            by_name.setdefault(title.strip().lower(), []).append(title)
        for wanted in (EPISODES, SURVEY):
            if len(by_name.get(wanted, [])) > 1:
                found = ", ".join(f'"{title}"' for title in by_name[wanted])
                raise FileRejected(
                    f'The workbook has more than one sheet named "{wanted}" ({found}). Keep one and '
                    "rename or delete the others."
                )
        if EPISODES not in by_name:
            found = ", ".join(f'"{title}"' for title in workbook.sheetnames)
            raise FileRejected(
                f'The workbook has no sheet named "episodes" (its sheets are {found}). Put the '
                'episodes table on a sheet named "episodes", as in the template.'
            )
        episodes = _read_sheet(workbook, by_name[EPISODES][0], EPISODES, filename, max_rows)
        if episodes is None:
            raise FileRejected(f'The "episodes" sheet is empty. {_fill_template(EPISODES)}', sheet=EPISODES)
        survey = None
        if SURVEY in by_name:
            survey = _read_sheet(workbook, by_name[SURVEY][0], SURVEY, filename, max_rows)
        return episodes, survey
    finally:
        workbook.close()


def _unpacked_size(data: bytes) -> int:
    """The sizes the workbook's parts declare; zipfile refuses to unpack a part beyond its declared size."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(part.file_size for part in archive.infolist())
    except Exception:  # a damaged archive (bad headers, an unknown zip version): openpyxl reports it
        return 0


def _read_sheet(workbook: Any, title: str, sheet: str, filename: str, max_rows: int) -> Table | None:
    worksheet = workbook[title]
    try:
        # Some programs write a wrong size into the file; reading to the real end avoids losing rows.
        worksheet.reset_dimensions()
        rows = (
            (number, tuple(_cell_text(cell) for cell in row))
            for number, row in enumerate(worksheet.iter_rows(), start=1)
        )
        return _build_table(rows, sheet=sheet, max_rows=max_rows)
    except FileRejected:
        raise
    except Exception:
        raise FileRejected(
            f'The "{title}" sheet of "{filename}" could not be read: the workbook may be damaged. {_SAVE_XLSX}'
        ) from None


def _build_table(rows: Iterable[tuple[int, Sequence[str]]], *, sheet: str, max_rows: int) -> Table | None:
    """Header = the first non-blank row; blank rows are skipped but keep their place in the numbering."""
    header: tuple[str, ...] | None = None
    header_row = 0
    data: list[RawRow] = []
    for number, cells in rows:
        trimmed = tuple(map(str.strip, cells))
        if not any(trimmed):
            continue
        if header is None:
            header, header_row = tuple(cells), number
            continue
        if len(data) >= max_rows:
            raise FileRejected(
                f"The {sheet} table has more than {max_rows:,} rows, the most one return may hold. "
                + (
                    "Check that only episodes open in the month or ended in the previous 120 days "
                    "are included, and that no rows were copied twice."
                    if sheet == EPISODES
                    else "Keep one row per survey measure."
                ),
                sheet=sheet,
            )
        data.append(RawRow(number, trimmed))
    if header is None:
        return None
    return Table(sheet=sheet, header_row=header_row, header=header, rows=tuple(data))


def _cell_text(cell: Any) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, ArrayFormula):
        value = value.text or "="
    elif isinstance(value, DataTableFormula):
        value = "=TABLE()"
    if getattr(cell, "data_type", None) == "f":
        text = str(value)
        return text if text.startswith("=") else "=" + text
    return _value_text(value)


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime):
        moment = value + timedelta(microseconds=500_000)
        moment = moment.replace(microsecond=0)
        if moment.time() == time(0) and moment.tzinfo is None:
            return moment.date().isoformat()
        return moment.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _float_text(value: float) -> str:
    """A number as Excel shows it in General format: 10.0 -> "10", 10.5 -> "10.5", never exponents."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.15g}"
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def _decode_csv(data: bytes, filename: str) -> str:
    if data.startswith(_ZIP):
        raise FileRejected(
            f'The file "{filename}" is an Excel workbook (or another zipped file), not a CSV file. '
            f"Upload it with the name ending .xlsx, or {_SAVE_CSV[0].lower()}{_SAVE_CSV[1:]}"
        )
    if data.startswith(_OLE):
        raise FileRejected(
            f'The file "{filename}" is an old-style Excel (.xls) or password-protected file, not a CSV '
            f"file. {_SAVE_CSV}"
        )
    if data.startswith(_UTF16_BOMS):
        raise FileRejected(
            f'The file "{filename}" is saved as "Unicode Text" (UTF-16), which this service cannot read. '
            f"{_SAVE_CSV}"
        )
    if _looks_binary(data):
        raise FileRejected(
            f'The file "{filename}" is not a CSV file: it holds binary data, not text (it may be '
            "another kind of file renamed to .csv). Upload the monthly return saved as CSV or XLSX. "
            f"{_SAVE_CSV}"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileRejected(
            f'The file "{filename}" is not saved as UTF-8 text (the first character that cannot be '
            f"read is on line {line}). {_SAVE_CSV}"
        ) from None


def _looks_binary(data: bytes) -> bool:
    """NUL bytes, or more than 1 in 20 bytes being control characters other than tabs and line breaks."""
    sample = data[:8192]
    if b"\x00" in sample or data.startswith(b"%PDF"):
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    return controls * 20 > len(sample)


def _not_a_workbook(data: bytes, filename: str) -> str:
    if data.startswith(_OLE):
        return (
            f'The file "{filename}" is an old-style Excel 97-2003 (.xls) workbook or is protected by a '
            f"password. Remove any password, then {_SAVE_XLSX[0].lower()}{_SAVE_XLSX[1:]}"
        )
    if not _looks_binary(data) and _decodes_as_text(data[:8192]):
        return (
            f'The file "{filename}" is a text (CSV) file with a name ending .xlsx. Rename it to end '
            f".csv, or {_SAVE_XLSX[0].lower()}{_SAVE_XLSX[1:]}"
        )
    return (
        f'The file "{filename}" is not an Excel workbook, although its name ends .xlsx: it may be '
        f"another kind of file renamed. {_SAVE_XLSX}"
    )


def _decodes_as_text(sample: bytes) -> bool:
    try:
        sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return exc.start >= len(sample) - 3  # only a character cut off by the sample's end
    return True


def _fill_template(sheet: str) -> str:
    if sheet == SURVEY:
        return "Fill in the survey table from the template (measure_code, numerator, denominator)."
    return (
        "Fill in the episodes table from the template, starting with its header row. If you had no "
        "episodes this month, make a nil return in the portal instead of uploading a file."
    )
