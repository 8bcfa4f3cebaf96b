"""Who may change QAF work, the audit entry each change writes, and the status refresh it triggers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from commissioning.qaf.models import Assessment
from commissioning.qaf.signals import qaf_changed

# --- Access --------------------------------------------------------------------------------------


def _require_officer(acting: Acting, assessment: Assessment | None = None, body=None) -> None:
    """Quality officers (Capability.ASSESS_QUALITY) of the commissioning body that owns the work."""
    acting.require(Capability.ASSESS_QUALITY)
    owner_id = assessment.commissioner_id if assessment is not None else getattr(body, "pk", None)
    if owner_id is not None and owner_id != acting.organisation.pk:
        raise PermissionDenied("Only the commissioning body that owns this assessment can change it.")


def _require_provider(acting: Acting, assessment: Assessment, capability: Capability) -> None:
    if not acting.is_provider or acting.organisation.pk != assessment.provider_id:
        raise PermissionDenied("Only the assessed provider can do this.")
    acting.require(capability)


def _status_refresh_later(assessment: Assessment) -> None:
    provider_id, body_id = assessment.provider_id, assessment.commissioner_id
    transaction.on_commit(
        lambda: qaf_changed.send(sender=Assessment, provider_id=provider_id, commissioner_id=body_id)
    )


def _audit(acting: Acting, action: str, obj, assessment: Assessment, **details) -> None:
    audit_record(
        actor=acting.user,
        action=action,
        obj=obj,
        organisation=assessment.commissioner,
        details={"provider": assessment.provider.name, "assessment": assessment.pk, **details},
    )
