"""An officer's "Check now": the body's suggestions are refreshed by a background task, as the
nightly run does for every body (``outcomes.notice_suggestions.refresh``)."""

from __future__ import annotations

from accounts.access import Acting
from accounts.jobs import job_enqueue
from commissioning.notices.access import require_notice_manager
from outcomes.notice_suggestions.tasks import notice_suggestions_refresh


def suggestions_refresh_request(*, acting: Acting) -> None:
    """Queue a refresh of the acting body's suggestions, after the request's transaction commits."""
    require_notice_manager(acting)
    body_id = acting.organisation.pk
    job_enqueue(
        notice_suggestions_refresh,
        body_id,
        subject=f"notice-suggestions:{body_id}",
        label=f"Checking for notices to suggest to {acting.organisation}",
    )
