"""Monthly returns: submit, validate (a task), sign off and accept. Each step is one transaction.

A return is accepted or rejected as a whole. Acceptance re-reads the stored file, so what is
accepted is exactly what was checked, and writes every episode and survey figure of the new
version in one transaction; the previous version is marked superseded, never changed.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from accounts.models import User
from commissioning.models import Contract
from outcomes.deadlines import LONDON, due_at, is_late, month_start
from outcomes.mds import ValidatedReturn, validate_nil_return, validate_return
from outcomes.mds import parse_period as parse_return_period
from outcomes.models import (
    AttemptKind,
    AttemptStatus,
    EpisodeRecord,
    MonthlyReturn,
    ReturnAttempt,
    SurveyFigure,
)

IMPORT_LABEL = "Data import (import_return)"
EPISODE_FIELDS = (
    "person_ref",
    "service_type",
    "referral_source",
    "age_band",
    "dementia",
    "end_of_life",
    "referred_at",
    "first_visit_at",
    "weekly_hours_start",
    "weekly_hours_now",
    "ended_on",
    "end_reason",
    "died_in_preferred_place",
    "at_home_91_days",
)
SURVEY_COLUMNS = ("measure_code", "numerator", "denominator")
HOURS_PLACES = Decimal("0.01")  # EpisodeRecord.weekly_hours_* keep two decimal places


@dataclass(frozen=True)
class Submitter:
    """Who submits or signs off: a person in the portal, or a data-team import with a label."""

    user: User | None
    label: str
    source: str = "portal"


def _submitter_for(acting: Acting) -> Submitter:
    """The person, or the API token, acting; a token signing off for an approver names both."""
    if acting.token is None:
        return Submitter(user=acting.user, label=str(acting.user), source="portal")
    if acting.user is None:
        return Submitter(user=None, label=acting.token.label, source="api")
    return Submitter(user=acting.user, label=f"{acting.user} via {acting.token.label}", source="api")


def require_prime_provider(acting: Acting, contract: Contract, capability: Capability) -> None:
    """Returns are submitted and signed off by the contract's prime provider only."""
    acting.require(capability)
    if contract.provider_id != acting.organisation.pk:
        raise PermissionDenied(
            f"Only {contract.provider.name}, the prime provider, submits returns for contract {contract.reference}."
        )


def monthly_return_for(contract: Contract, period: str) -> MonthlyReturn:
    """The month's return slot, created on first use with its due date."""
    month = month_start(period)
    parse_return_period(period)  # the months the data standard covers (ValueError otherwise)
    monthly_return, _ = MonthlyReturn.objects.get_or_create(
        contract=contract, month=month, defaults={"due_at": due_at(month, contract.return_due_day)}
    )
    return monthly_return


def _survey_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(SURVEY_COLUMNS)
    for row in rows:
        writer.writerow([row.get(column, "") for column in SURVEY_COLUMNS])
    return buffer.getvalue().encode()


def attempt_create(
    *,
    contract: Contract,
    period: str,
    submitter: Submitter,
    kind: str = AttemptKind.FILE,
    file_bytes: bytes | None = None,
    filename: str = "",
    survey_bytes: bytes | None = None,
    survey_filename: str = "",
    survey_entered: list[dict] | None = None,
    submitted_at: datetime | None = None,
    queue_validation: bool = True,
) -> ReturnAttempt:
    """Store a submission (file and checksum, or a nil declaration) and queue its checks."""
    submitted_at = submitted_at or timezone.now()
    with transaction.atomic():
        monthly_return = monthly_return_for(contract, period)
        attempt = ReturnAttempt(
            monthly_return=monthly_return,
            kind=kind,
            source=submitter.source,
            submitted_at=submitted_at,
            submitted_by=submitter.user,
            submitted_by_label=submitter.label,
            late=is_late(submitted_at, monthly_return.due_at),
            survey_entered=survey_entered or [],
        )
        if kind == AttemptKind.FILE:
            content = file_bytes or b""
            attempt.filename = filename[:255]
            attempt.size = len(content)
            attempt.checksum = hashlib.sha256(content).hexdigest()
            attempt.file.save(
                f"{contract.pk}-{period}-{attempt.checksum[:12]}-{filename[-80:]}",
                ContentFile(content),
                save=False,
            )
        if survey_bytes is not None:  # a survey CSV comes with a file or with a nil return
            attempt.survey_filename = survey_filename[:255]
            attempt.survey_file.save(
                f"{contract.pk}-{period}-survey-{survey_filename[-80:]}",
                ContentFile(survey_bytes),
                save=False,
            )
        attempt.save()
        audit_record(
            actor=submitter.user,
            actor_label=submitter.label,
            action="return.nil_declare" if kind == AttemptKind.NIL else "return.upload",
            obj=attempt,
            organisation=contract.provider,
            details={
                "contract": contract.reference,
                "period": period,
                "filename": attempt.filename,
                "checksum": attempt.checksum,
                "late": attempt.late,
                "source": submitter.source,
            },
        )
        if queue_validation:
            from outcomes.tasks import return_validate

            transaction.on_commit(lambda: return_validate.delay(attempt.pk))
    return attempt


def _read(attempt: ReturnAttempt) -> ValidatedReturn:
    """Validate the attempt's stored file (or, for a nil return, its survey figures)."""
    period = attempt.monthly_return.period
    survey_bytes, survey_name = None, None
    if attempt.survey_file:
        with attempt.survey_file.open("rb") as handle:
            survey_bytes, survey_name = handle.read(), attempt.survey_filename
    elif attempt.survey_entered:
        survey_bytes, survey_name = _survey_csv(attempt.survey_entered), "survey (entered in the portal).csv"
    if attempt.kind == AttemptKind.NIL:
        return validate_nil_return(period=period, survey_file=survey_bytes, survey_filename=survey_name)
    with attempt.file.open("rb") as handle:
        content = handle.read()
    return validate_return(
        period=period,
        episodes_file=content,
        filename=attempt.filename,
        survey_file=survey_bytes,
        survey_filename=survey_name,
    )


def attempt_validate(*, attempt_id: int) -> ReturnAttempt:
    """Check a received submission against the data standard; safe to run twice or after a crash."""
    return _validate(attempt_id)[0]


def _validate(attempt_id: int) -> tuple[ReturnAttempt, ValidatedReturn | None]:
    """attempt_validate, also giving the parsed rows when this call did the checking."""
    with transaction.atomic():
        attempt = (
            ReturnAttempt.objects.select_for_update()
            .select_related("monthly_return__contract__provider")
            .get(pk=attempt_id)
        )
        if attempt.status not in (AttemptStatus.RECEIVED, AttemptStatus.VALIDATING):
            return attempt, None
        attempt.status = AttemptStatus.VALIDATING
        attempt.save(update_fields=["status"])
    result = _read(attempt)
    with transaction.atomic():
        attempt = ReturnAttempt.objects.select_for_update().get(pk=attempt_id)
        if attempt.status != AttemptStatus.VALIDATING:
            return attempt, None
        attempt.errors = [{"severity": "error", **p.as_dict()} for p in result.errors]
        attempt.warnings = [{"severity": "warning", **p.as_dict()} for p in result.warnings]
        attempt.episode_count = len(result.episodes)
        attempt.status = AttemptStatus.VALID if result.is_valid else AttemptStatus.REJECTED
        attempt.validated_at = timezone.now()
        attempt.save(update_fields=["errors", "warnings", "episode_count", "status", "validated_at"])
        contract = attempt.monthly_return.contract
        audit_record(
            actor=None,
            actor_label="Return checks",
            action="return.validate",
            obj=attempt,
            organisation=contract.provider,
            details={
                "outcome": attempt.status,
                "errors": len(attempt.errors),
                "warnings": len(attempt.warnings),
                "episodes": attempt.episode_count,
            },
        )
    return attempt, result


def _episode_key(record) -> tuple:
    # Moments in UTC: Python never finds a London time in the autumn's repeated hour equal to a UTC one.
    return tuple(
        value.astimezone(UTC) if isinstance(value, datetime) else value
        for value in (getattr(record, name) for name in EPISODE_FIELDS)
    )


def _stored_hours(hours: Decimal) -> Decimal:
    """Hours as the database keeps them (two decimal places), so comparisons see the stored value."""
    return hours.quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)


def _accept(
    attempt: ReturnAttempt,
    submitter: Submitter,
    acknowledged_warnings: bool,
    result: ValidatedReturn | None = None,
) -> ReturnAttempt:
    """Store the attempt as the month's newest version (caller holds the month's lock).

    ``result`` is the validation just done in the same call (the data-team path); otherwise the
    stored file is read again, so that what is accepted is exactly what was checked.
    """
    if attempt.status == AttemptStatus.ACCEPTED or attempt.status == AttemptStatus.SUPERSEDED:
        raise ValidationError(
            f"This return was already signed off by {attempt.signed_off_by_label} at "
            f"{timezone.localtime(attempt.signed_off_at):%H:%M on %d %B %Y}. Nothing more is needed."
        )
    if attempt.status != AttemptStatus.VALID:
        raise ValidationError(
            f"This return cannot be signed off: it is {attempt.get_status_display().lower()}. "
            "Only a return that passed its checks can be signed off."
        )
    if attempt.warnings and not acknowledged_warnings:
        raise ValidationError({"acknowledge_warnings": "Confirm that you have read each warning"})
    result = result or _read(attempt)
    if not result.is_valid:  # the stored file no longer passes: refuse rather than accept part of it
        raise ValidationError("The stored file no longer passes its checks. Upload it again.")
    monthly_return = attempt.monthly_return
    contract = monthly_return.contract
    previous = monthly_return.attempts.filter(is_current=True).first()
    now = timezone.now()
    if previous is not None:
        previous.is_current = False
        previous.status = AttemptStatus.SUPERSEDED
        previous.superseded_at = now
        previous.save(update_fields=["is_current", "status", "superseded_at"])
    records = [
        EpisodeRecord(
            attempt=attempt,
            contract=contract,
            month=monthly_return.month,
            row=row.row,
            episode_ref=row.episode_ref,
            **{
                **{name: getattr(row, name) for name in EPISODE_FIELDS},
                "weekly_hours_start": _stored_hours(row.weekly_hours_start),
                "weekly_hours_now": _stored_hours(row.weekly_hours_now),
            },
            referred_on=timezone.localtime(row.referred_at, LONDON).date(),
            first_visit_on=timezone.localtime(row.first_visit_at, LONDON).date()
            if row.first_visit_at
            else None,
        )
        for row in result.episodes
    ]
    _insert_episodes(records)
    SurveyFigure.objects.bulk_create(
        SurveyFigure(
            attempt=attempt,
            contract=contract,
            month=monthly_return.month,
            measure_code=row.measure_code,
            numerator=row.numerator,
            denominator=row.denominator,
        )
        for row in result.survey
    )
    changes = _changes(previous, records) if previous is not None else {}
    from outcomes.calculators import latest_flags_refresh

    # The version's rows are current now: refresh which row of each touched episode the measures read.
    attempt.is_current = True
    attempt.save(update_fields=["is_current"])
    latest_flags_refresh(contract, [a for a in (attempt, previous) if a is not None])
    last_version = monthly_return.attempts.aggregate(v=Max("version"))["v"] or 0
    attempt.status = AttemptStatus.ACCEPTED
    attempt.is_current = True
    attempt.version = last_version + 1
    attempt.accepted_at = now
    attempt.signed_off_at = now
    attempt.signed_off_by = submitter.user
    attempt.signed_off_by_label = submitter.label
    attempt.changes = changes
    attempt.episode_count = len(records)
    attempt.save()
    audit_record(
        actor=submitter.user,
        actor_label=submitter.label,
        action="return.accept",
        obj=attempt,
        organisation=contract.provider,
        details={
            "contract": contract.reference,
            "period": monthly_return.period,
            "version": attempt.version,
            "episodes": len(records),
            "warnings_acknowledged": len(attempt.warnings),
            "source": submitter.source,
            "changes": changes,
        },
    )
    from outcomes.compliance import recompute_request

    recompute_request(contract=contract, months=[monthly_return.period])
    return attempt


EPISODE_COLUMNS_STORED = (
    "attempt_id",
    "contract_id",
    "month",
    "row",
    "episode_ref",
    *EPISODE_FIELDS,
    "referred_on",
    "first_visit_on",
)


def _insert_episodes(records: list[EpisodeRecord]) -> None:
    """Write a version's episodes: PostgreSQL COPY (fast, same transaction), else bulk inserts."""
    if connection.vendor != "postgresql":
        EpisodeRecord.objects.bulk_create(records, batch_size=2000)
        return
    table = EpisodeRecord._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(EPISODE_COLUMNS_STORED)}) FROM STDIN") as copy,
    ):
        for record in records:
            copy.write_row(tuple(getattr(record, column) for column in EPISODE_COLUMNS_STORED))


def _changes(previous: ReturnAttempt, records: list[EpisodeRecord]) -> dict:
    before = {r.episode_ref: _episode_key(r) for r in previous.episodes.all().iterator(chunk_size=5000)}
    after = {r.episode_ref: _episode_key(r) for r in records}
    return {
        "added": len(after.keys() - before.keys()),
        "removed": len(before.keys() - after.keys()),
        "changed": sum(1 for ref in after.keys() & before.keys() if after[ref] != before[ref]),
    }


def return_sign_off(
    *, acting: Acting, attempt: ReturnAttempt, declaration: bool, acknowledged_warnings: bool
) -> ReturnAttempt:
    """An approver declares the return true and complete; it becomes the month's newest version."""
    contract = attempt.monthly_return.contract
    require_prime_provider(acting, contract, Capability.SIGN_OFF_RETURNS)
    if not declaration:
        raise ValidationError({"declaration": "Confirm the declaration to sign off the return"})
    with transaction.atomic():
        # One sign-off at a time per month: the second person waits, then sees the first result.
        MonthlyReturn.objects.select_for_update().get(pk=attempt.monthly_return_id)
        attempt = ReturnAttempt.objects.select_related("monthly_return__contract__provider").get(
            pk=attempt.pk
        )
        accepted = _accept(attempt, _submitter_for(acting), acknowledged_warnings)
        audit_record(
            actor=acting.user,
            action="return.sign_off",
            obj=accepted,
            organisation=contract.provider,
            details={
                "declaration": True,
                "warnings_acknowledged": len(accepted.warnings),
                "version": accepted.version,
            },
        )
        return accepted


def return_submit(
    *,
    acting: Acting,
    contract: Contract,
    period: str,
    file_bytes: bytes,
    filename: str,
    survey_bytes: bytes | None = None,
    survey_filename: str = "",
    survey_entered: list[dict] | None = None,
) -> ReturnAttempt:
    """A provider uploads a month's return file; it is checked in the background."""
    require_prime_provider(acting, contract, Capability.SUBMIT_RETURNS)
    return attempt_create(
        contract=contract,
        period=period,
        submitter=_submitter_for(acting),
        file_bytes=file_bytes,
        filename=filename,
        survey_bytes=survey_bytes,
        survey_filename=survey_filename,
        survey_entered=survey_entered,
    )


def return_declare_nil(
    *, acting: Acting, contract: Contract, period: str, survey_entered: list[dict] | None = None
) -> ReturnAttempt:
    """A provider declares it had no episodes in the month (a nil return still needs sign-off)."""
    require_prime_provider(acting, contract, Capability.SUBMIT_RETURNS)
    return attempt_create(
        contract=contract,
        period=period,
        submitter=_submitter_for(acting),
        kind=AttemptKind.NIL,
        survey_entered=survey_entered,
    )


def return_import(
    *,
    contract: Contract,
    period: str,
    file_bytes: bytes | None,
    filename: str,
    survey_bytes: bytes | None = None,
    survey_filename: str = "",
    nil: bool = False,
    accept: bool = False,
    submitted_at: datetime | None = None,
    label: str = IMPORT_LABEL,
) -> ReturnAttempt:
    """The data team's path (`import_return`): submit, check synchronously, and accept if asked and valid."""
    submitter = Submitter(user=None, label=label, source="import")
    attempt = attempt_create(
        contract=contract,
        period=period,
        submitter=submitter,
        kind=AttemptKind.NIL if nil else AttemptKind.FILE,
        file_bytes=file_bytes,
        filename=filename,
        survey_bytes=survey_bytes,
        survey_filename=survey_filename,
        submitted_at=submitted_at,
        queue_validation=False,
    )
    attempt, result = _validate(attempt.pk)
    if accept and attempt.status == AttemptStatus.VALID:
        with transaction.atomic():
            MonthlyReturn.objects.select_for_update().get(pk=attempt.monthly_return_id)
            attempt = ReturnAttempt.objects.select_related("monthly_return__contract__provider").get(
                pk=attempt.pk
            )
            attempt = _accept(attempt, submitter, acknowledged_warnings=True, result=result)
    return attempt
