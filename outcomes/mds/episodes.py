"""The rules of the episodes table: one row per episode of care, checked cell by cell and across cells.

Where the standard is silent this module decides, and says so here:
- a header row with no episodes is an ERROR: a month with nothing to report is declared as a nil
  return, explicitly, never sent as an empty table (the standard: "never an absent file").
- at_home_91_days given for an episode that is not a hospital discharge is a WARNING: the answer
  is ignored by every measure, so it does not block the return, but the provider should know.
- first_visit_at after the end of the period is a WARNING (likely a typing slip; not forbidden).
- ended_on before the referral date of an episode that never had a first visit is a WARNING
  (the standard only compares ended_on with the first visit).
- "91 days have passed" means the 91st day after the London date of referred_at is on or before
  the period's last day; dates are compared as London calendar dates throughout.
- first_visit_at given as a date alone is 00:00 London, so a first visit on the day of a referral
  made at 14:30 must carry its time; the error message says so.
- Y/N columns and the other allowed values must be written exactly (a lower-case y is refused
  with a message naming the right spelling).
- episode_ref is unique by exact spelling (EP1 and ep1 are different references).
- person_ref is treated as a possible NHS number when it is 10 digits, also when the digits are
  grouped by spaces or hyphens (such as 943 476 5919).
- a person_ref that looks like a name (two or more capitalised words joined by _ or -, such as
  Jane_Smith) or holds a date (1950-03-12, 12-03-1950, 19500312) is a WARNING: it may identify the
  person, but a provider's own ID scheme could look like this, so it does not block the return.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from outcomes.mds import values
from outcomes.mds.columns import (
    AGE_BANDS,
    END_REASONS,
    EPISODE_COLUMN_SPECS,
    EPISODES,
    REFERRAL_SOURCES,
    SERVICE_TYPES,
)
from outcomes.mds.header import map_header
from outcomes.mds.period import ReturnPeriod
from outcomes.mds.problems import ProblemLog
from outcomes.mds.reading import RawRow, Table
from outcomes.mds.rows import TOTALS_WORDS, RowCheck, is_totals_row
from outcomes.periods import LONDON, day_label

FOLLOW_UP_DAYS = 91
NO_EPISODES_MESSAGE = (
    "The episodes table has a header row but no episodes. Add a row for every episode open in the "
    "month or ended in the previous 120 days. If you really had no episodes this month, declare a "
    "nil return in the portal instead of sending a file."
)

_REF = re.compile(r"[A-Za-z0-9_-]+")
_RULES = {column.name: column.described for column in EPISODE_COLUMN_SPECS}


class EpisodeRow(NamedTuple):
    """One valid row of the episodes table, typed; datetimes are aware, in Europe/London.

    A named tuple rather than a dataclass: a return holds up to 100,000 of them, and a tuple is made
    several times faster and in less memory."""

    row: int
    episode_ref: str
    person_ref: str
    service_type: str
    referral_source: str
    age_band: str
    dementia: bool
    end_of_life: bool
    referred_at: datetime
    first_visit_at: datetime | None
    weekly_hours_start: Decimal
    weekly_hours_now: Decimal
    ended_on: date | None
    end_reason: str | None
    died_in_preferred_place: bool | None
    at_home_91_days: bool | None


def validate_episodes(
    table: Table, period: ReturnPeriod, log: ProblemLog, *, fast: bool = True
) -> list[EpisodeRow]:
    """Check every row of the episodes table; the typed rows of those that passed.

    A row is first read on the fast path (``_CleanRows``), which gives its typed row when it has no
    problem at all; any other row is checked in full, which records its problems. Both read every
    cell with the same parsers and run the same checks across cells, so the outcome is the same
    either way; ``fast=False`` checks every row in full (the tests compare the two).
    """
    positions = map_header(table, EPISODE_COLUMN_SPECS, log)
    if positions is None:
        return []
    if not table.rows:
        log.error(EPISODES, None, None, None, NO_EPISODES_MESSAGE)
    first_rows: dict[str, int] = {}
    episodes = []
    clean = _CleanRows(positions, period, log)
    typed_rows = clean.read(table.rows) if fast else [None] * len(table.rows)
    for raw, typed in zip(table.rows, typed_rows, strict=True):
        episode = clean.finish(raw, typed, first_rows) if typed is not None else None
        if episode is None:
            episode = _checked_in_full(raw, positions, period, log, first_rows)
        if episode is not None:
            episodes.append(episode)
    return episodes


def _checked_in_full(
    raw: RawRow, positions: dict[str, int], period: ReturnPeriod, log: ProblemLog, first_rows: dict[str, int]
) -> EpisodeRow | None:
    """One row checked cell by cell, every problem recorded; its typed row if it has no error."""
    if is_totals_row(raw, positions, NUMERIC_COLUMNS, "episode_ref"):
        log.error(EPISODES, raw.number, None, None, totals_message(raw.number))
        return None
    return _check_row(RowCheck(raw, positions, EPISODES, log, _RULES), period, first_rows)


NUMERIC_COLUMNS = ("weekly_hours_start", "weekly_hours_now")


def totals_message(row: int) -> str:
    return f"Row {row} looks like a totals row: delete it; the return holds only episodes."


def parse_episode_ref(text: str, column: str) -> str:
    """A reference of 1-64 letters, digits, hyphens or underscores."""
    if len(text) > 64:
        raise values.CellError(f"{column} is longer than 64 characters. Use a shorter reference.")
    if _REF.fullmatch(text) is None:
        raise values.CellError(
            f"{column} may only contain letters, digits, hyphens (-) and underscores (_), with no "
            "spaces. Remove the other characters."
        )
    return text


def parse_person_ref(text: str, column: str) -> str:
    """The provider's pseudonymous ID: refused when it could be an NHS number or a name."""
    digits = re.sub(r"[\s-]", "", text)
    if digits.isdigit() and len(digits) == 10 and digits.isascii():
        raise values.CellError(
            f"{column} is 10 digits, so it could be an NHS number. Never send NHS numbers: use your "
            "own pseudonymous ID for the person (for example P-00123) and keep the link to the "
            "person in your own records."
        )
    if any(character.isspace() for character in text):
        raise values.CellError(
            f"{column} contains a space, so it could be a person's name. Never send names: use your "
            "own pseudonymous ID for the person (for example P-00123), without spaces."
        )
    return parse_episode_ref(text, column)


_YEAR_FIRST = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.]?(\d{2})[-_.]?(\d{2})(?!\d)")
_DAY_FIRST = re.compile(r"(?<!\d)(\d{1,2})[-_.](\d{1,2})[-_.]((?:19|20)?\d{2})(?!\d)")
_NAME_PARTS = re.compile(r"(?<![A-Za-z])[A-Z][a-z]{1,}(?:[-_][A-Z][a-z]{1,})+(?![a-z])")
IDENTIFIABLE_REF_MESSAGE = (
    "person_ref looks like it holds a name or a date (of birth, say). Use your own pseudonymous ID "
    "for the person (for example P-00123), with no names or dates, and keep the link to the person "
    "in your own records."
)


def _is_date(day: str, month: str) -> bool:
    return 1 <= int(month) <= 12 and 1 <= int(day) <= 31


def looks_identifiable(reference: str) -> bool:
    """A reference that looks like a person's name (Jane_Smith) or carries a real calendar date
    (1950-03-12, 19500312, 12-03-1950)."""
    if _NAME_PARTS.search(reference):
        return True
    if any(_is_date(day, month) for _, month, day in _YEAR_FIRST.findall(reference)):
        return True
    return any(_is_date(day, month) for day, month, _ in _DAY_FIRST.findall(reference))


def _check_row(check: RowCheck, period: ReturnPeriod, first_rows: dict[str, int]) -> EpisodeRow | None:
    parse = check.parse
    episode_ref = parse("episode_ref", parse_episode_ref, required=True)
    person_ref = parse("person_ref", parse_person_ref, required=True)
    if person_ref is not None and looks_identifiable(person_ref):
        check.warning("person_ref", person_ref, IDENTIFIABLE_REF_MESSAGE)
    service_type = parse("service_type", _choice(SERVICE_TYPES), required=True)
    referral_source = parse("referral_source", _choice(REFERRAL_SOURCES), required=True)
    age_band = parse("age_band", _choice(AGE_BANDS), required=True)
    dementia = parse("dementia", values.parse_flag, required=True)
    end_of_life = parse("end_of_life", values.parse_flag, required=True)
    referred_at = parse("referred_at", values.parse_datetime, required=True)
    first_visit_at = parse("first_visit_at", values.parse_datetime, required=False)
    hours_start = parse("weekly_hours_start", values.parse_hours, required=True)
    hours_now = parse("weekly_hours_now", values.parse_hours, required=True)
    ended_on = parse("ended_on", values.parse_date, required=False)
    end_reason = parse("end_reason", _choice(END_REASONS), required=False)
    died_in_preferred_place = parse("died_in_preferred_place", values.parse_flag, required=False)
    at_home_91_days = parse("at_home_91_days", values.parse_flag, required=False)

    if episode_ref is not None:
        if episode_ref in first_rows:
            check.error(
                "episode_ref",
                episode_ref,
                f"This episode_ref is also used in row {first_rows[episode_ref]}. Each episode "
                "appears once in a return: delete the repeated row, or give each episode its own "
                "reference.",
            )
        else:
            first_rows[episode_ref] = check.raw.number
    _check_dates(check, period, referred_at, first_visit_at, ended_on)
    _check_ending(check, end_reason, end_of_life)
    _check_follow_up(check, period, referral_source, referred_at)

    if not check.ok:
        return None
    assert episode_ref and person_ref and service_type and referral_source and age_band
    assert dementia is not None and end_of_life is not None and referred_at is not None
    assert hours_start is not None and hours_now is not None
    return EpisodeRow(
        row=check.raw.number,
        episode_ref=episode_ref,
        person_ref=person_ref,
        service_type=service_type,
        referral_source=referral_source,
        age_band=age_band,
        dementia=dementia,
        end_of_life=end_of_life,
        referred_at=referred_at,
        first_visit_at=first_visit_at,
        weekly_hours_start=hours_start,
        weekly_hours_now=hours_now,
        ended_on=ended_on,
        end_reason=end_reason,
        died_in_preferred_place=died_in_preferred_place,
        at_home_91_days=at_home_91_days,
    )


def _choice(allowed: tuple[str, ...]) -> Callable[[str, str], str]:
    def parse_one_of(text: str, column: str) -> str:
        return values.parse_choice(text, column, allowed)

    return parse_one_of


class _NotClean(Exception):
    """The row has a problem, or may have one: it is checked in full, which records it."""


_PROBLEM = object()  # a cell that the full check would report, or leave to its judgement


def _clean_episode_ref(text: str, column: str) -> str:
    """episode_ref as the full check reads it; a totals label (Total, Sum, …) is left to that check."""
    if text.casefold() in TOTALS_WORDS:
        raise values.CellError(column)
    return parse_episode_ref(text, column)


def _clean_person_ref(text: str, column: str) -> str:
    """person_ref as ``parse_person_ref`` reads it, for a reference of the allowed characters (so with
    no spaces); anything else, a possible NHS number or a reference that looks identifiable (a
    warning) is left to the full check."""
    if len(text) > 64 or _REF.fullmatch(text) is None:
        raise values.CellError(column)
    digits = text.replace("-", "")
    if (digits.isdigit() and len(digits) == 10 and digits.isascii()) or looks_identifiable(text):
        raise values.CellError(column)
    return text


class _Probe(RowCheck):
    """The checks across cells run as in the full check, stopping at the first problem they find."""

    def error(self, column: str, text: str | None, message: str) -> None:
        raise _NotClean

    def warning(self, column: str, text: str | None, message: str) -> None:
        raise _NotClean


class _CleanRows:
    """The fast path: each row's typed values when the full check would record nothing for it.

    The table is read a column at a time: each distinct text of a column is parsed once, with the
    parser the full check uses (a return repeats its codes, hours and dates thousands of times), and
    a row with any cell the full check would report is left to that check. The checks across cells
    are the full check's own, run by ``finish``.
    """

    PARSERS: dict[str, Callable[[str, str], Any]] = {
        "episode_ref": _clean_episode_ref,
        "person_ref": _clean_person_ref,
        "service_type": _choice(SERVICE_TYPES),
        "referral_source": _choice(REFERRAL_SOURCES),
        "age_band": _choice(AGE_BANDS),
        "dementia": values.parse_flag,
        "end_of_life": values.parse_flag,
        "referred_at": values.parse_datetime,
        "first_visit_at": values.parse_datetime,
        "weekly_hours_start": values.parse_hours,
        "weekly_hours_now": values.parse_hours,
        "ended_on": values.parse_date,
        "end_reason": _choice(END_REASONS),
        "died_in_preferred_place": values.parse_flag,
        "at_home_91_days": values.parse_flag,
    }

    def __init__(self, positions: dict[str, int], period: ReturnPeriod, log: ProblemLog):
        self.positions = positions
        self.period = period
        self.probe = _Probe(RawRow(0, ()), positions, EPISODES, log, _RULES)

    def read(self, rows: tuple[RawRow, ...]) -> list[tuple | None]:
        """Per row, its typed cells in the standard's column order, or None to check it in full."""
        if not rows:
            return []
        # Cells padded with blanks; a column missing from the header reads the last (blank) cell.
        padding = ("",) * (max(self.positions.values()) + 2)
        take = operator.itemgetter(*(self.positions.get(spec.name, -1) for spec in EPISODE_COLUMN_SPECS))
        columns = zip(*[take(raw.cells + padding) for raw in rows], strict=True)
        read = [
            self._column(spec.name, spec.required, texts)
            for spec, texts in zip(EPISODE_COLUMN_SPECS, columns, strict=True)
        ]
        typed: list[tuple | None] = list(zip(*(column for column, _ in read), strict=True))
        for column, problems in read:
            if problems:
                for index, value in enumerate(column):
                    if value is _PROBLEM:
                        typed[index] = None
        return typed

    def _column(self, name: str, required: bool, texts: tuple[str, ...]) -> tuple[list[Any], bool]:
        """A column's cells as ``RowCheck.parse`` reads them, _PROBLEM where it would record anything,
        and whether there is any such cell."""
        parser = self.PARSERS[name]
        read: dict[str, Any] = {}
        problems = False
        for text in set(texts):
            if values.is_formula(text) or (not text and required):
                read[text], problems = _PROBLEM, True
            elif not text:
                read[text] = None
            else:
                try:
                    read[text] = parser(text, name)
                except values.CellError:
                    read[text], problems = _PROBLEM, True
        return list(map(read.__getitem__, texts)), problems

    def finish(self, raw: RawRow, typed: tuple, first_rows: dict[str, int]) -> EpisodeRow | None:
        """The row's typed episode if it repeats no episode_ref and passes the checks across cells."""
        episode_ref = typed[0]
        if episode_ref in first_rows:
            return None
        probe, period = self.probe, self.period
        probe.raw = raw
        referral_source, end_of_life, referred_at, first_visit_at = typed[3], typed[6], typed[7], typed[8]
        try:
            _check_dates(probe, period, referred_at, first_visit_at, typed[11])
            _check_ending(probe, typed[12], end_of_life)
            _check_follow_up(probe, period, referral_source, referred_at)
        except _NotClean:
            return None
        first_rows[episode_ref] = raw.number
        return EpisodeRow(raw.number, *typed)


def _check_dates(
    check: RowCheck,
    period: ReturnPeriod,
    referred_at: datetime | None,
    first_visit_at: datetime | None,
    ended_on: date | None,
) -> None:
    # Each moment in UTC once: the checks below compare them several times.
    referred_utc = _utc(referred_at) if referred_at is not None else None
    visit_utc = _utc(first_visit_at) if first_visit_at is not None else None
    ends_utc = period.ends_at_utc
    if referred_at is not None and referred_utc is not None and referred_utc >= ends_utc:
        check.error(
            "referred_at",
            check.text("referred_at"),
            f"referred_at ({_show(referred_at)}) is after the end of this return's month, "
            f"{period.label}. Check the date; a referral made after {period.last_day_label} belongs "
            "in a later month's return.",
        )
    if (
        first_visit_at is not None
        and referred_at is not None
        and visit_utc is not None
        and referred_utc is not None
        and visit_utc < referred_utc
    ):
        check.error(
            "first_visit_at",
            check.text("first_visit_at"),
            f"first_visit_at ({_show(first_visit_at)}) is before referred_at ({_show(referred_at)}). "
            "The first visit cannot come before the referral: correct one of the two. A date "
            "without a time counts as midnight, so add the time if both are on the same day.",
        )
    if first_visit_at is not None and visit_utc is not None and visit_utc >= ends_utc:
        check.warning(
            "first_visit_at",
            check.text("first_visit_at"),
            f"first_visit_at ({_show(first_visit_at)}) is after the end of this return's month, "
            f"{period.label}. Check the date is right.",
        )
    if ended_on is None:
        return
    if ended_on > period.last_day:
        check.error(
            "ended_on",
            check.text("ended_on"),
            f"ended_on ({day_label(ended_on)}) is after the last day of this return's month "
            f"({period.last_day_label}). Check the date, or leave it blank if the episode was still "
            "open at the end of the month.",
        )
    if first_visit_at is not None and ended_on < first_visit_at.astimezone(LONDON).date():
        check.error(
            "ended_on",
            check.text("ended_on"),
            f"ended_on ({day_label(ended_on)}) is before the first visit ({day_label(first_visit_at.date())}). "
            "An episode cannot end before care started: correct one of the two dates.",
        )
    elif first_visit_at is None and referred_at is not None and ended_on < referred_at.date():
        check.warning(
            "ended_on",
            check.text("ended_on"),
            f"ended_on ({day_label(ended_on)}) is before the referral ({day_label(referred_at.date())}). "
            "Check both dates.",
        )


def _check_ending(check: RowCheck, end_reason: str | None, end_of_life: bool | None) -> None:
    ended_text, reason_text = check.text("ended_on"), check.text("end_reason")
    if ended_text and not reason_text:
        check.error(
            "end_reason",
            None,
            "end_reason is blank but ended_on is filled in. Give the reason the episode ended: "
            "one of " + ", ".join(END_REASONS) + ".",
        )
    if reason_text and not ended_text:
        check.error(
            "end_reason",
            reason_text,
            "end_reason is filled in but ended_on is blank. Add the date the episode ended, or clear "
            "end_reason if the episode is still open.",
        )
    died_text = check.text("died_in_preferred_place")
    reason_known = not reason_text or end_reason is not None
    if died_text and reason_known and end_reason != "died":
        check.error(
            "died_in_preferred_place",
            died_text,
            "died_in_preferred_place is only for episodes whose end_reason is died. Clear this cell, "
            "or correct end_reason if the person died.",
        )
    if end_reason == "died" and not died_text and end_of_life is True:
        check.warning(
            "died_in_preferred_place",
            None,
            "died_in_preferred_place is blank for a person receiving end-of-life care who died. "
            "Enter Y if they died in their preferred place, otherwise N; blank counts as not known.",
        )


def _follow_up_day(referred_at: datetime | None) -> date | None:
    """The day the 91-day follow-up falls on; the last day there is for a referral so far in the
    future (a mistyped year such as 9999) that the follow-up would fall after it."""
    if referred_at is None:
        return None
    referred_day = referred_at.astimezone(LONDON).date()
    if referred_day > date.max - timedelta(days=FOLLOW_UP_DAYS):
        return date.max
    return referred_day + timedelta(days=FOLLOW_UP_DAYS)


def _check_follow_up(
    check: RowCheck, period: ReturnPeriod, referral_source: str | None, referred_at: datetime | None
) -> None:
    at_home_text = check.text("at_home_91_days")
    follow_up_day = _follow_up_day(referred_at)
    if at_home_text and follow_up_day is not None and follow_up_day > period.last_day:
        check.error(
            "at_home_91_days",
            at_home_text,
            f"at_home_91_days is filled in, but 91 days after the referral ({day_label(follow_up_day)}) "
            f"come after the end of this return's month ({period.last_day_label}), so it cannot be "
            "known yet. Leave it blank until the return for the month that day falls in.",
        )
        return
    if referral_source is not None and referral_source != "hospital_discharge" and at_home_text:
        check.warning(
            "at_home_91_days",
            at_home_text,
            "at_home_91_days is only used for hospital_discharge episodes, so this answer will be "
            f"ignored (this episode's referral_source is {referral_source}). Clear it, or correct "
            "referral_source if the person came home from hospital.",
        )
    if (
        referral_source == "hospital_discharge"
        and not at_home_text
        and follow_up_day is not None
        and follow_up_day <= period.last_day
    ):
        check.warning(
            "at_home_91_days",
            None,
            f"at_home_91_days is blank, but 91 days after the referral ({day_label(follow_up_day)}) "
            "has passed. Enter Y if the person was living at home then, otherwise N (also N if "
            "they had died or moved into a care home); blank counts as not at home.",
        )


def _utc(moment: datetime) -> datetime:
    # Comparing two London datetimes directly compares clock times, which is wrong in the hour
    # the clocks go back; comparing in UTC is always right.
    return moment.astimezone(UTC)


def _show(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y %H:%M}"
