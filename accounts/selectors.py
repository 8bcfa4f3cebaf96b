"""Reads about people, memberships and the audit log, scoped to the acting organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import Acting, Capability
from accounts.models import ApiToken, AuditEntry, Invitation, Membership, User


def membership_list_for(acting: Acting) -> QuerySet[Membership]:
    """The people in the acting organisation."""
    return (
        Membership.objects.filter(organisation=acting.organisation)
        .select_related("user", "organisation")
        .order_by("user__full_name", "user__email")
    )


def membership_get_for(acting: Acting, membership_id: int) -> Membership:
    """One membership of the acting organisation; 404 for any other organisation's."""
    return get_object_or_404(membership_list_for(acting), pk=membership_id)


def invitation_list_for(acting: Acting) -> QuerySet[Invitation]:
    """Invitations the acting organisation has sent that are still pending or recently ended."""
    return Invitation.objects.filter(
        organisation=acting.organisation, accepted_at__isnull=True
    ).select_related("invited_by")


def invitation_get_for(acting: Acting, invitation_id: int) -> Invitation:
    """One invitation of the acting organisation; 404 for any other organisation's."""
    return get_object_or_404(
        Invitation.objects.filter(organisation=acting.organisation).select_related("organisation"),
        pk=invitation_id,
    )


def user_memberships(user: User) -> QuerySet[Membership]:
    """All the organisations a person belongs to, for the organisation switcher."""
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")


@dataclass(frozen=True)
class AuditFilter:
    """Filters for the audit log page; every field is optional."""

    actor: User | None = None
    object_text: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _audit_entries_seen_by(acting: Acting) -> QuerySet[AuditEntry]:
    """The entries an organisation's admins read: its own records, and whatever its people did in
    another organisation's records (a provider's staff commenting on a council's review meeting)."""
    acting.require(Capability.VIEW_AUDIT_LOG)
    organisation = acting.organisation
    return AuditEntry.objects.filter(Q(organisation=organisation) | Q(actor_organisation=organisation))


def audit_entries_for(acting: Acting, audit_filter: AuditFilter) -> QuerySet[AuditEntry]:
    """The entries the acting organisation reads (``_audit_entries_seen_by``), newest first, filtered."""
    entries = _audit_entries_seen_by(acting).select_related("actor", "organisation", "actor_organisation")
    if audit_filter.actor is not None:
        entries = entries.filter(actor=audit_filter.actor)
    if audit_filter.object_text:
        text = audit_filter.object_text.strip()
        entries = entries.filter(
            Q(object_repr__icontains=text) | Q(object_type__icontains=text) | Q(object_id=text)
        )
    if audit_filter.action:
        entries = entries.filter(action__startswith=audit_filter.action)
    tz = timezone.get_current_timezone()
    if audit_filter.date_from:
        entries = entries.filter(at__gte=datetime.combine(audit_filter.date_from, time.min, tzinfo=tz))
    if audit_filter.date_to:
        entries = entries.filter(at__lte=datetime.combine(audit_filter.date_to, time.max, tzinfo=tz))
    return entries


def audit_actor_choices_for(acting: Acting) -> QuerySet[User]:
    """People who appear in the entries the organisation reads, for the filter's list."""
    actor_ids = _audit_entries_seen_by(acting).values("actor_id")
    return User.objects.filter(pk__in=actor_ids).order_by("full_name", "email")


def audit_action_choices_for(acting: Acting) -> list[str]:
    """Distinct actions in the entries the organisation reads, each once (the log's own ordering is
    cleared, or DISTINCT would keep one per entry)."""
    return list(_audit_entries_seen_by(acting).order_by("action").values_list("action", flat=True).distinct())


def api_token_list_for(acting: Acting) -> QuerySet[ApiToken]:
    """The acting organisation's API tokens, newest first (only its own)."""
    return acting.organisation.api_tokens.select_related("sign_off_as", "created_by")


@dataclass(frozen=True)
class SignInEvent:
    """One sign-in, sign-out or failed sign-in of a person in the organisation."""

    at: datetime
    email: str
    address: str
    outcome: str  # "signed in", "failed", "failed: paused"
    signed_out_at: datetime | None = None


def sign_in_history_for(acting: Acting) -> list[SignInEvent]:
    """The sign-ins and failed sign-ins of the organisation's people over the last
    SIGN_IN_HISTORY_DAYS, newest first (failures to unknown addresses belong to no organisation)."""
    since = timezone.now() - timedelta(days=settings.SIGN_IN_HISTORY_DAYS)
    emails = list(
        Membership.objects.filter(organisation=acting.organisation).values_list("user__email", flat=True)
    )
    wanted = [email.lower() for email in emails]
    events = [
        SignInEvent(row.attempt_time, row.username, row.ip_address or "", "signed in", row.logout_time)
        for row in AccessLog.objects.filter(username__in=wanted, attempt_time__gte=since)
    ]
    events += [
        SignInEvent(
            row.attempt_time,
            row.username,
            row.ip_address or "",
            "failed: paused" if row.locked_out else "failed",
        )
        for row in AccessFailureLog.objects.filter(username__in=wanted, attempt_time__gte=since)
    ]
    return sorted(events, key=lambda event: event.at, reverse=True)
