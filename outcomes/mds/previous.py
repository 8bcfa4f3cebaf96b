"""Checks against the previous month (return-format v1.1): warnings the approver acknowledges one by one.

Compared with the newest accepted version of the contract's previous month:
- episodes open at the end of that month (no ``ended_on``) and absent from this return, listed by
  ``episode_ref`` in one warning (they belong in this return, ended or not);
- the count of open episodes falling by more than 30% and by at least 5;
- a field that cannot change for an episode changed (``person_ref``, ``service_type``,
  ``referral_source``, ``referred_at``): one warning per episode and field;
- an episode whose ``service_type`` the contract does not commission, when the contract says which
  it commissions (whatever the previous month).

Where the standard is silent this module decides, and says so here: the absent episodes are named
in full (they are the provider's own pseudonymous references, and a masked one could not be
found), up to ``LISTED`` of them; the previous month's person_ref is never shown, only that it
differs.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from outcomes.mds.columns import EPISODES
from outcomes.mds.episodes import EpisodeRow
from outcomes.mds.problems import ProblemLog
from outcomes.periods import LONDON

FALL_SHARE = 0.30  # the open count falling by more than this share …
FALL_AT_LEAST = 5  # … and by at least this many episodes
LISTED = 50  # absent episodes named in the warning
IMMUTABLE = ("person_ref", "service_type", "referral_source", "referred_at")


class PreviousEpisode(NamedTuple):
    """What the previous month's newest accepted version said of one episode (a named tuple: a month
    has up to 100,000)."""

    episode_ref: str
    person_ref: str
    service_type: str
    referral_source: str
    referred_at: datetime
    ended_on: date | None


@dataclass(frozen=True)
class PreviousMonth:
    """The newest accepted version of the contract's previous month."""

    label: str  # "March 2025"
    episodes: tuple[PreviousEpisode, ...]


def _show(field: str, value: object) -> str:
    if isinstance(value, datetime):
        return f"{value.astimezone(LONDON):%d/%m/%Y %H:%M}"
    return str(value)


def compare_with_previous(
    episodes: Iterable[EpisodeRow],
    previous: PreviousMonth | None,
    commissioned: frozenset[str] | None,
    log: ProblemLog,
    present: frozenset[str] | None = None,
) -> None:
    """Record the warnings of the checks against the previous month (and the commissioned service types).

    ``present``: every episode_ref in the file when some rows were left out of ``episodes`` for their
    errors; an episode on such a row is not missing, and the count of open episodes cannot be judged."""
    episodes = list(episodes)
    if commissioned:
        for episode in episodes:
            if episode.service_type not in commissioned:
                log.warning(
                    EPISODES,
                    episode.row,
                    "service_type",
                    episode.service_type,
                    f"service_type {episode.service_type} is not a service this contract commissions "
                    f"({' or '.join(sorted(commissioned))}). Check the service type, or whether the "
                    "episode belongs to another contract's return.",
                )
    if previous is None:
        return
    before = {episode.episode_ref: episode for episode in previous.episodes}
    now = {episode.episode_ref: episode for episode in episodes}
    fixed = operator.attrgetter(*IMMUTABLE)
    for episode in episodes:
        earlier = before.get(episode.episode_ref)
        if earlier is None or fixed(earlier) == fixed(episode):  # the usual case, compared at once
            continue
        for field in IMMUTABLE:
            old, new = getattr(earlier, field), getattr(episode, field)
            if old == new:
                continue
            if field == "person_ref":
                message = (
                    f"person_ref differs from {previous.label}'s return for this episode. An episode "
                    "belongs to one person: check the reference, or give a different person's care "
                    "its own episode_ref."
                )
            else:
                message = (
                    f"{field} was {_show(field, old)} in {previous.label}'s return and is "
                    f"{_show(field, new)} here; it does not change during an episode. Check which is "
                    "right: this return corrects the earlier one if it is."
                )
            log.warning(EPISODES, episode.row, field, None, message)
    open_before = [ref for ref, episode in before.items() if episode.ended_on is None]
    absent = sorted(ref for ref in open_before if ref not in now and (present is None or ref not in present))
    if absent:
        named = ", ".join(absent[:LISTED]) + (
            f" and {len(absent) - LISTED} more" if len(absent) > LISTED else ""
        )
        log.warning(
            EPISODES,
            None,
            "episode_ref",
            None,
            f"{len(absent)} episode{'s' if len(absent) != 1 else ''} open at the end of {previous.label} "
            f"{'are' if len(absent) != 1 else 'is'} missing from this return: {named}. Every episode open "
            "last month belongs in this one, with ended_on and end_reason if it has ended.",
        )
    open_now = sum(1 for episode in episodes if episode.ended_on is None)
    fall = len(open_before) - open_now
    if present is None and fall >= FALL_AT_LEAST and fall > FALL_SHARE * len(open_before):
        log.warning(
            EPISODES,
            None,
            None,
            None,
            f"This return has {open_now} open episodes, {fall} fewer than the {len(open_before)} open at "
            f"the end of {previous.label} (a fall of {fall / len(open_before):.0%}). Check that no rows "
            "were left out.",
        )
