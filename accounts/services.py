"""Writes about people and memberships. Each service owns its transaction and audit entry."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.access import Acting, Capability
from accounts.audit import audit_own_account, audit_record
from accounts.invitation_links import InvitationInvalid
from accounts.jobs import job_enqueue
from accounts.models import Invitation, Membership, Organisation, User, roles_for_kind
from accounts.tasks import invitation_email_send, password_reset_email_send


def _queue_invitation_email(invitation: Invitation) -> None:
    job_enqueue(
        invitation_email_send,
        invitation.pk,
        subject=f"invitation:{invitation.pk}",
        label=f"Emailing an invitation to {invitation.email}",
    )


def invitation_create(*, acting: Acting, email: str, full_name: str, role: str, is_admin: bool) -> Invitation:
    """Invite someone by email to the acting organisation; a pending invitation to them is replaced."""
    acting.require(Capability.MANAGE_MEMBERS)
    organisation = acting.organisation
    email = email.strip().lower()
    if role not in roles_for_kind(organisation.kind):
        raise ValidationError({"role": "Choose one of the roles listed for your organisation."})
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {organisation.name}."})
    with transaction.atomic():
        replaced = list(Invitation.objects.pending().filter(organisation=organisation, email__iexact=email))
        now = timezone.now()
        for old in replaced:
            old.revoked_at = now
            old.save(update_fields=["revoked_at"])
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email,
            full_name=full_name.strip(),
            role=role,
            is_admin=is_admin,
            key=secrets.token_urlsafe(32),
            invited_by=acting.user,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="invitation.create",
            obj=invitation,
            organisation=organisation,
            details={
                "email": email,
                "role": role,
                "is_admin": is_admin,
                "replaced": [i.pk for i in replaced],
            },
        )
        _queue_invitation_email(invitation)
    return invitation


def invitation_resend(*, acting: Acting, invitation: Invitation) -> Invitation:
    """Send a pending invitation again with a fresh link and a new expiry date; the old link stops working."""
    acting.require(Capability.MANAGE_MEMBERS)
    if invitation.status not in {"pending", "expired"}:
        raise ValidationError(f"This invitation has been {invitation.status} and cannot be sent again.")
    with transaction.atomic():
        invitation.key = secrets.token_urlsafe(32)
        invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
        invitation.save(update_fields=["key", "expires_at"])
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="invitation.resend",
            obj=invitation,
            organisation=invitation.organisation,
            details={"email": invitation.email},
        )
        _queue_invitation_email(invitation)
    return invitation


def invitation_revoke(*, acting: Acting, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation so its link no longer works."""
    acting.require(Capability.MANAGE_MEMBERS)
    if invitation.status != "pending":
        raise ValidationError(f"This invitation has already been {invitation.status}.")
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="invitation.revoke",
            obj=invitation,
            organisation=invitation.organisation,
            details={"email": invitation.email},
        )
    return invitation


def invitation_accept(
    *, invitation: Invitation, user: User | None, full_name: str = "", password: str = ""
) -> Membership:
    """Accept an invitation: as the signed-in user whose email it is, or by creating a new account."""
    with transaction.atomic():
        # Lock the row so two clicks on the same link cannot both succeed.
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(pk=invitation.pk)
        )
        if invitation.status != "pending":
            raise InvitationInvalid(f"This invitation has already been {invitation.status}.", invitation)
        if user is None:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise InvitationInvalid(
                    f"An account for {invitation.email} already exists. Sign in first, then open the "
                    "invitation link again.",
                    invitation,
                )
            candidate = User(email=invitation.email, full_name=full_name.strip())
            validate_password(password, candidate)
            user = User.objects.create_user(invitation.email, password, full_name=full_name.strip())
            audit_record(
                actor=user,
                actor_organisation=invitation.organisation,
                action="user.create",
                obj=user,
                organisation=invitation.organisation,
                details={"via": "invitation", "invitation": invitation.pk},
            )
        elif user.email.lower() != invitation.email.lower():
            raise InvitationInvalid(
                f"This invitation is for {invitation.email}, but you are signed in as {user.email}. "
                "Sign out, then open the link again.",
                invitation,
            )
        membership, created = Membership.objects.get_or_create(
            user=user,
            organisation=invitation.organisation,
            defaults={"role": invitation.role, "is_admin": invitation.is_admin},
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(
            actor=user,
            actor_organisation=invitation.organisation,
            action="invitation.accept",
            obj=membership,
            organisation=invitation.organisation,
            details={
                "invitation": invitation.pk,
                "role": membership.role,
                "is_admin": membership.is_admin,
                "already_member": not created,
            },
        )
    return membership


def _admins_left(organisation: Organisation, excluding: Membership) -> int:
    return (
        Membership.objects.filter(organisation=organisation, is_admin=True).exclude(pk=excluding.pk).count()
    )


def membership_update(*, acting: Acting, membership: Membership, role: str, is_admin: bool) -> Membership:
    """Change a member's role or admin status; an organisation always keeps at least one admin."""
    acting.require(Capability.MANAGE_MEMBERS)
    organisation = membership.organisation
    if role not in roles_for_kind(organisation.kind):
        raise ValidationError({"role": "Choose one of the roles listed for your organisation."})
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        if membership.is_admin and not is_admin and _admins_left(organisation, membership) == 0:
            raise ValidationError(
                {
                    "is_admin": f"{membership.user.get_full_name()} is the only admin of {organisation.name}. "
                    "Make someone else an admin first."
                }
            )
        before = {"role": membership.role, "is_admin": membership.is_admin}
        membership.role = role
        membership.is_admin = is_admin
        membership.save(update_fields=["role", "is_admin"])
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="membership.update",
            obj=membership,
            organisation=organisation,
            details={"before": before, "after": {"role": role, "is_admin": is_admin}},
        )
    return membership


def membership_remove(*, acting: Acting, membership: Membership) -> None:
    """Remove a person from the organisation (their account stays for their other organisations)."""
    acting.require(Capability.MANAGE_MEMBERS)
    organisation = membership.organisation
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        if membership.is_admin and _admins_left(organisation, membership) == 0:
            raise ValidationError(
                f"{membership.user.get_full_name()} is the only admin of {organisation.name}. "
                "Make someone else an admin before removing them."
            )
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="membership.remove",
            obj=membership,
            organisation=organisation,
            details={"user": membership.user.email, "role": membership.role, "is_admin": membership.is_admin},
        )
        membership.delete()


def password_reset_emails_queue(*, users: Iterable[User]) -> None:
    """Queue a password reset link to each user, sent after the request's transaction commits."""
    for user in users:
        job_enqueue(
            password_reset_email_send, user.pk, label=f"Emailing a password reset link to {user.email}"
        )


def _password_set(*, user: User, password: str, action: str) -> User:
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_own_account(user, action)
    return user


def user_password_reset(*, user: User, password: str) -> User:
    """Set a new password from a reset link, audited against each of the person's organisations."""
    return _password_set(user=user, password=password, action="user.password_reset")


def user_password_change(*, user: User, password: str) -> User:
    """Change a signed-in person's password (they gave the current one), audited like a reset."""
    return _password_set(user=user, password=password, action="user.password_change")


def user_job_title_set(*, user: User, job_title: str) -> None:
    """A person's own job title, as the letters they sign give it (recorded in the audit log)."""
    job_title = " ".join(job_title.split())
    if user.job_title == job_title:
        return
    with transaction.atomic():
        before, user.job_title = user.job_title, job_title
        user.save(update_fields=["job_title"])
        audit_record(
            actor=user,
            action="user.job_title",
            obj=user,
            organisation=None,
            details={"before": before, "after": job_title},
        )


def user_email_preferences_set(*, user: User, return_emails: bool) -> None:
    """A person's own choice of emails about monthly returns (recorded in the audit log)."""
    if user.return_emails == return_emails:
        return
    with transaction.atomic():
        user.return_emails = return_emails
        user.save(update_fields=["return_emails"])
        audit_record(
            actor=user,
            action="user.email_preferences",
            obj=user,
            organisation=None,
            details={"return_emails": return_emails},
        )
