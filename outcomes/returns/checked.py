"""A valid attempt's checked rows, kept from its validation for its sign-off.

The validation task keeps what it found (``CheckedReturn``): the typed episode rows, written as the
PostgreSQL COPY text of the accepted version's rows, the survey figures, and ``against`` — everything
the checks read (``validation.CheckInputs.against``). Sign-off writes the kept rows as they are
while ``against`` is unchanged: the same bytes, the same rules, the same previous month, the same
contract. Anything else (a correction to last month accepted in between, a new version of the
rules, a changed contract, a file that is not what was checked) means checking the file again.

PostgreSQL only: the embedded database (SQLite) has no COPY, and there every sign-off checks the
file again, as it always did.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.backends.utils import CursorWrapper

from outcomes.mds import EpisodeRow, ValidatedReturn
from outcomes.models import CheckedReturn, EpisodeRecord, ReturnAttempt
from outcomes.periods import LONDON

EPISODE_FIELDS = (
    "person_ref",
    "service_type",
    "referral_source",
    "age_band",
    "dementia",
    "end_of_life",
    "referred_at",
    "first_visit_at",
    "weekly_hours_start",
    "weekly_hours_now",
    "ended_on",
    "end_reason",
    "died_in_preferred_place",
    "at_home_91_days",
)
# The columns of an accepted version's episode rows, in the order of the COPY text.
EPISODE_COLUMNS_STORED = (
    "attempt_id",
    "contract_id",
    "month",
    "row",
    "episode_ref",
    *EPISODE_FIELDS,
    "referred_on",
    "first_visit_on",
)
# The COPY text adds the latest-row flag, written set: see ``episodes_copy``.
COPY_COLUMNS = (*EPISODE_COLUMNS_STORED, "is_latest")
HOURS_PLACES = Decimal("0.01")  # EpisodeRecord.weekly_hours_* keep two decimal places
_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_FLAGS = {True: "t", False: "f", None: _NULL}


def keeps_checked_rows() -> bool:
    """Whether checked rows are kept (PostgreSQL: they are written with COPY)."""
    return connection.vendor == "postgresql"


def stored_hours(hours: Decimal) -> Decimal:
    """Hours as the database keeps them (two decimal places, halves rounded up)."""
    return hours.quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)


def episode_copy_text(
    episodes: Iterable[EpisodeRow], *, attempt_id: int, contract_id: int, month: date
) -> bytes:
    """The episode rows of a version as PostgreSQL COPY text, in COPY_COLUMNS' order. References are
    escaped as COPY needs (the checks allow none of its special characters in them); codes, dates and
    numbers never need it."""
    lead = f"{attempt_id}\t{contract_id}\t{month.isoformat()}\t"
    # Hours, dates and moments repeat down a return: each distinct one is written out once.
    hours: dict[Decimal, str] = {}
    days: dict[date, str] = {}
    moments: dict[datetime, tuple[str, str]] = {}

    def hours_text(value: Decimal) -> str:
        text = hours.get(value)
        if text is None:
            text = hours[value] = str(stored_hours(value))
        return text

    def day_text(value: date | None) -> str:
        if value is None:
            return _NULL
        text = days.get(value)
        if text is None:
            text = days[value] = value.isoformat()
        return text

    def moment_texts(value: datetime | None) -> tuple[str, str]:
        """The moment, and its London date (the column measures compare dates with)."""
        if value is None:
            return _NULL, _NULL
        texts = moments.get(value)
        if texts is None:
            texts = moments[value] = (value.isoformat(), value.astimezone(LONDON).date().isoformat())
        return texts

    lines = []
    for episode in episodes:
        referred, referred_on = moment_texts(episode.referred_at)
        visited, visited_on = moment_texts(episode.first_visit_at)
        lines.append(
            lead
            + "\t".join(
                (
                    str(episode.row),
                    episode.episode_ref.translate(_ESCAPES),
                    episode.person_ref.translate(_ESCAPES),
                    episode.service_type,
                    episode.referral_source,
                    episode.age_band,
                    _FLAGS[episode.dementia],
                    _FLAGS[episode.end_of_life],
                    referred,
                    visited,
                    hours_text(episode.weekly_hours_start),
                    hours_text(episode.weekly_hours_now),
                    day_text(episode.ended_on),
                    _NULL if episode.end_reason is None else episode.end_reason,
                    _FLAGS[episode.died_in_preferred_place],
                    _FLAGS[episode.at_home_91_days],
                    referred_on,
                    visited_on,
                    "t",
                )
            )
        )
    return ("\n".join(lines) + "\n").encode() if lines else b""


# After writing this many rows in one go, the episode table's planner statistics are taken again at
# once, unless they already know the contract at about this size. PostgreSQL's own analysis waits
# until a tenth of the table has changed; until then a contract that sent its first large file (say
# 50,000 episodes) is planned as if it had the few rows the statistics knew of, and the recompute
# just after can run for minutes instead of a second. Sampling the table costs up to a few tenths of
# a second in a national table, paid only by such a file; the same contract's next month, which the
# statistics already expect about as many rows of, does not pay it again.
STATISTICS_AFTER_ROWS = 10_000


def episodes_copy(copy_text: bytes, *, contract_id: int, latest: bool) -> None:
    """Write episode rows of the contract given as COPY text (``episode_copy_text``), in the caller's
    transaction, flagged as their episodes' latest rows or not (the flags are refreshed after: this
    only saves rewriting every row of a newest month, whose rows are all their episodes' latest)."""
    if not copy_text:
        return
    if not latest:
        copy_text = copy_text.replace(b"\tt\n", b"\tf\n")  # the flag ends each line
    columns = ", ".join(COPY_COLUMNS)
    table = EpisodeRecord._meta.db_table
    rows = copy_text.count(b"\n")
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write(copy_text)
        if rows >= STATISTICS_AFTER_ROWS and _planned_rows(cursor, table, contract_id) * 2 < rows:
            # The planner's statistics include these rows before anything reads them (their own
            # transaction's rows count in the sample): see STATISTICS_AFTER_ROWS.
            cursor.execute(f"ANALYZE {table}")


def _planned_rows(cursor: CursorWrapper, table: str, contract_id: int) -> float:
    """How many rows of the contract the planner expects the table to hold, from its statistics."""
    cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {table} WHERE contract_id = %s", [contract_id])  # noqa: S608 - names from the model
    (plan,) = cursor.fetchone()
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"]


def checked_keep(attempt: ReturnAttempt, against: dict, result: ValidatedReturn) -> None:
    """Keep a valid attempt's typed rows and what its checks read (in the caller's transaction)."""
    if not keeps_checked_rows():
        return
    month = attempt.monthly_return.month
    copy_text = episode_copy_text(
        result.episodes, attempt_id=attempt.pk, contract_id=attempt.monthly_return.contract_id, month=month
    )
    # One statement: kept afresh if the attempt was checked before (a check run again after a crash).
    CheckedReturn.objects.bulk_create(
        [
            CheckedReturn(
                attempt=attempt,
                against=against,
                episodes=zlib.compress(copy_text, 1),
                episode_count=len(result.episodes),
                survey=[[row.measure_code, row.numerator, row.denominator] for row in result.survey],
            )
        ],
        update_conflicts=True,
        unique_fields=["attempt"],
        update_fields=["against", "episodes", "episode_count", "survey"],
    )


def checked_current(attempt: ReturnAttempt, against: dict) -> CheckedReturn | None:
    """The attempt's kept rows if its checks read exactly what holds now (``against``), else None."""
    if not keeps_checked_rows():
        return None
    kept = CheckedReturn.objects.filter(attempt=attempt).first()
    if kept is None or kept.against != against or kept.episode_count != attempt.episode_count:
        return None
    return kept


def checked_copy_text(kept: CheckedReturn) -> bytes:
    """The kept episode rows as COPY text."""
    return zlib.decompress(bytes(kept.episodes))
