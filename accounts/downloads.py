"""Files the service hands to people: CSV and Excel downloads and stored files.

Every download is built here, so the rules hold everywhere:
- every CSV and Excel cell is **formula-safe**: text a spreadsheet would run as a formula
  (starting with =, +, -, @, a tab or a carriage return: "CSV injection") gets a leading quote;
- CSV is UTF-8 with a byte-order mark, so Excel reads accents right; in Excel, numbers and dates
  stay numbers and dates, so totals and sorting work;
- downloads are never kept in shared caches (``Cache-Control: private, no-store``);
- a stored file (evidence, a letter, a report, a pack) missing from storage is a 404, not a crash.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MIN_WIDTH, MAX_WIDTH = 8, 60
SHEET_TITLE_LENGTH = 31  # Excel's limit
_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def spreadsheet_safe(value: object) -> str:
    """The cell as text, with a leading quote when a spreadsheet would otherwise treat it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A UTF-8 CSV with a byte-order mark, every cell formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell_value(value: object) -> object:
    """Numbers and dates as themselves (bool as yes/no); anything else as formula-safe text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal | float):
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return value
    return spreadsheet_safe(value)


def _width(value: object) -> int:
    return len(value.isoformat()) if isinstance(value, date) else len(str(value))


def _sheet_title(title: str) -> str:
    cleaned = " ".join(title.translate(_TITLE_FORBIDDEN).split()).strip("'")
    return (cleaned or "Sheet")[:SHEET_TITLE_LENGTH]


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[object]], *, title: str) -> bytes:
    """A one-sheet workbook: the bold header row (frozen), then the rows, every cell formula-safe.

    Datetimes should be given in local time (Excel has no time zones); columns are as wide as
    their longest value, within bounds. A negative number is a number, not a formula.
    """
    values = [[_cell_value(cell) for cell in row] for row in rows]
    widths = [max(MIN_WIDTH, len(str(header)) + 2) for header in headers]
    for row in values:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], min(MAX_WIDTH, _width(value) + 2))

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(title))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=spreadsheet_safe(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in values:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download_response(
    content: bytes, filename: str, content_type: str, *, inline: bool = False
) -> HttpResponse:
    """Bytes as a file to save (or, ``inline``, to open in the browser), kept out of shared caches."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def csv_response(header: Sequence[str], rows: Iterable[Sequence[object]], filename: str) -> HttpResponse:
    """A formula-safe CSV download."""
    return download_response(csv_bytes(header, rows), filename, CSV_CONTENT_TYPE)


def xlsx_response(
    header: Sequence[str], rows: Iterable[Sequence[object]], filename: str, *, title: str
) -> HttpResponse:
    """A formula-safe one-sheet Excel download."""
    return download_response(xlsx_bytes(header, rows, title=title), filename, XLSX_CONTENT_TYPE)


def stored_file_response(file_field: FieldFile, filename: str, content_type: str) -> FileResponse:
    """A stored file as a download; 404 when it is missing from storage."""
    try:
        handle = file_field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing from storage.") from None
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
