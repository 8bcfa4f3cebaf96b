"""Background work on the QAF: final-report PDFs, the provider's email when a draft is shared, and
the stored QAF statuses (after every change, and nightly as windows close and assessments fall due).

Tasks take ids, are queued after commit, call one function and are safe to run twice. Their names
are kept from where they were first defined (``commissioning.tasks``, ``outcomes.tasks``), so queued
messages, routes and the beat schedule still match.
"""

from __future__ import annotations

from celery import shared_task

from accounts.jobs import job_failure_register
from accounts.task_base import TRANSIENT_ERRORS
from commissioning.qaf import reports
from commissioning.qaf.emails import qaf_draft_shared_email
from commissioning.qaf.models import FinalReport
from commissioning.qaf.status import qaf_status_store, qaf_status_store_all


@shared_task(name="commissioning.tasks.qaf_report_generate", acks_late=True, reject_on_worker_lost=True)
def qaf_report_generate(report_id: int) -> str:
    """Render a finalised assessment's report to PDF and store it with its checksum."""
    return reports.qaf_report_generate(report_id)


def _report_failed(report_id: int, *, error: str) -> None:
    FinalReport.objects.filter(pk=report_id, generated_at__isnull=True).update(error=error)


job_failure_register(qaf_report_generate, _report_failed)


@shared_task(
    name="commissioning.tasks.qaf_draft_shared_email_send",
    autoretry_for=(*TRANSIENT_ERRORS, OSError),
)
def qaf_draft_shared_email_send(assessment_id: int) -> int:
    """Tell the provider's approvers that a draft QAF report awaits their comments, and by when."""
    return qaf_draft_shared_email(assessment_id)


@shared_task(name="outcomes.tasks.qaf_status_refresh", acks_late=True)
def qaf_status_refresh(provider_id: int, commissioner_id: int) -> int:
    """Recompute a provider's QAF status for a commissioning body after any change to its assessments."""
    return len(qaf_status_store(provider_id=provider_id, commissioner_id=commissioner_id))


@shared_task(name="outcomes.tasks.qaf_status_refresh_all")
def qaf_status_refresh_all() -> int:
    """Nightly: every provider's QAF status (windows close and assessments fall due as days pass)."""
    return qaf_status_store_all()
