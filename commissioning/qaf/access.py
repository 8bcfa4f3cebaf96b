"""Who may do QAF work: the quality officers of the commissioning body that owns it, and the
assessed provider's approvers.

The one place that answers these questions: a page asks ``is_…`` to decide whether to show a form
or button, and the service behind it asks ``require_…`` before it acts. Which assessments a person
may *see* is the selectors' job (``commissioning.qaf.selectors``: 404 outside).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.access import Acting, Capability
from commissioning.qaf.models import Assessment


def is_quality_officer(acting: Acting, body_id: int | None = None) -> bool:
    """A quality officer (Capability.ASSESS_QUALITY) of a commissioning body; of ``body_id``, when given."""
    return (
        acting.is_commissioner
        and acting.can(Capability.ASSESS_QUALITY)
        and (body_id is None or acting.organisation.pk == body_id)
    )


def require_quality_officer(acting: Acting, body_id: int | None = None) -> None:
    """403 unless ``is_quality_officer``, saying what the role lacks or whose work it is."""
    acting.require(Capability.ASSESS_QUALITY)
    if body_id is not None and body_id != acting.organisation.pk:
        raise PermissionDenied("Only the commissioning body that owns this assessment can change it.")


def is_assessment_owner(acting: Acting, assessment: Assessment) -> bool:
    """A quality officer of the body that owns the assessment."""
    return is_quality_officer(acting, assessment.commissioner_id)


def require_assessment_owner(acting: Acting, assessment: Assessment) -> None:
    """403 unless ``is_assessment_owner``."""
    require_quality_officer(acting, assessment.commissioner_id)


def is_assessed_provider(acting: Acting, assessment: Assessment) -> bool:
    """The assessed provider's people who answer for it (Capability.RESPOND_TO_NOTICES: approvers)."""
    return (
        acting.is_provider
        and acting.organisation.pk == assessment.provider_id
        and acting.can(Capability.RESPOND_TO_NOTICES)
    )


def require_assessed_provider(acting: Acting, assessment: Assessment) -> None:
    """403 unless ``is_assessed_provider``, saying who can do this instead."""
    if not acting.is_provider or acting.organisation.pk != assessment.provider_id:
        raise PermissionDenied(
            "Only the assessed provider can do this. Quality officers respond to comments and review actions."
        )
    acting.require(Capability.RESPOND_TO_NOTICES)
