"""Background work on returns: checking an uploaded file, and the daily reminders.

Tasks take ids, are queued after commit, call one function and are safe to run twice; their names
are kept from ``outcomes.tasks``, so queued messages, routes and the beat schedule still match.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from outcomes.returns.reminders import return_reminders_send
from outcomes.returns.validation import attempt_validate


@shared_task(name="outcomes.tasks.return_validate", acks_late=True, reject_on_worker_lost=True)
def return_validate(attempt_id: int) -> str:
    """Check an uploaded return; if the worker dies part-way, the redelivered task runs it again."""
    return attempt_validate(attempt_id=attempt_id).status


@shared_task(name="outcomes.tasks.return_reminders")
def return_reminders() -> int:
    """Daily: email providers whose return is due in 3 days, or became overdue yesterday."""
    return len(return_reminders_send(today=timezone.localdate()))
