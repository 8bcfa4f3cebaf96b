"""Background work on notices: the PDF letter and the provider's email when a notice is issued.

Tasks take ids, are queued after commit, call one function and are safe to run twice. Their names
are kept from when they lived in ``commissioning.tasks``, so queued messages and routes still match.
"""

from __future__ import annotations

from celery import shared_task

from commissioning.notices import letters
from commissioning.notices.emails import notice_issued_email


@shared_task(name="commissioning.tasks.notice_letter_generate", acks_late=True, reject_on_worker_lost=True)
def notice_letter_generate(letter_id: int) -> str:
    """Render an issued notice's letter to PDF and store it with its checksum."""
    return letters.notice_letter_generate(letter_id)


@shared_task(
    name="commissioning.tasks.notice_issued_email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notice_issued_email_send(notice_id: int) -> int:
    """Tell the provider's approvers (admins included) that a notice has been issued to them."""
    return notice_issued_email(notice_id)
