"""QAF writes: the assessment lifecycle, comments, actions and evidence files (frameworks:
commissioning.qaf.frameworks; CQC ratings: commissioning.qaf.cqc). Each service checks who may act, owns its transaction and writes
its audit entry; a change that affects a provider's QAF status queues its recomputation.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from accounts.access import Acting
from accounts.audit import audit_record
from accounts.jobs import job_enqueue, orphan_finder
from commissioning.evidence import evidence_check
from commissioning.models import CommissioningBody, Contract
from commissioning.qaf.access import (
    require_assessed_provider,
    require_assessment_owner,
    require_quality_officer,
)
from commissioning.qaf.frameworks import (
    framework_default_get_or_create,
    framework_version_current,
    judgement_from,
)
from commissioning.qaf.models import (
    ActionStatus,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Comment,
    DelayReason,
    EvidenceFile,
    FinalReport,
    QafStandard,
    Rating,
    RemedialAction,
    StandardRating,
)
from commissioning.qaf.tasks import qaf_draft_shared_email_send, qaf_report_generate, qaf_status_refresh
from providers.models import Provider

EVALUATION_TARGET_DAYS = 91


# --- Assessment lifecycle -------------------------------------------------------------------------


def _status_refresh_later(assessment: Assessment) -> None:
    """After the commit, recompute the provider's stored QAF status for the owning body."""
    provider_id, body_id = assessment.provider_id, assessment.commissioner_id
    job_enqueue(qaf_status_refresh, provider_id, body_id, label="Refreshing a provider's QAF status")


def _audit(acting: Acting, action: str, obj, assessment: Assessment, **details) -> None:
    audit_record(
        actor=acting.user,
        actor_organisation=acting.organisation,
        action=action,
        obj=obj,
        organisation=assessment.commissioner,
        details={"provider": assessment.provider.name, "assessment": assessment.pk, **details},
    )


def _provider_contracted_by(provider: Provider, body: CommissioningBody) -> bool:
    return Contract.objects.filter(lead_commissioner=body, provider=provider).exists()


def assessment_schedule(
    *,
    acting: Acting,
    provider: Provider,
    scheduled_for: date | None,
    contract: Contract | None = None,
    reassessment_of: Assessment | None = None,
    lead_officer=None,
) -> Assessment:
    """Schedule an evaluation of a provider the body contracts (a reassessment follows a finalised one)."""
    body = acting.organisation
    require_quality_officer(acting)
    if not acting.is_commissioner:
        raise PermissionDenied("Only a commissioning body schedules QAF assessments.")
    problems = {}
    if not _provider_contracted_by(provider, body.commissioningbody):
        problems["provider"] = f"{provider.name} has no contract led by {body.name}."
    if contract is not None and (
        contract.provider_id != provider.pk or contract.lead_commissioner_id != body.pk
    ):
        problems["contract"] = "Choose one of this provider's contracts that your organisation leads."
    if reassessment_of is not None and (
        reassessment_of.provider_id != provider.pk
        or reassessment_of.commissioner_id != body.pk
        or reassessment_of.status != AssessmentStatus.FINALISED
    ):
        problems["reassessment_of"] = "A reassessment follows a finalised assessment of the same provider."
    if problems:
        raise ValidationError(problems)
    framework = framework_default_get_or_create(owner=body.commissioningbody, actor_label=str(acting.user))
    with transaction.atomic():
        version = framework_version_current(framework)
        assert version is not None  # framework_default_get_or_create publishes version 1 with the framework
        assessment = Assessment.objects.create(
            framework_version=version,
            commissioner=body.commissioningbody,
            provider=provider,
            contract=contract or (reassessment_of.contract if reassessment_of else None),
            kind=AssessmentKind.REASSESSMENT if reassessment_of else AssessmentKind.INITIAL,
            reassessment_of=reassessment_of,
            scheduled_for=scheduled_for,
            lead_officer=lead_officer or acting.user,
            created_by_label=str(acting.user),
        )
        _audit(
            acting,
            "qaf.schedule",
            assessment,
            assessment,
            kind=assessment.kind,
            scheduled_for=str(scheduled_for),
        )
        _status_refresh_later(assessment)
    return assessment


def assessment_start(*, acting: Acting, assessment: Assessment, started_on: date) -> Assessment:
    """Record the start date; a rating row is made for every standard of the framework version."""
    require_assessment_owner(acting, assessment)
    if assessment.status != AssessmentStatus.SCHEDULED:
        raise ValidationError("This assessment has already started.")
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": "The start date cannot be in the future."})
    standards = QafStandard.objects.filter(domain__version=assessment.framework_version)
    with transaction.atomic():
        assessment.status, assessment.started_on = AssessmentStatus.STARTED, started_on
        assessment.save(update_fields=["status", "started_on"])
        Rating.objects.bulk_create(Rating(assessment=assessment, standard=standard) for standard in standards)
        _audit(acting, "qaf.start", assessment, assessment, started_on=str(started_on))
        _status_refresh_later(assessment)
    return assessment


EDITABLE = (AssessmentStatus.STARTED, AssessmentStatus.DRAFT_SHARED)


def ratings_record(*, acting: Acting, assessment: Assessment, ratings: dict[int, tuple[str, str]]) -> int:
    """Record ratings and evidence by standard id; returns how many changed. Not after finalising."""
    require_assessment_owner(acting, assessment)
    if assessment.status not in EDITABLE:
        raise ValidationError("Ratings can be recorded only while the assessment is in progress.")
    valid = set(StandardRating.values)
    current = {rating.standard_id: rating for rating in assessment.ratings.select_related("standard")}
    problems = [
        f"Standard {current[sid].standard.code if sid in current else sid}: choose a rating"
        for sid, (value, _) in ratings.items()
        if value not in valid or sid not in current
    ]
    if problems:
        raise ValidationError(problems)
    changed = []
    now = timezone.now()
    for sid, (value, evidence) in ratings.items():
        row = current[sid]
        if (row.rating, row.evidence) != (value, evidence.strip()):
            row.rating, row.evidence, row.updated_at = value, evidence.strip(), now
            row.updated_by_label = str(acting.user)
            changed.append(row)
    with transaction.atomic():
        Rating.objects.bulk_update(changed, ["rating", "evidence", "updated_at", "updated_by_label"])
        if changed:
            _audit(
                acting,
                "qaf.ratings",
                assessment,
                assessment,
                changed={row.standard.code: row.rating for row in changed},
            )
    return len(changed)


def delay_record(*, acting: Acting, assessment: Assessment, reason: str, note: str) -> Assessment:
    """Why an evaluation is taking (or took) more than 13 weeks from its start."""
    require_assessment_owner(acting, assessment)
    if assessment.status not in (AssessmentStatus.STARTED, AssessmentStatus.DRAFT_SHARED):
        raise ValidationError("A delay reason is recorded while the evaluation is in progress.")
    problems = {}
    if reason not in DelayReason.values:
        problems["delay_reason"] = "Choose the main reason for the delay"
    if reason == DelayReason.OTHER and not note.strip():
        problems["delay_note"] = "Say what the reason is"
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        assessment.delay_reason, assessment.delay_note = reason, note.strip()
        assessment.save(update_fields=["delay_reason", "delay_note"])
        _audit(acting, "qaf.delay", assessment, assessment, reason=reason, note=note.strip())
    return assessment


def draft_share(*, acting: Acting, assessment: Assessment) -> Assessment:
    """Share the draft report with the provider, who then has the framework's window to comment."""
    require_assessment_owner(acting, assessment)
    if assessment.status != AssessmentStatus.STARTED:
        raise ValidationError("Only an assessment in progress can be shared as a draft.")
    judged = judgement_from(list(assessment.ratings.select_related("standard")), assessment.framework_version)
    if not judged.rated:
        raise ValidationError("Rate at least one standard before sharing the draft report.")
    days = assessment.framework_version.framework.comment_window_days
    with transaction.atomic():
        assessment.status = AssessmentStatus.DRAFT_SHARED
        assessment.draft_shared_at = timezone.now()
        assessment.comments_due_on = timezone.localdate() + timedelta(days=days)
        assessment.save(update_fields=["status", "draft_shared_at", "comments_due_on"])
        _audit(
            acting, "qaf.draft_share", assessment, assessment, comments_due_on=str(assessment.comments_due_on)
        )
        job_enqueue(
            qaf_draft_shared_email_send,
            assessment.pk,
            subject=f"qaf-draft-email:{assessment.pk}",
            label=f"Emailing {assessment.provider} that a draft QAF report is shared",
        )
    return assessment


def comment_add(
    *, acting: Acting, assessment: Assessment, text: str, standard_id: int | None = None
) -> Comment:
    """The provider's factual-accuracy comment on the draft report, within the comment window."""
    require_assessed_provider(acting, assessment)
    if assessment.status != AssessmentStatus.DRAFT_SHARED:
        raise ValidationError("Comments can be made only on a draft report shared with you.")
    assert assessment.comments_due_on is not None  # set when the draft report was shared
    if timezone.localdate() > assessment.comments_due_on:
        raise ValidationError(
            f"The time for comments ended on {assessment.comments_due_on:%-d %B %Y}. "
            "Contact the quality officer if something in the report is wrong."
        )
    if not text.strip():
        raise ValidationError({"text": "Enter your comment"})
    standard = None
    if standard_id:
        standard = QafStandard.objects.filter(
            pk=standard_id, domain__version=assessment.framework_version
        ).first()
        if standard is None:
            raise ValidationError({"standard": "Choose a standard from this report"})
    with transaction.atomic():
        comment = Comment.objects.create(
            assessment=assessment,
            standard=standard,
            text=text.strip(),
            author=acting.user,
            author_label=str(acting.user),
        )
        _audit(acting, "qaf.comment", comment, assessment, standard=standard.code if standard else "")
    return comment


def comment_respond(*, acting: Acting, comment: Comment, response: str) -> Comment:
    require_assessment_owner(acting, comment.assessment)
    if not response.strip():
        raise ValidationError({"response": "Enter your response"})
    with transaction.atomic():
        comment.response, comment.responded_at = response.strip(), timezone.now()
        comment.save(update_fields=["response", "responded_at"])
        _audit(acting, "qaf.comment_response", comment, comment.assessment)
    return comment


def assessment_finalise(
    *, acting: Acting, assessment: Assessment, finalised_on: date, summary: str
) -> Assessment:
    """Finalise: the outcome follows from the ratings by the framework version's rule. The comment
    window must have ended (or the provider have commented); past 13 weeks a delay reason is needed."""
    require_assessment_owner(acting, assessment)
    if assessment.status != AssessmentStatus.DRAFT_SHARED:
        raise ValidationError("Share the draft report with the provider before finalising.")
    # A shared draft report is of a started assessment, and has its comment window.
    assert assessment.started_on is not None and assessment.comments_due_on is not None
    problems = {}
    today = timezone.localdate()
    if finalised_on > today:
        problems["finalised_on"] = "The completion date cannot be in the future."
    elif finalised_on < assessment.started_on:
        problems["finalised_on"] = "The completion date cannot be before the start date."
    if today <= assessment.comments_due_on and not assessment.comments.exists():
        problems["__all__"] = (
            f"The provider has until {assessment.comments_due_on:%-d %B %Y} to comment on the draft report."
        )
    if (
        not problems.get("finalised_on")
        and (finalised_on - assessment.started_on).days > EVALUATION_TARGET_DAYS
        and not assessment.delay_reason
    ):
        problems["delay_reason"] = (
            "This evaluation took more than 13 weeks: record the reason for the delay first."
        )
    if not summary.strip():
        problems["summary"] = "Enter a summary of the findings"
    if problems:
        raise ValidationError(problems)
    judged = judgement_from(list(assessment.ratings.select_related("standard")), assessment.framework_version)
    with transaction.atomic():
        assessment.status = AssessmentStatus.FINALISED
        assessment.finalised_on = finalised_on
        assessment.summary = summary.strip()
        assessment.score, assessment.judgement, assessment.outcome = (
            judged.score,
            judged.judgement,
            judged.outcome,
        )
        assessment.save(update_fields=["status", "finalised_on", "summary", "score", "judgement", "outcome"])
        report = FinalReport.objects.create(assessment=assessment)
        _audit(
            acting,
            "qaf.finalise",
            assessment,
            assessment,
            outcome=judged.outcome,
            judgement=judged.judgement,
            score=str(judged.score),
            finalised_on=str(finalised_on),
        )
        _status_refresh_later(assessment)
        report_make_later(report)
    return assessment


def report_subject(report_id: int) -> str:
    return f"qaf-report:{report_id}"


def report_make_later(report: FinalReport) -> None:
    """Make the final report's PDF in the background, after the commit."""
    job_enqueue(
        qaf_report_generate, report.pk, subject=report_subject(report.pk), label="Making a QAF report's PDF"
    )


def report_make_again(*, acting: Acting, assessment: Assessment) -> FinalReport:
    """The officer's "Try again" on a final report whose PDF could not be made."""
    require_assessment_owner(acting, assessment)
    with transaction.atomic():
        report = FinalReport.objects.select_for_update().filter(assessment=assessment).first()
        if report is None:
            raise ValidationError("This assessment has no final report: it is made when it is finalised.")
        if report.generated_at is not None:
            return report
        if not report.error:
            raise ValidationError("The PDF report is being made already.")
        report.error = ""
        report.save(update_fields=["error"])
        _audit(acting, "qaf.report_again", assessment, assessment, report=report.pk)
        report_make_later(report)
    return report


# For the sweeper: a report still to be made that never had a job (finalised before the outbox).
report_orphans_queue = orphan_finder(
    lambda settled: FinalReport.objects.filter(generated_at__isnull=True, error="", requested_at__lt=settled),
    report_subject,
    report_make_later,
)


# --- Remedial actions and evidence ---------------------------------------------------------------


def action_add(
    *, acting: Acting, assessment: Assessment, standard_id: int, description: str, owner: str, due_on: date
) -> RemedialAction:
    """Add an action to a finalised assessment's remedial action plan."""
    require_assessment_owner(acting, assessment)
    if assessment.status != AssessmentStatus.FINALISED:
        raise ValidationError("Actions are added to a finalised assessment.")
    assert assessment.finalised_on is not None  # set when it was finalised
    problems = {}
    standard = QafStandard.objects.filter(
        pk=standard_id, domain__version=assessment.framework_version
    ).first()
    if standard is None:
        problems["standard"] = "Choose the standard the action addresses"
    if not description.strip():
        problems["description"] = "Say what must be done"
    if not owner.strip():
        problems["owner"] = "Name who at the provider owns the action"
    if due_on < assessment.finalised_on:
        problems["due_on"] = "The due date cannot be before the assessment was completed"
    if problems or standard is None:  # a missing standard is one of the problems
        raise ValidationError(problems)
    with transaction.atomic():
        action = RemedialAction.objects.create(
            assessment=assessment,
            standard=standard,
            description=description.strip(),
            owner=owner.strip(),
            due_on=due_on,
        )
        _audit(acting, "qaf.action_add", action, assessment, standard=standard.code, due_on=str(due_on))
        _status_refresh_later(assessment)
    return action


def action_mark_done(*, acting: Acting, action: RemedialAction, note: str) -> RemedialAction:
    """The provider says an action is done (with a note; evidence files may be attached)."""
    require_assessed_provider(acting, action.assessment)
    if action.status not in (ActionStatus.OPEN, ActionStatus.REOPENED):
        raise ValidationError("This action is not open.")
    if not note.strip() and not action.files.exists():
        raise ValidationError({"note": "Say what was done, or attach evidence"})
    with transaction.atomic():
        action.status, action.provider_note, action.done_at = ActionStatus.DONE, note.strip(), timezone.now()
        action.save(update_fields=["status", "provider_note", "done_at"])
        _audit(acting, "qaf.action_done", action, action.assessment)
        _status_refresh_later(action.assessment)
    return action


def action_review(*, acting: Acting, action: RemedialAction, verified: bool, note: str) -> RemedialAction:
    """The officer verifies a done action, or reopens it with a note saying what is missing."""
    require_assessment_owner(acting, action.assessment)
    if action.status != ActionStatus.DONE and verified:
        raise ValidationError("Only an action the provider has marked done can be verified.")
    if not verified and action.status not in (ActionStatus.DONE, ActionStatus.VERIFIED):
        raise ValidationError("Only an action marked done or verified can be reopened.")
    if not verified and not note.strip():
        raise ValidationError({"note": "Say what is still needed"})
    with transaction.atomic():
        action.status = ActionStatus.VERIFIED if verified else ActionStatus.REOPENED
        action.officer_note = note.strip()
        action.verified_at = timezone.now() if verified else None
        action.save(update_fields=["status", "officer_note", "verified_at"])
        _audit(acting, "qaf.action_verify" if verified else "qaf.action_reopen", action, action.assessment)
        _status_refresh_later(action.assessment)
    return action


def evidence_upload(
    *,
    acting: Acting,
    assessment: Assessment,
    file: File,
    description: str = "",
    action: RemedialAction | None = None,
) -> EvidenceFile:
    """Attach a file: the provider to one of its actions, an officer to the assessment. Checked by
    ``commissioning.evidence`` (type, size, content, viruses) before it is kept with its checksum."""
    if acting.is_provider:
        if action is None:
            raise ValidationError({"file": "Attach evidence to one of the actions in your plan."})
        require_assessed_provider(acting, assessment)
        if action.status == ActionStatus.VERIFIED:
            raise ValidationError({"file": "This action is verified: no more evidence is needed."})
    else:
        require_assessment_owner(acting, assessment)
    if action is not None and action.assessment_id != assessment.pk:
        raise ValidationError({"file": "That action belongs to another assessment."})
    checked = evidence_check(acting=acting, file=file, about=assessment, owner=assessment.commissioner)
    with transaction.atomic():
        evidence = EvidenceFile(
            assessment=assessment,
            action=action,
            original_name=checked.name[-255:],
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            description=description.strip()[:300],
            uploaded_by=acting.user,
            uploaded_by_label=str(acting.user),
            uploaded_by_provider=acting.is_provider,
        )
        evidence.file.save(checked.name, checked.file, save=False)
        evidence.save()
        _audit(
            acting,
            "qaf.evidence",
            evidence,
            assessment,
            name=checked.name,
            sha256=checked.sha256,
            action_id=action.pk if action else None,
        )
    return evidence
