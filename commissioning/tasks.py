"""Background work on commissioning data. Tasks take ids, are queued after commit and are safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def qaf_report_generate(report_id: int) -> str:
    """Render a finalised assessment's report to PDF and store it with its checksum."""
    from commissioning.qaf.reports import qaf_report_generate as generate

    return generate(report_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def qaf_draft_shared_email_send(assessment_id: int) -> int:
    """Tell the provider's approvers that a draft QAF report awaits their comments, and by when."""
    from django.conf import settings
    from django.urls import reverse

    from accounts.models import Membership, Role
    from accounts.tasks import _send
    from commissioning.qaf.models import Assessment, AssessmentStatus

    assessment = (
        Assessment.objects.select_related("provider", "commissioner", "contract")
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None or assessment.status != AssessmentStatus.DRAFT_SHARED:
        return 0
    recipients = sorted(
        Membership.objects.filter(
            organisation_id=assessment.provider_id, role=Role.APPROVER, user__is_active=True
        ).values_list("user__email", flat=True)
    )
    link = settings.SITE_URL + reverse("qaf:assessment", args=[assessment.pk])
    for email in recipients:
        _send(template="qaf_draft_shared", to=email, context={"assessment": assessment, "link": link})
    return len(recipients)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def notice_letter_generate(letter_id: int) -> str:
    """Render an issued notice's letter to PDF and store it with its checksum."""
    from commissioning.notices.letters import notice_letter_generate as generate

    return generate(letter_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notice_issued_email_send(notice_id: int) -> int:
    """Tell the provider's approvers (admins included) that a notice has been issued to them."""
    from django.conf import settings
    from django.urls import reverse

    from accounts.models import Membership, Role
    from accounts.tasks import _send
    from commissioning.notices.letters import notice_letter_title
    from commissioning.notices.models import Notice, NoticeStatus

    notice = (
        Notice.objects.select_related("provider", "commissioner", "contract").filter(pk=notice_id).first()
    )
    if notice is None or notice.status == NoticeStatus.DRAFT:
        return 0
    recipients = sorted(
        set(
            Membership.objects.filter(
                organisation_id=notice.provider_id, role=Role.APPROVER, user__is_active=True
            ).values_list("user__email", flat=True)
        )
    )
    link = settings.SITE_URL + reverse("notices:detail", args=[notice.pk])
    context = {"notice": notice, "title": notice_letter_title(notice), "link": link}
    for email in recipients:
        _send(template="notice_issued", to=email, context=context)
    return len(recipients)
