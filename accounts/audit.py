"""The domain audit log: services call ``audit_record`` inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from accounts.models import AuditEntry, Organisation, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    organisation: Organisation | None,
    details: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` to ``obj``; ``organisation`` owns the entry (its admins read it)."""
    label = actor_label or (str(actor) if actor is not None else "System")
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=label[:255],
        organisation=organisation,
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        details=details or {},
    )
