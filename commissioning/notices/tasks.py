"""Background work on notices: the PDF letter and the provider's email when a notice is issued.

Tasks take ids, are queued after commit, call one function and are safe to run twice. Their names
are kept from when they lived in ``commissioning.tasks``, so queued messages and routes still match.
"""

from __future__ import annotations

from celery import shared_task

from accounts.jobs import job_failure_register
from accounts.task_base import TRANSIENT_ERRORS
from commissioning.notices import letters
from commissioning.notices.emails import notice_issued_email
from commissioning.notices.models import NoticeLetter


@shared_task(name="commissioning.tasks.notice_letter_generate", acks_late=True, reject_on_worker_lost=True)
def notice_letter_generate(letter_id: int) -> str:
    """Render an issued notice's letter to PDF and store it with its checksum."""
    return letters.notice_letter_generate(letter_id)


def _letter_failed(letter_id: int, *, error: str) -> None:
    """The letter's page then says it could not be made and offers "Try again"."""
    NoticeLetter.objects.filter(pk=letter_id, generated_at__isnull=True).update(error=error)


job_failure_register(notice_letter_generate, _letter_failed)


@shared_task(
    name="commissioning.tasks.notice_issued_email_send",
    autoretry_for=(*TRANSIENT_ERRORS, OSError),
)
def notice_issued_email_send(notice_id: int) -> int:
    """Tell the provider's approvers (admins included) that a notice has been issued to them."""
    return notice_issued_email(notice_id)
