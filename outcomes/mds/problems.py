"""Problems found in a monthly return, shown to the provider with the identifiers masked.

Every problem names the sheet, the row as Excel shows it (header = row 1), the column and the
value, and says in plain English how to fix it. Problem lists are capped so that a file with one
systematic mistake in 100,000 rows stays readable: the cap's last entry says how many were left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from outcomes.mds.columns import IDENTIFIER_COLUMNS, TABLE_COLUMNS

ERROR = "error"
WARNING = "warning"
FILE = "file"

MAX_PROBLEMS_LISTED = 1_000
VALUE_DISPLAY_CHARS = 40


@dataclass(frozen=True)
class Problem:
    """One error or warning: where it is (sheet, row, column), the value, and how to fix it."""

    severity: str
    sheet: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def as_dict(self) -> dict:
        """The problem as shown in a validation report (the severity is the list it sits in)."""
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


_SHEET_ORDER = {FILE: 0, **{sheet: order for order, sheet in enumerate(TABLE_COLUMNS, start=1)}}
_COLUMN_ORDER = {
    (sheet, column.name): order
    for sheet, table in TABLE_COLUMNS.items()
    for order, column in enumerate(table)
}


def _place(problem: Problem) -> tuple[int, int, int]:
    """Report order: the file, then each table by row and by the standard's column order."""
    return (
        _SHEET_ORDER.get(problem.sheet, 0),
        problem.row or 0,
        _COLUMN_ORDER.get((problem.sheet, problem.column or ""), -1),
    )


def mask_identifier(value: str) -> str:
    """Show only the start of a reference, enough to find it in a spreadsheet, never all of it."""
    if not value:
        return value
    keep = 2 if len(value) > 3 else 1
    return value[:keep] + "***"


def display_value(column: str | None, value: str | None) -> str | None:
    """The value as shown in a problem: identifiers masked, long values shortened."""
    if value is None:
        return None
    if column in IDENTIFIER_COLUMNS:
        return mask_identifier(value)
    if len(value) > VALUE_DISPLAY_CHARS:
        return value[: VALUE_DISPLAY_CHARS - 1] + "…"
    return value


def rows_text(rows: list[int]) -> str:
    """Row numbers as runs: ``2–19``, ``4, 7–9``."""
    runs: list[list[int]] = []
    for row in sorted(set(rows)):
        if runs and runs[-1][-1] == row - 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    return ", ".join(str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs)


@dataclass
class ProblemLog:
    """Collects errors and warnings in the order found, listing at most MAX_PROBLEMS_LISTED of each.

    The same problem repeated down a column (same sheet, column and message) is one entry naming
    its rows ("rows 2–19: …"), never one line per cell (return-format v1.1).
    """

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    unlisted_errors: int = 0
    unlisted_warnings: int = 0
    _rows: dict[tuple, list[int]] = field(default_factory=dict, repr=False)

    def _add(self, problems: list[Problem], problem: Problem) -> bool:
        """Add the problem, or its row to the same problem already listed; False when the list is full."""
        key = (problem.severity, problem.sheet, problem.column, problem.message)
        if problem.row is not None and key in self._rows:
            self._rows[key].append(problem.row)
            return True
        if len(problems) >= MAX_PROBLEMS_LISTED:
            return False
        problems.append(problem)
        if problem.row is not None:
            self._rows[key] = [problem.row]
        return True

    def error(self, sheet: str, row: int | None, column: str | None, value: str | None, message: str) -> None:
        """Record an error; `value` is the raw cell text and is masked here."""
        if not self._add(
            self.errors, Problem(ERROR, sheet, row, column, display_value(column, value), message)
        ):
            self.unlisted_errors += 1

    def warning(
        self, sheet: str, row: int | None, column: str | None, value: str | None, message: str
    ) -> None:
        """Record a warning; `value` is the raw cell text and is masked here."""
        if not self._add(
            self.warnings, Problem(WARNING, sheet, row, column, display_value(column, value), message)
        ):
            self.unlisted_warnings += 1

    def file_error(self, message: str) -> None:
        """Record a problem with the file as a whole (format, size, encoding)."""
        self.error(FILE, None, None, None, message)

    def _grouped(self, problems: list[Problem]) -> list[Problem]:
        found = []
        for problem in problems:
            rows = self._rows.get((problem.severity, problem.sheet, problem.column, problem.message), [])
            if len(rows) > 1:
                where = (
                    f"{problem.column}, rows {rows_text(rows)}"
                    if problem.column
                    else f"Rows {rows_text(rows)}"
                )
                problem = Problem(
                    problem.severity,
                    problem.sheet,
                    problem.row,
                    problem.column,
                    None,
                    f"{where} ({len(rows)} rows): {problem.message}",
                )
            found.append(problem)
        return found

    def finish(self) -> tuple[list[Problem], list[Problem]]:
        """The errors and warnings, each ending with a note of how many were not listed."""
        errors = sorted(self._grouped(self.errors), key=_place)
        warnings = sorted(self._grouped(self.warnings), key=_place)
        if self.unlisted_errors:
            errors.append(
                Problem(
                    ERROR,
                    FILE,
                    None,
                    None,
                    None,
                    f"{self.unlisted_errors} more errors are not listed. Fix the errors above (many "
                    "often share one cause, such as a wrongly filled column) and upload the file again.",
                )
            )
        if self.unlisted_warnings:
            warnings.append(
                Problem(
                    WARNING,
                    FILE,
                    None,
                    None,
                    None,
                    f"{self.unlisted_warnings} more warnings are not listed. Check the rows above; "
                    "the same cause often explains the rest.",
                )
            )
        return errors, warnings
