"""The PDF letter of an issued notice: rendered with WeasyPrint (no network access: only files
under static/) from templates/pdf/notice_letter.html, stored with its checksum by a background task."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from commissioning.notices.models import Notice, NoticeKind, NoticeLetter
from commissioning.pdf import pdf_render, pdf_store
from providers.models import Provider

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


def notice_link(notice: Notice) -> str:
    """The notice's page, as the letter and the email give it (from ``settings.SITE_URL``)."""
    return settings.SITE_URL + reverse("notices:detail", args=[notice.pk])


def letter_reference(notice: Notice) -> str:
    """The letter's own reference: the contract's and the notice's number."""
    return f"{notice.contract.reference}/N{notice.pk}"


def letter_addressee(provider: Provider) -> list[str]:
    """Who the letter is addressed to: the provider's registered name, then its registered address."""
    return [provider.registered_name, *provider.registered_address_lines]


@dataclass(frozen=True)
class Signatory:
    """The officer who signs the letter. Without a job title recorded the letter gives their role in
    the commissioning body (``title_recorded`` False), and the check page says so."""

    name: str
    job_title: str
    title_recorded: bool


def letter_signatory(user: User | None, membership: Membership) -> Signatory:
    """The officer issuing the notice (``acting.user`` and ``acting.membership``) as the letter signs."""
    assert user is not None  # officers issue notices as themselves, never by token
    title = user.job_title.strip()
    return Signatory(
        name=user.get_full_name(),
        job_title=title or membership.get_role_display(),
        title_recorded=bool(title),
    )


def notice_letter_context(notice: Notice) -> dict:
    snapshot = notice.evidence_snapshot or {}
    issued_by = notice.issued_by
    return {
        "notice": notice,
        "title": notice_letter_title(notice),
        "is_noc": notice.kind == NoticeKind.NOC,
        "issued_on": timezone.localdate(notice.issued_at) if notice.issued_at else None,
        "reference": letter_reference(notice),
        # Fixed when issued; a notice issued before these were kept reads the provider and officer now.
        "addressee": notice.addressee.splitlines() or letter_addressee(notice.provider),
        "signatory": notice.signatory or (issued_by.get_full_name() if issued_by else ""),
        "signatory_job_title": notice.signatory_job_title or (issued_by.job_title if issued_by else ""),
        "evidence_links": snapshot.get("links", []),
        "evidence_files": snapshot.get("files", []),
        "generated_at": timezone.localtime(),
        "link": notice_link(notice),
    }


def notice_letter_render(notice: Notice) -> bytes:
    """The notice's letter as PDF bytes."""
    return pdf_render("pdf/notice_letter.html", notice_letter_context(notice))


def notice_letter_generate(letter_id: int) -> str:
    """Generate and store a notice's letter with its checksum; safe to run twice."""
    letter = (
        NoticeLetter.objects.select_related(
            "notice", "notice__provider", "notice__contract", "notice__commissioner", "notice__issued_by"
        )
        .filter(pk=letter_id)
        .first()
    )
    if letter is None:
        return "missing"
    return pdf_store(letter, lambda: notice_letter_render(letter.notice), f"letter-{letter.notice_id}.pdf")
