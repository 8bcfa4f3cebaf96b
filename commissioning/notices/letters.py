"""The PDF letter of an issued notice: rendered with WeasyPrint (no network access: only files
under static/) from templates/pdf/notice_letter.html, stored with its checksum by a background task."""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone

from commissioning.notices.models import Notice, NoticeKind, NoticeLetter

logger = logging.getLogger(__name__)

# The notice type as the letter names it.
LETTER_TITLES = {
    NoticeKind.NOC: "Notice of Concern",
    NoticeKind.BREACH: "Contractual breach (default) notice",
    NoticeKind.SUSPENSION: "Notice of suspension of new placements",
    NoticeKind.TERMINATION: "Notice that termination of the contract is recommended",
}


def notice_letter_title(notice: Notice) -> str:
    return LETTER_TITLES.get(notice.kind, notice.get_kind_display())


def notice_letter_context(notice: Notice) -> dict:
    snapshot = notice.evidence_snapshot or {}
    return {
        "notice": notice,
        "title": notice_letter_title(notice),
        "is_noc": notice.kind == NoticeKind.NOC,
        "issued_on": timezone.localdate(notice.issued_at) if notice.issued_at else None,
        "evidence_links": snapshot.get("links", []),
        "evidence_files": snapshot.get("files", []),
        "generated_at": timezone.localtime(),
    }


def notice_letter_render(notice: Notice) -> bytes:
    """The notice's letter as PDF bytes."""
    from weasyprint import HTML

    from commissioning.qaf.reports import _local_only_fetcher

    fetcher, static_dir = _local_only_fetcher()
    html = render_to_string("pdf/notice_letter.html", notice_letter_context(notice))
    return HTML(string=html, base_url=f"file://{static_dir}/", url_fetcher=fetcher).write_pdf()


def notice_letter_generate(letter_id: int) -> str:
    """Generate and store a notice's letter with its checksum; safe to run twice."""
    letter = (
        NoticeLetter.objects.select_related(
            "notice", "notice__provider", "notice__contract", "notice__commissioner"
        )
        .filter(pk=letter_id)
        .first()
    )
    if letter is None:
        return "missing"
    if letter.generated_at is not None:
        return "done"
    try:
        content = notice_letter_render(letter.notice)
    except Exception as error:  # logged with its traceback; recorded on the letter
        logger.exception("Notice letter %s could not be rendered", letter.pk)
        letter.error = f"{type(error).__name__}: {error}"[:500]
        letter.save(update_fields=["error"])
        return "failed"
    letter.sha256 = hashlib.sha256(content).hexdigest()
    letter.size = len(content)
    letter.file.save(f"letter-{letter.notice_id}.pdf", ContentFile(content), save=False)
    letter.generated_at, letter.error = timezone.now(), ""
    letter.save(update_fields=["file", "sha256", "size", "generated_at", "error"])
    return "done"
