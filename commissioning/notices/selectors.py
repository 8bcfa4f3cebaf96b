"""Notice reads, scoped to the acting organisation.

Commissioners see the notices on contracts they lead (drafts included) or are partners in (issued
ones only); the prime provider sees the notices issued to it, never drafts. Anything else is 404.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import Acting, Capability
from accounts.id_lists import in_ids
from commissioning.models import CommissioningBody, Contract
from commissioning.notices.models import (
    LADDER,
    OPEN_STATUSES,
    Notice,
    NoticeEvent,
    NoticeFile,
    NoticeSettings,
)
from commissioning.selectors import contract_visible_to


def notices_for(acting: Acting) -> QuerySet[Notice]:
    """The notices the acting organisation may see."""
    base = Notice.objects.select_related("contract", "provider", "commissioner")
    # Only the lead body sees what it never issued: drafts, and drafts withdrawn (closed unissued).
    if acting.is_commissioner and acting.can(Capability.VIEW_PORTFOLIO):
        return base.filter(contract__in=contract_visible_to(acting)).exclude(
            ~Q(commissioner_id=acting.organisation.pk), issued_at__isnull=True
        )
    if acting.is_provider:
        return base.filter(provider_id=acting.organisation.pk, issued_at__isnull=False)
    return base.none()


def notice_get_for(acting: Acting, notice_id: int) -> Notice:
    """One notice the acting organisation may see; 404 otherwise."""
    return get_object_or_404(notices_for(acting), pk=notice_id)


def notice_events(notice: Notice) -> QuerySet[NoticeEvent]:
    """A notice already fetched through notice_get_for: its history, oldest first, with any files."""
    return notice.events.prefetch_related("files").order_by("at", "id")


def notice_settings_for(commissioner: CommissioningBody) -> NoticeSettings:
    """The body's notice settings; the defaults (20 / 40 / 60 working days) until it changes them."""
    return NoticeSettings.objects.filter(commissioner=commissioner).first() or NoticeSettings(
        commissioner=commissioner
    )


def contract_enforcement_stages(contract_ids: Iterable[int]) -> dict[int, str]:
    """For many contracts in one query: each one's highest open step of the ladder (contracts with
    no open notice are left out)."""
    stages: dict[int, str] = {}
    rows = (
        Notice.objects.filter(in_ids("contract_id", contract_ids), status__in=OPEN_STATUSES)
        .values_list("contract_id", "kind")
        .distinct()
    )
    for contract_id, kind in rows:
        if contract_id not in stages or LADDER.index(kind) > LADDER.index(stages[contract_id]):
            stages[contract_id] = kind
    return stages


def contract_enforcement_stage(contract: Contract) -> str | None:
    """The contract's current enforcement stage: the highest open (issued, acknowledged, responded or
    extended) notice kind on it, or None."""
    return contract_enforcement_stages([contract.pk]).get(contract.pk)


def notice_file_get_for(acting: Acting, file_id: int) -> NoticeFile:
    """An evidence file of a notice the acting organisation may see; 404 otherwise."""
    return get_object_or_404(
        NoticeFile.objects.select_related("notice").filter(notice__in=notices_for(acting)), pk=file_id
    )


def notice_chain(acting: Acting, notice: Notice) -> list[Notice]:
    """The notices (that the acting organisation may see) linked to this one by escalation or
    correction, either way, however far; this one included; oldest first."""
    seen: dict[int, Notice] = {}
    todo = [notice]
    while todo:
        current = todo.pop()
        if current.pk in seen:
            continue
        seen[current.pk] = current
        related = notices_for(acting).filter(
            Q(pk__in=[current.escalated_from_id, current.supersedes_id])
            | Q(escalated_from=current)
            | Q(supersedes=current)
        )
        todo.extend(related.exclude(pk__in=seen))
    return sorted(seen.values(), key=lambda n: (n.created_at, n.pk))


# What a provider sees of a notice's history: from its issue on (drafting is the body's own work).
PROVIDER_HISTORY = frozenset(
    {
        NoticeEvent.Action.ISSUED,
        NoticeEvent.Action.ACKNOWLEDGED,
        NoticeEvent.Action.RESPONDED,
        NoticeEvent.Action.EXTENDED,
        NoticeEvent.Action.CLOSED,
        NoticeEvent.Action.ESCALATED,
        NoticeEvent.Action.SUPERSEDED,
    }
)


def notice_list_for(acting: Acting) -> QuerySet[Notice]:
    """notices_for, each with what the notice page shows the acting organisation besides: its
    history (``history``: a provider sees it from the issue on) with files and who acted, and the
    notices escalating or correcting it that it may see (``escalated_to``, ``superseded_by``)."""
    events = NoticeEvent.objects.select_related("by").prefetch_related("files").order_by("at", "id")
    if acting.is_provider:
        events = events.filter(action__in=PROVIDER_HISTORY)
    visible = notices_for(acting).order_by("created_at", "id")
    return (
        notices_for(acting)
        .select_related("issued_by", "acknowledged_by")
        .prefetch_related(
            Prefetch("events", queryset=events, to_attr="history"),
            Prefetch("escalations", queryset=visible, to_attr="escalated_to"),
            Prefetch("corrections", queryset=visible, to_attr="superseded_by"),
        )
    )
