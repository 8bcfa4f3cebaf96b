"""The PDF letter of an issued notice: rendered with WeasyPrint (no network access: only files
under static/) from templates/pdf/notice_letter.html, stored with its checksum by a background task."""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from commissioning.notices.models import Notice, NoticeKind, NoticeLetter
from commissioning.pdf import pdf_render, pdf_store

logger = logging.getLogger(__name__)

# The notice type as the letter names it.
LETTER_TITLES: dict[str, str] = {
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
        "link": settings.SITE_URL + reverse("notices:detail", args=[notice.pk]),
    }


def notice_letter_render(notice: Notice) -> bytes:
    """The notice's letter as PDF bytes."""
    return pdf_render("pdf/notice_letter.html", notice_letter_context(notice))


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
    return pdf_store(letter, lambda: notice_letter_render(letter.notice), f"letter-{letter.notice_id}.pdf")
