"""Files providers and commissioners download: blank return templates, the worked example, reports.

Built in memory from `outcomes.mds.columns`, so the templates always match what the validator
checks. Every CSV written here neutralises cells that a spreadsheet would run as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import openpyxl
from django.conf import settings
from django.utils import timezone
from openpyxl.styles import Font

from accounts.downloads import csv_bytes
from outcomes.mds.columns import (
    EPISODE_COLUMN_SPECS,
    EPISODE_COLUMNS,
    EPISODES,
    SURVEY,
    SURVEY_COLUMN_SPECS,
    SURVEY_COLUMNS,
    Column,
)

EXAMPLE_PERIOD = "2025-06"
EXAMPLE_PATH = Path(settings.BASE_DIR) / "static" / "returns" / f"example-return-{EXAMPLE_PERIOD}.csv"

REPORT_COLUMNS = ("severity", "sheet", "row", "column", "value", "message")


def template_csv() -> bytes:
    """The blank episodes table: the header row only, the standard's columns in order."""
    return csv_bytes(EPISODE_COLUMNS, [])


def _guidance_rows(table: str, columns: Sequence[Column]) -> list[tuple[str, str, str, str]]:
    return [(table, column.name, "yes" if column.required else "no", column.rule) for column in columns]


def template_xlsx() -> bytes:
    """A blank workbook: "episodes" and "survey" sheets with header rows, and a "guidance" sheet."""
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
    guidance = workbook.create_sheet("guidance")
    guidance.append(["table", "column", "required", "rule"])
    for cell in guidance[1]:
        cell.font = bold
    for row in _guidance_rows(EPISODES, EPISODE_COLUMN_SPECS) + _guidance_rows(SURVEY, SURVEY_COLUMN_SPECS):
        guidance.append(list(row))
    for letter, width in zip("ABCD", (12, 26, 10, 80), strict=True):
        guidance.column_dimensions[letter].width = width
    guidance.append([])
    guidance.append(
        [
            "Paste values only (no formulas). Column names may be in any order; do not add other "
            "columns. Survey figures are optional: leave the survey sheet with its header only if "
            "you have none. This guidance sheet is ignored when you upload the workbook."
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
