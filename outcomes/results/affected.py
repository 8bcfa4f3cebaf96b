"""What a change recomputes: the months whose results an accepted version can change (measures.md).

A result depends on every episode whose own dates place it in the result's cohort, wherever that
episode was first reported. So the months touched by an acceptance are worked out from the
episodes whose row the measures read (their latest row) changed — added, changed or dropped — by
the dates of the row before and the row after: referral, first visit, the judging days (first
visit + each window's days, referral + 91 days), ending, and every day an episode is open (the
open-episode and snapshot measures). When only what happened to the episode changed (its ending,
its 91-day follow-up), only the months from the day it happened can change
(``_outcome_changed_from``): an ending reported in a new month does not recompute the months the
episode was open before it. To those go the month itself (its coverage, survey figures,
returns on time and the package measures' hours as they stood then), the months after it that read
its hours (until the next accepted month), and, when it extends the data, every month from the old
last covered month to it (episodes pending then may be judged now).

Then ``periods_reading`` keeps the periods whose data window — the period, or for the care-home
measure its twelve-month lookback — holds a touched month.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection

from commissioning.models import Contract
from outcomes.measures import MEASURES
from outcomes.models import EpisodeRecord
from outcomes.periods import Period, add_months, months_between, rolling_twelve_period
from outcomes.results.latest import Moved, jit_off, null_safe_equal

READ_FIELDS = (
    "person_ref",
    "service_type",
    "referral_source",
    "age_band",
    "dementia",
    "end_of_life",
    "referred_at",
    "first_visit_at",
    "referred_on",
    "first_visit_on",
    "weekly_hours_start",
    "weekly_hours_now",
    "ended_on",
    "end_reason",
    "died_in_preferred_place",
    "at_home_91_days",
)
AT_HOME_DAYS = 91
# A row's referral, first visit and end dates: all that decides which months it can count in.
RowDates = tuple[date | None, date | None, date | None]


@dataclass(frozen=True)
class Horizon:
    """How far an episode's dates reach, from the contract's targets: the judging windows in days,
    and whether any result reads a twelve-month lookback."""

    judging_days: tuple[int, ...]
    lookback_r12: bool

    @classmethod
    def of(cls, contract: Contract) -> Horizon:
        windows, lookback = {AT_HOME_DAYS}, False
        for target in contract.targets.all():
            measure = MEASURES.get(target.measure)
            if measure is None:
                continue
            params = measure.clean_params(target.params)
            if target.measure == "INDEPENDENT_WITHIN":
                windows.add(int(params["window_days"]))
            if target.measure == "RESIDENTIAL_ENTRY" and params.get("lookback") == "R12":
                lookback = True
        return cls(tuple(sorted(windows)), lookback)


def _as_date(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value  # SQLite gives text


@dataclass(frozen=True)
class RowChange:
    """An episode whose row read changed: the dates of its row read before and of its row read after
    (None where there is none), and the fields that differ."""

    before: RowDates | None
    after: RowDates | None
    fields: frozenset[str]


def rows_read_changing(moved: Moved) -> set[RowChange]:
    """The episodes whose row read changed, in a field the measures read, with a refresh of the
    latest-row flags found and not yet written (``latest_flags_refresh``).

    One query pairs each row no longer read with the row now read of the same episode (a full join
    on the reference, so it hashes whatever the planner knows) and keeps the pairs that differ; what
    comes back is each distinct (dates before, dates after, fields that differ), far fewer than the
    episodes.
    """
    table = EpisodeRecord._meta.db_table
    (before, before_params), (after, after_params) = moved.before, moved.after
    if before == "FALSE" and after == "FALSE":
        return set()
    equal = null_safe_equal()
    same = " AND ".join(f"o.{name} {equal} n.{name}" for name in READ_FIELDS)
    differing = " || ".join(
        f"CASE WHEN o.{name} {equal} n.{name} THEN '0' ELSE '1' END" for name in READ_FIELDS
    )
    columns = ", ".join(("episode_ref", *READ_FIELDS))
    with connection.cursor() as cursor, jit_off(cursor, moved.rows):
        cursor.execute(
            f"""
            WITH read_before AS (SELECT {columns} FROM {table} e WHERE {before}),
            read_after AS (SELECT {columns} FROM {table} e WHERE {after})
            SELECT DISTINCT
              o.episode_ref IS NOT NULL, o.referred_on, o.first_visit_on, o.ended_on,
              n.episode_ref IS NOT NULL, n.referred_on, n.first_visit_on, n.ended_on,
              {differing}
            FROM read_before o FULL JOIN read_after n ON n.episode_ref = o.episode_ref
            WHERE NOT ({same})
            """,  # noqa: S608 - names from the model; every value is a parameter
            [*before_params, *after_params],
        )
        found = set()
        for (
            old_found,
            old_referred,
            old_visit,
            old_ended,
            new_found,
            new_referred,
            new_visit,
            new_ended,
            flags,
        ) in cursor.fetchall():
            found.add(
                RowChange(
                    before=(_as_date(old_referred), _as_date(old_visit), _as_date(old_ended))
                    if old_found
                    else None,
                    after=(_as_date(new_referred), _as_date(new_visit), _as_date(new_ended))
                    if new_found
                    else None,
                    fields=frozenset(
                        name for name, flag in zip(READ_FIELDS, flags, strict=True) if flag == "1"
                    ),
                )
            )
        return found


def _row_months(dates: RowDates, horizon: Horizon, last: date) -> list[date]:
    """The months an episode's row can count in: from its referral or first visit to its ending (or,
    while open, to ``last``) and its latest judging day."""
    referred, visited, ended = dates
    days = [day for day in (referred, visited) if day is not None]
    if not days:
        return []
    reach = [referred + timedelta(days=AT_HOME_DAYS)] if referred else []
    if visited is not None:
        reach += [visited + timedelta(days=days) for days in horizon.judging_days]
        reach.append(ended if ended is not None else last)
    elif ended is not None:
        reach.append(ended)
    end = max([*days, *reach])
    return months_between(min(days), min(end, last) if ended is None else end)


# What happened to an episode, as opposed to who it is and when it started: a change to these alone
# can change only the results of the months from the day it happened (its ending, its follow-up).
OUTCOME_FIELDS = frozenset(
    {"ended_on", "end_reason", "died_in_preferred_place", "at_home_91_days", "weekly_hours_now"}
)


def _outcome_changed_from(old: tuple | None, new: tuple | None) -> date | None:
    """When an episode's latest row changed only in its outcome, the first month whose results that
    can change; None when the change can reach any month the row counts in (``_outcome_since``)."""
    if old is None or new is None:
        return None
    before, after = dict(zip(READ_FIELDS, old, strict=True)), dict(zip(READ_FIELDS, new, strict=True))
    changed = frozenset(name for name in READ_FIELDS if before[name] != after[name])
    return _outcome_since(changed, before["ended_on"], after["ended_on"], after["referred_on"])


def _outcome_since(
    changed: frozenset[str], ended_before: date | None, ended_after: date | None, referred_on: date | None
) -> date | None:
    """When only the ``changed`` fields of an episode's row read differ and all are its outcome, the
    first month whose results that can change; None when the change can reach any month the row
    counts in.

    - An ending (ended_on, end_reason, died_in_preferred_place) set, moved or corrected: every
      measure reads it only from the ending day on — whether the episode is still open on a day or
      in a window after it, whether it ended in a period, whether it had ended by a judging day
      (which, for a change to matter, is on or after the ending). So the months from the earlier of
      the old and new ending days.
    - The 91-day follow-up (at_home_91_days): the month of referral + 91 days, where it is judged.
    - The hours now (weekly_hours_now): the package measures read hours from the row of the month
      containing their day, never from the latest row, so the accepted month itself (always
      recomputed) is all it reaches.
    """
    if not changed <= OUTCOME_FIELDS:
        return None
    days: list[date] = []
    if changed & {"ended_on", "end_reason", "died_in_preferred_place"}:
        endings = [day for day in (ended_before, ended_after) if day is not None]
        if not endings:
            return None
        days.append(min(endings))
    if "at_home_91_days" in changed:
        if referred_on is None:  # never so: a row always has its referral date
            return None
        days.append(referred_on + timedelta(days=AT_HOME_DAYS))
    if not days:  # the hours now alone
        return date.max
    return min(days).replace(day=1)


def months_touched(
    contract: Contract,
    *,
    month: date,
    changed: Iterable[RowChange],
    accepted_before: list[date],
    today: date,
) -> list[str]:
    """The months ("YYYY-MM") whose results the acceptance of a version of ``month`` can change.

    ``changed`` are the episodes whose row read changed, as ``rows_read_changing`` gives them;
    ``accepted_before`` the contract's months with an accepted
    return before this acceptance.
    """
    horizon = Horizon.of(contract)
    last = max([today.replace(day=1), month, *accepted_before])
    touched: set[date] = {month}
    for change in changed:
        reach: set[date] = set()
        for dates in (change.before, change.after):
            if dates is not None:
                reach.update(_row_months(dates, horizon, last))
        since = (
            None
            if change.before is None or change.after is None
            else _outcome_since(change.fields, change.before[2], change.after[2], change.after[0])
        )
        touched.update(m for m in reach if since is None or m >= since)
    earlier = [m for m in accepted_before if m < month]
    later = [m for m in accepted_before if m > month]
    # The package measures read the hours of the month containing the day, or of the latest month before it.
    touched.update(months_between(month, add_months(min(later), -1) if later else month))
    if not later and earlier and month > add_months(max(earlier), 1):
        touched.update(months_between(add_months(max(earlier), 1), month))  # pending ones may be judged now
    return sorted(f"{m:%Y-%m}" for m in touched)


def periods_reading(periods: list[Period], months: Iterable[str], *, lookback_r12: bool) -> list[Period]:
    """The periods whose data window holds any of the months: the period itself, or the twelve
    months ending at its end where a result reads that lookback."""
    wanted = {date(int(text[:4]), int(text[5:7]), 1) for text in months}
    found = []
    for period in periods:
        window = rolling_twelve_period(period.end) if lookback_r12 else period
        start = min(window.start, period.start)
        if any(start <= month <= period.end for month in wanted):
            found.append(period)
    return found
