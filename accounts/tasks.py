"""Background work about people: emails and housekeeping. Tasks take ids and are safe to run twice."""

from __future__ import annotations

import logging
from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Invitation, User

logger = logging.getLogger(__name__)


def _send(*, template: str, to: str, context: dict) -> None:
    context = {"service_name": settings.SERVICE_NAME, "site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    body = render_to_string(f"emails/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitation_email_send(invitation_id: int) -> bool:
    """Email the invitation link; does nothing if the invitation is no longer pending."""
    from accounts.services import invitation_token

    invitation = (
        Invitation.objects.select_related("organisation", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.status != "pending":
        logger.info("Invitation %s is not pending; no email sent", invitation_id)
        return False
    link = settings.SITE_URL + reverse("accounts:invitation", args=[invitation_token(invitation)])
    _send(
        template="invitation",
        to=invitation.email,
        context={
            "invitation": invitation,
            "link": link,
            "expires_at": timezone.localtime(invitation.expires_at),
        },
    )
    return True


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def password_reset_email_send(user_id: int) -> bool:
    """Email a password reset link to an active user."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.SITE_URL + reverse("accounts:password-reset-confirm", args=[uid, token])
    _send(
        template="password_reset",
        to=user.email,
        context={"user": user, "link": link, "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
    )
    return True


@shared_task
def sessions_clear_expired() -> None:
    """Delete sessions that have expired (nightly)."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


@shared_task
def sign_in_attempts_clean() -> int:
    """Delete failed sign-in records older than the lockout period (nightly); returns how many."""
    from axes.models import AccessAttempt

    cutoff = timezone.now() - settings.AXES_COOLOFF_TIME
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()
    return deleted


@shared_task
def api_idempotency_keys_prune() -> int:
    """Forget API Idempotency-Keys past their keeping period (nightly); returns how many."""
    from accounts.api.idempotency import idempotency_prune

    return idempotency_prune()
