"""QAF services (commissioning.qaf.services) and stored status (outcomes.qaf): the lifecycle,
who may act, the judgement rule, framework versions, the comment window, delay reasons, evidence
checks and the status kept per provider and per contract."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.access import acting_for
from accounts.models import AuditEntry
from commissioning.demo.organisations import demo_seed
from commissioning.demo.qaf import qaf_seed
from commissioning.qaf import frameworks, services
from commissioning.qaf.models import (
    ActionStatus,
    Assessment,
    AssessmentStatus,
    EvidenceFile,
    QafStandard,
    QafStatus,
    Rating,
    StandardRating,
)
from commissioning.qaf.status import qaf_status_store
from tests.factories import contract

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% evidence\n"


@pytest.fixture
def qaf(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"

    class Setup:
        deal = contract(world.council, world.provider_a, reference="QAF-1")
        officer = acting_for(world.users["quality_officer"], None)
        commissioner = acting_for(world.users["commissioner"], None)
        approver = acting_for(world.users["a_approver"], None)
        viewer = acting_for(world.users["a_viewer"], None)
        other_provider = acting_for(world.users["b_admin"], None)

    Setup.world = world
    return Setup


def _started(qaf, started_on: date | None = None) -> Assessment:
    assessment = services.assessment_schedule(
        acting=qaf.officer, provider=qaf.world.provider_a, scheduled_for=None, contract=qaf.deal
    )
    return services.assessment_start(
        acting=qaf.officer,
        assessment=assessment,
        started_on=started_on or timezone.localdate() - timedelta(days=30),
    )


def _rate_all(qaf, assessment: Assessment, value: str, **overrides) -> None:
    ratings = {
        rating.standard_id: (
            overrides.get(rating.standard.code, value),
            f"Seen on visit: {rating.standard.code}",
        )
        for rating in assessment.ratings.select_related("standard")
    }
    services.ratings_record(acting=qaf.officer, assessment=assessment, ratings=ratings)


def _finalised(qaf, value="good", finalised_on=None, started_on=None, **overrides) -> Assessment:
    assessment = _started(qaf, started_on)
    _rate_all(qaf, assessment, value, **overrides)
    services.draft_share(acting=qaf.officer, assessment=assessment)
    services.comment_add(acting=qaf.approver, assessment=assessment, text="Staff numbers were 42, not 40.")
    return services.assessment_finalise(
        acting=qaf.officer,
        assessment=assessment,
        finalised_on=finalised_on or timezone.localdate(),
        summary="Visited twice; records sampled.",
    )


def test_the_default_framework_has_five_domains_and_sixteen_standards(qaf):
    framework = frameworks.framework_default_get_or_create(owner=qaf.world.council)
    version = frameworks.framework_version_current(framework)
    assert version.number == 1
    assert [d.name for d in version.domains.all()] == [
        "Involvement and information",
        "Personalised care and support",
        "Safeguarding and safety",
        "Suitability of staffing",
        "Quality of management",
    ]
    assert QafStandard.objects.filter(domain__version=version).count() == 16
    assert frameworks.framework_default_get_or_create(owner=qaf.world.council) == framework


def test_an_assessment_keeps_the_framework_version_it_used(qaf):
    first = _started(qaf)
    framework = first.framework_version.framework
    frameworks.framework_version_publish(
        framework=framework,
        domains=[
            frameworks.DomainInput(
                "Safety", [frameworks.StandardInput("1.1", "Safeguarding", weight=Decimal(2))]
            )
        ],
        note="A shorter framework",
        actor_label="Quality lead",
    )
    second = services.assessment_schedule(
        acting=qaf.officer, provider=qaf.world.provider_a, scheduled_for=None
    )
    assert (first.framework_version.number, second.framework_version.number) == (1, 2)
    assert first.ratings.count() == 16
    services.assessment_start(acting=qaf.officer, assessment=second, started_on=timezone.localdate())
    assert second.ratings.count() == 1


def test_a_framework_version_needs_standards_with_codes(qaf):
    framework = frameworks.framework_default_get_or_create(owner=qaf.world.council)
    with pytest.raises(ValidationError) as error:
        frameworks.framework_version_publish(framework=framework, domains=[], note="", actor_label="x")
    assert "at least one domain" in str(error.value)
    duplicate = [
        frameworks.DomainInput("A", [frameworks.StandardInput("1", "X"), frameworks.StandardInput("1", "Y")])
    ]
    with pytest.raises(ValidationError, match="its own code"):
        frameworks.framework_version_publish(framework=framework, domains=duplicate, note="", actor_label="x")


@pytest.mark.parametrize(
    ("value", "overrides", "judgement", "outcome", "score"),
    [
        ("good", {}, "good", "compliant", "3.00"),
        ("excellent", {"1.1": "good"}, "excellent", "compliant", "3.94"),  # (15 × 4 + 3) / 16
        ("good", {"3.1": "poor"}, "good", "non_compliant", "2.88"),  # any Poor standard: non-compliant
        ("requires_improvement", {}, "requires_improvement", "non_compliant", "2.00"),
        ("good", {"1.1": "not_assessed", "1.2": "requires_improvement"}, "good", "compliant", "2.93"),
    ],
)
def test_the_judgement_rule(qaf, value, overrides, judgement, outcome, score):
    assessment = _finalised(qaf, value, **overrides)
    assert (assessment.judgement, assessment.outcome, str(assessment.score)) == (judgement, outcome, score)


def test_only_the_bodys_quality_officers_assess(qaf):
    with pytest.raises(PermissionDenied):
        services.assessment_schedule(
            acting=qaf.commissioner, provider=qaf.world.provider_a, scheduled_for=None
        )
    with pytest.raises(ValidationError, match="has no contract led by"):
        services.assessment_schedule(acting=qaf.officer, provider=qaf.world.provider_b, scheduled_for=None)
    assessment = _started(qaf)
    with pytest.raises(PermissionDenied):
        services.ratings_record(acting=qaf.approver, assessment=assessment, ratings={})


def test_the_provider_comments_within_the_window_only(qaf, settings):
    assessment = _started(qaf)
    _rate_all(qaf, assessment, "good")
    with pytest.raises(ValidationError, match="draft report shared"):
        services.comment_add(acting=qaf.approver, assessment=assessment, text="Too early")
    framework = assessment.framework_version.framework
    framework.comment_window_days = 7
    framework.save()
    services.draft_share(acting=qaf.officer, assessment=assessment)
    assert assessment.comments_due_on == timezone.localdate() + timedelta(days=7)
    with pytest.raises(PermissionDenied):
        services.comment_add(acting=qaf.other_provider, assessment=assessment, text="Not ours")
    with pytest.raises(PermissionDenied):
        services.comment_add(acting=qaf.viewer, assessment=assessment, text="A viewer cannot")
    Assessment.objects.filter(pk=assessment.pk).update(
        comments_due_on=timezone.localdate() - timedelta(days=1)
    )
    assessment.refresh_from_db()
    with pytest.raises(ValidationError, match="time for comments ended"):
        services.comment_add(acting=qaf.approver, assessment=assessment, text="Too late")


def test_finalising_waits_for_the_comment_window_unless_the_provider_commented(qaf):
    assessment = _started(qaf)
    _rate_all(qaf, assessment, "good")
    services.draft_share(acting=qaf.officer, assessment=assessment)
    with pytest.raises(ValidationError, match="has until"):
        services.assessment_finalise(
            acting=qaf.officer, assessment=assessment, finalised_on=timezone.localdate(), summary="Done"
        )
    services.comment_add(acting=qaf.approver, assessment=assessment, text="Agreed")
    services.assessment_finalise(
        acting=qaf.officer, assessment=assessment, finalised_on=timezone.localdate(), summary="Done"
    )
    assert assessment.status == AssessmentStatus.FINALISED
    with pytest.raises(ValidationError):
        services.ratings_record(
            acting=qaf.officer,
            assessment=assessment,
            ratings={assessment.ratings.first().standard_id: ("poor", "")},
        )
    assert AuditEntry.objects.filter(action="qaf.finalise").exists()


def test_past_13_weeks_a_delay_reason_is_needed(qaf):
    started = timezone.localdate() - timedelta(days=100)
    assessment = _started(qaf, started_on=started)
    _rate_all(qaf, assessment, "good")
    services.draft_share(acting=qaf.officer, assessment=assessment)
    services.comment_add(acting=qaf.approver, assessment=assessment, text="Fine")
    with pytest.raises(ValidationError) as error:
        services.assessment_finalise(
            acting=qaf.officer, assessment=assessment, finalised_on=timezone.localdate(), summary="x"
        )
    assert "delay_reason" in error.value.message_dict
    # Completed on day 91 needs no reason.
    services.assessment_finalise(
        acting=qaf.officer, assessment=assessment, finalised_on=started + timedelta(days=91), summary="x"
    )


def test_delay_reason_other_needs_words(qaf):
    assessment = _started(qaf)
    with pytest.raises(ValidationError) as error:
        services.delay_record(acting=qaf.officer, assessment=assessment, reason="other", note="")
    assert "delay_note" in error.value.message_dict
    services.delay_record(acting=qaf.officer, assessment=assessment, reason="officer_capacity", note="")
    assert assessment.get_delay_reason_display() == "Officer capacity"


def test_action_plan_evidence_and_verification(qaf, django_capture_on_commit_callbacks):
    assessment = _finalised(qaf, "good", **{"3.1": "poor"})
    standard = Rating.objects.get(assessment=assessment, rating=StandardRating.POOR).standard
    action = services.action_add(
        acting=qaf.officer,
        assessment=assessment,
        standard_id=standard.pk,
        description="Train every care worker in safeguarding adults level 2.",
        owner="Registered manager",
        due_on=timezone.localdate() + timedelta(days=14),
    )
    with pytest.raises(ValidationError, match="Say what was done"):
        services.action_mark_done(acting=qaf.approver, action=action, note="")
    with pytest.raises(ValidationError, match="must be one of"):
        services.evidence_upload(
            acting=qaf.approver, assessment=assessment, action=action, file=ContentFile(b"MZ", name="x.exe")
        )
    with pytest.raises(ValidationError, match="not a real PDF"):
        services.evidence_upload(
            acting=qaf.approver,
            assessment=assessment,
            action=action,
            file=ContentFile(b"hello", name="x.pdf"),
        )
    with pytest.raises(ValidationError, match="a file can be at most 10 MB"):
        services.evidence_upload(
            acting=qaf.approver,
            assessment=assessment,
            action=action,
            file=ContentFile(PDF + b"0" * 11_000_000, name="x.pdf"),
        )
    with pytest.raises(PermissionDenied):
        services.evidence_upload(
            acting=qaf.other_provider,
            assessment=assessment,
            action=action,
            file=ContentFile(PDF, name="x.pdf"),
        )
    assert not EvidenceFile.objects.exists()
    evidence = services.evidence_upload(
        acting=qaf.approver, assessment=assessment, action=action, file=ContentFile(PDF, name="training.pdf")
    )
    assert evidence.uploaded_by_provider and evidence.size == len(PDF) and len(evidence.sha256) == 64
    assert evidence.file.read() == PDF
    services.action_mark_done(acting=qaf.approver, action=action, note="")  # evidence attached: note optional
    with pytest.raises(ValidationError, match="Say what is still needed"):
        services.action_review(acting=qaf.officer, action=action, verified=False, note="")
    services.action_review(
        acting=qaf.officer, action=action, verified=False, note="Certificates missing for 3 staff"
    )
    assert action.status == ActionStatus.REOPENED
    services.action_mark_done(acting=qaf.approver, action=action, note="All certificates attached")
    services.action_review(acting=qaf.officer, action=action, verified=True, note="")
    assert action.status == ActionStatus.VERIFIED and action.verified_at is not None


def test_status_is_stored_per_provider_and_per_contract(qaf):
    finalised_on = timezone.localdate() - timedelta(days=84)
    _finalised(
        qaf, "requires_improvement", finalised_on=finalised_on, started_on=finalised_on - timedelta(days=30)
    )
    second = contract(
        qaf.world.council, qaf.world.provider_a, reference="QAF-2", qaf_compliance_window_weeks=16
    )
    rows = {
        row.contract_id: row
        for row in qaf_status_store(provider_id=qaf.world.provider_a.pk, commissioner_id=qaf.world.council.pk)
    }
    assert rows[None].status == "non_compliant_in_window"  # day 84 of the 12-week window
    assert rows[qaf.deal.pk].status == "non_compliant_in_window"
    assert rows[second.pk].status == "not_assessed"  # the assessment was scoped to QAF-1
    later = qaf_status_store(
        provider_id=qaf.world.provider_a.pk,
        commissioner_id=qaf.world.council.pk,
        today=timezone.localdate() + timedelta(days=1),
    )
    assert {row.contract_id: row.status for row in later}[None] == "non_compliant_past_window"  # day 85
    assert QafStatus.objects.filter(provider=qaf.world.provider_a).count() == 3


def test_status_refreshes_when_an_assessment_changes(qaf, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _finalised(qaf, "good")
    status = QafStatus.objects.get(provider=qaf.world.provider_a, contract__isnull=True)
    assert status.status == "compliant"
    assert "Compliant at the assessment completed on" in status.reason


def test_sharing_the_draft_emails_the_providers_approvers(
    qaf, mailoutbox, django_capture_on_commit_callbacks
):
    assessment = _started(qaf)
    _rate_all(qaf, assessment, "good")
    with django_capture_on_commit_callbacks(execute=True):
        services.draft_share(acting=qaf.officer, assessment=assessment)
    recipients = sorted(address for message in mailoutbox for address in message.to)
    assert recipients == ["admin@acme.example", "approver@acme.example"]
    message = mailoutbox[0]
    assert "comments by" in message.subject
    assert f"/qaf/assessments/{assessment.pk}/" in message.body
    assert f"{assessment.comments_due_on:%-d %B %Y}" in message.body


def test_demo_history_keeps_the_products_own_rules(world, settings, tmp_path):
    """Every demo evaluation past 13 weeks has its delay reason; statuses cover the cases the demo promises."""
    settings.MEDIA_ROOT = tmp_path / "media"

    demo_seed()
    assert qaf_seed() > 0
    assert qaf_seed() == 0  # once only
    for assessment in Assessment.objects.filter(status=AssessmentStatus.FINALISED):
        if (assessment.finalised_on - assessment.started_on).days > 91:
            assert assessment.delay_reason, assessment
    statuses = set(QafStatus.objects.filter(contract__isnull=True).values_list("status", flat=True))
    assert {
        "compliant",
        "compliant_actions_open",
        "non_compliant_in_window",
        "non_compliant_past_window",
    } <= statuses
    assert {"overdue", "not_assessed"} <= statuses
