"""Background work on suggested notices: the nightly refresh (and an officer's "check now").

The task's name is kept from ``outcomes.tasks``, so queued messages and the beat schedule still match.
"""

from __future__ import annotations

from celery import shared_task

from outcomes.notice_suggestions.refresh import suggestions_refresh


@shared_task(name="outcomes.tasks.notice_suggestions_refresh")
def notice_suggestions_refresh(commissioner_id: int | None = None) -> dict[str, int]:
    """Nightly (and on an officer's request, for their body): flag candidates for notices."""
    return suggestions_refresh(commissioner_id=commissioner_id)
