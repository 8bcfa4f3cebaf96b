"""Every email the service sends: one template pair per message (``emails/<name>_subject.txt`` and
``emails/<name>.txt``), the service's name and address filled in, and who in an organisation gets it.

Senders run in background tasks (the email queue), so a slow mail server never holds up a page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.invitation_links import invitation_token
from accounts.jobs import job_step_once
from accounts.models import Invitation, Membership, User

logger = logging.getLogger(__name__)


def email_send(*, template: str, to: str, context: dict) -> None:
    """Send one email from ``emails/<template>`` to one address (once per background job, however
    often the job runs: ``accounts.jobs.job_step_once``)."""
    context = {"service_name": settings.SERVICE_NAME, "site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    body = render_to_string(f"emails/{template}.txt", context)
    job_step_once(
        f"email:{template}:{to}", lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    )


def member_emails(organisation_id: int, roles: Iterable[str]) -> list[str]:
    """The addresses of an organisation's active people holding any of ``roles``, sorted, once each."""
    return sorted(
        set(
            Membership.objects.filter(
                organisation_id=organisation_id, role__in=list(roles), user__is_active=True
            ).values_list("user__email", flat=True)
        )
    )


def return_email_recipients(
    organisation_id: int, roles: Iterable[str], users: Iterable[int] = ()
) -> list[str]:
    """The addresses of an organisation's active people holding any of ``roles`` (and of the given
    people, while members), who have not turned off emails about monthly returns; sorted, once each."""
    members = Membership.objects.filter(
        organisation_id=organisation_id, user__is_active=True, user__return_emails=True
    )
    wanted = members.filter(role__in=list(roles)) | members.filter(user_id__in=list(users))
    return sorted(set(wanted.values_list("user__email", flat=True)))


def invitation_email(invitation_id: int) -> bool:
    """Email the invitation link; does nothing if the invitation is no longer pending."""
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.status != "pending":
        logger.info("Invitation %s is not pending; no email sent", invitation_id)
        return False
    link = settings.SITE_URL + reverse("accounts:invitation", args=[invitation_token(invitation)])
    email_send(
        template="invitation",
        to=invitation.email,
        context={
            "invitation": invitation,
            "link": link,
            "expires_at": timezone.localtime(invitation.expires_at),
        },
    )
    return True


def password_reset_email(user_id: int) -> bool:
    """Email a password reset link to an active user."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.SITE_URL + reverse("accounts:password-reset-confirm", args=[uid, token])
    email_send(
        template="password_reset",
        to=user.email,
        context={"user": user, "link": link, "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
    )
    return True


def lockout_email(user_id: int) -> bool:
    """Tell an active person that signing in to their account is paused, and what to do if the
    attempts were not theirs."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    email_send(
        template="sign_in_paused",
        to=user.email,
        context={
            "user": user,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            "attempts": settings.SIGN_IN_ACCOUNT_LIMIT,
            "reset_link": settings.SITE_URL + reverse("accounts:password-reset"),
        },
    )
    return True
