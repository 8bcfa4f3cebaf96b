"""Background work on review packs: making the PDF, and emailing the issued pack.

Tasks take ids, are queued after commit, call one function and are safe to run twice; their names
are kept from ``outcomes.tasks``, so queued messages and routes still match.
"""

from __future__ import annotations

from celery import shared_task

from accounts.jobs import job_failure_register
from accounts.task_base import TRANSIENT_ERRORS
from outcomes.reviews.models import PackStatus, ReviewPack
from outcomes.reviews.pack_documents import pack_email_send, pack_generate


@shared_task(name="outcomes.tasks.review_pack_generate", acks_late=True, reject_on_worker_lost=True)
def review_pack_generate(pack_id: int) -> str:
    """Make a review pack's PDF from its frozen figures and store it with its checksum and page count."""
    return pack_generate(pack_id)


def _pack_failed(pack_id: int, *, error: str) -> None:
    """The pack's page then says its PDF could not be made, and its managers make a new draft."""
    ReviewPack.objects.filter(pk=pack_id, status=PackStatus.QUEUED).update(
        status=PackStatus.FAILED, error=error
    )


job_failure_register(review_pack_generate, _pack_failed)


@shared_task(name="outcomes.tasks.review_pack_email_send", autoretry_for=(*TRANSIENT_ERRORS, OSError))
def review_pack_email_send(pack_id: int) -> int:
    """Email an issued review pack to its attendees (a link for users, the PDF for others); once each."""
    return pack_email_send(pack_id)
