"""The rules of the survey table: the month's provider-run survey results, one row per measure."""

from __future__ import annotations

from dataclasses import dataclass

from outcomes.mds import values
from outcomes.mds.columns import SURVEY, SURVEY_COLUMN_SPECS, SURVEY_MEASURE_CODES
from outcomes.mds.header import map_header
from outcomes.mds.problems import ProblemLog
from outcomes.mds.reading import Table
from outcomes.mds.rows import RowCheck, is_totals_row

_RULES = {column.name: column.described for column in SURVEY_COLUMN_SPECS}


@dataclass(frozen=True)
class SurveyRow:
    """One valid row of the survey table: respondents answering yes out of respondents."""

    row: int
    measure_code: str
    numerator: int
    denominator: int


def validate_survey(table: Table, log: ProblemLog) -> list[SurveyRow]:
    """Check every row of the survey table; the typed rows of those that passed."""
    positions = map_header(table, SURVEY_COLUMN_SPECS, log)
    if positions is None:
        return []
    first_rows: dict[str, int] = {}
    rows = []
    for raw in table.rows:
        if is_totals_row(raw, positions, ("numerator", "denominator"), "measure_code"):
            log.error(
                SURVEY,
                raw.number,
                None,
                None,
                f"Row {raw.number} looks like a totals row: delete it; the survey table holds one row per measure.",
            )
            continue
        check = RowCheck(raw, positions, SURVEY, log, _RULES)
        code = check.parse("measure_code", _parse_measure_code, required=True)
        numerator = check.parse("numerator", values.parse_count, required=True)
        denominator = check.parse("denominator", values.parse_count, required=True)
        if code is not None:
            if code in first_rows:
                check.error(
                    "measure_code",
                    code,
                    f"{code} is also given in row {first_rows[code]}. Give each survey measure once: "
                    "add the figures together in one row and delete the other.",
                )
            else:
                first_rows[code] = raw.number
        if numerator is not None and denominator is not None and denominator < numerator:
            check.error(
                "denominator",
                check.text("denominator"),
                f"denominator ({denominator}) is smaller than numerator ({numerator}). The denominator "
                "is everyone who answered and the numerator those who answered yes, so it cannot be "
                "smaller: check whether the two are swapped.",
            )
        if check.ok and code is not None and numerator is not None and denominator is not None:
            rows.append(SurveyRow(raw.number, code, numerator, denominator))
    return rows


def _parse_measure_code(text: str, column: str) -> str:
    return values.parse_choice(text, column, SURVEY_MEASURE_CODES)
