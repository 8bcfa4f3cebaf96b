"""Who may act on notices: the officers of the body that leads the contract (and so issued its
notices), and the provider a notice is issued to.

The one place that answers these questions: a page asks ``is_…``/``may_…`` to decide whether to
show a form or button, and the service behind it asks ``require_…`` before it acts. A notice's
commissioning body is always the lead of its contract (set when it is drafted; a contract's lead
never changes). Which notices a person may *see* is ``commissioning.notices.selectors`` (404).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.access import Acting, Capability
from commissioning.access import is_lead_body, require_lead_body
from commissioning.models import Contract
from commissioning.notices.models import Notice, NoticeStatus


def is_notice_manager(acting: Acting) -> bool:
    """A contract officer of a commissioning body (Capability.MANAGE_NOTICES): raises and manages
    its body's notices and sets its target periods."""
    return acting.is_commissioner and acting.can(Capability.MANAGE_NOTICES)


def require_notice_manager(acting: Acting) -> None:
    """403 unless ``is_notice_manager``."""
    if not acting.is_commissioner:
        raise PermissionDenied("Only a commissioning body raises and manages notices.")
    acting.require(Capability.MANAGE_NOTICES)


def may_raise_notice(acting: Acting, contract: Contract) -> bool:
    """Whether the acting person may raise a notice on the contract: its lead body's officers."""
    return is_lead_body(acting, contract, Capability.MANAGE_NOTICES)


def require_raise_notice(acting: Acting, contract: Contract) -> None:
    """403 unless ``may_raise_notice``."""
    require_lead_body(acting, contract, Capability.MANAGE_NOTICES, to="raise or manage notices on")


def is_notice_officer(acting: Acting, notice: Notice) -> bool:
    """An officer of the body that issued (or is drafting) the notice."""
    return is_notice_manager(acting) and acting.organisation.pk == notice.commissioner_id


def require_notice_officer(acting: Acting, notice: Notice) -> None:
    """403 unless ``is_notice_officer``, saying who can do this instead."""
    if acting.is_provider:
        raise PermissionDenied("Only the commissioning body that issued this notice can do this.")
    if acting.organisation.pk != notice.commissioner_id:
        raise PermissionDenied("Only the commissioning body that leads this contract manages its notices.")
    acting.require(Capability.MANAGE_NOTICES)


def is_notice_recipient(acting: Acting, notice: Notice) -> bool:
    """The people of the provider a notice is issued to (never a draft) who answer it (approvers)."""
    return (
        acting.is_provider
        and acting.organisation.pk == notice.provider_id
        and notice.status != NoticeStatus.DRAFT
        and acting.can(Capability.RESPOND_TO_NOTICES)
    )


def require_notice_recipient(acting: Acting, notice: Notice) -> None:
    """403 unless ``is_notice_recipient``."""
    if (
        not acting.is_provider
        or acting.organisation.pk != notice.provider_id
        or notice.status == NoticeStatus.DRAFT
    ):
        raise PermissionDenied("Only the provider this notice is issued to can do this.")
    acting.require(Capability.RESPOND_TO_NOTICES)
