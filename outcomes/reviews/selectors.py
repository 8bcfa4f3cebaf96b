"""Review meeting reads and the access rules every review page shares.

Who sees a meeting: the lead commissioning body (any of its people who see the portfolio), the
partner bodies of any contract it reviews, and the provider reviewed. Anyone else gets 404.
Inside that reach:
- the lead body's commissioners and contract officers (``Capability.MANAGE_REVIEWS``) plan the
  meeting, write review notes, make and issue the pack, record the meeting and its actions;
- the provider's submitters and approvers (``Capability.WRITE_COMMENTARY``) write the DATA /
  REVIEW / ACTION commentary and update the provider's own actions;
- everyone else in reach reads; a change they try gets 403.
Packs: the provider and partner bodies see only the issued pack; the lead body sees every version.

Reach within a meeting (``meeting_reach``): the lead body and the provider see the whole meeting. A
partner body sees only the contracts it is party to: their targets, figures, commentary, actions and
a copy of the pack cut to them. The parts that belong to the meeting as a whole (minutes, decisions,
corrections, actions about every contract) are shown to a partner only when it is party to every
contract the meeting reviews. Every read of a meeting's contracts, targets or actions for a page,
pack, email or the API takes a ``Reach``; ``WHOLE`` is for the lead body's own work and for tasks.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import Acting, Capability
from accounts.models import AuditEntry, Membership, Organisation
from commissioning.models import Contract, Target
from commissioning.selectors import target_version_in_force
from outcomes.measures import MEASURES, target_measure_name
from outcomes.models import ComplianceResult
from outcomes.periods import parse_period
from outcomes.results.overrides import overrides_in_force
from outcomes.results.selectors import RAG_LABELS, figures_text, results_shown
from outcomes.reviews.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    MeetingStatus,
    ReviewAction,
    ReviewActionUpdate,
    ReviewCommentary,
    ReviewMeeting,
    ReviewPack,
)
from outcomes.reviews.reach import WHOLE, Reach
from providers.models import Provider

if TYPE_CHECKING:
    from accounts.models import User


def _partner_reach(meeting: ReviewMeeting, organisation_ids: set[int]) -> Reach:
    reviewed = set(meeting.contracts.values_list("pk", flat=True))
    partnered = set(
        meeting.contracts.filter(partner_commissioners__pk__in=organisation_ids).values_list("pk", flat=True)
    )
    return WHOLE if partnered == reviewed else Reach(frozenset(partnered))


def meeting_reach(acting: Acting, meeting: ReviewMeeting) -> Reach:
    """What of the meeting the acting organisation may see (the meeting itself being in reach)."""
    if acting.organisation.pk in (meeting.commissioner_id, meeting.provider_id):
        return WHOLE
    return _partner_reach(meeting, {acting.organisation.pk})


def user_reach(user: User, meeting: ReviewMeeting) -> Reach:
    """What of the meeting a person may see through any of their organisations (for emails, which are
    read outside any one organisation's session): the widest of their organisations' reaches."""
    organisations = set(user.memberships.values_list("organisation_id", flat=True))
    if organisations & {meeting.commissioner_id, meeting.provider_id}:
        return WHOLE
    return _partner_reach(meeting, organisations)


def meeting_partial_parties(meeting: ReviewMeeting) -> list[tuple[Organisation, Reach]]:
    """The partner bodies party to only some of the meeting's contracts, each with its reach: who sees
    a cut copy (the lead body is told before it issues the pack)."""
    parties = []
    for organisation in meeting_parties(meeting)[2:]:
        reach = _partner_reach(meeting, {organisation.pk})
        if not reach.whole:
            parties.append((organisation, reach))
    return parties


def meetings_for(acting: Acting) -> QuerySet[ReviewMeeting]:
    """The meetings the acting organisation may see."""
    base = ReviewMeeting.objects.select_related("commissioner", "provider")
    organisation_id = acting.organisation.pk
    if acting.is_commissioner and acting.can(Capability.VIEW_PORTFOLIO):
        partnered = ReviewMeeting.objects.filter(contracts__partner_commissioners__pk=organisation_id).values(
            "pk"
        )
        return base.filter(Q(commissioner_id=organisation_id) | Q(pk__in=partnered))
    if acting.is_provider:
        return base.filter(provider_id=organisation_id)
    return base.none()


def meeting_get_for(acting: Acting, meeting_id: int) -> ReviewMeeting:
    """One meeting in reach, with ``meeting.reach`` (what of it the acting organisation may see);
    404 otherwise."""
    meeting = get_object_or_404(meetings_for(acting), pk=meeting_id)
    meeting.reach = meeting_reach(acting, meeting)
    return meeting


def _reached(contracts: QuerySet[Contract], reach: Reach) -> QuerySet[Contract]:
    return contracts if reach.contract_ids is None else contracts.filter(pk__in=reach.contract_ids)


def meeting_contracts(meeting: ReviewMeeting, reach: Reach) -> list[Contract]:
    """The meeting's contracts within ``reach``, by reference."""
    contracts = meeting.contracts.select_related("provider", "lead_commissioner").order_by("reference")
    return list(_reached(contracts, reach))


def meeting_targets(meeting: ReviewMeeting, reach: Reach) -> list[Target]:
    """The targets of the meeting's contracts within ``reach``, in contract and measure order."""
    return list(
        Target.objects.filter(contract__in=_reached(meeting.contracts.all(), reach))
        .select_related("contract")
        .order_by("contract__reference", "measure", "id")
    )


def meeting_quarter_targets(meeting: ReviewMeeting, reach: Reach) -> list[Target]:
    """The targets that judge the meeting's quarter (in force at its end, or with a result stored for it),
    within ``reach``: the ones that carry commentary."""
    quarter_end = parse_period(meeting.quarter).end
    with_result = set(
        results_shown(contract__in=meeting.contracts.all(), period=meeting.quarter).values_list(
            "target_id", flat=True
        )
    )
    return [
        target
        for target in meeting_targets(meeting, reach)
        if target.pk in with_result or target_version_in_force(target, quarter_end) is not None
    ]


def meeting_actions(meeting: ReviewMeeting, reach: Reach) -> QuerySet[ReviewAction]:
    """The actions the meeting raised, within ``reach``."""
    return _reached_actions(meeting.actions.all(), reach)


def _reached_actions(actions: QuerySet[ReviewAction], reach: Reach) -> QuerySet[ReviewAction]:
    if reach.contract_ids is None:
        return actions
    return actions.filter(contract_id__in=reach.contract_ids)


def meeting_parties(meeting: ReviewMeeting) -> list[Organisation]:
    """The organisations whose people may attend as users: the lead body, the provider, then the partner
    bodies of the meeting's contracts."""
    partners = (
        Organisation.objects.filter(pk__in=meeting.contracts.values("partner_commissioners"))
        .exclude(pk__in=[meeting.commissioner_id, meeting.provider_id])
        .order_by("name")
    )
    lead_and_provider = Organisation.objects.in_bulk([meeting.commissioner_id, meeting.provider_id])
    return [lead_and_provider[meeting.commissioner_id], lead_and_provider[meeting.provider_id], *partners]


def attendee_candidates(meeting: ReviewMeeting) -> list[Membership]:
    """The memberships (active people) of the meeting's parties, party by party then by name."""
    parties = meeting_parties(meeting)
    order = {organisation.pk: index for index, organisation in enumerate(parties)}
    memberships = Membership.objects.filter(organisation__in=parties, user__is_active=True).select_related(
        "user", "organisation"
    )
    return sorted(
        memberships, key=lambda m: (order[m.organisation_id], m.user.full_name.lower(), m.user.email)
    )


def packs_for(acting: Acting, meeting: ReviewMeeting) -> QuerySet[ReviewPack]:
    """The pack versions the acting person may see: all for the lead body, the issued one for others."""
    packs = meeting.packs.all()
    if acting.is_commissioner and acting.organisation.pk == meeting.commissioner_id:
        return packs
    return packs.filter(issued_at__isnull=False)


def pack_get_for(acting: Acting, pack_id: int) -> ReviewPack:
    """One pack in reach (its meeting in reach, and issued unless you are the lead body); 404 otherwise."""
    pack = get_object_or_404(ReviewPack.objects.select_related("meeting"), pk=pack_id)
    meeting = meeting_get_for(acting, pack.meeting_id)
    pack = get_object_or_404(packs_for(acting, meeting), pk=pack.pk)
    pack.meeting = meeting  # with its reach
    return pack


def actions_for(acting: Acting) -> QuerySet[ReviewAction]:
    """Actions the acting organisation may see (the action tracker, the API): every action of the
    meetings it leads or is reviewed at; for a partner body, the actions about contracts it is party
    to, and those about a whole meeting whose every contract it is party to."""
    organisation_id = acting.organisation.pk
    in_reach = ReviewAction.objects.filter(meeting__in=meetings_for(acting))
    if acting.is_commissioner:
        not_partnered = Contract.objects.exclude(partner_commissioners__pk=organisation_id).values("pk")
        partial = ReviewMeeting.objects.filter(contracts__in=not_partnered).values("pk")
        in_reach = in_reach.filter(
            Q(meeting__commissioner_id=organisation_id)
            | Q(contract__partner_commissioners__pk=organisation_id)
            | (Q(contract__isnull=True) & ~Q(meeting__in=partial))
        )
    ids = in_reach.values("pk")
    return ReviewAction.objects.filter(pk__in=ids).select_related(
        "meeting", "meeting__provider", "meeting__commissioner", "contract"
    )


def action_get_for(acting: Acting, action_id: int) -> ReviewAction:
    return get_object_or_404(actions_for(acting), pk=action_id)


def commentary_current(meeting: ReviewMeeting) -> dict[tuple[int, str], ReviewCommentary]:
    """The current version of each part of the commentary, by (target id, part)."""
    return {(row.target_id, row.part): row for row in meeting.commentary.filter(is_current=True)}


def _earlier_meetings(meeting: ReviewMeeting) -> QuerySet[ReviewMeeting]:
    """Meetings before this one between the same body and provider that reviewed at least one of its
    contracts (cancelled ones aside): a provider's separate contracts keep separate histories."""
    shared = ReviewMeeting.objects.filter(contracts__in=meeting.contracts.all()).values("pk")
    return ReviewMeeting.objects.filter(
        pk__in=shared,
        commissioner_id=meeting.commissioner_id,
        provider_id=meeting.provider_id,
        held_on__lt=meeting.held_on,
    ).exclude(status=MeetingStatus.CANCELLED)


def previous_meeting(meeting: ReviewMeeting) -> ReviewMeeting | None:
    """The last earlier meeting on any of the same contracts."""
    return _earlier_meetings(meeting).order_by("-held_on", "-id").first()


def actions_carried_forward(meeting: ReviewMeeting, reach: Reach) -> list[ReviewAction]:
    """What the pack reports from earlier meetings on the same contracts: every action still open,
    and those done or dropped since the previous meeting (so the meeting sees them close). A later
    note on a closed action does not bring it back: what counts is when it was closed. Within
    ``reach``: a partner body sees only the actions about its contracts."""
    earlier = _reached_actions(ReviewAction.objects.filter(meeting__in=_earlier_meetings(meeting)), reach)
    previous = previous_meeting(meeting)
    if previous is None:
        closed_since = Q()
    else:
        closing = ReviewActionUpdate.objects.filter(
            action=OuterRef("pk"),
            status_after__in=CLOSED_ACTION_STATUSES,
            at__date__gte=previous.held_on,
        ).exclude(status_before__in=CLOSED_ACTION_STATUSES)
        closed_since = Q(Exists(closing)) | Q(meeting=previous)
    return list(
        earlier.filter(Q(status__in=OPEN_ACTION_STATUSES) | closed_since)
        .select_related("meeting", "contract", "target")
        .order_by("due_on", "id")
    )


CLOSED_ACTION_STATUSES = (ActionStatus.DONE, ActionStatus.DROPPED)


# --- The action tracker (added with the meeting record) -------------------------------------------

OPEN = "open"  # the tracker's status filter "open or in progress"
NOT_STARTED = "not_started"  # the tracker's status filter for the status "open" alone


def actions_filter(actions: QuerySet[ReviewAction], filters: dict, today: date) -> QuerySet[ReviewAction]:
    """Scoped actions narrowed by the tracker's filters (provider, owner kind, status, overdue, the
    meeting's quarter), soonest due first."""
    if provider := filters.get("provider"):
        actions = actions.filter(meeting__provider=provider)
    if owner := filters.get("owner"):
        actions = actions.filter(owner_kind=owner)
    if status := filters.get("status"):
        if status == OPEN:
            actions = actions.filter(status__in=OPEN_ACTION_STATUSES)
        else:
            actions = actions.filter(status=ActionStatus.OPEN if status == NOT_STARTED else status)
    if filters.get("overdue"):
        actions = actions.filter(status__in=OPEN_ACTION_STATUSES, due_on__lt=today)
    if quarter := filters.get("quarter"):
        actions = actions.filter(meeting__quarter=quarter)
    return actions.select_related("target").order_by("due_on", "id")


def action_quarters(actions: QuerySet[ReviewAction]) -> list[str]:
    """The quarters of the meetings that raised the actions, newest first."""
    return sorted(set(actions.values_list("meeting__quarter", flat=True)), reverse=True)


def action_providers(actions: QuerySet[ReviewAction]) -> QuerySet[Provider]:
    """The providers reviewed at the meetings that raised the actions."""
    return Provider.objects.filter(pk__in=actions.values("meeting__provider_id")).order_by("name")


# --- The meeting record (added with the meeting record) ---------------------------------------------


def record_corrections(meeting: ReviewMeeting) -> list[AuditEntry]:
    """The corrections made to the record after it was first recorded, newest first."""
    return list(
        AuditEntry.objects.filter(
            action="review.record_correct", object_type=ReviewMeeting._meta.label, object_id=str(meeting.pk)
        )
    )


def quarter_result(meeting: ReviewMeeting, target: Target) -> ComplianceResult | None:
    """The target's latest result for the meeting's quarter, if there is one."""
    return results_shown(target=target, period=meeting.quarter).first()


def with_measure_names(actions: list[ReviewAction]) -> list[ReviewAction]:
    """The actions, each with ``measure_name``: its target's measure, or empty."""
    for action in actions:
        action.measure_name = (
            target_measure_name(MEASURES[action.target.measure], action.target.params)
            if action.target
            else ""
        )
    return actions


def target_label(target: Target) -> str:
    return f"{target.contract.reference}: {target_measure_name(MEASURES[target.measure], target.params)}"


def target_choices(meeting: ReviewMeeting) -> list[tuple[int, str]]:
    """The meeting's targets, for the lead body's forms."""
    return [(t.pk, target_label(t)) for t in meeting_targets(meeting, WHOLE)]


def override_choices(meeting: ReviewMeeting) -> list[tuple[int, str]]:
    """The meeting's targets with a result for its quarter, each with the RAG shown now (the lead
    body's form)."""
    targets = meeting_targets(meeting, WHOLE)
    results = {r.target_id: r for r in results_shown(target__in=targets, period=meeting.quarter)}
    in_force = overrides_in_force(list(results), [meeting.quarter])
    choices = []
    for t in targets:
        if (result := results.get(t.pk)) is None:
            continue
        shown = f"computed {RAG_LABELS.get(result.rag, result.rag)}"
        if override := in_force.get((t.pk, meeting.quarter)):
            shown = f"shown as {RAG_LABELS[override.rag]}, {shown}"
        choices.append((t.pk, f"{target_label(t)}: {figures_text(result)}, {shown}"))
    return choices


def agreed_overrides(meeting: ReviewMeeting, reach: Reach) -> list[dict]:
    """The overrides the meeting agreed within ``reach``, with whether each is still the one in force."""
    rows = [
        row
        for row in meeting.agreed_overrides.select_related("target__contract", "result").order_by(
            "created_at", "id"
        )
        if reach.sees(row.target.contract_id)
    ]
    in_force = overrides_in_force([row.target_id for row in rows], [meeting.quarter])
    return [
        {
            "override": row,
            "target": target_label(row.target),
            "rag_label": RAG_LABELS.get(row.rag, row.rag),
            "computed_label": RAG_LABELS.get(row.computed_rag, row.computed_rag),
            "in_force": getattr(in_force.get((row.target_id, row.period)), "pk", None) == row.pk,
        }
        for row in rows
    ]
