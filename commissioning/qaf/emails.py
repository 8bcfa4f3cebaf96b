"""The email that tells a provider a draft QAF report awaits its comments."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from accounts.emails import email_send, member_emails
from accounts.models import Role
from commissioning.qaf.models import Assessment, AssessmentStatus


def qaf_draft_shared_email(assessment_id: int) -> int:
    """Tell the provider's approvers that a draft report awaits their comments, and by when; returns
    how many were told (none once the draft is no longer shared)."""
    assessment = (
        Assessment.objects.select_related("provider", "commissioner", "contract")
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None or assessment.status != AssessmentStatus.DRAFT_SHARED:
        return 0
    recipients = member_emails(assessment.provider_id, [Role.APPROVER])
    link = settings.SITE_URL + reverse("qaf:assessment", args=[assessment.pk])
    for email in recipients:
        email_send(template="qaf_draft_shared", to=email, context={"assessment": assessment, "link": link})
    return len(recipients)
