"""Background work on returns. Tasks take ids, are queued after commit and are safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def return_validate(attempt_id: int) -> str:
    """Check an uploaded return; if the worker dies part-way, the redelivered task runs it again."""
    from outcomes.services import attempt_validate

    return attempt_validate(attempt_id=attempt_id).status


@shared_task(acks_late=True)
def compliance_recompute(contract_id: int, months: list[str] | None = None) -> list[str]:
    """Recompute a contract's results for the periods that read the given (or requested) months."""
    from outcomes.compliance import results_recompute

    return results_recompute(contract_id=contract_id, months=months)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def compliance_run(run_id: int) -> str:
    """A commissioner's "Recompute now": the run's periods one by one, with progress recorded."""
    from outcomes.compliance import recompute_run_execute

    return recompute_run_execute(run_id)


@shared_task
def compliance_recompute_all() -> int:
    """Nightly: recompute every period of every contract (catches due dates passing, late data)."""
    from outcomes.compliance import results_recompute_all

    return results_recompute_all()


@shared_task(acks_late=True)
def qaf_status_refresh(provider_id: int, commissioner_id: int) -> int:
    """Recompute a provider's QAF status for a commissioning body after any change to its assessments."""
    from outcomes.qaf import qaf_status_store

    return len(qaf_status_store(provider_id=provider_id, commissioner_id=commissioner_id))


@shared_task
def qaf_status_refresh_all() -> int:
    """Nightly: every provider's QAF status (windows close and assessments fall due as days pass)."""
    from outcomes.qaf import qaf_status_store_all

    return qaf_status_store_all()


@shared_task
def return_reminders() -> int:
    """Daily: email providers whose return is due in 3 days, or became overdue yesterday."""
    from django.utils import timezone

    from outcomes.reminders import return_reminders_send

    return len(return_reminders_send(today=timezone.localdate()))


@shared_task
def notice_suggestions_refresh(commissioner_id: int | None = None) -> dict[str, int]:
    """Nightly (and on an officer's request, for their body): flag candidates for notices."""
    from outcomes.notice_suggestions import suggestions_refresh

    return suggestions_refresh(commissioner_id=commissioner_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def review_pack_generate(pack_id: int) -> str:
    """Make a review pack's PDF from its frozen figures and store it with its checksum and page count."""
    from outcomes.reviews.packs import pack_generate

    return pack_generate(pack_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def review_pack_email_send(pack_id: int) -> int:
    """Email an issued review pack to its attendees (a link for users, the PDF for others); once each."""
    from outcomes.reviews.packs import pack_email_send

    return pack_email_send(pack_id)
