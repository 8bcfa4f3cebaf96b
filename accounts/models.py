"""People, organisations, memberships with roles, invitations and the domain audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import IntegrityError, models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    """Users are identified by their email address, compared without regard to case."""

    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    job_title = models.CharField(
        max_length=150, blank=True, help_text="As letters you sign give it, for example Contracts Manager."
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can sign in to the technical administration site (service operators only)."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    return_emails = models.BooleanField(
        "emails about monthly returns",
        default=True,
        help_text="Email me when a return awaits sign-off, and when one is accepted or rejected.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ci")]
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class OrganisationKind(models.TextChoices):
    PROVIDER = "provider", "Homecare provider"
    COUNCIL = "council", "Council"
    ICB = "icb", "NHS integrated care board"


COMMISSIONER_KINDS = frozenset({OrganisationKind.COUNCIL, OrganisationKind.ICB})


class Organisation(models.Model):
    """A tenant: a commissioning body (council or ICB) or a homecare provider.

    Providers and commissioning bodies extend this table in their own apps
    (providers.Provider, commissioning.CommissioningBody).
    """

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=OrganisationKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    api_sign_off_enabled = models.BooleanField(
        "API sign-off",
        default=False,
        help_text="Returns may be signed off through the API by tokens that act for a named approver.",
    )
    two_factor_required = models.BooleanField(
        "two-step verification required",
        default=False,
        help_text="Everyone in the organisation signs in with a code from an authenticator app as well "
        "as their password (always so at commissioning bodies).",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_provider(self) -> bool:
        return self.kind == OrganisationKind.PROVIDER

    @property
    def is_commissioner(self) -> bool:
        return self.kind in COMMISSIONER_KINDS


class Role(models.TextChoices):
    """Every role a member can hold; which ones apply depends on the kind of organisation."""

    SUBMITTER = "submitter", "Submitter"
    APPROVER = "approver", "Approver (registered manager)"
    COMMISSIONER = "commissioner", "Commissioner"
    CONTRACT_OFFICER = "contract_officer", "Contract officer"
    QUALITY_OFFICER = "quality_officer", "Quality officer"
    VIEWER = "viewer", "Viewer"


PROVIDER_ROLES = (Role.SUBMITTER, Role.APPROVER, Role.VIEWER)
COMMISSIONER_ROLES = (Role.COMMISSIONER, Role.CONTRACT_OFFICER, Role.QUALITY_OFFICER, Role.VIEWER)


def roles_for_kind(kind: str) -> tuple[Role, ...]:
    """The roles a member of this kind of organisation may hold."""
    return PROVIDER_ROLES if kind == OrganisationKind.PROVIDER else COMMISSIONER_ROLES


class Membership(models.Model):
    """A person's place in one organisation: one role, and optionally organisation admin."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    is_admin = models.BooleanField(
        "organisation admin", default=False, help_text="Can invite and remove people in this organisation."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")]
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"

    @property
    def role_label(self) -> str:
        label = self.get_role_display()
        return f"{label} and organisation admin" if self.is_admin else label


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An emailed invitation to join an organisation with a role.

    The link carries ``key`` signed with the service's secret key, so a copy of the
    database alone cannot be turned into working links.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices)
    is_admin = models.BooleanField("organisation admin", default=False)
    key = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.organisation}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "withdrawn"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


APPEND_ONLY = (
    "Audit entries are never changed or deleted: the audit log is append-only. Record what happened "
    "as a new entry instead."
)


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Reads only: the database refuses UPDATE and DELETE on the table too (migration 0007)."""

    def update(self, **kwargs) -> int:
        raise IntegrityError(APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise IntegrityError(APPEND_ONLY)


class AuditEntry(models.Model):
    """Who did what to which object, when, with details; written through ``accounts.audit``.

    Append-only: the database refuses UPDATE and DELETE (a trigger), and each entry is hash-chained to
    the one before (``accounts.audit_chain``), so a change made around the trigger shows when the
    chain is verified. Nothing points at an entry from outside, and entries point at people and
    organisations with PROTECT: people are deactivated, never deleted, and an organisation with
    entries cannot be deleted (removing the link would be an UPDATE the trigger refuses).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(
        max_length=255, help_text="The person or process, as they were named when they acted."
    )
    actor_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The organisation the person was acting for; its admins can read the entry too.",
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        help_text="The organisation whose record this is; its admins can read the entry.",
    )
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255)
    details = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(
        max_length=64,
        editable=False,
        help_text="The hash of the entry before this one (zeros for the first).",
    )
    hash = models.CharField(
        max_length=64,
        editable=False,
        help_text="SHA-256 of this entry's fields and the previous hash (accounts.audit_chain).",
    )

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-at"]),
            models.Index(fields=["actor_organisation", "-at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]
        constraints = [models.CheckConstraint(condition=~models.Q(hash=""), name="audit_entry_chained")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise IntegrityError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs) -> tuple[int, dict[str, int]]:
        raise IntegrityError(APPEND_ONLY)


class ApiScope(models.TextChoices):
    """What an API token may do: read the organisation's data, and (providers only) submit returns."""

    READ = "read", "Read"
    SUBMIT = "submit", "Submit returns"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """An organisation's key for the REST API. Only a SHA-256 digest of the secret is kept."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses the token, e.g. 'Care planning system'.")
    prefix = models.CharField(
        max_length=20, unique=True, help_text="The token's first characters, shown to find it."
    )
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    sign_off_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The approver on whose behalf the token may sign off returns (needs API sign-off enabled).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_by_label = models.CharField(max_length=255)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_label = models.CharField(max_length=255, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"API token '{self.name}' ({self.prefix}…) of {self.organisation}"

    @property
    def label(self) -> str:
        return f"API token '{self.name}' ({self.prefix}…)"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "Revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "Expired"
        return "Active"


class IdempotentRequest(models.Model):
    """A submission made with an Idempotency-Key: a retry with the same key gets the same answer."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of what was asked, to spot a reused key."
    )
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="idempotent_request_unique")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"Idempotency-Key {self.key} of {self.organisation}"


class JobStatus(models.TextChoices):
    WAITING = "waiting", "Waiting to be queued"
    QUEUED = "queued", "Queued"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Job(models.Model):
    """A piece of background work, recorded in the same transaction as the change that needs it
    (the outbox), then handed to a worker; ``accounts.jobs`` queues it and sees it through."""

    task = models.CharField(max_length=200, help_text="The Celery task's name.")
    args = models.JSONField(default=list, blank=True)
    subject = models.CharField(
        max_length=120,
        blank=True,
        help_text="What the work is for, e.g. return-attempt:12, for pages to find it.",
    )
    label = models.CharField(max_length=200, help_text="What the work is, in words, for people.")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.WAITING)
    tries = models.PositiveSmallIntegerField(default=0, help_text="Times handed to a worker.")
    max_tries = models.PositiveSmallIntegerField(default=5)
    due_at = models.DateTimeField(help_text="When the work should next start.")
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expected_seconds = models.PositiveIntegerField(
        help_text="How long the work may take once queued before it is queued again."
    )
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["subject", "-created_at"]),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display().lower()})"

    @property
    def open(self) -> bool:
        return self.status in (JobStatus.WAITING, JobStatus.QUEUED)


class JobStep(models.Model):
    """A step of a job already done (an email to one address), so that running the job again after a
    crash does not do it twice."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="steps")
    key = models.CharField(max_length=300)
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "key"], name="job_step_unique")]

    def __str__(self) -> str:
        return f"{self.key} (job {self.job_id})"


class PeriodicRun(models.Model):
    """The last run of a task on the beat schedule (``accounts.periodic``): a second copy of the same
    scheduled run (two beats started by mistake, a message delivered again) sees it and does nothing."""

    task = models.CharField(max_length=200, unique=True, help_text="The Celery task's name.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty while running, or if it failed."
    )
    host = models.CharField(max_length=200, blank=True, help_text="The worker that ran it.")

    def __str__(self) -> str:
        return f"{self.task} at {self.started_at:%Y-%m-%d %H:%M}"
