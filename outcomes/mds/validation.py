"""Validating a monthly return file against the data standard: the entry point of the MDS package.

A return is accepted or rejected as a whole: when there is any error the typed episode and survey
lists are left empty, so nothing of a rejected return can be applied by mistake; warnings never
block. Problems are reported for all tables at once, so one upload shows everything to fix.

Where the standard is silent:
- a second CSV holding the survey table must be a .csv file; sending one with a workbook that
  already has a non-empty survey sheet is an error (the figures would be given twice);
- an XLSX survey sheet that is entirely empty counts as absent; other sheets are ignored;
- an episodes table with a header but no rows is an error: declare a nil return (see episodes.py);
- the period is the caller's input, not the provider's, so a bad one raises ValueError.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from outcomes.mds import columns
from outcomes.mds.columns import EPISODES, SURVEY
from outcomes.mds.episodes import EpisodeRow, validate_episodes
from outcomes.mds.period import ReturnPeriod
from outcomes.mds.previous import PreviousMonth, compare_with_previous
from outcomes.mds.problems import Problem, ProblemLog
from outcomes.mds.reading import FileRejected, Table, file_format, is_empty, read_csv_table, read_workbook
from outcomes.mds.survey import SurveyRow, validate_survey

_SAVE_AS = (
    'Save the return from Excel as "Excel Workbook (*.xlsx)" or "CSV UTF-8 (Comma delimited) (*.csv)" '
    "and upload it again."
)


@dataclass
class ValidatedReturn:
    """The outcome of validating one return: typed rows (only when valid), errors and warnings."""

    period: str
    episodes: list[EpisodeRow] = field(default_factory=list)
    survey: list[SurveyRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        """True when there are no errors (warnings do not count)."""
        return not self.errors


def validate_return(
    *,
    period: str,
    episodes_file: bytes,
    filename: str,
    survey_file: bytes | None = None,
    survey_filename: str | None = None,
    previous: PreviousMonth | None = None,
    commissioned: frozenset[str] | None = None,
) -> ValidatedReturn:
    """Read and check a return for the month `period` (YYYY-MM); the file's extension decides CSV or XLSX.

    ``previous`` is the contract's previous month and ``commissioned`` the service types the contract
    commissions, if it says: the checks against them are warnings (``previous.py``).
    """
    with collector_paused():
        return _validate_return(
            period=period,
            episodes_file=episodes_file,
            filename=filename,
            survey_file=survey_file,
            survey_filename=survey_filename,
            previous=previous,
            commissioned=commissioned,
        )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a file is read: reading makes millions of small objects
    and no cycles, and a collection pass walks every object alive each time one is due (a fifth of
    the time on a large return). Anything left to collect is collected once it is running again."""
    was_running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_running:
            gc.enable()


def _references(table: Table) -> frozenset[str]:
    """Every episode_ref written in the episodes table, on valid rows or not."""
    names = [cell.strip().lower() for cell in table.header]
    if "episode_ref" not in names:
        return frozenset()
    at = names.index("episode_ref")
    return frozenset(row.cells[at].strip() for row in table.rows if at < len(row.cells))


def _validate_return(
    *,
    period: str,
    episodes_file: bytes,
    filename: str,
    survey_file: bytes | None,
    survey_filename: str | None,
    previous: PreviousMonth | None,
    commissioned: frozenset[str] | None,
) -> ValidatedReturn:
    return_period = ReturnPeriod.parse(period)
    log = ProblemLog()
    episodes_table, survey_table = _read_tables(log, episodes_file, filename, survey_file, survey_filename)
    episodes = validate_episodes(episodes_table, return_period, log) if episodes_table else []
    present = None
    if episodes_table is not None and len(episodes) < len(episodes_table.rows):
        # Rows with errors are not episodes: they are in the file all the same, not missing from it.
        present = _references(episodes_table)
    compare_with_previous(episodes, previous, commissioned, log, present=present)
    survey = validate_survey(survey_table, log) if survey_table else []
    errors, warnings = log.finish()
    if errors:
        episodes, survey = [], []
    return ValidatedReturn(
        period=return_period.code, episodes=episodes, survey=survey, errors=errors, warnings=warnings
    )


def validate_nil_return(
    *, period: str, survey_file: bytes | None = None, survey_filename: str | None = None
) -> ValidatedReturn:
    """Check a nil return (a declaration of no episodes): only its survey figures, if any, are read."""
    return_period = ReturnPeriod.parse(period)
    log = ProblemLog()
    survey: list[SurveyRow] = []
    if survey_file is not None and _readable_size(log, survey_file, survey_filename or "survey.csv"):
        try:
            table = read_csv_table(
                survey_file,
                sheet=SURVEY,
                filename=survey_filename or "survey.csv",
                max_rows=columns.MAX_EPISODE_ROWS,
            )
        except FileRejected as rejection:
            log.error(rejection.sheet, None, None, None, rejection.message)
        else:
            survey = validate_survey(table, log) if table else []
    errors, warnings = log.finish()
    return ValidatedReturn(
        period=return_period.code, survey=[] if errors else survey, errors=errors, warnings=warnings
    )


def _read_tables(
    log: ProblemLog,
    episodes_file: bytes,
    filename: str,
    survey_file: bytes | None,
    survey_filename: str | None,
) -> tuple[Table | None, Table | None]:
    episodes_table = survey_table = None
    kind = file_format(filename)
    if kind is None:
        log.file_error(_wrong_extension(filename))
    elif _readable_size(log, episodes_file, filename):
        try:
            if kind == "csv":
                episodes_table = read_csv_table(
                    episodes_file, sheet=EPISODES, filename=filename, max_rows=columns.MAX_EPISODE_ROWS
                )
            else:
                episodes_table, survey_table = read_workbook(
                    episodes_file, filename=filename, max_rows=columns.MAX_EPISODE_ROWS
                )
        except FileRejected as rejection:
            log.error(rejection.sheet, None, None, None, rejection.message)
    if survey_file is None:
        return episodes_table, survey_table
    name = survey_filename or "survey.csv"
    if file_format(name) != "csv":
        log.file_error(
            f'The survey file "{name}" must be a CSV file (its name ending .csv). Save the survey table '
            'from Excel as "CSV UTF-8 (Comma delimited) (*.csv)", or put it on a sheet named "survey" '
            "in the episodes workbook."
        )
    elif survey_table is not None:
        log.file_error(
            f'The survey figures are given twice: on the "survey" sheet of "{filename}" and in '
            f'"{name}". Send them once: remove the sheet, or do not send the separate file.'
        )
    elif _readable_size(log, survey_file, name):
        try:
            survey_table = read_csv_table(
                survey_file, sheet=SURVEY, filename=name, max_rows=columns.MAX_EPISODE_ROWS
            )
        except FileRejected as rejection:
            log.error(rejection.sheet, None, None, None, rejection.message)
    return episodes_table, survey_table


def _readable_size(log: ProblemLog, data: bytes, filename: str) -> bool:
    """Record why a file is too big or empty to read; True when its size is fine."""
    if len(data) > columns.MAX_FILE_BYTES:
        limit_mb = columns.MAX_FILE_BYTES / (1024 * 1024)
        log.file_error(
            f'The file "{filename}" is {len(data) / (1024 * 1024):.1f} MB; a return file may be at most '
            f"{limit_mb:g} MB. Remove anything that is not part of the return (pictures, extra sheets, "
            "formatting of empty rows) and upload it again."
        )
        return False
    if is_empty(data):
        log.file_error(
            f'The file "{filename}" is empty. Upload the return with its header row and one row per '
            "episode. If you had no episodes this month, make a nil return in the portal instead."
        )
        return False
    return True


def _wrong_extension(filename: str) -> str:
    if filename.strip().lower().endswith(".xls"):
        return (
            f'The file "{filename}" is in the old Excel 97-2003 format (.xls), which is not accepted. '
            'Open it in Excel, choose File > Save As > "Excel Workbook (*.xlsx)" and upload the new file.'
        )
    return f'The file "{filename}" is not a CSV or XLSX file (its name must end .csv or .xlsx). {_SAVE_AS}'
