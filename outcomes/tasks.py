"""Background work on returns. Tasks take ids, are queued after commit and are safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def return_validate(attempt_id: int) -> str:
    """Check an uploaded return; if the worker dies part-way, the redelivered task runs it again."""
    from outcomes.services import attempt_validate

    return attempt_validate(attempt_id=attempt_id).status


@shared_task
def compliance_recompute(contract_id: int, periods: list[str]) -> list[str]:
    """Recompute a contract's results for the periods an accepted return touches.

    Returns the period identifiers (months, quarters, years to date, rolling twelve months) whose
    results depend on the given months.
    """
    from outcomes.periods import affected_periods

    affected = affected_periods(periods)
    logger.info("Contract %s: results to recompute for %s", contract_id, ", ".join(affected))
    return affected


@shared_task
def return_reminders() -> int:
    """Daily: email providers whose return is due in 3 days, or became overdue yesterday."""
    from django.utils import timezone

    from outcomes.reminders import return_reminders_send

    return len(return_reminders_send(today=timezone.localdate()))
