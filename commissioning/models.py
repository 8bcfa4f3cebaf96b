"""Commissioning bodies, contracts with providers, and the outcome targets set on contracts."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

# The notice and QAF models belong to this app (app label "commissioning") but live with their
# pipelines; importing their modules here registers them when Django loads the app's models.
import commissioning.notices.models
import commissioning.qaf.models  # noqa: F401
from accounts.models import COMMISSIONER_KINDS, Organisation
from providers.models import Provider


class CommissioningBody(Organisation):
    """A council or an NHS integrated care board that commissions homecare."""

    retention_years = models.PositiveSmallIntegerField(
        "years person-level data is kept after a contract ends",
        default=settings.RETENTION_YEARS_DEFAULT,
        validators=[MinValueValidator(1), MaxValueValidator(25)],
        help_text="After this many years from the end of a contract the body leads, the episodes "
        "reported in its returns, the stored files and the evidence are deleted; figures are kept.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "commissioning bodies"

    def save(self, *args, **kwargs) -> None:
        if self.kind not in COMMISSIONER_KINDS:
            raise ValueError("A commissioning body is a council or an ICB.")
        super().save(*args, **kwargs)


class ServiceType(models.TextChoices):
    HOMECARE = "homecare", "Homecare (long-term)"
    SHORT_TERM = "short_term", "Reablement / short-term"
    EXTRA_CARE = "extra_care", "Extra care"
    OTHER = "other", "Other"


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    ENDED = "ended", "Ended"


class Contract(models.Model):
    """A contract between a lead commissioner (and any partners) and a prime provider."""

    reference = models.CharField(max_length=50)
    title = models.CharField(max_length=200)
    service_type = models.CharField(max_length=20, choices=ServiceType.choices)
    lead_commissioner = models.ForeignKey(
        CommissioningBody, on_delete=models.PROTECT, related_name="contracts_led"
    )
    partner_commissioners = models.ManyToManyField(
        CommissioningBody, blank=True, related_name="contracts_partnered"
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="contracts", verbose_name="prime provider"
    )
    subcontractors = models.ManyToManyField(Provider, blank=True, related_name="subcontracts")
    start_date = models.DateField()
    end_date = models.DateField()
    annual_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    hourly_rate = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    lot = models.CharField("lot or area", max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    return_due_day = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text="Day of the following month by which each monthly return is due.",
    )
    qaf_compliance_window_weeks = models.PositiveSmallIntegerField(
        "QAF compliance window (weeks)",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(104)],
    )
    person_data_deleted_on = models.DateField(
        null=True,
        blank=True,
        help_text="When its person-level data was deleted under the lead body's retention period; "
        "its stored figures are final from then on.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.UniqueConstraint(
                "lead_commissioner", Lower("reference"), name="contract_reference_unique_per_lead"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="contract_ends_after_it_starts"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Target(models.Model):
    """An outcome target on a contract: one measure with fixed parameters. Its values live in versions."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="targets")
    measure = models.CharField(max_length=40)
    params = models.JSONField(help_text="Every parameter of the measure, defaults filled in.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["contract", "measure", "id"]

    def __str__(self) -> str:
        return f"{self.measure} on {self.contract.reference}"


class TargetVersion(models.Model):
    """One version of a target from a date; append-only. An "ended" version stops the target from its date.

    The version in force on a day is the one with the latest effective date on or before it (for
    two versions from the same date, the one recorded last).
    """

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="versions")
    effective_from = models.DateField()
    is_end = models.BooleanField(default=False, help_text="The target stops applying from effective_from.")
    target_value = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    tolerance = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    min_denominator = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by_label = models.CharField(max_length=255)

    class Meta:
        ordering = ["target", "effective_from", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_end=True)
                | models.Q(
                    target_value__isnull=False,
                    tolerance__isnull=False,
                    min_denominator__isnull=False,
                    target_value__gte=0,
                    target_value__lte=100,
                    tolerance__gte=0,
                    tolerance__lte=100,
                    min_denominator__gte=1,
                ),
                name="target_version_values_in_range",
            )
        ]

    def __str__(self) -> str:
        if self.is_end:
            return f"{self.target} ended from {self.effective_from}"
        return f"{self.target} {self.target_value}% from {self.effective_from}"
