"""Background work on returns: checking an uploaded file, and the daily reminders.

Tasks take ids, are queued after commit, call one function and are safe to run twice; their names
are kept from ``outcomes.tasks``, so queued messages, routes and the beat schedule still match.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from accounts.jobs import job_enqueue, orphan_finder
from outcomes.models import AttemptStatus, ReturnAttempt
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
        return_email_later(attempt, event)
    return attempt.status


@shared_task(name="outcomes.tasks.return_email_send", acks_late=True)
def return_email_send(attempt_id: int, event: str) -> int:
    """Email the people concerned about a return (each email once, however often this runs)."""
    return len(email_send(attempt_id, event))


@shared_task(name="outcomes.tasks.return_reminders")
def return_reminders() -> int:
    """Daily: email providers whose return is due in 3 days, or became overdue yesterday."""
    return len(return_reminders_send(today=timezone.localdate()))


def validation_subject(attempt_id: int) -> str:
    return f"return-attempt:{attempt_id}"


def validation_later(attempt: ReturnAttempt) -> None:
    """Check the attempt in the background once the upload's transaction commits (the outbox)."""
    job_enqueue(
        return_validate,
        attempt.pk,
        subject=validation_subject(attempt.pk),
        label=f"Checking {attempt.filename or 'a nil return'} (upload {attempt.pk})",
    )


# For the sweeper: an upload still to be checked that never had a job (saved before the outbox).
validation_orphans_queue = orphan_finder(
    lambda settled: ReturnAttempt.objects.filter(
        status__in=(AttemptStatus.RECEIVED, AttemptStatus.VALIDATING), submitted_at__lt=settled
    ).only("pk", "filename"),
    validation_subject,
    validation_later,
)


def return_email_later(attempt: ReturnAttempt, event: str) -> None:
    """Email the people concerned about the attempt's ``event`` after the commit (each email once)."""
    job_enqueue(
        return_email_send,
        attempt.pk,
        event,
        subject=f"return-email:{attempt.pk}:{event}",
        label=f"Emailing about upload {attempt.pk} ({event})",
    )
