"""Notice writes: drafting, issuing, the provider's acknowledgement and response, and the officer's
decision (extend, close, escalate, correct). Each service checks who may act, locks the notice,
checks the move against ``TRANSITIONS``, owns its transaction and writes its audit entry and a
``NoticeEvent``.

Who may act: officers are people of the contract's lead commissioning body with
``Capability.MANAGE_NOTICES`` (contract officers); the provider is the contract's prime provider,
acting through people with ``Capability.RESPOND_TO_NOTICES`` (approvers). Drafts are the officers'
alone.

Escalation and correction both start a *draft* (the next step of the ladder, or a copy to
correct). The notice they come from stays open and unchanged until that draft is issued; issuing
it then closes the old one as escalated or superseded in the same transaction. A draft that is
not wanted is withdrawn (``notice_close`` with reason withdrawn), and the old notice carries on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from commissioning.evidence import evidence_content_type
from commissioning.models import Contract
from commissioning.notices.models import (
    LADDER,
    OPEN_STATUSES,
    Complexity,
    NocCategory,
    Notice,
    NoticeClosedReason,
    NoticeEvent,
    NoticeEvidenceLink,
    NoticeFile,
    NoticeKind,
    NoticeReason,
    NoticeSettings,
    NoticeStatus,
)
from commissioning.notices.selectors import notice_settings_for
from commissioning.notices.working_days import add_working_days

S = NoticeStatus
OPEN = frozenset(OPEN_STATUSES)
# action -> (statuses it may start from, status it leads to; None: the status does not change)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "update": (frozenset({S.DRAFT}), None),
    "issue": (frozenset({S.DRAFT}), S.ISSUED),
    "acknowledge": (frozenset({S.ISSUED}), S.ACKNOWLEDGED),
    "respond": (frozenset({S.ACKNOWLEDGED, S.RESPONDED, S.EXTENDED}), S.RESPONDED),
    "extend": (OPEN, S.EXTENDED),
    "close": (OPEN | {S.DRAFT}, S.CLOSED),
    "escalate": (OPEN, None),
    "correct": (OPEN, None),
    # Applied to the earlier notice when its escalation or correction is issued.
    "escalated": (OPEN, S.ESCALATED),
    "superseded": (OPEN, S.SUPERSEDED),
}
ACTION_WORDS = {
    "update": "changed",
    "issue": "issued",
    "acknowledge": "acknowledged",
    "respond": "responded to",
    "extend": "extended",
    "close": "closed",
    "escalate": "escalated",
    "correct": "corrected",
    "escalated": "closed as escalated",
    "superseded": "superseded",
}
# Linkable evidence, by (app label, model name): the lookup that ties the object to a notice.
EVIDENCE_SOURCES = {
    ("outcomes", "complianceresult"): ("target__contract_id", "contract_id"),
    ("outcomes", "monthlyreturn"): ("contract_id", "contract_id"),
    ("commissioning", "assessment"): ("provider_id", "provider_id"),
}


STATUS_WORDS = {
    S.DRAFT: "a draft",
    S.ISSUED: "issued",
    S.ACKNOWLEDGED: "acknowledged",
    S.RESPONDED: "responded to",
    S.EXTENDED: "extended",
    S.CLOSED: "closed",
    S.ESCALATED: "escalated",
    S.SUPERSEDED: "superseded",
}


def _check_transition(notice: Notice, action: str) -> str | None:
    """The status ``action`` leads to; a plain-English ValidationError when it is not allowed now."""
    allowed_from, after = TRANSITIONS[action]
    if notice.status not in allowed_from:
        allowed = [STATUS_WORDS[status] for status in S.values if status in allowed_from]
        listed = allowed[0] if len(allowed) == 1 else f"{', '.join(allowed[:-1])} or {allowed[-1]}"
        raise ValidationError(
            f"This notice is {STATUS_WORDS[notice.status]}, so it cannot be {ACTION_WORDS[action]}. "
            f"That can be done only when it is {listed}."
        )
    return after


# --- Access --------------------------------------------------------------------------------------


def _require_officer(acting: Acting, contract: Contract) -> None:
    """Notice officers of the contract's lead commissioning body."""
    if not acting.is_commissioner or acting.organisation.pk != contract.lead_commissioner_id:
        raise PermissionDenied(
            "Only the commissioning body that leads this contract can raise or manage notices."
        )
    acting.require(Capability.MANAGE_NOTICES)


def _require_provider(acting: Acting, notice: Notice) -> None:
    """People of the provider the notice is issued to (never a draft) who may respond to notices."""
    if not acting.is_provider or acting.organisation.pk != notice.provider_id or notice.status == S.DRAFT:
        raise PermissionDenied("Only the provider this notice is issued to can do this.")
    acting.require(Capability.RESPOND_TO_NOTICES)


def _locked(notice: Notice) -> Notice:
    """The notice re-read under a row lock, so two people acting at once take turns."""
    return Notice.objects.select_for_update().select_related("contract", "commissioner").get(pk=notice.pk)


def _record(
    acting: Acting, notice: Notice, action: str, *, before: str = "", note: str = "", **details
) -> NoticeEvent:
    """The notice's history event and the audit entry, inside the caller's transaction."""
    event = NoticeEvent.objects.create(
        notice=notice,
        action=action,
        status_before=before or notice.status,
        status_after=notice.status,
        note=note,
        details=details,
        by=acting.user,
        by_label=str(acting.user),
        by_provider=acting.is_provider,
    )
    audit_record(
        actor=acting.user,
        action=f"notice.{action}",
        obj=notice,
        organisation=notice.commissioner,
        details={"contract": notice.contract.reference, "status": notice.status, "note": note, **details},
    )
    return event


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


def notice_draft_create(*, acting: Acting, contract: Contract, data: NoticeInput) -> Notice:
    """A draft notice on a contract the officer's body leads, addressed to its prime provider."""
    _require_officer(acting, contract)
    if problems := _input_problems(data):
        raise ValidationError(problems)
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
        _record(acting, notice, NoticeEvent.Action.DRAFTED, kind=notice.kind)
    return notice


def notice_draft_update(*, acting: Acting, notice: Notice, data: NoticeInput) -> Notice:
    """Change a draft. Escalations keep their place on the ladder and corrections their type."""
    _require_officer(acting, notice.contract)
    if problems := _input_problems(data):
        raise ValidationError(problems)
    with transaction.atomic():
        notice = _locked(notice)
        _check_transition(notice, "update")
        if (notice.escalated_from_id or notice.supersedes_id) and data.kind != notice.kind:
            raise ValidationError({"kind": "An escalation or a correction keeps its type of notice."})
        _apply(notice, data)
        notice.save()
        _record(acting, notice, NoticeEvent.Action.UPDATED)
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
    _require_officer(acting, notice.contract)
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
        notice = _locked(notice)
        _check_transition(notice, "update")
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
        _record(acting, notice, NoticeEvent.Action.EVIDENCE_LINKED, link=f"{app_label}.{model}:{object_id}")
    return link


def notice_evidence_unlink(*, acting: Acting, link: NoticeEvidenceLink) -> None:
    """Remove a link from a draft."""
    _require_officer(acting, link.notice.contract)
    with transaction.atomic():
        notice = _locked(link.notice)
        _check_transition(notice, "update")
        link.delete()
        _record(
            acting,
            notice,
            NoticeEvent.Action.EVIDENCE_UNLINKED,
            link=f"{link.app_label}.{link.model}:{link.object_id}",
        )


def _checked_content(name: str, content: bytes) -> str:
    """The content type of an acceptable evidence file (the shared evidence rules); ValidationError otherwise."""
    return evidence_content_type(name, content, named=True)


def _store_file(
    acting: Acting, notice: Notice, name: str, content: bytes, content_type: str, event: NoticeEvent | None
) -> NoticeFile:
    stored = NoticeFile(
        notice=notice,
        event=event,
        original_name=name[-255:],
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=acting.user,
        uploaded_by_label=str(acting.user),
        uploaded_by_provider=acting.is_provider,
    )
    stored.file.save(name, ContentFile(content), save=False)
    stored.save()
    return stored


def notice_file_add(*, acting: Acting, notice: Notice, name: str, content: bytes) -> NoticeFile:
    """An officer's evidence file on a draft; listed (name, size, checksum) in the notice when issued."""
    _require_officer(acting, notice.contract)
    content_type = _checked_content(name, content)
    with transaction.atomic():
        notice = _locked(notice)
        _check_transition(notice, "update")
        stored = _store_file(acting, notice, name, content, content_type, None)
        _record(acting, notice, NoticeEvent.Action.FILE_ADDED, name=name, sha256=stored.sha256)
    return stored


# --- Issue ---------------------------------------------------------------------------------------


def notice_settings_update(*, acting: Acting, low: int, medium: int, high: int) -> NoticeSettings:
    """Set the body's NoC target closure periods (working days); notices already issued keep theirs."""
    if not acting.is_commissioner:
        raise PermissionDenied("Only a commissioning body sets its notice target periods.")
    acting.require(Capability.MANAGE_NOTICES)
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
            action="notice.settings",
            obj=stored,
            organisation=body,
            details={"low": low, "medium": medium, "high": high},
        )
    return stored


def _issue_problems(notice: Notice, today: date) -> dict[str, str]:
    problems = {}
    if not notice.clause:
        problems["clause"] = "Enter the contract clause the notice relies on."
    if not notice.facts:
        problems["facts"] = "Set out the facts and evidence."
    if notice.kind != NoticeKind.TERMINATION:
        if not notice.remedy:
            problems["remedy"] = "Say what the provider must do to put things right."
        if notice.remedy_due_on is None or notice.remedy_due_on <= today:
            problems["remedy_due_on"] = "Enter the date the remedy is due, after today."
    if notice.kind == NoticeKind.NOC:
        if not notice.noc_category:
            problems["noc_category"] = "Choose the category of concern."
        if not notice.complexity:
            problems["complexity"] = "Choose the complexity: it sets the target closure date."
    return problems


def _snapshot(notice: Notice, taken_at) -> dict:
    """The evidence as text, so that what the provider was sent never changes."""
    links = []
    for link in notice.evidence_links.all():
        found = apps.get_model(link.app_label, link.model).objects.filter(pk=link.object_id).first()
        links.append(
            {
                "app_label": link.app_label,
                "model": link.model,
                "object_id": link.object_id,
                "label": link.label,
                "key_fields": dict(link.key_fields),
                "record": str(found) if found is not None else "",
            }
        )
    files = [
        {"id": f.pk, "name": f.original_name, "size": f.size, "sha256": f.sha256, "by": f.uploaded_by_label}
        for f in notice.files.filter(uploaded_by_provider=False)
    ]
    return {"taken_at": taken_at.isoformat(), "links": links, "files": files}


def _close_predecessor(acting: Acting, notice: Notice, action: str, now) -> Notice:
    previous = _locked(notice.supersedes if action == "superseded" else notice.escalated_from)
    before = previous.status
    try:
        previous.status = _check_transition(previous, action)
    except ValidationError:
        raise ValidationError(
            f"Notice {previous.pk} is {STATUS_WORDS[before]}, so this notice can no longer be issued as "
            f"its {'correction' if action == 'superseded' else 'escalation'}. Withdraw this draft instead."
        ) from None
    previous.closed_at = now
    previous.closed_reason = NoticeClosedReason(action)
    previous.save(update_fields=["status", "closed_at", "closed_reason"])
    _record(acting, previous, action, before=before, by_notice=notice.pk)
    return previous


def notice_issue(*, acting: Acting, notice: Notice) -> Notice:
    """Issue a complete draft: its evidence is copied in, a NoC gets its target closure date, and the
    notice it escalates or corrects is closed as escalated or superseded."""
    _require_officer(acting, notice.contract)
    with transaction.atomic():
        notice = _locked(notice)
        after = _check_transition(notice, "issue")
        now = timezone.now()
        today = timezone.localdate(now)
        if problems := _issue_problems(notice, today):
            raise ValidationError(problems)
        if notice.supersedes_id:
            previous = _close_predecessor(acting, notice, "superseded", now)
            notice.clock_start_on = previous.clock_start_on
        else:
            if notice.escalated_from_id:
                _close_predecessor(acting, notice, "escalated", now)
            notice.clock_start_on = today
        if notice.kind == NoticeKind.NOC:
            days = notice_settings_for(notice.commissioner).target_days(notice.complexity)
            notice.target_close_on = add_working_days(notice.clock_start_on, days)
        notice.evidence_snapshot = _snapshot(notice, now)
        notice.status, notice.issued_at = after, now
        notice.issued_by, notice.issued_by_label = acting.user, str(acting.user)
        notice.save()
        _record(
            acting,
            notice,
            NoticeEvent.Action.ISSUED,
            before=S.DRAFT,
            kind=notice.kind,
            remedy_due_on=str(notice.remedy_due_on),
            target_close_on=str(notice.target_close_on) if notice.target_close_on else None,
        )
    return notice


# --- The provider --------------------------------------------------------------------------------


def notice_acknowledge(*, acting: Acting, notice: Notice) -> Notice:
    """The provider confirms it has received the notice."""
    _require_provider(acting, notice)
    with transaction.atomic():
        notice = _locked(notice)
        before, notice.status = notice.status, _check_transition(notice, "acknowledge")
        notice.acknowledged_at, notice.acknowledged_by = timezone.now(), acting.user
        notice.acknowledged_by_label = str(acting.user)
        notice.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "acknowledged_by_label"])
        _record(acting, notice, NoticeEvent.Action.ACKNOWLEDGED, before=before)
    return notice


def notice_respond(
    *, acting: Acting, notice: Notice, text: str, files: list[tuple[str, bytes]] | None = None
) -> NoticeEvent:
    """The provider's response, with any evidence files (all checked before any is kept)."""
    _require_provider(acting, notice)
    if not text.strip():
        raise ValidationError({"text": "Write your response: what you have done and what you will do."})
    checked = [(name, content, _checked_content(name, content)) for name, content in files or []]
    with transaction.atomic():
        notice = _locked(notice)
        before, notice.status = notice.status, _check_transition(notice, "respond")
        notice.save(update_fields=["status"])
        event = _record(
            acting, notice, NoticeEvent.Action.RESPONDED, before=before, note=text.strip(), files=len(checked)
        )
        for name, content, content_type in checked:
            _store_file(acting, notice, name, content, content_type, event)
    return event


# --- The officer's decision ----------------------------------------------------------------------


def notice_extend(*, acting: Acting, notice: Notice, new_due_on: date, reason: str) -> Notice:
    """A later remedy date, with the reason (kept as an event). A NoC's target closure date stays."""
    _require_officer(acting, notice.contract)
    with transaction.atomic():
        notice = _locked(notice)
        before, after = notice.status, _check_transition(notice, "extend")
        problems = {}
        if notice.remedy_due_on is not None and new_due_on <= notice.remedy_due_on:
            problems["new_due_on"] = (
                f"The new date must be after the current one ({notice.remedy_due_on:%d/%m/%Y})."
            )
        if not reason.strip():
            problems["reason"] = "Say why the remedy date is extended."
        if problems:
            raise ValidationError(problems)
        old_due, notice.remedy_due_on, notice.status = notice.remedy_due_on, new_due_on, after
        notice.save(update_fields=["remedy_due_on", "status"])
        _record(
            acting,
            notice,
            NoticeEvent.Action.EXTENDED,
            before=before,
            note=reason.strip(),
            old_due_on=str(old_due),
            new_due_on=str(new_due_on),
        )
    return notice


def notice_close(*, acting: Acting, notice: Notice, reason: str, note: str) -> Notice:
    """Close an open notice as remedied or withdrawn, or withdraw a draft; a note is required."""
    _require_officer(acting, notice.contract)
    if reason not in (NoticeClosedReason.REMEDIED, NoticeClosedReason.WITHDRAWN):
        raise ValidationError({"reason": "Choose remedied or withdrawn."})
    if not note.strip():
        raise ValidationError({"note": "Say why the notice is closed."})
    with transaction.atomic():
        notice = _locked(notice)
        before, after = notice.status, _check_transition(notice, "close")
        if before == S.DRAFT and reason != NoticeClosedReason.WITHDRAWN:
            raise ValidationError({"reason": "A draft was never issued: it can only be withdrawn."})
        notice.status, notice.closed_at, notice.closed_reason = after, timezone.now(), reason
        notice.save(update_fields=["status", "closed_at", "closed_reason"])
        _record(acting, notice, NoticeEvent.Action.CLOSED, before=before, note=note.strip(), reason=reason)
    return notice


def _pending_draft(notice: Notice, field: str) -> Notice | None:
    return Notice.objects.filter(**{field: notice}, status=S.DRAFT).first()


def notice_escalate(*, acting: Acting, notice: Notice) -> Notice:
    """A draft of the next step of the ladder, linked to this notice, which stays open until it is issued."""
    _require_officer(acting, notice.contract)
    with transaction.atomic():
        notice = _locked(notice)
        _check_transition(notice, "escalate")
        step = LADDER.index(notice.kind)
        if step + 1 == len(LADDER):
            raise ValidationError(
                "Termination recommended is the last step: there is nothing to escalate to."
            )
        if pending := _pending_draft(notice, "escalated_from"):
            raise ValidationError(
                f"Notice {pending.pk} is already a draft escalation of this notice: issue it."
            )
        draft = Notice.objects.create(
            commissioner=notice.commissioner,
            contract=notice.contract,
            provider_id=notice.provider_id,
            kind=LADDER[step + 1],
            reason=notice.reason,
            clause=notice.clause,
            facts=notice.facts,
            escalated_from=notice,
            created_by=acting.user,
            created_by_label=str(acting.user),
        )
        _record(acting, draft, NoticeEvent.Action.DRAFTED, kind=draft.kind, escalated_from=notice.pk)
        _record(acting, notice, NoticeEvent.Action.ESCALATION_DRAFTED, draft=draft.pk, kind=draft.kind)
    return draft


def notice_correct(*, acting: Acting, notice: Notice) -> Notice:
    """A draft copy of an issued notice to correct; issuing it supersedes the original, which stays as sent."""
    _require_officer(acting, notice.contract)
    with transaction.atomic():
        notice = _locked(notice)
        _check_transition(notice, "correct")
        if pending := _pending_draft(notice, "supersedes"):
            raise ValidationError(
                f"Notice {pending.pk} is already a draft correction of this notice: issue it."
            )
        draft = Notice.objects.create(
            commissioner=notice.commissioner,
            contract=notice.contract,
            provider_id=notice.provider_id,
            kind=notice.kind,
            reason=notice.reason,
            noc_category=notice.noc_category,
            complexity=notice.complexity,
            clause=notice.clause,
            facts=notice.facts,
            remedy=notice.remedy,
            remedy_due_on=notice.remedy_due_on,
            escalated_from=notice.escalated_from,
            supersedes=notice,
            created_by=acting.user,
            created_by_label=str(acting.user),
        )
        NoticeEvidenceLink.objects.bulk_create(
            NoticeEvidenceLink(
                notice=draft,
                app_label=link.app_label,
                model=link.model,
                object_id=link.object_id,
                label=link.label,
                key_fields=link.key_fields,
                added_by_label=str(acting.user),
            )
            for link in notice.evidence_links.all()
        )
        # The officer's files travel with the correction (the stored file is shared, never copied).
        NoticeFile.objects.bulk_create(
            NoticeFile(
                notice=draft,
                file=f.file.name,
                original_name=f.original_name,
                content_type=f.content_type,
                size=f.size,
                sha256=f.sha256,
                description=f.description,
                uploaded_by=f.uploaded_by,
                uploaded_by_label=f.uploaded_by_label,
                uploaded_at=f.uploaded_at,
            )
            for f in notice.files.filter(uploaded_by_provider=False, event__isnull=True)
        )
        _record(acting, draft, NoticeEvent.Action.DRAFTED, kind=draft.kind, supersedes=notice.pk)
        _record(acting, notice, NoticeEvent.Action.CORRECTION_DRAFTED, draft=draft.pk)
    return draft
