"""Background work on returns: checking an uploaded file, and the daily reminders.

Tasks take ids, are queued after commit, call one function and are safe to run twice; their names
are kept from ``outcomes.tasks``, so queued messages, routes and the beat schedule still match.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from outcomes.returns.emails import event_for
from outcomes.returns.emails import return_email_send as email_send
from outcomes.returns.reminders import return_reminders_send
from outcomes.returns.validation import attempt_validate


@shared_task(name="outcomes.tasks.return_validate", acks_late=True, reject_on_worker_lost=True)
def return_validate(attempt_id: int) -> str:
    """Check an uploaded return; if the worker dies part-way, the redelivered task runs it again.
    Then announce the outcome (awaiting sign-off, or rejected) by email, once."""
    attempt = attempt_validate(attempt_id=attempt_id)
    event = event_for(attempt)
    if event is not None:
        return_email_send.delay(attempt.pk, event)
    return attempt.status


@shared_task(name="outcomes.tasks.return_email_send", acks_late=True)
def return_email_send(attempt_id: int, event: str) -> int:
    """Email the people concerned about a return (each email once, however often this runs)."""
    return len(email_send(attempt_id, event))


@shared_task(name="outcomes.tasks.return_reminders")
def return_reminders() -> int:
    """Daily: email providers whose return is due in 3 days, or became overdue yesterday."""
    return len(return_reminders_send(today=timezone.localdate()))
