"""Review meeting services: planning a meeting (one contract, or several of one provider's together),
changing and cancelling it, and its attendees. (The commentary written before it: commentary.py.)

Only the lead body's commissioners and contract officers (``Capability.MANAGE_REVIEWS``) plan and
change meetings and write the commissioner's review notes; the reviewed provider's submitters and
approvers (``Capability.WRITE_COMMENTARY``) write the DATA / REVIEW / ACTION parts. Every change
owns its transaction, takes a row lock on the meeting, and writes an audit entry owned by the lead
body. Commentary is append-only (a change is a new version) and fixed once the pack is issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction

from accounts.access import Acting
from accounts.audit import audit_record
from accounts.dates import day_label
from accounts.models import AuditEntry
from commissioning.access import is_lead_body
from commissioning.models import Contract, ContractStatus
from outcomes.periods import QUARTER, Period, add_months, latest_ended_quarter, parse_period
from outcomes.reviews.access import require_manager, require_planner
from outcomes.reviews.commentary import (
    CommentaryInput,
    commentary_blanks,
    commentary_history,
    commentary_progress,
    commentary_save,
    commentary_save_all,
)
from outcomes.reviews.models import MeetingStatus, ReviewAttendee, ReviewMeeting
from outcomes.reviews.selectors import meeting_parties

# The commentary services live in outcomes.reviews.commentary; they are importable from here too.
__all__ = [
    "CommentaryInput",
    "MeetingInput",
    "attendee_add",
    "attendee_remove",
    "commentary_blanks",
    "commentary_history",
    "commentary_progress",
    "commentary_save",
    "commentary_save_all",
    "meeting_cancel",
    "meeting_cancellation",
    "meeting_create",
    "meeting_update",
]
CHANGEABLE = (MeetingStatus.PLANNED, MeetingStatus.PACK_ISSUED)
QUARTER_HINT = "Write the quarter like 2026-27-Q2 (Q1 is April to June, Q4 January to March)."


def _audit(acting: Acting, verb: str, meeting: ReviewMeeting, **details) -> None:
    audit_record(
        actor=acting.user,
        actor_organisation=acting.organisation,
        action=f"review.{verb}",
        obj=meeting,
        organisation=meeting.commissioner,
        details={"quarter": meeting.quarter, "status": meeting.status, **details},
    )


def _locked(meeting: ReviewMeeting) -> ReviewMeeting:
    """The meeting re-read under a row lock, so two people changing it at once take turns."""
    return (
        ReviewMeeting.objects.select_for_update()
        .select_related("commissioner", "provider")
        .get(pk=meeting.pk)
    )


def _require_changeable(meeting: ReviewMeeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(
            "This meeting is cancelled, so it cannot be changed. Plan a new meeting instead."
        )
    if meeting.status == MeetingStatus.RECORDED:
        raise ValidationError("This meeting has been held and recorded, so it cannot be changed.")


# --- Planning ------------------------------------------------------------------------------------


def _quarter_problem(quarter: str, held_on: date) -> tuple[Period | None, str]:
    """The quarter reviewed must have ended before the meeting day, and be the quarter just before
    the meeting's own quarter or (for a meeting that slipped) the one before that. Older figures
    would be stale by the time they were discussed; later ones do not exist yet."""
    try:
        period = parse_period(quarter)
    except ValueError:
        return None, f"Choose the quarter the meeting reviews. {QUARTER_HINT}"
    if period.kind != QUARTER:
        return None, f"Choose a quarter, not a month or a year. {QUARTER_HINT}"
    usual = latest_ended_quarter(held_on)
    if period.end >= held_on:
        return period, (
            f"{period.identifier} has not ended by the meeting date, {day_label(held_on)}. A meeting reviews a "
            f"quarter that has ended: usually the one just before it, {usual.identifier}."
        )
    if period.start < add_months(usual.start, -3):
        return period, (
            f"{period.identifier} ended more than two quarters before the meeting date, {day_label(held_on)}. "
            f"Review {usual.identifier}, the quarter just before the meeting (or the one before that if the "
            "meeting slipped)."
        )
    return period, ""


@dataclass(frozen=True)
class MeetingInput:
    """What a manager writes when planning or changing a meeting."""

    contracts: list[Contract]
    quarter: str
    held_on: date
    starts_at: time | None = None
    place: str = ""
    link: str = ""
    chair_name: str = ""
    chair_organisation: str = ""
    commentary_due_on: date | None = None


def _meeting_problems(acting: Acting, data: MeetingInput, meeting: ReviewMeeting | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    period, quarter_problem = _quarter_problem(data.quarter, data.held_on)
    if quarter_problem:
        problems["quarter"] = quarter_problem
    contracts = list(data.contracts)
    providers = {c.provider_id: c.provider for c in contracts}
    if not contracts:
        problems["contracts"] = "Choose at least one contract to review."
    elif not_led := [c.reference for c in contracts if not is_lead_body(acting, c)]:
        problems["contracts"] = (
            f"{acting.organisation.name} does not lead {', '.join(not_led)}. A review is planned by the body "
            "that leads the contract."
        )
    elif len(providers) > 1:
        names = ", ".join(sorted(p.name for p in providers.values()))
        problems["contracts"] = (
            f"The contracts chosen are with different providers ({names}). A meeting reviews one provider: "
            "plan a meeting for each."
        )
    elif meeting is not None and contracts[0].provider_id != meeting.provider_id:
        problems["contracts"] = f"This meeting reviews {meeting.provider.name}: choose only its contracts."
    elif drafts := [c.reference for c in contracts if c.status == ContractStatus.DRAFT]:
        problems["contracts"] = (
            f"{', '.join(drafts)} is still a draft. Review meetings are for contracts in force."
        )
    elif period is not None:
        for c in contracts:
            if c.start_date > period.end or c.end_date < period.start:
                problems["contracts"] = (
                    f"{c.reference} did not run in {period.identifier}: it runs from "
                    f"{day_label(c.start_date)} to {day_label(c.end_date)}."
                )
                break
            others = ReviewMeeting.objects.filter(contracts=c, quarter=period.identifier).exclude(
                status=MeetingStatus.CANCELLED
            )
            if meeting is not None:  # the meeting being changed is no clash with itself
                others = others.exclude(pk=meeting.pk)
            other = others.first()
            if other is not None:
                problems["contracts"] = (
                    f"{c.reference} already has a review of {period.identifier} on {day_label(other.held_on)}. "
                    "Change that meeting, or cancel it first."
                )
                break
    if not data.place.strip() and not data.link.strip():
        problems["place"] = "Enter where the meeting is held, or a video call link, or both."
    if data.link.strip():
        try:
            URLValidator(schemes=["https", "http"])(data.link.strip())
        except ValidationError:
            problems["link"] = (
                "Enter the video call link as a full web address, like https://meet.example.org/abc"
            )
    if data.chair_organisation.strip() and not data.chair_name.strip():
        problems["chair_name"] = "Enter the independent chair's name, or leave their organisation blank too."
    if data.commentary_due_on and data.commentary_due_on >= data.held_on:
        problems["commentary_due_on"] = (
            "The commentary due date must be before the meeting date, so the pack can include the commentary."
        )
    return problems


def _apply(meeting: ReviewMeeting, data: MeetingInput) -> None:
    meeting.quarter = data.quarter.strip()
    meeting.held_on, meeting.starts_at = data.held_on, data.starts_at
    meeting.place, meeting.link = data.place.strip(), data.link.strip()
    meeting.chair_name, meeting.chair_organisation = data.chair_name.strip(), data.chair_organisation.strip()
    meeting.commentary_due_on = data.commentary_due_on


def meeting_create(
    *,
    acting: Acting,
    contracts: list[Contract],
    quarter: str,
    held_on: date,
    starts_at: time | None = None,
    place: str = "",
    link: str = "",
    chair_name: str = "",
    chair_organisation: str = "",
    commentary_due_on: date | None = None,
) -> ReviewMeeting:
    """Plan a review of one quarter of one or several contracts the acting body leads with one provider.

    The quarter must have ended before the meeting day and be the one just before the meeting's own
    quarter, or the one before that (see ``_quarter_problem``)."""
    require_planner(acting)
    data = MeetingInput(
        list(contracts),
        quarter,
        held_on,
        starts_at,
        place,
        link,
        chair_name,
        chair_organisation,
        commentary_due_on,
    )
    if problems := _meeting_problems(acting, data, None):
        raise ValidationError(problems)
    with transaction.atomic():
        meeting = ReviewMeeting(
            commissioner_id=acting.organisation.pk,
            provider_id=data.contracts[0].provider_id,
            created_by=acting.user,
            created_by_label=str(acting.user),
        )
        _apply(meeting, data)
        meeting.save()
        meeting.contracts.set(data.contracts)
        _audit(acting, "create", meeting, contracts=sorted(c.reference for c in data.contracts))
    return meeting


def meeting_update(
    *,
    acting: Acting,
    meeting: ReviewMeeting,
    contracts: list[Contract],
    quarter: str,
    held_on: date,
    starts_at: time | None = None,
    place: str = "",
    link: str = "",
    chair_name: str = "",
    chair_organisation: str = "",
    commentary_due_on: date | None = None,
) -> ReviewMeeting:
    """Change a meeting not yet held (every field as in ``meeting_create``). Once its pack is issued the
    contracts and quarter are fixed; while commentary is written on them they stay too."""
    require_manager(acting, meeting)
    data = MeetingInput(
        list(contracts),
        quarter,
        held_on,
        starts_at,
        place,
        link,
        chair_name,
        chair_organisation,
        commentary_due_on,
    )
    with transaction.atomic():
        meeting = _locked(meeting)
        _require_changeable(meeting)
        problems = _meeting_problems(acting, data, meeting)
        before = {c.pk: c.reference for c in meeting.contracts.all()}
        after = {c.pk: c.reference for c in data.contracts}
        quarter_changed = data.quarter.strip() != meeting.quarter
        if (quarter_changed or set(before) != set(after)) and meeting.status != MeetingStatus.PLANNED:
            problems.setdefault(
                "contracts",
                "The pack has been issued, so the contracts and the quarter are fixed. Cancel this meeting "
                "and plan a new one to review something else.",
            )
        written = meeting.commentary.exclude(text="")
        if quarter_changed and written.exists():
            problems.setdefault(
                "quarter",
                f"Commentary has been written on the {meeting.quarter} figures, so the quarter cannot change. "
                "Cancel this meeting and plan a new one instead.",
            )
        removed = set(before) - set(after)
        if removed and (kept := written.filter(target__contract_id__in=removed)).exists():
            references = sorted({before[row.target.contract_id] for row in kept.select_related("target")})
            problems.setdefault(
                "contracts",
                f"Commentary has been written on {', '.join(references)}, so it stays in this meeting.",
            )
        if problems:
            raise ValidationError(problems)
        _apply(meeting, data)
        meeting.save()
        meeting.contracts.set(data.contracts)
        _audit(acting, "update", meeting, contracts=sorted(after.values()), held_on=str(meeting.held_on))
    return meeting


def meeting_cancel(*, acting: Acting, meeting: ReviewMeeting, reason: str) -> ReviewMeeting:
    """Cancel a meeting that has not been held, with the reason (kept in the audit log and shown on the
    meeting page). Its commentary and any pack stay as they were."""
    require_manager(acting, meeting)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the meeting is cancelled."})
    with transaction.atomic():
        meeting = _locked(meeting)
        _require_changeable(meeting)
        before = meeting.status
        meeting.status = MeetingStatus.CANCELLED
        meeting.save(update_fields=["status"])
        _audit(acting, "cancel", meeting, reason=reason.strip(), status_before=before)
    return meeting


def meeting_cancellation(meeting: ReviewMeeting) -> AuditEntry | None:
    """The audit entry of the meeting's cancellation (who, when, ``details["reason"]``), if cancelled."""
    if meeting.status != MeetingStatus.CANCELLED:
        return None
    return (
        AuditEntry.objects.filter(
            action="review.cancel", object_type=ReviewMeeting._meta.label, object_id=str(meeting.pk)
        )
        .order_by("-at", "-id")
        .first()
    )


# --- Attendees -----------------------------------------------------------------------------------


def attendee_add(
    *,
    acting: Acting,
    meeting: ReviewMeeting,
    user=None,
    name: str = "",
    organisation: str = "",
    role: str = "",
    email: str = "",
) -> ReviewAttendee:
    """Invite a person with an account (a member of the lead body, the provider or a partner body of
    the meeting's contracts) or an outside partner by name, organisation and role. No one twice."""
    require_manager(acting, meeting)
    name, organisation, role, email = name.strip(), organisation.strip(), role.strip(), email.strip().lower()
    with transaction.atomic():
        meeting = _locked(meeting)
        _require_changeable(meeting)
        if user is not None:
            parties = meeting_parties(meeting)
            memberships = {m.organisation_id: m for m in user.memberships.select_related("organisation")}
            membership = next((memberships[p.pk] for p in parties if p.pk in memberships), None)
            if not user.is_active:
                raise ValidationError(
                    {"user": f"{user}'s account is closed. Add them as an external partner instead."}
                )
            if membership is None:
                listed = ", ".join(p.name for p in parties[:-1]) + f" or {parties[-1].name}"
                raise ValidationError(
                    {
                        "user": f"{user} is not a member of {listed}. Add them as an external partner by name "
                        "and organisation instead."
                    }
                )
            if meeting.attendees.filter(user=user).exists():
                raise ValidationError(
                    {"user": f"{user.full_name or user.email} is already on the attendee list."}
                )
            attendee = ReviewAttendee(
                meeting=meeting,
                user=user,
                name=user.full_name or user.email,
                organisation=membership.organisation.name,
                role=role or membership.role_label,
                email=user.email,
            )
        else:
            problems = {}
            if not name:
                problems["name"] = "Enter the partner's name."
            if not organisation:
                problems["organisation"] = "Enter the partner's organisation, like Riverton GP Federation."
            if email:
                try:
                    EmailValidator()(email)
                except ValidationError:
                    problems["email"] = "Enter an email address in the correct format, like name@example.org"
            if problems:
                raise ValidationError(problems)
            if meeting.attendees.filter(name__iexact=name, organisation__iexact=organisation).exists():
                raise ValidationError({"name": f"{name} of {organisation} is already on the attendee list."})
            attendee = ReviewAttendee(
                meeting=meeting, name=name, organisation=organisation, role=role, email=email
            )
        attendee.save()
        _audit(acting, "attendee_add", meeting, attendee=str(attendee), external=attendee.is_external)
    return attendee


def attendee_remove(*, acting: Acting, attendee: ReviewAttendee) -> None:
    """Take someone off the attendee list of a meeting not yet held."""
    require_manager(acting, attendee.meeting)
    with transaction.atomic():
        meeting = _locked(attendee.meeting)
        _require_changeable(meeting)
        label = str(attendee)
        attendee.delete()
        _audit(acting, "attendee_remove", meeting, attendee=label)
