"""Review meetings and actions for the home pages: what is due this week, and which upcoming meetings
still lack the provider's commentary. Callers pass querysets already scoped to the acting organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import F, QuerySet

from commissioning.models import Target
from commissioning.selectors import target_version_in_force
from outcomes.periods import parse_period
from outcomes.results.selectors import results_shown
from outcomes.reviews.models import (
    OPEN_ACTION_STATUSES,
    PROVIDER_PARTS,
    MeetingStatus,
    ReviewAction,
    ReviewCommentary,
    ReviewMeeting,
)

ACTIONS_DUE_WITHIN = 7  # days ahead an action counts as due this week
MEETINGS_WITHIN = 14  # days ahead a meeting's commentary is chased


@dataclass(frozen=True)
class MeetingCommentary:
    meeting: ReviewMeeting
    blank: int  # provider commentary parts (DATA / REVIEW / ACTION) still blank
    parts: int  # provider commentary parts the quarter's targets need


def meetings_needing_commentary(meetings: QuerySet[ReviewMeeting], today: date) -> list[MeetingCommentary]:
    """Planned meetings in the next fortnight with provider commentary still blank, soonest first
    (at most five queries, however many meetings and contracts)."""
    upcoming = list(
        meetings.filter(
            status=MeetingStatus.PLANNED,
            held_on__gte=today,
            held_on__lte=today + timedelta(days=MEETINGS_WITHIN),
        )
        .prefetch_related("contracts")
        .order_by("held_on", F("starts_at").asc(nulls_last=True), "id")
    )
    if not upcoming:
        return []
    contract_ids = {c.pk for m in upcoming for c in m.contracts.all()}
    targets = list(Target.objects.filter(contract_id__in=contract_ids).prefetch_related("versions"))
    with_result = set(
        results_shown(contract_id__in=contract_ids, period__in={m.quarter for m in upcoming}).values_list(
            "target_id", "period"
        )
    )
    written = set(
        ReviewCommentary.objects.filter(meeting__in=upcoming, is_current=True, part__in=PROVIDER_PARTS)
        .exclude(text="")
        .values_list("meeting_id", "target_id", "part")
    )
    found = []
    for meeting in upcoming:
        quarter_end = parse_period(meeting.quarter).end
        mine = {c.pk for c in meeting.contracts.all()}
        quarter_targets = [
            t
            for t in targets
            if t.contract_id in mine
            and (
                (t.pk, meeting.quarter) in with_result or target_version_in_force(t, quarter_end) is not None
            )
        ]
        parts = len(quarter_targets) * len(PROVIDER_PARTS)
        blank = sum(
            1 for t in quarter_targets for p in PROVIDER_PARTS if (meeting.pk, t.pk, p) not in written
        )
        if blank:
            found.append(MeetingCommentary(meeting, blank, parts))
    return found


def actions_due(actions: QuerySet[ReviewAction], today: date) -> QuerySet[ReviewAction]:
    """The open actions among ``actions`` that are overdue or due within the week, soonest first."""
    return actions.filter(
        status__in=OPEN_ACTION_STATUSES, due_on__lte=today + timedelta(days=ACTIONS_DUE_WITHIN)
    ).order_by("due_on", "id")
