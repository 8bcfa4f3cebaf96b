"""Invitation links: the signed token an emailed link carries, and finding the invitation it names.

The link carries the invitation's key signed with SECRET_KEY, so a copy of the database alone does
not give working links.
"""

from __future__ import annotations

from django.core import signing
from django.utils import timezone

from accounts.dates import moment_label
from accounts.models import Invitation

INVITATION_SALT = "accounts.invitation"


class InvitationInvalid(Exception):
    """An invitation link that cannot be used; ``reason`` says why in plain English."""

    def __init__(self, reason: str, invitation: Invitation | None = None):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def invitation_token(invitation: Invitation) -> str:
    """The token for the invitation's link (signed, so the stored key alone is not enough)."""
    return signing.Signer(salt=INVITATION_SALT).sign(invitation.key)


def invitation_from_token(token: str) -> Invitation:
    """Find the invitation a link points to, or raise InvitationInvalid saying why it cannot be used."""
    try:
        key = signing.Signer(salt=INVITATION_SALT).unsign(token)
    except signing.BadSignature:
        raise InvitationInvalid(
            "This invitation link is not valid. Check that you copied the whole link from the email, "
            "or ask the person who invited you to send a new invitation."
        ) from None
    invitation = Invitation.objects.select_related("organisation").filter(key=key).first()
    if invitation is None:
        raise InvitationInvalid(
            "This invitation has been replaced by a newer one. Use the link in the most recent email, "
            "or ask the person who invited you to send a new invitation."
        )
    if invitation.accepted_at:
        raise InvitationInvalid(
            "This invitation has already been used. Sign in with your email address and password; if you "
            "have forgotten your password, reset it from the sign-in page.",
            invitation,
        )
    if invitation.revoked_at:
        raise InvitationInvalid(
            f"This invitation was withdrawn by {invitation.organisation.name}, or replaced by a newer one. "
            "Use the link in the most recent email, or ask them to invite you again if you still need access.",
            invitation,
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid(
            f"This invitation expired at {moment_label(invitation.expires_at)}. "
            f"Ask an admin of {invitation.organisation.name} to send you a new invitation.",
            invitation,
        )
    return invitation
