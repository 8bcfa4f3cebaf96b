"""The email that tells a provider a notice has been issued to it."""

from __future__ import annotations

from django.utils import timezone

from accounts.emails import email_send, member_emails
from accounts.models import Role
from commissioning.notices.letters import letter_reference, notice_letter_title, notice_link
from commissioning.notices.models import Notice, NoticeStatus


def notice_recipients(notice: Notice) -> list[str]:
    """Who is emailed when a notice is issued: the provider's approvers (admins included), who answer
    notices. The issue check page lists them, and a provider with none is sent the letter by post."""
    return member_emails(notice.provider_id, [Role.APPROVER])


def notice_issued_email(notice_id: int) -> int:
    """Tell the provider's approvers (admins included) that a notice has been issued to them; returns
    how many were told (none for a draft or a notice that is gone)."""
    notice = (
        Notice.objects.select_related("provider", "commissioner", "contract").filter(pk=notice_id).first()
    )
    if notice is None or notice.status == NoticeStatus.DRAFT:
        return 0
    recipients = notice_recipients(notice)
    context = {
        "notice": notice,
        "title": notice_letter_title(notice),
        "reference": letter_reference(notice),
        "issued_on": timezone.localdate(notice.issued_at) if notice.issued_at else None,
        "link": notice_link(notice),
    }
    for email in recipients:
        email_send(template="notice_issued", to=email, context=context)
    return len(recipients)
