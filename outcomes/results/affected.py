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

from django.db.models import QuerySet

from commissioning.models import Contract
from outcomes.measures import MEASURES
from outcomes.models import EpisodeRecord
from outcomes.periods import Period, add_months, months_between, rolling_twelve_period

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


def latest_rows_read(contract: Contract, refs: QuerySet | Iterable[str]) -> dict[str, tuple]:
    """What the measures read of each given episode now: its latest row's values, by episode."""
    rows = EpisodeRecord.objects.filter(contract=contract, is_latest=True, episode_ref__in=refs)
    return {
        row[0]: row[1:] for row in rows.values_list("episode_ref", *READ_FIELDS).iterator(chunk_size=5000)
    }


def _row_months(row: tuple, horizon: Horizon, last: date) -> list[date]:
    """The months an episode's row can count in: from its referral or first visit to its ending (or,
    while open, to ``last``) and its latest judging day."""
    values = dict(zip(READ_FIELDS, row, strict=True))
    referred, visited, ended = values["referred_on"], values["first_visit_on"], values["ended_on"]
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
    can change; None when the change can reach any month the row counts in.

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
    if old is None or new is None:
        return None
    before, after = dict(zip(READ_FIELDS, old, strict=True)), dict(zip(READ_FIELDS, new, strict=True))
    changed = {name for name in READ_FIELDS if before[name] != after[name]}
    if not changed <= OUTCOME_FIELDS:
        return None
    days: list[date] = []
    if changed & {"ended_on", "end_reason", "died_in_preferred_place"}:
        endings = [day for day in (before["ended_on"], after["ended_on"]) if day is not None]
        if not endings:
            return None
        days.append(min(endings))
    if "at_home_91_days" in changed:
        days.append(after["referred_on"] + timedelta(days=AT_HOME_DAYS))
    if not days:  # the hours now alone
        return date.max
    return min(days).replace(day=1)


def months_touched(
    contract: Contract,
    *,
    month: date,
    before: dict[str, tuple],
    after: dict[str, tuple],
    accepted_before: list[date],
    today: date,
) -> list[str]:
    """The months ("YYYY-MM") whose results the acceptance of a version of ``month`` can change.

    ``before`` and ``after`` are ``latest_rows_read`` of the episodes of the new version and the
    version it replaces, taken before and after the latest-row flags were refreshed;
    ``accepted_before`` the contract's months with an accepted return before this acceptance.
    """
    horizon = Horizon.of(contract)
    last = max([today.replace(day=1), month, *accepted_before])
    touched: set[date] = {month}
    for ref in before.keys() | after.keys():
        old, new = before.get(ref), after.get(ref)
        if old == new:
            continue
        reach: set[date] = set()
        for row in (old, new):
            if row is not None:
                reach.update(_row_months(row, horizon, last))
        since = _outcome_changed_from(old, new)
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
