"""A month's episodes edited in the browser, for providers with no spreadsheet.

The editor holds the episodes table as text, one row per episode, exactly as a file would: it
starts from the month's latest file (or a file the provider asks to correct), else from last
month's accepted return (open episodes and those ended in the last 120 days), and is saved as a
CSV file through the same upload, checks and report as any other return. Nothing here checks a
value: the data standard's validator does, so that both ways get the same rules and the same report.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.dates import moment_label
from commissioning.models import Contract
from outcomes.mds.columns import EPISODE_COLUMNS, EPISODES, MAX_EPISODE_ROWS
from outcomes.mds.reading import FileRejected, file_format, read_csv_table, read_workbook
from outcomes.models import AttemptKind, ReturnAttempt
from outcomes.periods import LONDON
from outcomes.returns.files import ENDED_WITHIN_DAYS
from outcomes.returns.selectors import last_month_source

EDITOR_FILENAME = "entered in the portal.csv"

Row = dict[str, str]


def _text(value) -> str:
    """A stored value as the editor shows it: UK dates and times, Y/N flags, plain numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, datetime):
        local = timezone.localtime(value, LONDON)
        return f"{local:%d/%m/%Y}" if (local.hour, local.minute) == (0, 0) else f"{local:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    text = str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def rows_from_last_month(contract: Contract, month: date) -> list[Row]:
    """Last month's accepted episodes still open, or ended in the 120 days before ``month``."""
    source = last_month_source(contract, month)
    if source is None:
        return []
    since = month - timedelta(days=ENDED_WITHIN_DAYS)
    records = source.episodes.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=since)).order_by("row", "id")
    return [{name: _text(getattr(record, name)) for name in EPISODE_COLUMNS} for record in records]


def rows_from_attempt(attempt: ReturnAttempt) -> list[Row]:
    """The episodes table of a file as submitted, as text (what the provider typed or uploaded)."""
    if attempt.kind == AttemptKind.NIL or not attempt.file:
        return []
    with attempt.file.open("rb") as handle:
        content = handle.read()
    try:
        if file_format(attempt.filename) == "xlsx":
            table, _ = read_workbook(content, filename=attempt.filename, max_rows=MAX_EPISODE_ROWS)
        else:
            table = read_csv_table(
                content, sheet=EPISODES, filename=attempt.filename, max_rows=MAX_EPISODE_ROWS
            )
    except FileRejected:
        return []
    if table is None:
        return []
    positions = {name.strip().lower(): index for index, name in enumerate(table.header)}
    return [
        {
            name: (
                raw.cells[positions[name]] if name in positions and positions[name] < len(raw.cells) else ""
            )
            for name in EPISODE_COLUMNS
        }
        for raw in table.rows
    ]


def rows_to_start_from(
    contract: Contract, month: date, attempt: ReturnAttempt | None
) -> tuple[list[Row], str]:
    """The rows the editor starts with, and where they come from (said on the page)."""
    if attempt is not None:
        rows = rows_from_attempt(attempt)
        return rows, f"the file sent at {moment_label(attempt.submitted_at)}"
    rows = rows_from_last_month(contract, month)
    if rows:
        return rows, "last month's accepted return: its open episodes and those ended in the last 120 days"
    return [], ""


def rows_csv(rows: list[Row]) -> bytes:
    """The rows as the episodes table of a CSV file, in the standard's column order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EPISODE_COLUMNS)
    for row in rows:
        writer.writerow([row.get(name, "").strip() for name in EPISODE_COLUMNS])
    return buffer.getvalue().encode()
