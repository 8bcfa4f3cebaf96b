"""Homecare provider organisations and their CQC registration."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from accounts.models import Organisation, OrganisationKind


class CqcRating(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"
    NOT_YET_INSPECTED = "not_yet_inspected", "Not yet inspected"


class Provider(Organisation):
    """A homecare provider (agency) registered with the CQC."""

    cqc_location_id = models.CharField(
        "CQC location ID",
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^1-\d{6,11}$", "Enter a CQC location ID like 1-000000001.")],
    )
    cqc_rating = models.CharField(
        "CQC rating", max_length=32, choices=CqcRating.choices, default=CqcRating.NOT_YET_INSPECTED
    )
    cqc_rating_date = models.DateField("date of CQC rating", null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def save(self, *args, **kwargs) -> None:
        self.kind = OrganisationKind.PROVIDER
        super().save(*args, **kwargs)

    @property
    def cqc_rating_tag(self) -> str:
        """The GOV.UK tag colour for the rating."""
        return {
            CqcRating.OUTSTANDING: "govuk-tag--green",
            CqcRating.GOOD: "govuk-tag--teal",
            CqcRating.REQUIRES_IMPROVEMENT: "govuk-tag--orange",
            CqcRating.INADEQUATE: "govuk-tag--red",
        }.get(self.cqc_rating, "govuk-tag--grey")
