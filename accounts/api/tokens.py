"""API tokens: created and revoked by organisation admins, shown once, stored as a digest.

A token is ``hco_<id>_<secret>``: the id part is kept in the clear to find the row, and the whole
token only as a SHA-256 digest. The secret is 256 random bits, so a fast digest is safe here:
unlike a password it cannot be guessed from a word list.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from accounts.models import ApiScope, ApiToken, Membership, Organisation, Role, User

TOKEN_PREFIX = "hco_"
LAST_USED_EVERY = timedelta(minutes=1)  # write last_used_at at most this often per token


@dataclass(frozen=True)
class NewToken:
    """A token just made: ``secret`` is the only copy of the full token and is shown once."""

    token: ApiToken
    secret: str


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def sign_off_approvers(organisation: Organisation) -> list[User]:
    """The organisation's approvers, who may each have a token that signs off in their name."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            organisation=organisation, role=Role.APPROVER, user__is_active=True
        ).select_related("user")
    ]


def api_token_create(
    *,
    acting: Acting,
    name: str,
    scopes: list[str],
    sign_off_as: User | None = None,
    expires_at: datetime | None = None,
) -> NewToken:
    """An organisation admin makes a token; the full token is returned once and never stored."""
    acting.require(Capability.MANAGE_MEMBERS)
    organisation = acting.organisation
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = "Enter a name that says what will use the token, for example 'Care planning system'"
    unknown = set(scopes) - set(ApiScope.values)
    if not scopes or unknown:
        errors["scopes"] = "Choose what the token may do: read, or read and submit returns"
    elif ApiScope.SUBMIT in scopes and not organisation.is_provider:
        errors["scopes"] = "Commissioners' tokens are read-only: only providers submit returns"
    if sign_off_as is not None:
        if not organisation.is_provider or not organisation.api_sign_off_enabled:
            errors["sign_off_as"] = (
                "Turn on API sign-off for your organisation before giving a token sign-off"
            )
        elif ApiScope.SUBMIT not in scopes:
            errors["sign_off_as"] = "A token that signs off returns also needs the submit scope"
        elif sign_off_as not in sign_off_approvers(organisation):
            errors["sign_off_as"] = "Choose an approver of your organisation"
    if errors:
        raise ValidationError(errors)
    key_id = secrets.token_hex(6)
    raw = f"{TOKEN_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            organisation=organisation,
            name=name[:100],
            prefix=f"{TOKEN_PREFIX}{key_id}",
            key_hash=_digest(raw),
            scopes=sorted(set(scopes), key=ApiScope.values.index),
            sign_off_as=sign_off_as,
            created_by=acting.user,
            created_by_label=str(acting.user),
            expires_at=expires_at,
        )
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="api_token.create",
            obj=token,
            organisation=organisation,
            details={
                "name": token.name,
                "prefix": token.prefix,
                "scopes": token.scopes,
                "sign_off_as": str(sign_off_as) if sign_off_as else None,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return NewToken(token=token, secret=raw)


def api_token_get_for(acting: Acting, token_id: int) -> ApiToken:
    """One of the organisation's tokens (404 for anyone else's)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(ApiToken, pk=token_id, organisation=acting.organisation)


def api_token_revoke(*, acting: Acting, token: ApiToken) -> ApiToken:
    """Stop a token working at once; the row stays so the audit trail can name it."""
    acting.require(Capability.MANAGE_MEMBERS)
    if token.organisation_id != acting.organisation.pk:
        raise PermissionDenied("That token belongs to another organisation.")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.revoked_by_label = str(acting.user)
            token.save(update_fields=["revoked_at", "revoked_by_label"])
            audit_record(
                actor=acting.user,
                actor_organisation=acting.organisation,
                action="api_token.revoke",
                obj=token,
                organisation=token.organisation,
                details={"name": token.name, "prefix": token.prefix},
            )
    return token


def api_sign_off_set(*, acting: Acting, enabled: bool) -> Organisation:
    """A provider's admin allows (or stops) sign-off through the API by approvers' tokens."""
    acting.require(Capability.MANAGE_MEMBERS)
    organisation = acting.organisation
    if not organisation.is_provider:
        raise PermissionDenied("Only providers sign off returns.")
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if organisation.api_sign_off_enabled != enabled:
            organisation.api_sign_off_enabled = enabled
            organisation.save(update_fields=["api_sign_off_enabled"])
            audit_record(
                actor=acting.user,
                actor_organisation=acting.organisation,
                action="api_sign_off.enable" if enabled else "api_sign_off.disable",
                obj=organisation,
                organisation=organisation,
                details={"enabled": enabled},
            )
    return organisation


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token matching ``raw``, with its last use recorded; None if there is none."""
    raw = raw.strip()
    if not raw.startswith(TOKEN_PREFIX) or raw.count("_") < 2:
        return None
    prefix = "_".join(raw.split("_", 2)[:2])
    token = (
        ApiToken.objects.active().select_related("organisation", "sign_off_as").filter(prefix=prefix).first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, _digest(raw)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
