"""Quality Assurance Framework: frameworks (versioned standards in domains), assessments of
providers against a version, ratings, the provider's factual-accuracy comments, remedial actions,
evidence files, final-report PDFs, and each provider's computed QAF status.

Framework versions, ratings of a finalised assessment, comments and files are never changed:
a new framework version is a new row, and an assessment keeps the version it used.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from commissioning.evidence import EvidenceFileBase
from providers.models import Provider


class StandardRating(models.TextChoices):
    EXCELLENT = "excellent", "Excellent"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    POOR = "poor", "Poor"
    NOT_ASSESSED = "not_assessed", "Not assessed"


# Points for each rating; "not assessed" has none and is left out of the weighted score.
RATING_POINTS: dict[str, int] = {
    StandardRating.EXCELLENT: 4,
    StandardRating.GOOD: 3,
    StandardRating.REQUIRES_IMPROVEMENT: 2,
    StandardRating.POOR: 1,
}


class QafFramework(models.Model):
    """A commissioning body's QAF: a name and its versions (the newest published one is in use)."""

    owner = models.ForeignKey(
        "commissioning.CommissioningBody", on_delete=models.CASCADE, related_name="qaf_frameworks"
    )
    name = models.CharField(max_length=200)
    comment_window_days = models.PositiveSmallIntegerField(
        "days for the provider's factual-accuracy comments",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["owner", "name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="qaf_framework_name_unique")]

    def __str__(self) -> str:
        return self.name


class QafFrameworkVersion(models.Model):
    """One version of a framework: its domains and standards, and the rule from ratings to a judgement.

    Rule (documented in docs/guides/qaf.md): each rated standard scores Excellent 4, Good 3,
    Requires improvement 2, Poor 1; the weighted mean of the rated standards gives the overall
    judgement (at least ``excellent_from`` Excellent, ``good_from`` Good, ``requires_improvement_from``
    Requires improvement, else Poor). The assessment is compliant when the judgement is Good or
    better and no standard is rated Poor.
    """

    framework = models.ForeignKey(QafFramework, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    note = models.CharField("what changed", max_length=500, blank=True)
    excellent_from = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("3.50"))
    good_from = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("2.50"))
    requires_improvement_from = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("1.50"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by_label = models.CharField(max_length=255)

    class Meta:
        ordering = ["framework", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="qaf_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.framework} version {self.number}"


class QafDomain(models.Model):
    version = models.ForeignKey(QafFrameworkVersion, on_delete=models.CASCADE, related_name="domains")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["version", "position"]

    def __str__(self) -> str:
        return self.name


class QafStandard(models.Model):
    domain = models.ForeignKey(QafDomain, on_delete=models.CASCADE, related_name="standards")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=10, help_text="For example 2.3")
    title = models.CharField(max_length=200)
    looks_like = models.TextField("what good looks like", blank=True)
    weight = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(Decimal("0.01"))]
    )

    class Meta:
        ordering = ["domain__position", "position"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class AssessmentKind(models.TextChoices):
    INITIAL = "initial", "Initial evaluation"
    REASSESSMENT = "reassessment", "Reassessment"


class AssessmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    STARTED = "started", "In progress"
    DRAFT_SHARED = "draft_shared", "Draft report with the provider"
    FINALISED = "finalised", "Finalised"
    CANCELLED = "cancelled", "Cancelled"


class Outcome(models.TextChoices):
    COMPLIANT = "compliant", "Compliant"
    NON_COMPLIANT = "non_compliant", "Non-compliant"


class DelayReason(models.TextChoices):
    PROVIDER_EVIDENCE = "provider_evidence", "Waiting for evidence from the provider"
    PROVIDER_AVAILABILITY = "provider_availability", "Provider not available for visits"
    OFFICER_CAPACITY = "officer_capacity", "Officer capacity"
    SAFEGUARDING = "safeguarding", "Paused for a safeguarding enquiry"
    SCOPE_CHANGE = "scope_change", "Scope of the assessment changed"
    OTHER = "other", "Other"


EVALUATION_TARGET_DAYS = 91  # 13 weeks from start to completion


class Assessment(models.Model):
    """One evaluation of a provider (for one contract where scoped) against a framework version."""

    framework_version = models.ForeignKey(QafFrameworkVersion, on_delete=models.PROTECT, related_name="+")
    commissioner = models.ForeignKey(
        "commissioning.CommissioningBody", on_delete=models.PROTECT, related_name="qaf_assessments"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="qaf_assessments")
    contract = models.ForeignKey(
        "commissioning.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="qaf_assessments",
    )
    kind = models.CharField(max_length=16, choices=AssessmentKind.choices, default=AssessmentKind.INITIAL)
    reassessment_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reassessments"
    )
    status = models.CharField(
        max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.SCHEDULED
    )
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scheduled_for = models.DateField(null=True, blank=True)
    started_on = models.DateField(null=True, blank=True)
    draft_shared_at = models.DateTimeField(null=True, blank=True)
    comments_due_on = models.DateField(null=True, blank=True)
    finalised_on = models.DateField("completion date", null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    judgement = models.CharField(max_length=24, choices=StandardRating.choices, blank=True)
    score = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    summary = models.TextField("summary of findings", blank=True)
    delay_reason = models.CharField(max_length=24, choices=DelayReason.choices, blank=True)
    delay_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by_label = models.CharField(max_length=255)

    class Meta:
        ordering = ["-started_on", "-scheduled_for", "-id"]
        indexes = [models.Index(fields=["provider", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.provider} ({self.get_status_display()})"

    @property
    def is_finalised(self) -> bool:
        return self.status == AssessmentStatus.FINALISED

    def days_taken(self, today=None) -> int | None:
        """Days from start to completion (or to ``today`` while open)."""
        if self.started_on is None:
            return None
        end = self.finalised_on or today or timezone.localdate()
        return (end - self.started_on).days


class Rating(models.Model):
    """An assessment's rating of one standard, with the evidence seen."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    standard = models.ForeignKey(QafStandard, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(
        max_length=24, choices=StandardRating.choices, default=StandardRating.NOT_ASSESSED
    )
    evidence = models.TextField("evidence and findings", blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by_label = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["assessment", "standard__domain__position", "standard__position"]
        constraints = [models.UniqueConstraint(fields=["assessment", "standard"], name="qaf_rating_unique")]

    def __str__(self) -> str:
        return f"{self.standard.code}: {self.get_rating_display()}"


class Comment(models.Model):
    """The provider's factual-accuracy comment on a draft report (on a standard, or the whole report)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="comments")
    standard = models.ForeignKey(
        QafStandard, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author_label = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)
    response = models.TextField("officer's response", blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "created_at", "id"]

    def __str__(self) -> str:
        return f"Comment by {self.author_label}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Marked done by the provider"
    VERIFIED = "verified", "Verified"
    REOPENED = "reopened", "Reopened"


class RemedialAction(models.Model):
    """One action of a non-compliant assessment's remedial action plan."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="actions")
    standard = models.ForeignKey(QafStandard, on_delete=models.PROTECT, related_name="+")
    description = models.TextField("what must be done")
    owner = models.CharField("owner at the provider", max_length=200)
    due_on = models.DateField()
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    provider_note = models.TextField(blank=True)
    officer_note = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assessment", "due_on", "id"]

    def __str__(self) -> str:
        return f"{self.standard.code}: {self.description[:40]}"

    @property
    def is_open(self) -> bool:
        return self.status != ActionStatus.VERIFIED


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    return f"qaf/{instance.assessment_id}/{timezone.now():%Y%m%d%H%M%S}-{instance.sha256[:12]}"


class EvidenceFile(EvidenceFileBase):
    """A file attached to an assessment (by the officer) or to an action (by the provider). Kept as sent."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="files")
    action = models.ForeignKey(
        RemedialAction, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    file = models.FileField(upload_to=evidence_path)

    class Meta:
        ordering = ["assessment", "uploaded_at", "id"]


def report_path(instance: FinalReport, filename: str) -> str:
    return f"qaf/{instance.assessment_id}/report-{instance.assessment_id}-{timezone.now():%Y%m%d%H%M%S}.pdf"


class FinalReport(models.Model):
    """The PDF of a finalised assessment's report, generated by a task, stored with its checksum."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="report")
    file = models.FileField(upload_to=report_path, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    generated_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"Report of {self.assessment}"


class QafStatusCode(models.TextChoices):
    COMPLIANT = "compliant", "Compliant"
    COMPLIANT_ACTIONS_OPEN = "compliant_actions_open", "Compliant — actions open"
    NON_COMPLIANT_IN_WINDOW = "non_compliant_in_window", "Non-compliant — within the compliance window"
    NON_COMPLIANT_PAST_WINDOW = "non_compliant_past_window", "Non-compliant — past the compliance window"
    OVERDUE = "overdue", "Assessment overdue"
    NOT_ASSESSED = "not_assessed", "Not yet assessed"


class QafStatus(models.Model):
    """A provider's QAF status for a commissioner (and contract, where assessments are scoped),
    as last computed, with the reason in words and the assessment it rests on."""

    commissioner = models.ForeignKey(
        "commissioning.CommissioningBody", on_delete=models.CASCADE, related_name="qaf_statuses"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="qaf_statuses")
    contract = models.ForeignKey(
        "commissioning.Contract", on_delete=models.CASCADE, null=True, blank=True, related_name="qaf_statuses"
    )
    status = models.CharField(max_length=32, choices=QafStatusCode.choices)
    reason = models.CharField(max_length=500)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    window_ends_on = models.DateField(null=True, blank=True)
    next_due_on = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["commissioner", "provider__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["commissioner", "provider"],
                condition=models.Q(contract__isnull=True),
                name="qaf_status_one_per_provider",
            ),
            models.UniqueConstraint(
                fields=["commissioner", "provider", "contract"],
                condition=models.Q(contract__isnull=False),
                name="qaf_status_one_per_contract",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.get_status_display()}"
