"""Notice writes: issuing, the provider's acknowledgement and response, and the officer's decision
(extend, close, escalate, correct). Drafts: commissioning.notices.drafts; the transitions table
and shared helpers: commissioning.notices.rules. Each service checks who may act, locks the notice,
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

from collections.abc import Sequence
from datetime import date
from typing import Literal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from accounts.access import Acting
from accounts.audit import audit_record
from accounts.dates import day_label
from accounts.jobs import job_enqueue, orphan_finder
from commissioning.notices.access import require_notice_officer, require_notice_recipient
from commissioning.notices.emails import notice_recipients
from commissioning.notices.letters import letter_addressee, letter_signatory
from commissioning.notices.models import (
    LADDER,
    Notice,
    NoticeClosedReason,
    NoticeEvent,
    NoticeEvidenceLink,
    NoticeFile,
    NoticeKind,
    NoticeLetter,
)
from commissioning.notices.rules import (
    MAX_RESPONSE_FILES,
    STATUS_WORDS,
    S,
    check_transition,
    checked_files,
    locked,
    record_event,
    store_file,
)
from commissioning.notices.selectors import notice_settings_for
from commissioning.notices.tasks import notice_issued_email_send, notice_letter_generate
from commissioning.notices.working_days import add_working_days

# --- Issue ---------------------------------------------------------------------------------------


def issue_problems(notice: Notice, today: date) -> dict[str, str]:
    """What stops a draft being issued today, by field (empty when it can be issued)."""
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


def evidence_snapshot_take(notice: Notice, taken_at) -> dict:
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


def _close_predecessor(
    acting: Acting, notice: Notice, action: Literal["superseded", "escalated"], now
) -> Notice:
    predecessor = notice.supersedes if action == "superseded" else notice.escalated_from
    assert predecessor is not None  # called only for a notice that corrects or escalates another
    previous = locked(predecessor)
    before = previous.status
    try:
        previous.status = check_transition(previous, action)
    except ValidationError:
        raise ValidationError(
            f"Notice {previous.pk} is {STATUS_WORDS[before]}, so this notice can no longer be issued as "
            f"its {'correction' if action == 'superseded' else 'escalation'}. Withdraw this draft instead."
        ) from None
    previous.closed_at = now
    previous.closed_reason = NoticeClosedReason(action)
    previous.save(update_fields=["status", "closed_at", "closed_reason"])
    record_event(acting, previous, action, before=before, by_notice=notice.pk)
    return previous


def delivery_problem(notice: Notice, posted_on: date | None, today: date) -> dict[str, str]:
    """Why the notice cannot reach the provider (empty when it can): it is emailed to the provider's
    approvers; a provider with none must be sent the letter by post, and the officer records when."""
    if posted_on is not None:
        if posted_on > today:
            return {"posted_on": "The date you posted the letter cannot be in the future"}
        return {}
    if notice_recipients(notice):
        return {}
    provider = notice.provider.name
    return {
        "posted_on": f"{provider} has no approver with an account to email the notice to. Ask the "
        "provider's admin to give someone the Approver role (a service operator sets up the first admin "
        "of a provider new to the service), or post the letter and enter the date you posted it."
    }


def address_problem(notice: Notice) -> dict[str, str]:
    """Why the letter cannot be addressed (empty when it can): it goes to the provider's registered
    name and address, and a legal letter is not issued without one."""
    provider = notice.provider
    if provider.has_registered_address:
        return {}
    return {
        "registered_address": f"{provider.name} has no registered address recorded, and the letter must be "
        "addressed to it. Record the provider's registered name and address (a first line, the town and "
        "the postcode), then issue the notice."
    }


def notice_issue(*, acting: Acting, notice: Notice, posted_on: date | None = None) -> Notice:
    """Issue a complete draft: its evidence is copied in, a NoC gets its target closure date, and the
    notice it escalates or corrects is closed as escalated or superseded. It must reach the provider:
    its approvers are emailed, or the officer records the date the letter was posted
    (``delivery_problem``). The letter's addressee (the provider's registered name and address, which
    must be recorded: ``address_problem``) and signature block (the officer's name and job title)
    are fixed on the notice."""
    require_notice_officer(acting, notice)
    with transaction.atomic():
        notice = locked(notice)
        after = check_transition(notice, "issue")
        now = timezone.now()
        today = timezone.localdate(now)
        if problems := {
            **issue_problems(notice, today),
            **address_problem(notice),
            **delivery_problem(notice, posted_on, today),
        }:
            raise ValidationError(problems)
        notice.posted_on = posted_on
        notice.addressee = "\n".join(letter_addressee(notice.provider))
        signatory = letter_signatory(acting.user, acting.membership)
        notice.signatory, notice.signatory_job_title = signatory.name, signatory.job_title
        if notice.supersedes_id:
            previous = _close_predecessor(acting, notice, "superseded", now)
            notice.clock_start_on = previous.clock_start_on
        else:
            if notice.escalated_from_id:
                _close_predecessor(acting, notice, "escalated", now)
            notice.clock_start_on = today
        if notice.kind == NoticeKind.NOC:
            days = notice_settings_for(notice.commissioner).target_days(notice.complexity)
            # Set above: today, or the start of the corrected notice's clock (set when it was issued).
            assert notice.clock_start_on is not None
            notice.target_close_on = add_working_days(notice.clock_start_on, days)
        notice.evidence_snapshot = evidence_snapshot_take(notice, now)
        notice.status, notice.issued_at = after, now
        notice.issued_by, notice.issued_by_label = acting.user, str(acting.user)
        notice.save()
        record_event(
            acting,
            notice,
            NoticeEvent.Action.ISSUED,
            before=S.DRAFT,
            kind=notice.kind,
            remedy_due_on=str(notice.remedy_due_on),
            target_close_on=str(notice.target_close_on) if notice.target_close_on else None,
            emailed_to=notice_recipients(notice),
            posted_on=str(posted_on) if posted_on else None,
        )
        letter = NoticeLetter.objects.create(notice=notice)
        letter_make_later(letter)
        job_enqueue(
            notice_issued_email_send,
            notice.pk,
            subject=f"notice-email:{notice.pk}",
            label=f"Emailing {notice.provider} that a notice has been issued",
        )
    return notice


# --- The provider --------------------------------------------------------------------------------


def notice_letter_request(*, acting: Acting, notice: Notice) -> NoticeLetter:
    """Ask for an issued notice's letter to be made again (one that failed) or for the first time (a
    notice issued without one); the letter is made by a background task after the commit. A letter
    already made is returned as it is: an issued letter never changes."""
    require_notice_officer(acting, notice)
    if notice.status == S.DRAFT:
        raise ValidationError("A draft has no letter: the letter is made when the notice is issued.")
    with transaction.atomic():
        letter, created = NoticeLetter.objects.select_for_update().get_or_create(notice=notice)
        if letter.generated_at is not None:
            return letter
        if not created and not letter.error:
            return letter  # already being made
        letter.error = ""
        letter.save(update_fields=["error"])
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="notice.letter_request",
            obj=notice,
            organisation=notice.commissioner,
            details={"letter": letter.pk, "again": not created},
        )
        letter_make_later(letter)
    return letter


def letter_subject(letter_id: int) -> str:
    return f"notice-letter:{letter_id}"


def letter_make_later(letter: NoticeLetter) -> None:
    """Make the letter's PDF in the background, after the commit."""
    job_enqueue(
        notice_letter_generate,
        letter.pk,
        subject=letter_subject(letter.pk),
        label="Making a notice letter's PDF",
    )


# For the sweeper: a letter still to be made that never had a job (asked for before the outbox).
letter_orphans_queue = orphan_finder(
    lambda settled: NoticeLetter.objects.filter(
        generated_at__isnull=True, error="", requested_at__lt=settled
    ),
    letter_subject,
    letter_make_later,
)


def notice_acknowledge(*, acting: Acting, notice: Notice) -> Notice:
    """The provider confirms it has received the notice."""
    require_notice_recipient(acting, notice)
    with transaction.atomic():
        notice = locked(notice)
        before, after = notice.status, check_transition(notice, "acknowledge")
        if notice.acknowledged_at is not None:
            raise ValidationError(
                f"This notice was acknowledged on {day_label(timezone.localdate(notice.acknowledged_at))} by "
                f"{notice.acknowledged_by_label}."
            )
        # Acknowledged after an extension, it stays extended (the new date stands).
        notice.status = before if before == S.EXTENDED else after
        notice.acknowledged_at, notice.acknowledged_by = timezone.now(), acting.user
        notice.acknowledged_by_label = str(acting.user)
        notice.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "acknowledged_by_label"])
        record_event(acting, notice, NoticeEvent.Action.ACKNOWLEDGED, before=before)
    return notice


def notice_respond(*, acting: Acting, notice: Notice, text: str, files: Sequence[File] = ()) -> NoticeEvent:
    """The provider's response, with up to MAX_RESPONSE_FILES evidence files (all checked before any
    is kept)."""
    require_notice_recipient(acting, notice)
    if not text.strip():
        raise ValidationError({"text": "Write your response: what you have done and what you will do."})
    if len(files) > MAX_RESPONSE_FILES:
        raise ValidationError({"files": f"Send at most {MAX_RESPONSE_FILES} files with one response."})
    checked = checked_files(acting, notice, files)
    with transaction.atomic():
        notice = locked(notice)
        before, notice.status = notice.status, check_transition(notice, "respond")
        if notice.acknowledged_at is None:
            raise ValidationError("Acknowledge the notice first: then send your response.")
        notice.save(update_fields=["status"])
        event = record_event(
            acting, notice, NoticeEvent.Action.RESPONDED, before=before, note=text.strip(), files=len(checked)
        )
        for one in checked:
            store_file(acting, notice, one, event)
    return event


# --- The officer's decision ----------------------------------------------------------------------


def notice_extend(*, acting: Acting, notice: Notice, new_due_on: date, reason: str) -> Notice:
    """A later remedy date, with the reason (kept as an event). A NoC's target closure date stays."""
    require_notice_officer(acting, notice)
    with transaction.atomic():
        notice = locked(notice)
        before, after = notice.status, check_transition(notice, "extend")
        problems = {}
        if notice.remedy_due_on is not None and new_due_on <= notice.remedy_due_on:
            problems["new_due_on"] = (
                f"The new date must be after the current one ({day_label(notice.remedy_due_on)})."
            )
        if not reason.strip():
            problems["reason"] = "Say why the remedy date is extended."
        if problems:
            raise ValidationError(problems)
        old_due, notice.remedy_due_on, notice.status = notice.remedy_due_on, new_due_on, after
        notice.save(update_fields=["remedy_due_on", "status"])
        record_event(
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
    require_notice_officer(acting, notice)
    if reason not in (NoticeClosedReason.REMEDIED, NoticeClosedReason.WITHDRAWN):
        raise ValidationError({"reason": "Choose remedied or withdrawn."})
    if not note.strip():
        raise ValidationError({"note": "Say why the notice is closed."})
    with transaction.atomic():
        notice = locked(notice)
        before, after = notice.status, check_transition(notice, "close")
        if before == S.DRAFT and reason != NoticeClosedReason.WITHDRAWN:
            raise ValidationError({"reason": "A draft was never issued: it can only be withdrawn."})
        notice.status, notice.closed_at, notice.closed_reason = after, timezone.now(), reason
        notice.save(update_fields=["status", "closed_at", "closed_reason"])
        record_event(
            acting, notice, NoticeEvent.Action.CLOSED, before=before, note=note.strip(), reason=reason
        )
    return notice


def _copy_evidence_links(acting: Acting, notice: Notice, draft: Notice) -> None:
    """The evidence an escalation or correction starts from: the same records, linked again."""
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


def _pending_draft(notice: Notice, field: str) -> Notice | None:
    return Notice.objects.filter(**{field: notice}, status=S.DRAFT).first()


def notice_escalate(*, acting: Acting, notice: Notice) -> Notice:
    """A draft of the next step of the ladder, linked to this notice, which stays open until it is issued."""
    require_notice_officer(acting, notice)
    with transaction.atomic():
        notice = locked(notice)
        check_transition(notice, "escalate")
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
        _copy_evidence_links(acting, notice, draft)
        record_event(acting, draft, NoticeEvent.Action.DRAFTED, kind=draft.kind, escalated_from=notice.pk)
        record_event(acting, notice, NoticeEvent.Action.ESCALATION_DRAFTED, draft=draft.pk, kind=draft.kind)
    return draft


def notice_correct(*, acting: Acting, notice: Notice) -> Notice:
    """A draft copy of an issued notice to correct; issuing it supersedes the original, which stays as sent."""
    require_notice_officer(acting, notice)
    with transaction.atomic():
        notice = locked(notice)
        check_transition(notice, "correct")
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
        _copy_evidence_links(acting, notice, draft)
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
        record_event(acting, draft, NoticeEvent.Action.DRAFTED, kind=draft.kind, supersedes=notice.pk)
        record_event(acting, notice, NoticeEvent.Action.CORRECTION_DRAFTED, draft=draft.pk)
    return draft
