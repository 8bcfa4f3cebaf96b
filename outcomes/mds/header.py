"""Matching a table's header row to the standard's columns.

Names are matched case-insensitively after trimming spaces, in any order. Unknown columns are
errors because they are where personal data leaks in, and so is data under a blank header or
beyond the last named column. A missing required column, a repeated column or a missing header
stops the rows being checked (they could not be read reliably); unknown columns do not.
"""

from __future__ import annotations

import difflib

from openpyxl.utils import get_column_letter

from outcomes.mds.columns import Column
from outcomes.mds.problems import ProblemLog
from outcomes.mds.reading import Table
from outcomes.mds.values import is_formula


def map_header(table: Table, columns: tuple[Column, ...], log: ProblemLog) -> dict[str, int] | None:
    """Column name -> position in the row, or None when the rows cannot be checked."""
    known = [column.name for column in columns]
    positions: dict[str, list[int]] = {}
    unknown: list[tuple[int, str]] = []
    unnamed: set[int] = set()
    for index, raw in enumerate(table.header):
        name = raw.strip().lower()
        if not name:
            unnamed.add(index)
        elif name in known:
            positions.setdefault(name, []).append(index)
        else:
            unknown.append((index, raw.strip()))
    sheet, row = table.sheet, table.header_row
    if not positions:
        log.error(
            sheet,
            row,
            None,
            None,
            f"Row {row} of the {sheet} table should hold the column names of the data standard "
            f"({', '.join(known)}), but none of them is there: the header row is missing or its "
            "names are changed. Copy the header row from the template into the first row.",
        )
        return None
    usable = True
    for name, indexes in positions.items():
        if len(indexes) > 1:
            letters = " and ".join(get_column_letter(index + 1) for index in indexes)
            log.error(
                sheet,
                row,
                name,
                None,
                f"The column {name} appears more than once (columns {letters}). Keep one and delete the others.",
            )
            usable = False
    guessed: set[str | None] = set()
    for index, raw in unknown:
        guess = None if is_formula(raw) else _guess(raw, known)
        guessed.add(guess)
        log.error(sheet, row, None, raw, _unknown_message(raw, index, guess))
    for column in columns:
        if column.required and column.name not in positions:
            usable = False
            if column.name in guessed:
                continue  # the unknown column's message already says to rename it
            log.error(
                sheet,
                row,
                column.name,
                None,
                f"The required column {column.name} is missing from the header row. Add a column "
                f"named {column.name} holding {column.described}.",
            )
    _report_unnamed_data(table, unnamed, log)
    if not usable:
        return None
    return {name: indexes[0] for name, indexes in positions.items()}


def _guess(raw: str, known: list[str]) -> str | None:
    """The standard's column a misspelt header most likely means, if any."""
    name = raw.strip().lower()
    spelled = "_".join(name.replace("-", " ").split())
    if spelled in known:
        return spelled
    return next(iter(difflib.get_close_matches(name, known, n=1)), None)


def _unknown_message(raw: str, index: int, guess: str | None) -> str:
    letter = get_column_letter(index + 1)
    if is_formula(raw):
        return (
            f"The header of column {letter} is a formula ({raw[:40]}). Type the column name itself, "
            "as in the template; values starting with =, +, - or @ are refused because spreadsheets "
            "run them as formulas."
        )
    if guess is not None:
        return (
            f'The column "{raw}" (column {letter}) is not a column of the data standard. If it holds '
            f"{guess}, rename it exactly {guess}."
        )
    return (
        f'The column "{raw}" (column {letter}) is not a column of the data standard. Delete it: '
        "extra columns are refused because they are where personal details such as names or NHS "
        "numbers get sent by mistake."
    )


def _report_unnamed_data(table: Table, unnamed: set[int], log: ProblemLog) -> None:
    """Data under a blank header, or beyond the header's last column, is refused like an unknown column."""
    width = len(table.header)
    reported: set[int] = set()
    for data_row in table.rows:
        if not unnamed and len(data_row.cells) <= width:
            continue  # every cell is under a named column
        for index, text in enumerate(data_row.cells):
            if not text or index in reported or (index < width and index not in unnamed):
                continue
            reported.add(index)
            log.error(
                table.sheet,
                data_row.number,
                None,
                None,
                f"Column {get_column_letter(index + 1)} has no name in the header row but holds data "
                f"(first in row {data_row.number}). Delete the data, or the column, if it is not part of "
                "the return.",
            )
