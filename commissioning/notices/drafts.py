"""Notice drafts: creating and changing them, their evidence links and files, and a body's target
closure periods. Only the lead body's officers (Capability.MANAGE_NOTICES) draft."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from accounts.access import Acting
from accounts.audit import audit_record
from commissioning.models import Contract
from commissioning.notices.access import require_notice_manager, require_notice_officer, require_raise_notice
from commissioning.notices.models import (
    Complexity,
    NocCategory,
    Notice,
    NoticeEvent,
    NoticeEvidenceLink,
    NoticeFile,
    NoticeKind,
    NoticeReason,
    NoticeSettings,
)
from commissioning.notices.rules import (
    EVIDENCE_SOURCES,
    check_transition,
    checked_files,
    locked,
    record_event,
    store_file,
)

# --- Drafts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeInput:
    """What an officer writes on a draft. NoC category and complexity are for Notices of Concern only."""

    kind: str
    reason: str
    clause: str = ""
    facts: str = ""
    remedy: str = ""
    remedy_due_on: date | None = None
    noc_category: str = ""
    complexity: str = ""


def _input_problems(data: NoticeInput) -> dict[str, str]:
    problems = {}
    if data.kind not in NoticeKind.values:
        problems["kind"] = "Choose the type of notice."
    if data.reason not in NoticeReason.values:
        problems["reason"] = "Choose the reason category."
    if data.kind == NoticeKind.NOC:
        if data.noc_category and data.noc_category not in NocCategory.values:
            problems["noc_category"] = "Choose the category of concern."
        if data.complexity and data.complexity not in Complexity.values:
            problems["complexity"] = "Choose low, medium or high complexity."
    elif data.noc_category or data.complexity:
        problems["kind"] = "Only a Notice of Concern has a category and a complexity; leave them blank."
    return problems


def _apply(notice: Notice, data: NoticeInput) -> None:
    notice.kind, notice.reason = data.kind, data.reason
    notice.clause, notice.facts, notice.remedy = data.clause.strip(), data.facts.strip(), data.remedy.strip()
    notice.remedy_due_on = data.remedy_due_on
    notice.noc_category, notice.complexity = data.noc_category, data.complexity


def clause_used_before(contract: Contract, reason: str) -> str:
    """The clause a new draft starts with when none is given: that of the latest notice for the same
    reason on this contract, else on another contract the same body leads (bodies commonly use one
    set of terms); empty when there is none. The officer checks it before issuing."""
    earlier = Notice.objects.filter(reason=reason).exclude(clause="").order_by("-created_at", "-id")
    for scope in ({"contract": contract}, {"commissioner_id": contract.lead_commissioner_id}):
        if clause := earlier.filter(**scope).values_list("clause", flat=True).first():
            return clause
    return ""


def notice_draft_create(*, acting: Acting, contract: Contract, data: NoticeInput) -> Notice:
    """A draft notice on a contract the officer's body leads, addressed to its prime provider. Without
    a clause it starts with the one used before for the same reason (``clause_used_before``)."""
    require_raise_notice(acting, contract)
    if problems := _input_problems(data):
        raise ValidationError(problems)
    if not data.clause.strip():
        data = replace(data, clause=clause_used_before(contract, data.reason))
    with transaction.atomic():
        notice = Notice(
            commissioner_id=contract.lead_commissioner_id,
            contract=contract,
            provider_id=contract.provider_id,
            created_by=acting.user,
            created_by_label=str(acting.user),
        )
        _apply(notice, data)
        notice.save()
        record_event(acting, notice, NoticeEvent.Action.DRAFTED, kind=notice.kind)
    return notice


def notice_draft_update(*, acting: Acting, notice: Notice, data: NoticeInput) -> Notice:
    """Change a draft. Escalations keep their place on the ladder and corrections their type."""
    require_notice_officer(acting, notice)
    if problems := _input_problems(data):
        raise ValidationError(problems)
    with transaction.atomic():
        notice = locked(notice)
        check_transition(notice, "update")
        if (notice.escalated_from_id or notice.supersedes_id) and data.kind != notice.kind:
            raise ValidationError({"kind": "An escalation or a correction keeps its type of notice."})
        _apply(notice, data)
        notice.save()
        record_event(acting, notice, NoticeEvent.Action.UPDATED)
    return notice


def notice_evidence_link(
    *,
    acting: Acting,
    notice: Notice,
    app_label: str,
    model: str,
    object_id: int,
    label: str,
    key_fields: dict[str, str] | None = None,
) -> NoticeEvidenceLink:
    """Link a result, assessment or return of this contract to a draft (again: replace its label)."""
    require_notice_officer(acting, notice)
    source = EVIDENCE_SOURCES.get((app_label, model.lower()))
    if source is None:
        raise ValidationError({"evidence": "Link a compliance result, a QAF assessment or a monthly return."})
    if not label.strip():
        raise ValidationError({"evidence": "Give the evidence a label, such as the measure and period."})
    # Looked up by name, so that commissioning never imports the outcomes models.
    lookup, notice_field = source
    if not (
        apps.get_model(app_label, model)
        .objects.filter(pk=object_id, **{lookup: getattr(notice, notice_field)})
        .exists()
    ):
        raise ValidationError(
            {"evidence": "That record was not found for this notice's contract and provider."}
        )
    with transaction.atomic():
        notice = locked(notice)
        check_transition(notice, "update")
        link, _ = NoticeEvidenceLink.objects.update_or_create(
            notice=notice,
            app_label=app_label,
            model=model.lower(),
            object_id=object_id,
            defaults={
                "label": label.strip()[:300],
                "key_fields": {str(k): str(v) for k, v in (key_fields or {}).items()},
                "added_by_label": str(acting.user),
            },
        )
        record_event(
            acting, notice, NoticeEvent.Action.EVIDENCE_LINKED, link=f"{app_label}.{model}:{object_id}"
        )
    return link


def notice_evidence_unlink(*, acting: Acting, link: NoticeEvidenceLink) -> None:
    """Remove a link from a draft."""
    require_notice_officer(acting, link.notice)
    with transaction.atomic():
        notice = locked(link.notice)
        check_transition(notice, "update")
        link.delete()
        record_event(
            acting,
            notice,
            NoticeEvent.Action.EVIDENCE_UNLINKED,
            link=f"{link.app_label}.{link.model}:{link.object_id}",
        )


def notice_file_add(*, acting: Acting, notice: Notice, file: File) -> NoticeFile:
    """An officer's evidence file on a draft (the shared evidence checks); listed (name, size,
    checksum) in the notice when issued."""
    require_notice_officer(acting, notice)
    [checked] = checked_files(acting, notice, [file])
    with transaction.atomic():
        notice = locked(notice)
        check_transition(notice, "update")
        stored = store_file(acting, notice, checked, None)
        record_event(acting, notice, NoticeEvent.Action.FILE_ADDED, name=checked.name, sha256=stored.sha256)
    return stored


def notice_settings_update(*, acting: Acting, low: int, medium: int, high: int) -> NoticeSettings:
    """Set the body's NoC target closure periods (working days); notices already issued keep theirs."""
    require_notice_manager(acting)
    problems = {
        field: "Enter a whole number of working days from 1 to 260."
        for field, value in (("noc_low_days", low), ("noc_medium_days", medium), ("noc_high_days", high))
        if not 1 <= value <= 260
    }
    if not problems and not low <= medium <= high:
        problems["noc_medium_days"] = (
            "A more complex concern cannot have a shorter target than a simpler one."
        )
    if problems:
        raise ValidationError(problems)
    body = acting.organisation.commissioningbody
    with transaction.atomic():
        stored, _ = NoticeSettings.objects.update_or_create(
            commissioner=body,
            defaults={
                "noc_low_days": low,
                "noc_medium_days": medium,
                "noc_high_days": high,
                "updated_at": timezone.now(),
                "updated_by_label": str(acting.user),
            },
        )
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="notice.settings",
            obj=stored,
            organisation=body,
            details={"low": low, "medium": medium, "high": high},
        )
    return stored
