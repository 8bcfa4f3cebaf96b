"""Monthly returns: each month's attempts, the accepted versions, and their episodes and survey figures.

Nothing is overwritten. Every upload is an attempt; an accepted attempt is a version of that
month's return; a later accepted version supersedes it but the earlier one (and its rows) stays.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

# The review meeting models belong to this app (app label "outcomes") but live with their
# pipeline; importing their module here registers them when Django loads the app's models.
import outcomes.reviews.models  # noqa: F401
from commissioning.models import Contract


class MonthlyReturn(models.Model):
    """One contract's return for one calendar month: the slot its attempts and versions belong to."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="monthly_returns")
    month = models.DateField(help_text="The first day of the month the return covers.")
    due_at = models.DateTimeField(
        help_text="End of the contract's due day of the following month, London time."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["contract", "-month"]
        constraints = [models.UniqueConstraint(fields=["contract", "month"], name="monthly_return_unique")]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.period}"

    @property
    def period(self) -> str:
        return f"{self.month:%Y-%m}"


class AttemptKind(models.TextChoices):
    FILE = "file", "File"
    NIL = "nil", "Nil return"


class AttemptStatus(models.TextChoices):
    RECEIVED = "received", "Received, waiting to be checked"
    VALIDATING = "validating", "Being checked"
    REJECTED = "rejected", "Rejected"
    VALID = "valid", "Valid, awaiting sign-off"
    ACCEPTED = "accepted", "Accepted"
    SUPERSEDED = "superseded", "Superseded by a later version"


class ReturnAttempt(models.Model):
    """One submission of a month's return: a file (or a nil declaration), its checks and its sign-off."""

    monthly_return = models.ForeignKey(MonthlyReturn, on_delete=models.CASCADE, related_name="attempts")
    kind = models.CharField(max_length=8, choices=AttemptKind.choices, default=AttemptKind.FILE)
    status = models.CharField(max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.RECEIVED)
    source = models.CharField(max_length=16, default="portal", help_text="portal, import or api")
    file = models.FileField(upload_to="returns/%Y/%m/", blank=True)
    filename = models.CharField(max_length=255, blank=True)
    checksum = models.CharField("SHA-256", max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    survey_file = models.FileField(upload_to="returns/%Y/%m/", blank=True)
    survey_filename = models.CharField(max_length=255, blank=True)
    survey_entered = models.JSONField(
        default=list, blank=True, help_text="Survey figures typed into the portal form, as survey table rows."
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_by_label = models.CharField(max_length=255)
    late = models.BooleanField(default=False, help_text="Submitted after the month's due date.")
    validated_at = models.DateTimeField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    warning_notes = models.JSONField(
        default=list,
        blank=True,
        help_text="The approver's acknowledgement of each warning at sign-off: [{warning, note}], by position.",
    )
    emails_sent = models.JSONField(
        default=list, blank=True, help_text="The notifications already sent for this attempt (each once)."
    )
    episode_count = models.PositiveIntegerField(default=0)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_off_by_label = models.CharField(max_length=255, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(null=True, blank=True, help_text="1, 2, … among accepted versions")
    is_current = models.BooleanField(default=False, help_text="The newest accepted version of the month.")
    superseded_at = models.DateTimeField(null=True, blank=True)
    changes = models.JSONField(
        default=dict, blank=True, help_text="Against the previous version: episodes added, changed, removed."
    )

    class Meta:
        ordering = ["monthly_return", "-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["monthly_return"],
                condition=models.Q(is_current=True),
                name="one_current_version_per_month",
            ),
            models.UniqueConstraint(
                fields=["monthly_return", "version"],
                condition=models.Q(version__isnull=False),
                name="version_numbers_unique_per_month",
            ),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["monthly_return", "is_current"])]

    def __str__(self) -> str:
        return f"{self.monthly_return} attempt {self.pk} ({self.status})"


class CheckedReturn(models.Model):
    """What checking a valid attempt found, kept so that signing it off need not check it again.

    ``against`` is everything the checks read (the files' SHA-256, the data standard's rules, the
    previous month's accepted version, the contract's commissioned services and term); sign-off
    uses the kept rows only while all of it is unchanged, and checks the file again otherwise.
    ``episodes`` holds the typed episode rows as PostgreSQL COPY text (compressed), ready to be
    written as the accepted version's rows. Deleted once the attempt is accepted.
    """

    attempt = models.OneToOneField(
        ReturnAttempt, on_delete=models.CASCADE, primary_key=True, related_name="checked"
    )
    against = models.JSONField()
    episodes = models.BinaryField()
    episode_count = models.PositiveIntegerField()
    survey = models.JSONField(default=list, help_text="[measure_code, numerator, denominator] per row.")
    checked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Checks of {self.attempt}"


class EpisodeRecord(models.Model):
    """One episode row of an accepted version of a month's return (rows of superseded versions stay)."""

    # Neither key has an index of its own: a version's rows are found by the unique index that starts
    # with ``attempt`` and a contract's by the indexes that start with ``contract`` (Meta). Each index
    # is written again for every row copied in and every latest-row flag moved.
    attempt = models.ForeignKey(
        ReturnAttempt, on_delete=models.CASCADE, related_name="episodes", db_index=False
    )
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()
    row = models.PositiveIntegerField()
    episode_ref = models.CharField(max_length=64)
    person_ref = models.CharField(max_length=64)
    service_type = models.CharField(max_length=16)
    referral_source = models.CharField(max_length=24)
    age_band = models.CharField(max_length=8)
    dementia = models.BooleanField()
    end_of_life = models.BooleanField()
    referred_at = models.DateTimeField()
    first_visit_at = models.DateTimeField(null=True)
    # The London dates of the two moments, kept so that measures compare dates in SQL directly.
    referred_on = models.DateField()
    first_visit_on = models.DateField(null=True)
    weekly_hours_start = models.DecimalField(max_digits=6, decimal_places=2)
    weekly_hours_now = models.DecimalField(max_digits=6, decimal_places=2)
    ended_on = models.DateField(null=True)
    end_reason = models.CharField(max_length=24, null=True)  # noqa: DJ001 - NULL = not ended, as ended_on
    died_in_preferred_place = models.BooleanField(null=True)
    at_home_91_days = models.BooleanField(null=True)
    # True for the row the measures read: the episode's row in the latest month that contains it,
    # from each month's newest accepted version. Kept up to date when a version is accepted.
    is_latest = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["attempt", "row"]
        indexes = [
            models.Index(fields=["contract", "month"]),
            # An episode's rows newest month first (the package measures' hours on a day, later corrections).
            models.Index(fields=["contract", "episode_ref", "-month"], name="episode_rows_by_month"),
            models.Index(fields=["contract"], condition=models.Q(is_latest=True), name="episode_latest_rows"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "episode_ref"], name="episode_unique_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.episode_ref} in {self.attempt}"


class SurveyFigure(models.Model):
    """A survey result for the month, from an accepted version (the survey table or the portal form)."""

    attempt = models.ForeignKey(ReturnAttempt, on_delete=models.CASCADE, related_name="survey_figures")
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    measure_code = models.CharField(max_length=40)
    numerator = models.PositiveIntegerField()
    denominator = models.PositiveIntegerField()

    class Meta:
        ordering = ["attempt", "measure_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "measure_code"], name="survey_figure_unique_per_version"
            ),
            models.CheckConstraint(
                condition=models.Q(numerator__lte=models.F("denominator")),
                name="survey_numerator_within_denominator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_code} {self.numerator}/{self.denominator} in {self.attempt}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due in 3 days"
    OVERDUE = "overdue", "Overdue"


class ReturnReminder(models.Model):
    """A reminder email sent about one contract's month; recorded so that it is sent once only."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "month", "kind"], name="one_reminder_of_a_kind_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder for {self.contract.reference} {self.month:%Y-%m}"


def months_incomplete(missing_months: list[str], outside_term_months: list[str]) -> bool:
    """The rule of ``ComplianceResult.incomplete``, for a result read as plain values."""
    return bool(missing_months or outside_term_months)


class ComplianceResult(models.Model):
    """One computed result: a contract's target (the version in force) for one period. Append-only.

    A recomputation that gives the same figures leaves the row as it is (and records when it was
    checked); different figures make a new row, and the old one stays beside it. When the figures
    change after the data window was complete, the new row is marked restated.
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="results")
    target = models.ForeignKey("commissioning.Target", on_delete=models.CASCADE, related_name="results")
    target_version = models.ForeignKey(
        "commissioning.TargetVersion", on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(max_length=20)
    period_kind = models.CharField(max_length=8)
    period_start = models.DateField()
    period_end = models.DateField()
    numerator = models.PositiveIntegerField()
    denominator = models.PositiveIntegerField()
    value = models.DecimalField(max_digits=4, decimal_places=1, null=True)
    rag = models.CharField(max_length=12)
    not_rated_reason = models.CharField(max_length=16, null=True)  # noqa: DJ001 - null is "rated"
    direction = models.CharField(max_length=10, default="none")
    pending = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0, help_text="Episodes with a blank the measure needed.")
    missing_months = models.JSONField(
        default=list, help_text="Months of the data window whose return is owed and missing."
    )
    outside_term_months = models.JSONField(
        default=list, help_text="Months of the data window before the contract started or after it ended."
    )
    sources = models.JSONField(default=dict, help_text="The return versions read, by month.")
    restated = models.BooleanField(default=False)
    restates = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    restated_because = models.CharField(max_length=500, blank=True)
    is_latest = models.BooleanField(default=True)
    computed_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["contract", "target", "period_end", "-computed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "period"], condition=models.Q(is_latest=True), name="one_latest_result"
            )
        ]
        indexes = [
            models.Index(fields=["contract", "period", "is_latest"]),
            # Which periods of a kind have results (the portfolio's quarters): an index-only scan of
            # the latest rows of that kind, not a read of every stored result.
            models.Index(
                fields=["period_kind", "period", "contract"],
                condition=models.Q(is_latest=True),
                name="results_latest_by_period",
            ),
            # A page of contracts' monthly series (the portfolio's SPC icons): an index-only scan of
            # their latest monthly rows, not a visit to each row's page of the table.
            models.Index(
                fields=["contract", "period_kind", "target", "period_start"],
                include=["value", "not_rated_reason", "target_version"],
                condition=models.Q(is_latest=True),
                name="results_months_by_contract",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.period}: {self.value} ({self.numerator}/{self.denominator}) {self.rag}"

    @property
    def incomplete(self) -> bool:
        """Some month of the data window has no accepted return: owed and missing, or outside the term."""
        return months_incomplete(self.missing_months, self.outside_term_months)


class RecomputeRequest(models.Model):
    """Months of a contract whose results must be recomputed; one row per contract coalesces a burst."""

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="+")
    months = models.JSONField(default=list)
    requested_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Recompute {self.contract.reference}: {', '.join(self.months)}"


class RecomputeRun(models.Model):
    """A "Recompute now" a commissioner asked for: which periods, and how far the work has got."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="recompute_runs")
    year = models.PositiveIntegerField(help_text="The financial year (its first calendar year).")
    periods = models.JSONField(default=list, help_text="Period identifiers, in the order computed.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0, help_text="Periods computed so far.")
    results = models.PositiveIntegerField(default=0, help_text="Results stored or confirmed so far.")
    error = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_by_label = models.CharField(max_length=200)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["contract", "-requested_at"])]

    def __str__(self) -> str:
        return f"Recompute {self.contract.reference} {self.year}: {self.status}"

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def total(self) -> int:
        return len(self.periods)


class ResultOverride(models.Model):
    """A RAG a commissioner set on a target's result for a period, with the reason. Append-only.

    The newest override of a target and period is in force; an override with ``rag`` empty
    withdraws the earlier one. It applies to whatever figures are latest for that period, and the
    computed RAG always stays visible beside it.
    """

    target = models.ForeignKey("commissioning.Target", on_delete=models.CASCADE, related_name="overrides")
    period = models.CharField(max_length=20)
    rag = models.CharField(max_length=12, blank=True)
    reason = models.TextField()
    computed_rag = models.CharField(max_length=12, help_text="The computed RAG when the override was made.")
    result = models.ForeignKey(ComplianceResult, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_label = models.CharField(max_length=255)

    class Meta:
        ordering = ["target", "period", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.target} {self.period}: {self.rag or 'override withdrawn'}"


class SpcBaseline(models.Model):
    """A commissioner's fixed SPC baseline for a target: its process limits come from the first
    ``points`` monthly values, and later months are judged against them (spec/spc.md). Append-only:
    the newest row of a target is in force; a row with ``points`` empty returns to every value.
    """

    target = models.ForeignKey("commissioning.Target", on_delete=models.CASCADE, related_name="spc_baselines")
    points = models.PositiveSmallIntegerField(null=True, blank=True)
    first_month = models.DateField(
        null=True, blank=True, help_text="The baseline's first month when it was fixed."
    )
    last_month = models.DateField(
        null=True, blank=True, help_text="The baseline's last month when it was fixed."
    )
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_label = models.CharField(max_length=255)

    class Meta:
        ordering = ["target", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.target}: " + (f"baseline of {self.points} values" if self.points else "every value")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Being made"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class OrganisationExport(models.Model):
    """Everything held about one organisation as a zip of CSV files, asked for by one of its admins
    and made by a background task (outcomes.organisation_export). Kept EXPORT_KEEP_DAYS, then deleted."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by_label = models.CharField(max_length=255)
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    rows = models.JSONField(default=dict, blank=True, help_text="The rows in each file of the zip.")
    generated_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Export of {self.organisation} asked for on {self.requested_at:%d/%m/%Y %H:%M}"
