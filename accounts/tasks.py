"""Background work about people: emails and housekeeping. Tasks take ids, call one function and are
safe to run twice."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from celery import shared_task
from django.conf import settings
from django.utils import timezone

from accounts.api.idempotency import idempotency_prune
from accounts.audit_check import audit_check_nightly
from accounts.emails import invitation_email, lockout_email, password_reset_email
from accounts.jobs import jobs_prune as prune
from accounts.jobs import jobs_sweep as sweep
from accounts.task_base import TRANSIENT_ERRORS


@shared_task(autoretry_for=(*TRANSIENT_ERRORS, OSError))
def invitation_email_send(invitation_id: int) -> bool:
    """Email the invitation link; does nothing if the invitation is no longer pending."""
    return invitation_email(invitation_id)


@shared_task(autoretry_for=(*TRANSIENT_ERRORS, OSError))
def password_reset_email_send(user_id: int) -> bool:
    """Email a password reset link to an active user."""
    return password_reset_email(user_id)


@shared_task(autoretry_for=(*TRANSIENT_ERRORS, OSError))
def lockout_email_send(user_id: int) -> bool:
    """Tell a person that signing in to their account is paused after repeated wrong passwords."""
    return lockout_email(user_id)


@shared_task
def sessions_clear_expired() -> None:
    """Delete sessions that have expired (nightly)."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


@shared_task
def sign_in_attempts_clean() -> int:
    """Nightly: delete lockout counts older than the lockout period, and the history of sign-ins and
    failed sign-ins older than SIGN_IN_HISTORY_DAYS; returns how many rows went."""
    now = timezone.now()
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lt=now - settings.AXES_COOLOFF_TIME).delete()
    kept_from = now - timedelta(days=settings.SIGN_IN_HISTORY_DAYS)
    failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=kept_from).delete()
    sign_ins, _ = AccessLog.objects.filter(attempt_time__lt=kept_from).delete()
    return deleted + failures + sign_ins


@shared_task(name="accounts.tasks.jobs_sweep", acks_late=False)
def jobs_sweep() -> dict[str, int]:
    """Every JOBS_SWEEP_SECONDS: queue background work that is due, or was lost (accounts.jobs)."""
    done = sweep()
    return {"queued": done.queued, "requeued": done.requeued, "failed": done.failed, "orphans": done.orphans}


@shared_task(name="accounts.tasks.jobs_prune")
def jobs_prune() -> int:
    """Nightly: forget background jobs finished more than a week ago (failed ones are kept)."""
    return prune()


@shared_task
def api_idempotency_keys_prune() -> int:
    """Forget API Idempotency-Keys past their keeping period (nightly); returns how many."""
    return idempotency_prune()


@shared_task
def audit_log_verify() -> bool:
    """Nightly: check the audit log's hash chain and that the database still refuses changes to it; a
    failure is logged as an ERROR and mailed to ADMINS. Returns whether the log passed."""
    return audit_check_nightly().passed
