"""Checking the cells of one row: each read as its type, with a problem recorded for any that fails."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from outcomes.mds.problems import ProblemLog
from outcomes.mds.reading import RawRow
from outcomes.mds.values import CellError, is_formula

T = TypeVar("T")

TOTALS_WORDS = frozenset({"total", "totals", "sum", "grand total", "subtotal", "sub-total", "count"})
_NUMERIC = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)")


def is_totals_row(raw: RawRow, positions: dict[str, int], numeric: tuple[str, ...], key: str) -> bool:
    """A row that sums the table rather than being an episode: its key cell is a word such as Total,
    or its only values are numbers in the numeric columns (return-format v1.1)."""
    cells = {name: raw.cells[index] for name, index in positions.items() if index < len(raw.cells)}
    label = cells.get(key, "").strip().rstrip(":").casefold()
    if label in TOTALS_WORDS:
        return True
    filled = {name for name, text in cells.items() if text}
    unnamed = any(text for index, text in enumerate(raw.cells) if index not in positions.values())
    if unnamed and not filled:
        return all(_NUMERIC.fullmatch(text) for text in raw.cells if text)
    return bool(filled) and filled <= set(numeric) and all(_NUMERIC.fullmatch(cells[name]) for name in filled)


class RowCheck:
    """One data row under check: reads cells by column name and records problems against the row."""

    def __init__(
        self, raw: RawRow, positions: dict[str, int], sheet: str, log: ProblemLog, rules: dict[str, str]
    ):
        self.raw = raw
        self.rules = rules
        self.positions = positions
        self.sheet = sheet
        self.log = log
        self.ok = True

    def text(self, column: str) -> str:
        """The cell's trimmed text; "" when blank or when the column is absent."""
        index = self.positions.get(column)
        if index is None or index >= len(self.raw.cells):
            return ""
        return self.raw.cells[index]

    def parse(self, column: str, parser: Callable[[str, str], T], *, required: bool) -> T | None:
        """The cell read by `parser`, or None when it is blank or has a problem (which is recorded)."""
        text = self.text(column)
        if is_formula(text):
            self.error(
                column,
                text,
                f"{column} holds a formula, or text starting with {text[0]} that a spreadsheet would run "
                "as one. Type the value itself (copy the cells and use Paste Special > Values), or "
                "clear the cell if it should be blank.",
            )
            return None
        if not text:
            if required:
                self.error(column, text, f"{column} is blank. Fill it in with {self.rules[column]}.")
            return None
        try:
            return parser(text, column)
        except CellError as exc:
            self.error(column, text, str(exc))
            return None

    def error(self, column: str, text: str | None, message: str) -> None:
        """Record an error against this row; the row is then left out."""
        self.ok = False
        self.log.error(self.sheet, self.raw.number, column, text or None, message)

    def warning(self, column: str, text: str | None, message: str) -> None:
        """Record a warning against this row; the row still counts."""
        self.log.warning(self.sheet, self.raw.number, column, text or None, message)
