"""Notice rules shared by the services: the transitions table, who may act, locking, the history
and audit entry each change writes, and evidence files."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, overload

from django.core.exceptions import ValidationError
from django.core.files import File

from accounts.access import Acting
from accounts.audit import audit_record
from accounts.upload_limits import UploadLimit
from commissioning.evidence import EVIDENCE_ADVICE, MAX_EVIDENCE_BYTES, CheckedEvidence, evidence_check
from commissioning.notices.models import (
    OPEN_STATUSES,
    Notice,
    NoticeEvent,
    NoticeFile,
    NoticeStatus,
)

S = NoticeStatus
OPEN = frozenset(OPEN_STATUSES)
# action -> (statuses it may start from, status it leads to; None: the status does not change)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "update": (frozenset({S.DRAFT}), None),
    "issue": (frozenset({S.DRAFT}), S.ISSUED),
    # An extension may come before the provider has acknowledged: it can still acknowledge then.
    "acknowledge": (frozenset({S.ISSUED, S.EXTENDED}), S.ACKNOWLEDGED),
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


STATUS_WORDS: dict[str, str] = {
    S.DRAFT: "a draft",
    S.ISSUED: "issued",
    S.ACKNOWLEDGED: "acknowledged",
    S.RESPONDED: "responded to",
    S.EXTENDED: "extended",
    S.CLOSED: "closed",
    S.ESCALATED: "escalated",
    S.SUPERSEDED: "superseded",
}


# The actions that lead to a status (every other action leaves the status as it is).
StatusChange = Literal["issue", "acknowledge", "respond", "extend", "close", "escalated", "superseded"]


@overload
def check_transition(notice: Notice, action: StatusChange) -> str: ...


@overload
def check_transition(notice: Notice, action: str) -> str | None: ...


def check_transition(notice: Notice, action: str) -> str | None:
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


def locked(notice: Notice) -> Notice:
    """The notice re-read under a row lock, so two people acting at once take turns."""
    return (
        Notice.objects.select_for_update(of=("self",))
        .select_related("contract", "commissioner")
        .get(pk=notice.pk)
    )


def record_event(
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
        actor_organisation=acting.organisation,
        action=f"notice.{action}",
        obj=notice,
        organisation=notice.commissioner,
        details={"contract": notice.contract.reference, "status": notice.status, "note": note, **details},
    )
    return event


# A provider's response carries its text and up to this many evidence files.
MAX_RESPONSE_FILES = 10
RESPONSE_UPLOAD = UploadLimit(
    subject="A response", file_bytes=MAX_EVIDENCE_BYTES, files=MAX_RESPONSE_FILES, advice=EVIDENCE_ADVICE
)


def checked_files(acting: Acting, notice: Notice, files: Sequence[File]) -> list[CheckedEvidence]:
    """Every file checked by the shared evidence rules (each refusal names its file); all or none."""
    return [
        evidence_check(acting=acting, file=file, about=notice, owner=notice.commissioner, named=True)
        for file in files
    ]


def store_file(
    acting: Acting, notice: Notice, checked: CheckedEvidence, event: NoticeEvent | None
) -> NoticeFile:
    stored = NoticeFile(
        notice=notice,
        event=event,
        original_name=checked.name[-255:],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=acting.user,
        uploaded_by_label=str(acting.user),
        uploaded_by_provider=acting.is_provider,
    )
    stored.file.save(checked.name, checked.file, save=False)
    stored.save()
    return stored
