"""The meeting record: minutes, decisions and attendance; the RAG overrides the meeting agreed; the
actions it raised and their updates; and what the meeting page shows of them.

Rules:
- A meeting is recorded on or after its day, whether or not its pack was issued here (papers are
  sometimes tabled on the day); a cancelled meeting has no record. Overrides and actions are
  agreed from the meeting day on too. Recording sets the status to recorded (which also fixes the
  commentary); the record can be corrected later, and each change is audited with what changed.
- An agreed override goes through ``outcomes.compliance.result_override`` (the lead body's
  commissioners, Capability.OVERRIDE_RESULTS), on the target's latest result for the meeting's
  quarter, so the scorecard shows it. One per target per meeting: agreeing again replaces it in
  the meeting's list; the earlier override stays in the result's history.
- The lead body's managers add actions and update any action; the reviewed provider's
  commentators update the provider's own actions, but only the lead body drops an action or
  reopens a closed one. Done and dropped need a note. Every change is a ReviewActionUpdate row.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from accounts.dates import day_label
from commissioning.models import Contract, Target
from outcomes.models import ResultOverride
from outcomes.results.overrides import OVERRIDE_CHOICES, result_override
from outcomes.reviews import access, selectors
from outcomes.reviews.forms_record import ActionAddForm, OverrideAgreeForm
from outcomes.reviews.models import (
    ActionOwner,
    ActionStatus,
    MeetingStatus,
    ReviewAction,
    ReviewActionUpdate,
    ReviewMeeting,
)
from outcomes.reviews.reach import WHOLE

CLOSED_STATUSES = (ActionStatus.DONE, ActionStatus.DROPPED)


def _audit(acting: Acting, action: str, obj, meeting: ReviewMeeting, **details) -> None:
    audit_record(
        actor=acting.user,
        actor_organisation=acting.organisation,
        action=f"review.{action}",
        obj=obj,
        organisation=meeting.commissioner,
        details={"meeting": meeting.pk, "quarter": meeting.quarter, **details},
    )


def record_problem(meeting: ReviewMeeting, today: date | None = None) -> str:
    """Why the meeting cannot be recorded yet (or at all); empty when it can."""
    today = today or timezone.localdate()
    if meeting.status == MeetingStatus.CANCELLED:
        return "This meeting was cancelled, so it has no record, overrides or actions."
    if meeting.held_on > today:
        return (
            f"The meeting is on {day_label(meeting.held_on)}. Record it, and agree overrides and actions, "
            "on or after that day."
        )
    return ""


def _require_held(meeting: ReviewMeeting) -> None:
    if problem := record_problem(meeting):
        raise ValidationError(problem)


# --- The minutes --------------------------------------------------------------------------------


def _record_snapshot(meeting: ReviewMeeting) -> dict:
    return {
        "minutes": meeting.minutes,
        "decisions": meeting.decisions,
        "attended": {str(a.pk): a.attended for a in meeting.attendees.all()},
    }


def meeting_record(
    *, acting: Acting, meeting: ReviewMeeting, minutes: str, decisions: str, attended: dict[int, bool]
) -> ReviewMeeting:
    """Record (or correct) the minutes, decisions and who attended; the first time, the meeting
    becomes recorded."""
    access.require_manager(acting, meeting)
    _require_held(meeting)
    problems = {}
    if not minutes.strip():
        problems["minutes"] = "Write the minutes: what was discussed"
    invited = set(meeting.attendees.values_list("pk", flat=True))
    if set(attended) - invited:
        problems["attended"] = "Tick only people invited to this meeting"
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        meeting = ReviewMeeting.objects.select_for_update().get(pk=meeting.pk)
        before = _record_snapshot(meeting)
        first = meeting.status != MeetingStatus.RECORDED
        meeting.minutes, meeting.decisions = minutes.strip(), decisions.strip()
        for attendee in meeting.attendees.filter(pk__in=attended):
            if attendee.attended != attended[attendee.pk]:
                attendee.attended = attended[attendee.pk]
                attendee.save(update_fields=["attended"])
        after = _record_snapshot(meeting)
        changed = {
            key: {"before": before[key], "after": after[key]} for key in after if before[key] != after[key]
        }
        if not first and not changed:
            raise ValidationError(
                "Nothing has changed. Change the minutes, the decisions or who attended, or go back to "
                "the meeting."
            )
        if first:
            meeting.status = MeetingStatus.RECORDED
            meeting.recorded_at, meeting.recorded_by_label = timezone.now(), str(acting.user)
        meeting.save(update_fields=["minutes", "decisions", "status", "recorded_at", "recorded_by_label"])
        _audit(acting, "record" if first else "record_correct", meeting, meeting, changed=changed)
    return meeting


# --- Agreed RAG overrides -----------------------------------------------------------------------


def override_agree(
    *, acting: Acting, meeting: ReviewMeeting, target: Target, rag: str, reason: str
) -> ResultOverride:
    """Override the RAG of a target's result for the meeting's quarter as the meeting agreed, with the
    reason; it shows on the scorecard and in the meeting's record."""
    access.require_manager(acting, meeting)
    acting.require(Capability.OVERRIDE_RESULTS)
    _require_held(meeting)
    problems = {}
    if not Target.objects.filter(pk=target.pk, contract__in=meeting.contracts.all()).exists():
        problems["target"] = "Choose a target of a contract this meeting reviews"
    if rag not in OVERRIDE_CHOICES:
        problems["rag"] = "Choose green, amber or red"
    if not reason.strip():
        problems["reason"] = "Give the reason the meeting agreed the override"
    result = None if problems.get("target") else selectors.quarter_result(meeting, target)
    if result is None and "target" not in problems:
        problems["target"] = (
            f"There is no result for {meeting.quarter} for this target yet, so its RAG cannot be "
            "overridden. Recompute the contract's results from its scorecard first."
        )
    if problems or result is None:  # no result is one of the problems
        raise ValidationError(problems)
    with transaction.atomic():
        override = result_override(acting=acting, result=result, rag_value=rag, reason=reason)
        replaced = list(meeting.agreed_overrides.filter(target=target))
        meeting.agreed_overrides.remove(*replaced)
        meeting.agreed_overrides.add(override)
        _audit(
            acting,
            "override_agree",
            meeting,
            meeting,
            override=override.pk,
            contract=result.contract.reference,
            measure=target.measure,
            period=result.period,
            computed_rag=result.rag,
            rag=rag,
            reason=override.reason,
            replaces=[row.pk for row in replaced],
        )
    return override


# --- Actions ------------------------------------------------------------------------------------


def _default_organisation(meeting: ReviewMeeting, owner_kind: str) -> str:
    if owner_kind == ActionOwner.PROVIDER:
        return meeting.provider.name
    if owner_kind == ActionOwner.COMMISSIONER:
        return meeting.commissioner.name
    return ""


def action_add(
    *,
    acting: Acting,
    meeting: ReviewMeeting,
    description: str,
    owner_kind: str,
    owner_organisation: str,
    owner_name: str,
    due_on: date,
    contract: Contract | None = None,
    target: Target | None = None,
) -> ReviewAction:
    """Add an action the meeting agreed, owned by the provider, the commissioner or a named system
    partner; it is carried into every later pack until it is done or dropped."""
    access.require_manager(acting, meeting)
    _require_held(meeting)
    contracts = list(meeting.contracts.all())
    problems = {}
    if not description.strip():
        problems["description"] = "Say what will be done"
    if owner_kind not in ActionOwner.values:
        problems["owner_kind"] = "Choose who owns the action"
    organisation = owner_organisation.strip() or _default_organisation(meeting, owner_kind)
    if owner_kind == ActionOwner.PARTNER and not organisation:
        problems["owner_organisation"] = (
            "Name the partner organisation that owns the action, for example Riverton Community Nursing"
        )
    if not owner_name.strip():
        problems["owner_name"] = "Name the person or role who owns the action"
    if due_on < meeting.held_on:
        problems["due_on"] = f"The due date cannot be before the meeting ({day_label(meeting.held_on)})"
    if contract is not None and contract not in contracts:
        problems["contract"] = "Choose one of the contracts this meeting reviews"
    if target is not None and target.contract_id not in {c.pk for c in contracts}:
        problems["target"] = "Choose a target of a contract this meeting reviews"
    elif target is not None and contract is not None and target.contract_id != contract.pk:
        problems["target"] = (
            f"This target belongs to contract {target.contract.reference}, not {contract.reference}"
        )
    if problems:
        raise ValidationError(problems)
    if contract is None and target is not None:
        contract = target.contract
    if contract is None and len(contracts) == 1:
        contract = contracts[0]
    label = str(acting.user)
    with transaction.atomic():
        action = ReviewAction.objects.create(
            meeting=meeting,
            contract=contract,
            target=target,
            description=description.strip(),
            owner_kind=owner_kind,
            owner_organisation=organisation,
            owner_name=owner_name.strip(),
            due_on=due_on,
            created_by_label=label,
            updated_by_label=label,
        )
        ReviewActionUpdate.objects.create(
            action=action, status_before="", status_after=action.status, by=acting.user, by_label=label
        )
        _audit(
            acting,
            "action_add",
            action,
            meeting,
            owner_kind=owner_kind,
            owner_organisation=organisation,
            owner_name=action.owner_name,
            due_on=str(due_on),
            contract=contract.reference if contract else "",
        )
    return action


def _update_problems(action: ReviewAction, manager: bool, status: str, note: str) -> dict[str, str]:
    commissioner = action.meeting.commissioner.name
    problems = {}
    if status not in ActionStatus.values:
        problems["status"] = "Choose a status from the list"
    elif not manager and status == ActionStatus.DROPPED:
        problems["status"] = (
            f"Only {commissioner} can mark an action as no longer needed. Mark it done, "
            "or raise it at the next meeting."
        )
    elif not manager and action.status in CLOSED_STATUSES and status not in CLOSED_STATUSES:
        problems["status"] = f"This action is closed. Only {commissioner} can reopen it."
    elif status == action.status and not note:
        problems["status"] = "Choose a new status, or write a note on progress"
    if status == ActionStatus.DONE and not note:
        problems["note"] = "Say what was done"
    elif status == ActionStatus.DROPPED and not note:
        problems["note"] = "Say why the action is no longer needed"
    return problems


def action_update(*, acting: Acting, action: ReviewAction, status: str, note: str) -> ReviewAction:
    """A new status for an action, or a note on its progress; done and dropped need a note."""
    access.require_action_updater(acting, action)
    meeting = action.meeting
    note, label = note.strip(), str(acting.user)
    with transaction.atomic():
        # Judged against the stored status, so two people updating at once cannot both reopen or close it.
        action = ReviewAction.objects.select_for_update().get(pk=action.pk)
        action.meeting = meeting
        if problems := _update_problems(action, access.is_manager(acting, meeting), status, note):
            raise ValidationError(problems)
        before = action.status
        ReviewActionUpdate.objects.create(
            action=action,
            status_before=before,
            status_after=status,
            note=note,
            by=acting.user,
            by_label=label,
            by_provider=acting.is_provider,
        )
        action.status, action.status_note = status, note
        action.updated_at, action.updated_by_label = timezone.now(), label
        action.save(update_fields=["status", "status_note", "updated_at", "updated_by_label"])
        _audit(acting, "action_update", action, meeting, status_before=before, status=status, note=note)
    return action


# --- What the meeting page shows --------------------------------------------------------------------


def panel_context(acting: Acting, meeting: ReviewMeeting, forms: dict | None = None) -> dict:
    """Everything the record panel and the record page show, within the meeting's reach (a partner
    body party to only some of its contracts sees their overrides and actions, not the minutes);
    ``forms`` holds bound forms to show again."""
    forms = forms or {}
    reach = selectors.meeting_reach(acting, meeting)
    today = timezone.localdate()
    manager = access.is_manager(acting, meeting)
    problem = record_problem(meeting, today)
    can_record = manager and not problem
    can_override = can_record and acting.can(Capability.OVERRIDE_RESULTS)
    context: dict[str, Any] = {
        "meeting": meeting,
        "is_manager": manager,
        "is_commentator": access.is_commentator(acting, meeting),
        "problem": problem,
        "can_record": can_record,
        "can_override": can_override,
        "attendees": list(meeting.attendees.all()),
        "reach_whole": reach.whole,
        "overrides": selectors.agreed_overrides(meeting, reach),
        "actions": selectors.with_measure_names(
            list(selectors.meeting_actions(meeting, reach).select_related("contract", "target"))
        ),
        "carried": selectors.with_measure_names(selectors.actions_carried_forward(meeting, reach)),
        "corrections": selectors.record_corrections(meeting)
        if meeting.status == MeetingStatus.RECORDED and reach.whole
        else [],
        "today": today,
        "action_form": forms.get("action"),
        "override_form": forms.get("override"),
        "override_choices": [],
    }
    if can_record and context["action_form"] is None:
        context["action_form"] = ActionAddForm(
            contracts=selectors.meeting_contracts(meeting, WHOLE),
            targets=selectors.target_choices(meeting),
        )
    if can_override:
        context["override_choices"] = selectors.override_choices(meeting)
        if context["override_form"] is None and context["override_choices"]:
            context["override_form"] = OverrideAgreeForm(targets=context["override_choices"])
    return context


def record_context(request, meeting) -> dict:
    """What the meeting page shows of the record and actions (merged into its context)."""
    return {"meeting_record": panel_context(request.acting, meeting)}
