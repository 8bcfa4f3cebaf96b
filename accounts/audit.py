"""The domain audit log: services call ``audit_record`` inside their own transaction; views that show
person-level data call ``audit_view``. Every entry is appended to the hash chain
(``accounts.audit_chain``) and can never be changed or deleted."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from accounts.access import Acting
from accounts.audit_chain import entry_append
from accounts.models import AuditEntry, Membership, Organisation, User

VIEW_PREFIX = "view."


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    organisation: Organisation | None,
    details: dict[str, Any] | None = None,
    actor_label: str | None = None,
    actor_organisation: Organisation | None = None,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` to ``obj``. ``organisation`` owns the entry and
    ``actor_organisation`` is the one the actor was acting for: the admins of both read it."""
    label = actor_label or (str(actor) if actor is not None else "System")
    return entry_append(
        AuditEntry(
            actor=actor,
            actor_label=label[:255],
            actor_organisation=actor_organisation,
            organisation=organisation,
            action=action,
            object_type=obj._meta.label,
            object_id=str(obj.pk),
            object_repr=str(obj)[:255],
            details=details or {},
        )
    )


def audit_view(
    request: HttpRequest,
    obj: models.Model,
    what: str,
    *,
    organisation: Organisation | None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record that the person (or API token) acting in ``request`` read person-level data: action
    ``view.<what>`` on ``obj``, owned by ``organisation`` (the record's owner). One INSERT; the only
    write a GET makes."""
    acting: Acting = request.acting  # type: ignore[attr-defined]
    return audit_record(
        actor=acting.user,
        actor_label=acting.label,
        actor_organisation=acting.organisation,
        action=f"{VIEW_PREFIX}{what}",
        obj=obj,
        organisation=organisation,
        details=details,
    )


def audit_own_account(user: User, action: str, **details: Any) -> None:
    """A person's action on their own account (a password, two-step verification), recorded in each
    of their organisations, acting for it; a person in none gets one entry, read by operators."""
    places: list[Organisation | None] = [
        membership.organisation
        for membership in Membership.objects.filter(user=user).select_related("organisation")
    ]
    for organisation in places or [None]:
        audit_record(
            actor=user,
            actor_organisation=organisation,
            action=action,
            obj=user,
            organisation=organisation,
            details=details,
        )
