"""Notices of Concern and the enforcement ladder after them: breach (default) notice, suspension of
new placements, termination recommended.

A notice is edited only while it is a draft. Issuing it copies its evidence into
``evidence_snapshot`` and fixes its content for good: after that only its status moves on, and
every step is a ``NoticeEvent`` row (never changed). A correction is a new notice that supersedes
the old one, which stays as it was issued.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from commissioning.evidence import EvidenceFileBase
from providers.models import Provider

__all__ = [
    "LADDER",
    "OPEN_STATUSES",
    "Complexity",
    "NocCategory",
    "Notice",
    "NoticeClosedReason",
    "NoticeEvent",
    "NoticeEvidenceLink",
    "NoticeFile",
    "NoticeKind",
    "NoticeLetter",
    "NoticeReason",
    "NoticeSettings",
    "NoticeStatus",
    "NoticeSuggestion",
    "SuggestionRule",
    "SuggestionStatus",
]


class NoticeKind(models.TextChoices):
    """The steps of the ladder, in order."""

    NOC = "noc", "Notice of Concern"
    BREACH = "breach", "Breach (default) notice"
    SUSPENSION = "suspension", "Suspension of new placements"
    TERMINATION = "termination", "Termination recommended"


LADDER: tuple[str, ...] = (NoticeKind.NOC, NoticeKind.BREACH, NoticeKind.SUSPENSION, NoticeKind.TERMINATION)


class NoticeReason(models.TextChoices):
    QAF_ACTIONS = "qaf_actions", "Failure to meet agreed QAF actions"
    HEALTH_AND_SAFETY = "health_and_safety", "Health and safety"
    SUBCONTRACTING = "subcontracting", "Subcontracting outside the contract"
    DATA_PROTECTION = "data_protection", "Data protection breach"
    RETURNS = "returns", "Persistent failure to submit returns"
    MISSED_CALLS = "missed_calls", "Missed or late calls"
    STAFFING = "staffing", "Staffing and vetting checks"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    UNDER_PERFORMANCE = "under_performance", "Persistent under-performance against outcome targets"
    OTHER = "other", "Other"


class NocCategory(models.TextChoices):
    CONTRACTUAL = "contractual", "Contractual concerns"
    QUALITY = "quality", "Quality"
    SAFEGUARDING = "safeguarding", "Safeguarding"


class Complexity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    ACKNOWLEDGED = "acknowledged", "Acknowledged by the provider"
    RESPONDED = "responded", "Provider has responded"
    EXTENDED = "extended", "Remedy date extended"
    CLOSED = "closed", "Closed"
    ESCALATED = "escalated", "Escalated"
    SUPERSEDED = "superseded", "Superseded by a correction"


OPEN_STATUSES: tuple[str, ...] = (
    NoticeStatus.ISSUED,
    NoticeStatus.ACKNOWLEDGED,
    NoticeStatus.RESPONDED,
    NoticeStatus.EXTENDED,
)


class NoticeClosedReason(models.TextChoices):
    REMEDIED = "remedied", "Remedied"
    WITHDRAWN = "withdrawn", "Withdrawn"
    ESCALATED = "escalated", "Escalated to the next step"
    SUPERSEDED = "superseded", "Superseded by a correction"


class NoticeSettings(models.Model):
    """A commissioning body's target closure periods for Notices of Concern, in working days."""

    commissioner = models.OneToOneField(
        "commissioning.CommissioningBody", on_delete=models.CASCADE, related_name="notice_settings"
    )
    noc_low_days = models.PositiveSmallIntegerField(
        "low complexity (working days)", default=20, validators=[MinValueValidator(1), MaxValueValidator(260)]
    )
    noc_medium_days = models.PositiveSmallIntegerField(
        "medium complexity (working days)",
        default=40,
        validators=[MinValueValidator(1), MaxValueValidator(260)],
    )
    noc_high_days = models.PositiveSmallIntegerField(
        "high complexity (working days)",
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(260)],
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by_label = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name_plural = "notice settings"

    def __str__(self) -> str:
        return f"Notice settings of {self.commissioner}"

    def target_days(self, complexity: str) -> int:
        days: dict[str, int] = {
            Complexity.LOW: self.noc_low_days,
            Complexity.MEDIUM: self.noc_medium_days,
            Complexity.HIGH: self.noc_high_days,
        }
        return days[complexity]


# What an issued notice may no longer change (its status and the provider's and officer's later
# steps still move on).
FROZEN_AFTER_ISSUE = (
    "commissioner_id",
    "contract_id",
    "provider_id",
    "kind",
    "reason",
    "noc_category",
    "complexity",
    "clause",
    "facts",
    "remedy",
    "evidence_snapshot",
    "escalated_from_id",
    "supersedes_id",
    "issued_at",
    "clock_start_on",
    "target_close_on",
    "addressee",
    "signatory",
    "signatory_job_title",
)


class Notice(models.Model):
    """One notice on a contract, addressed to its prime provider."""

    commissioner = models.ForeignKey(
        "commissioning.CommissioningBody", on_delete=models.PROTECT, related_name="notices"
    )
    contract = models.ForeignKey("commissioning.Contract", on_delete=models.PROTECT, related_name="notices")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=16, choices=NoticeKind.choices, default=NoticeKind.BREACH)
    reason = models.CharField("reason category", max_length=24, choices=NoticeReason.choices)
    noc_category = models.CharField("category", max_length=16, choices=NocCategory.choices, blank=True)
    complexity = models.CharField(max_length=8, choices=Complexity.choices, blank=True)
    clause = models.CharField("contract clause", max_length=200, blank=True)
    facts = models.TextField("facts and evidence", blank=True)
    remedy = models.TextField("remedy required", blank=True)
    remedy_due_on = models.DateField("remedy due", null=True, blank=True)
    status = models.CharField(max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT)
    clock_start_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day the target closure clock started: the issue day, or the corrected notice's.",
    )
    target_close_on = models.DateField("target closure date", null=True, blank=True)
    escalated_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="escalations"
    )
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    evidence_snapshot = models.JSONField(
        default=dict, blank=True, help_text="The linked evidence and files, copied as text when issued."
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_label = models.CharField(max_length=255)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_by_label = models.CharField(max_length=255, blank=True)
    # The letter's addressee and signature block, fixed when the notice is issued.
    addressee = models.TextField(
        blank=True, help_text="The provider's registered name and address, one line each, as at issue."
    )
    signatory = models.CharField("signed by", max_length=150, blank=True)
    signatory_job_title = models.CharField("signatory's job title", max_length=150, blank=True)
    posted_on = models.DateField(
        "sent by post on",
        null=True,
        blank=True,
        help_text="When the letter was posted to a provider with no one in the service to email it to.",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_by_label = models.CharField(max_length=255, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=16, choices=NoticeClosedReason.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["contract", "status"], name="notice_contract_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=NoticeKind.NOC) | models.Q(noc_category="", complexity=""),
                name="notice_noc_fields_only_on_nocs",
            ),
            models.CheckConstraint(
                # A draft withdrawn before issue is the one closed notice never issued.
                condition=models.Q(status=NoticeStatus.DRAFT)
                | models.Q(issued_at__isnull=False)
                | models.Q(status=NoticeStatus.CLOSED, closed_reason=NoticeClosedReason.WITHDRAWN),
                name="notice_issued_has_issue_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["closed", "escalated", "superseded"])
                | (models.Q(closed_at__isnull=False) & ~models.Q(closed_reason="")),
                name="notice_closed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} on {self.contract.reference}"

    def save(self, *args, **kwargs) -> None:
        # Belt and braces for the services: an issued notice's content never changes.
        if self.pk is not None:
            stored = Notice.objects.filter(pk=self.pk).values("status", *FROZEN_AFTER_ISSUE).first()
            if stored is not None and stored["status"] != NoticeStatus.DRAFT:
                changed = [name for name in FROZEN_AFTER_ISSUE if getattr(self, name) != stored[name]]
                if changed:
                    raise ValidationError(
                        f"An issued notice cannot be changed ({', '.join(changed)}). Correct it with a new "
                        "notice that supersedes it."
                    )
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class NoticeEvidenceLink(models.Model):
    """A draft's link to a result, assessment or return, by name and id (commissioning does not import
    outcomes), with the label and key figures to copy into the notice when it is issued."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="evidence_links")
    app_label = models.CharField(max_length=50)
    model = models.CharField(max_length=50)
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(max_length=300)
    key_fields = models.JSONField(default=dict, blank=True, help_text="Key figures, as text.")
    added_at = models.DateTimeField(default=timezone.now)
    added_by_label = models.CharField(max_length=255)

    class Meta:
        ordering = ["notice", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "app_label", "model", "object_id"], name="notice_evidence_link_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label


def notice_file_path(instance: NoticeFile, filename: str) -> str:
    return f"notices/{instance.notice_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class NoticeFile(EvidenceFileBase):
    """An evidence file: the officer's on a draft, or the provider's with a response. Kept as sent."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="files")
    event = models.ForeignKey(
        "NoticeEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="files"
    )
    file = models.FileField(upload_to=notice_file_path)

    class Meta:
        ordering = ["notice", "uploaded_at", "id"]


class NoticeEvent(models.Model):
    """One step in a notice's history (an extension's new date and reason included). Append-only."""

    class Action(models.TextChoices):
        DRAFTED = "drafted", "Drafted"
        UPDATED = "updated", "Draft changed"
        EVIDENCE_LINKED = "evidence_linked", "Evidence linked"
        EVIDENCE_UNLINKED = "evidence_unlinked", "Evidence unlinked"
        FILE_ADDED = "file_added", "File added"
        ISSUED = "issued", "Issued"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESPONDED = "responded", "Provider responded"
        EXTENDED = "extended", "Remedy date extended"
        CLOSED = "closed", "Closed"
        ESCALATION_DRAFTED = "escalation_drafted", "Escalation drafted"
        CORRECTION_DRAFTED = "correction_drafted", "Correction drafted"
        ESCALATED = "escalated", "Escalated"
        SUPERSEDED = "superseded", "Superseded"

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=24, choices=Action.choices)
    status_before = models.CharField(max_length=16, blank=True)
    status_after = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    by_label = models.CharField(max_length=255)
    by_provider = models.BooleanField(default=False)

    class Meta:
        ordering = ["notice", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.notice_id})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("A notice's history is never changed; record a new event instead.")
        super().save(*args, **kwargs)


def notice_letter_path(instance: NoticeLetter, filename: str) -> str:
    return f"notices/{instance.notice_id}/letter-{instance.notice_id}-{timezone.now():%Y%m%d%H%M%S}.pdf"


class NoticeLetter(models.Model):
    """The PDF letter of an issued notice, generated by a task, stored with its checksum."""

    notice = models.OneToOneField(Notice, on_delete=models.CASCADE, related_name="letter")
    file = models.FileField(upload_to=notice_letter_path, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    generated_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"Letter of {self.notice}"


class SuggestionRule(models.TextChoices):
    """Why the service suggests a notice (the rules: outcomes.notice_suggestions)."""

    RETURNS_OVERDUE = "returns_overdue", "Monthly returns two or more months overdue"
    QAF_PAST_WINDOW = "qaf_past_window", "QAF non-compliant past the compliance window"
    ACTIONS_OVERDUE = "actions_overdue", "QAF remedial actions overdue"
    TARGET_RED = "target_red", "A target red for two quarters running"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DRAFTED = "drafted", "Draft notice opened"
    DISMISSED = "dismissed", "Dismissed"
    NOTED = "noted", "Taken to the quarterly review"
    LAPSED = "lapsed", "Lapsed: no longer applies"


class NoticeSuggestion(models.Model):
    """A candidate for a notice that the nightly job found on a contract, for an officer of the lead
    body to open as a pre-filled draft, dismiss with a reason or (a red target) take to the review.

    Never a notice by itself. ``key`` names the occurrence (for example the earliest overdue month),
    so a dismissed, drafted or noted suggestion is never raised again for the same occurrence.
    """

    commissioner = models.ForeignKey(
        "commissioning.CommissioningBody", on_delete=models.CASCADE, related_name="notice_suggestions"
    )
    contract = models.ForeignKey(
        "commissioning.Contract", on_delete=models.CASCADE, related_name="notice_suggestions"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="notice_suggestions")
    rule = models.CharField(max_length=24, choices=SuggestionRule.choices)
    key = models.CharField(
        max_length=120, help_text="The rule and the occurrence, e.g. returns_overdue:2025-06."
    )
    summary = models.CharField(max_length=500)
    details = models.JSONField(
        default=dict,
        blank=True,
        help_text="facts (lines of text), remedy (suggested text) and evidence (records to link).",
    )
    suggested_kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    suggested_reason = models.CharField(max_length=24, choices=NoticeReason.choices)
    status = models.CharField(max_length=16, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now, help_text="When the rule last found it.")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by_label = models.CharField(max_length=255, blank=True)
    decision_reason = models.TextField(
        blank=True, help_text="Why it was dismissed, or the note for the review."
    )
    notice = models.ForeignKey(
        Notice, on_delete=models.SET_NULL, null=True, blank=True, related_name="suggestions"
    )

    class Meta:
        ordering = ["rule", "first_seen_at", "id"]
        indexes = [models.Index(fields=["commissioner", "status"], name="suggestion_body_status")]
        constraints = [
            models.UniqueConstraint(fields=["contract", "key"], name="suggestion_key_unique_per_contract"),
            models.CheckConstraint(
                condition=~models.Q(status="dismissed") | ~models.Q(decision_reason=""),
                name="suggestion_dismissed_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="noted") | models.Q(rule="target_red"),
                name="suggestion_noted_only_red_targets",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} on {self.contract.reference}"
