"""An officer's "Check now": the body's suggestions are refreshed by a background task, as the
nightly run does for every body (``outcomes.notice_suggestions.refresh``)."""

from __future__ import annotations

from django.db import transaction

from accounts.access import Acting
from commissioning.notices.access import require_notice_manager
from outcomes.notice_suggestions.tasks import notice_suggestions_refresh


def suggestions_refresh_request(*, acting: Acting) -> None:
    """Queue a refresh of the acting body's suggestions, after the request's transaction commits."""
    require_notice_manager(acting)
    body_id = acting.organisation.pk
    transaction.on_commit(lambda: notice_suggestions_refresh.delay(body_id))
