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
    # The registered name and address a letter (a notice) is addressed to.
    legal_name = models.CharField(
        "registered name",
        max_length=200,
        blank=True,
        help_text="The provider's legal name as registered (for example at Companies House), if it is not "
        "the name used in the service.",
    )
    address_line_1 = models.CharField("address line 1", max_length=200, blank=True)
    address_line_2 = models.CharField("address line 2", max_length=200, blank=True)
    address_town = models.CharField("town or city", max_length=100, blank=True)
    address_postcode = models.CharField("postcode", max_length=10, blank=True)

    class Meta:
        ordering = ["name"]

    def save(self, *args, **kwargs) -> None:
        self.kind = OrganisationKind.PROVIDER
        super().save(*args, **kwargs)

    @property
    def registered_name(self) -> str:
        return self.legal_name or self.name

    @property
    def registered_address_lines(self) -> list[str]:
        """The registered address, one line each, blank lines left out."""
        parts = (self.address_line_1, self.address_line_2, self.address_town, self.address_postcode)
        return [part for part in parts if part]

    @property
    def has_registered_address(self) -> bool:
        """Enough of an address to post a letter to: a first line, a town and a postcode."""
        return bool(self.address_line_1 and self.address_town and self.address_postcode)

    @property
    def cqc_rating_tag(self) -> str:
        """The GOV.UK tag colour for the rating."""
        tags: dict[str, str] = {
            CqcRating.OUTSTANDING: "govuk-tag--green",
            CqcRating.GOOD: "govuk-tag--teal",
            CqcRating.REQUIRES_IMPROVEMENT: "govuk-tag--orange",
            CqcRating.INADEQUATE: "govuk-tag--red",
        }
        return tags.get(self.cqc_rating, "govuk-tag--grey")


class CqcRatingRecord(models.Model):
    """A CQC rating as recorded (by hand or from an import). Append-only: the provider's current
    rating is the one with the latest rating date (then the latest recorded)."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Entered by hand"
        IMPORT = "import", "CSV import"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="cqc_ratings")
    location_id = models.CharField("CQC location ID", max_length=20, blank=True)
    location_name = models.CharField(max_length=200, blank=True)
    rating = models.CharField(max_length=32, choices=CqcRating.choices)
    rating_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by_label = models.CharField(max_length=255)
    recorded_by_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The commissioning body that recorded it (every body that contracts the provider "
        "reads the same current rating, and is told when another body's record changes it).",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider", "-rating_date", "-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider}: {self.get_rating_display()} ({self.rating_date})"
