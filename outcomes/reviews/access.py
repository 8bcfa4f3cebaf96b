"""Who may do what with a review meeting: the lead body's commissioners and contract officers run
it (plan, record, make and issue the pack); the reviewed provider's submitters and approvers write
its commentary and update the actions it owns.

The one place that answers these questions: a page asks ``is_…``/``can_…`` to decide whether to
show a form or button, and the service behind it asks ``require_…`` before it acts. Which meetings
a person may *see* is ``outcomes.reviews.selectors.meetings_for`` (404 outside).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.access import Acting, Capability
from commissioning.access import is_lead_body
from commissioning.models import Contract
from outcomes.reviews.models import ActionOwner, ReviewAction, ReviewMeeting


def may_plan(acting: Acting, contract: Contract) -> bool:
    """Whether the acting person may plan a review meeting of the contract (its lead body's managers)."""
    return is_lead_body(acting, contract, Capability.MANAGE_REVIEWS)


def require_planner(acting: Acting) -> None:
    """403 unless the acting person plans review meetings for a commissioning body."""
    if not acting.is_commissioner:
        raise PermissionDenied(
            "Review meetings are planned by the commissioning body that leads the contract."
        )
    acting.require(Capability.MANAGE_REVIEWS)


def is_manager(acting: Acting, meeting: ReviewMeeting) -> bool:
    """The lead body's people who run the meeting."""
    return (
        acting.is_commissioner
        and acting.organisation.pk == meeting.commissioner_id
        and acting.can(Capability.MANAGE_REVIEWS)
    )


def is_commentator(acting: Acting, meeting: ReviewMeeting) -> bool:
    """The reviewed provider's people who write its commentary."""
    return (
        acting.is_provider
        and acting.organisation.pk == meeting.provider_id
        and acting.can(Capability.WRITE_COMMENTARY)
    )


def require_manager(acting: Acting, meeting: ReviewMeeting) -> None:
    if not is_manager(acting, meeting):
        raise PermissionDenied(
            "Only the commissioners and contract officers of the body that leads this review can do this."
        )


def require_commentator(acting: Acting, meeting: ReviewMeeting) -> None:
    if not is_commentator(acting, meeting):
        raise PermissionDenied("Only the reviewed provider's submitters and approvers write its commentary.")


def can_update_action(acting: Acting, action: ReviewAction) -> bool:
    """The lead body's managers update any action of their meetings; the reviewed provider's
    commentators update the actions the provider owns."""
    meeting = action.meeting
    if is_manager(acting, meeting):
        return True
    return is_commentator(acting, meeting) and action.owner_kind == ActionOwner.PROVIDER


def require_action_updater(acting: Acting, action: ReviewAction) -> None:
    """403 unless the acting person may update the action (can_update_action)."""
    if can_update_action(acting, action):
        return
    meeting = action.meeting
    if is_commentator(acting, meeting):
        raise PermissionDenied(
            f"This action is owned by {action.owner_organisation}, so only {meeting.commissioner.name} "
            f"can update it. You can update the actions owned by {meeting.provider.name}."
        )
    raise PermissionDenied(
        f"Only {meeting.commissioner.name}'s commissioners and contract officers, and "
        f"{meeting.provider.name}'s submitters and approvers for its own actions, can update this action."
    )
