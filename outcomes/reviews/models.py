"""Quarterly review meetings: the meeting, who attends, the commentary on each target's figures
before it, the pack (frozen figures, HTML and PDF, versioned) and the meeting's record (minutes,
decisions, agreed RAG overrides and actions carried into the next pack).

Commentary is versioned (append-only rows; the newest is current) until the pack is issued, then
it is fixed. A pack is generated from figures frozen at the time (``ReviewPack.figures``), so a
figure restated later shows in the *next* pack beside the value the last meeting saw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.dates import day_label
from providers.models import Provider

if TYPE_CHECKING:
    from outcomes.reviews.reach import Reach

__all__ = [
    "ActionOwner",
    "ActionStatus",
    "CommentaryPart",
    "MeetingStatus",
    "PackStatus",
    "ReviewAction",
    "ReviewActionUpdate",
    "ReviewAttendee",
    "ReviewCommentary",
    "ReviewMeeting",
    "ReviewPack",
    "ReviewPackCopy",
]


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned: commentary open"
    PACK_ISSUED = "pack_issued", "Pack issued"
    RECORDED = "recorded", "Meeting recorded"
    CANCELLED = "cancelled", "Cancelled"


class ReviewMeeting(models.Model):
    """One quarterly review: one contract, or several contracts of one provider, with the lead body."""

    commissioner = models.ForeignKey(
        "commissioning.CommissioningBody", on_delete=models.PROTECT, related_name="review_meetings"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="review_meetings")
    contracts = models.ManyToManyField("commissioning.Contract", related_name="review_meetings")
    quarter = models.CharField(max_length=20, help_text="The quarter reviewed, e.g. 2026-27-Q2.")
    held_on = models.DateField("meeting date")
    starts_at = models.TimeField("start time", null=True, blank=True)
    place = models.CharField("place", max_length=200, blank=True)
    link = models.URLField("video call link", max_length=500, blank=True)
    chair_name = models.CharField("independent chair", max_length=200, blank=True)
    chair_organisation = models.CharField("chair's organisation", max_length=200, blank=True)
    commentary_due_on = models.DateField("commentary due", null=True, blank=True)
    status = models.CharField(max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    minutes = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    agreed_overrides = models.ManyToManyField(
        "outcomes.ResultOverride",
        blank=True,
        related_name="+",
        help_text="RAG overrides agreed at the meeting.",
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by_label = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_label = models.CharField(max_length=255)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["commissioner", "provider", "held_on"], name="review_body_provider_day")
        ]

    if TYPE_CHECKING:
        reach: Reach  # not stored: set by outcomes.reviews.selectors.meeting_get_for

    def __str__(self) -> str:
        return f"Review of {self.provider} for {self.quarter} on {day_label(self.held_on)}"

    @property
    def commentary_open(self) -> bool:
        return self.status == MeetingStatus.PLANNED


class ReviewAttendee(models.Model):
    """Someone invited: a person with an account, or an outside partner by name, organisation and role
    (district nursing, occupational therapy, a GP federation and the like)."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, help_text="Where the pack is sent; a user's own address.")
    attended = models.BooleanField(null=True, blank=True, help_text="Recorded with the minutes.")

    class Meta:
        ordering = ["meeting", "organisation", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def is_external(self) -> bool:
        return self.user_id is None


class CommentaryPart(models.TextChoices):
    DATA = "data", "Data: what the figures show"
    REVIEW = "review", "Review: why"
    ACTION = "action", "Action: what will be done, by whom and when"
    COMMISSIONER = "commissioner", "Commissioner's review notes"


PROVIDER_PARTS = (CommentaryPart.DATA, CommentaryPart.REVIEW, CommentaryPart.ACTION)


class ReviewCommentary(models.Model):
    """One version of one part of the commentary on one target for a meeting. Append-only: a change
    is a new version and the newest is current."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="commentary")
    target = models.ForeignKey("commissioning.Target", on_delete=models.CASCADE, related_name="+")
    part = models.CharField(max_length=16, choices=CommentaryPart.choices)
    text = models.TextField(blank=True)
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    written_at = models.DateTimeField(default=timezone.now)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    written_by_label = models.CharField(max_length=255)
    by_provider = models.BooleanField(default=False)

    class Meta:
        ordering = ["meeting", "target", "part", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "target", "part", "version"], name="review_commentary_version_unique"
            ),
            models.UniqueConstraint(
                fields=["meeting", "target", "part"],
                condition=models.Q(is_current=True),
                name="review_commentary_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_part_display()} v{self.version} ({self.target_id})"


class PackStatus(models.TextChoices):
    QUEUED = "queued", "Being made"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


def review_pack_path(instance: ReviewPack, filename: str) -> str:
    return f"reviews/{instance.meeting_id}/pack-{instance.meeting_id}-v{instance.version}-{timezone.now():%Y%m%d%H%M%S}.pdf"


class ReviewPack(models.Model):
    """One version of a meeting's pack: the figures frozen when it was requested, and its PDF (made by
    a task, stored with its checksum). The one issued to attendees has ``issued_at``."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="packs")
    version = models.PositiveIntegerField()
    figures = models.JSONField(default=dict, help_text="Everything the pack shows, frozen when requested.")
    status = models.CharField(max_length=8, choices=PackStatus.choices, default=PackStatus.QUEUED)
    file = models.FileField(upload_to=review_pack_path, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by_label = models.CharField(max_length=255)
    generated_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by_label = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["meeting", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="review_pack_version_unique"),
            models.UniqueConstraint(
                fields=["meeting"], condition=models.Q(issued_at__isnull=False), name="review_pack_one_issued"
            ),
        ]

    def __str__(self) -> str:
        return f"Pack v{self.version} of {self.meeting}"

    def save(self, *args, **kwargs) -> None:
        # An issued pack is what attendees were sent: its figures never change.
        if self.pk is not None:
            stored = ReviewPack.objects.filter(pk=self.pk).values("issued_at", "figures").first()
            if stored and stored["issued_at"] is not None and stored["figures"] != self.figures:
                raise ValidationError(
                    "An issued pack never changes. Make a new version for the next meeting."
                )
        super().save(*args, **kwargs)


def review_pack_copy_path(instance: ReviewPackCopy, filename: str) -> str:
    pack = instance.pack
    return (
        f"reviews/{pack.meeting_id}/pack-{pack.meeting_id}-v{pack.version}-for-"
        f"{instance.contracts.replace(',', '-')}-{timezone.now():%Y%m%d%H%M%S}.pdf"
    )


class ReviewPackCopy(models.Model):
    """A pack version's copy for the partner bodies party to only some of the meeting's contracts:
    the same frozen figures cut to those contracts (``outcomes.reviews.pack_figures.figures_within``),
    with its own PDF. Made with the pack, one per set of contracts."""

    pack = models.ForeignKey(ReviewPack, on_delete=models.CASCADE, related_name="copies")
    contracts = models.CharField(max_length=500, help_text="The contracts it holds: their ids, in order.")
    file = models.FileField(upload_to=review_pack_copy_path, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    generated_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["pack", "contracts"]
        constraints = [
            models.UniqueConstraint(fields=["pack", "contracts"], name="review_pack_copy_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pack} for contracts {self.contracts}"


class ActionOwner(models.TextChoices):
    PROVIDER = "provider", "The provider"
    COMMISSIONER = "commissioner", "The commissioner"
    PARTNER = "partner", "A system partner"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "No longer needed"


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ReviewAction(models.Model):
    """An action agreed at a meeting, owned by the provider, the commissioner or a named system partner;
    carried into every later pack until it is done or dropped."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="actions")
    contract = models.ForeignKey(
        "commissioning.Contract", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target = models.ForeignKey(
        "commissioning.Target", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    description = models.TextField()
    owner_kind = models.CharField("owned by", max_length=16, choices=ActionOwner.choices)
    owner_organisation = models.CharField(
        "owner's organisation",
        max_length=200,
        help_text="The provider, the commissioner or the partner by name.",
    )
    owner_name = models.CharField("owner", max_length=200)
    due_on = models.DateField("due date")
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    status_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by_label = models.CharField(max_length=255)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by_label = models.CharField(max_length=255, blank=True)

    if TYPE_CHECKING:
        measure_name: str  # not stored: set by outcomes.reviews.selectors.with_measure_names

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="review_action_status_due")]

    def __str__(self) -> str:
        return f"{self.description[:60]} ({self.owner_organisation})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES


class ReviewActionUpdate(models.Model):
    """One change of an action's status, with the note. Append-only."""

    action = models.ForeignKey(ReviewAction, on_delete=models.CASCADE, related_name="updates")
    status_before = models.CharField(max_length=16, blank=True)
    status_after = models.CharField(max_length=16, choices=ActionStatus.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    by_label = models.CharField(max_length=255)
    by_provider = models.BooleanField(default=False)

    class Meta:
        ordering = ["action", "at", "id"]

    def __str__(self) -> str:
        return f"{self.action_id}: {self.status_before} → {self.status_after}"
