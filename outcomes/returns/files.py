"""Files providers and commissioners download: blank return templates, the worked example, reports.

Built in memory from `outcomes.mds.columns`, so the templates always match what the validator
checks. Every CSV written here neutralises cells that a spreadsheet would run as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.downloads import csv_bytes
from outcomes.mds.columns import (
    CHANGES_IN_THIS_VERSION,
    EPISODE_COLUMN_SPECS,
    EPISODE_COLUMNS,
    EPISODES,
    FORMAT_VERSION,
    MAX_EPISODE_ROWS,
    SURVEY,
    SURVEY_COLUMN_SPECS,
    SURVEY_COLUMNS,
    Column,
)
from outcomes.periods import LONDON
from outcomes.returns.selectors import last_month_source

EXAMPLE_PERIOD = "2025-06"
EXAMPLE_PATH = Path(settings.BASE_DIR) / "static" / "returns" / f"example-return-{EXAMPLE_PERIOD}.csv"

REPORT_COLUMNS = ("severity", "sheet", "row", "column", "value", "message")


def template_csv() -> bytes:
    """The blank episodes table: the header row only, the standard's columns in order."""
    return csv_bytes(EPISODE_COLUMNS, [])


def _guidance_rows(table: str, columns: Sequence[Column]) -> list[tuple[str, str, str, str, str]]:
    return [
        (table, column.name, "yes" if column.required else "no", column.rule, ", ".join(column.allowed))
        for column in columns
    ]


def _drop_downs(sheet, columns: Sequence[Column], rows: int = MAX_EPISODE_ROWS + 1) -> None:
    """A drop-down list (data validation) on every coded column, from the standard's allowed values."""
    for index, column in enumerate(columns, start=1):
        if not column.allowed:
            continue
        letter = get_column_letter(index)
        listed = DataValidation(
            type="list",
            formula1='"' + ",".join(column.allowed) + '"',
            allow_blank=not column.required or column.name in ("end_reason",),
            showErrorMessage=True,
            errorTitle=f"{column.name}: not an allowed value",
            error=f"Choose one of: {', '.join(column.allowed)}",
        )
        listed.add(f"{letter}2:{letter}{rows}")
        sheet.add_data_validation(listed)


def template_xlsx() -> bytes:
    """A blank workbook: "episodes" and "survey" sheets with header rows and drop-down lists on their
    coded columns, and a "guidance" sheet naming the standard's version, what changed in it, and every
    column's rule and allowed values. All from ``outcomes.mds.columns``, as the validator reads them."""
    buffer = io.BytesIO()
    _template_workbook().save(buffer)
    return buffer.getvalue()


ENDED_WITHIN_DAYS = 120  # a return holds the episodes open in the month and those ended this recently
DATETIME_FORMAT, DATE_FORMAT = "dd/mm/yyyy hh:mm", "dd/mm/yyyy"


def last_month_xlsx(contract, month: date) -> bytes | None:
    """The template workbook filled from the newest accepted version of the month before ``month``:
    every episode still open then, and those ended in the 120 days before ``month`` began, every
    column as last month said it (dates as real date cells), ready to update. None when that month
    has no accepted return."""
    source = last_month_source(contract, month)
    if source is None:
        return None
    since = month - timedelta(days=ENDED_WITHIN_DAYS)
    rows = source.episodes.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=since)).order_by("row", "id")
    workbook = _template_workbook()
    sheet = workbook[EPISODES]
    for record in rows.iterator(chunk_size=5000):
        sheet.append([_cell(record, name) for name in EPISODE_COLUMNS])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # text that looks like a formula stays text, exactly as stored
                cell.data_type = "s"
        for name, number_format in (
            ("referred_at", DATETIME_FORMAT),
            ("first_visit_at", DATETIME_FORMAT),
            ("ended_on", DATE_FORMAT),
        ):
            sheet.cell(
                row=sheet.max_row, column=EPISODE_COLUMNS.index(name) + 1
            ).number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(record, name: str):
    """One stored value as a spreadsheet cell: London dates and times as naive date cells, flags as Y/N."""
    value = getattr(record, name)
    if value is None:
        return None
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, datetime):
        return timezone.localtime(value, LONDON).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value.normalize()) if value != value.to_integral_value() else int(value)
    return value


def _template_workbook() -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    bold = Font(bold=True)
    episodes = workbook.active
    episodes.title = EPISODES
    survey = workbook.create_sheet(SURVEY)
    for sheet, header in ((episodes, EPISODE_COLUMNS), (survey, SURVEY_COLUMNS)):
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = bold
            sheet.column_dimensions[cell.column_letter].width = max(14, len(str(cell.value)) + 2)
        sheet.freeze_panes = "A2"
    _drop_downs(episodes, EPISODE_COLUMN_SPECS)
    _drop_downs(survey, SURVEY_COLUMN_SPECS, rows=50)
    guidance = workbook.create_sheet("guidance")
    guidance.append([f"Monthly data standard, version {FORMAT_VERSION}"])
    guidance["A1"].font = bold
    guidance.append([])
    guidance.append(["table", "column", "required", "rule", "allowed values (type them exactly)"])
    for cell in guidance[3]:
        cell.font = bold
    for row in _guidance_rows(EPISODES, EPISODE_COLUMN_SPECS) + _guidance_rows(SURVEY, SURVEY_COLUMN_SPECS):
        guidance.append(list(row))
    for letter, width in zip("ABCDE", (12, 26, 10, 70, 60), strict=True):
        guidance.column_dimensions[letter].width = width
    guidance.append([])
    guidance.append(
        [
            "Paste values only (no formulas). Column names may be in any order; do not add other "
            "columns. Dates are day first (03/04/2025, or 03/04/2025 14:30 with a time), or date cells. "
            "Survey figures are optional: leave the survey sheet with its header only if you have none. "
            "This guidance sheet is ignored when you upload the workbook."
        ]
    )
    guidance.append([])
    guidance.append([f"What changed in version {FORMAT_VERSION}"])
    guidance.cell(row=guidance.max_row, column=1).font = bold
    for change in CHANGES_IN_THIS_VERSION:
        guidance.append([change])
    return workbook


def example_csv() -> bytes:
    """The worked example return (it passes validation for EXAMPLE_PERIOD)."""
    return EXAMPLE_PATH.read_bytes()


def report_csv(attempt) -> bytes:
    """A return attempt's validation report: every error, then every warning."""
    problems = [*attempt.errors, *attempt.warnings]
    return csv_bytes(
        REPORT_COLUMNS,
        ([problem.get(column) for column in REPORT_COLUMNS] for problem in problems),
    )


OUTSTANDING_COLUMNS = ("provider", "contract", "contract_title", "month", "due", "state", "overdue")


def outstanding_csv(statuses, state_labels: dict[str, str]) -> bytes:
    """The month's outstanding returns, as listed on the outstanding returns page."""
    return csv_bytes(
        OUTSTANDING_COLUMNS,
        (
            (
                status.contract.provider.name,
                status.contract.reference,
                status.contract.title,
                status.period,
                f"{timezone.localtime(status.due):%Y-%m-%d}",
                state_labels.get(status.state, status.state),
                "yes" if status.overdue else "no",
            )
            for status in statuses
        ),
    )
