"""Excel workbooks of portfolio exports: one sheet, a bold frozen header row, every cell formula-safe.

Cells are written as ``outcomes.templates_files.spreadsheet_safe`` writes them to CSV: text that a
spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) gets a
leading quote. Whole numbers and decimals stay numbers, so totals and sorting work in Excel; a
negative number is a number, not a formula, and is left as it is.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from outcomes.returns.files import spreadsheet_safe

MIN_WIDTH, MAX_WIDTH = 8, 60
SHEET_TITLE_LENGTH = 31  # Excel's limit
_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


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


def xlsx_bytes(headers: list[str], rows: Iterable[Sequence[object]], *, title: str) -> bytes:
    """A one-sheet workbook: the bold header row (frozen), then the rows, every cell formula-safe.

    Datetimes should be given in local time (Excel has no time zones); columns are as wide as
    their longest value, within bounds.
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
