"""Checking a received return against the data standard: the background task's work.

``attempt_validate`` is idempotent: an attempt left "being checked" by a killed worker is checked
again when the task is redelivered, and a finished one is left as it is. ``attempt_read`` reads the
stored file again; acceptance uses it too, so what is accepted is exactly what was checked.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from commissioning.models import Contract, ServiceType
from outcomes.mds import PreviousEpisode, PreviousMonth, ValidatedReturn, validate_nil_return, validate_return
from outcomes.models import AttemptKind, AttemptStatus, EpisodeRecord, ReturnAttempt
from outcomes.periods import add_months
from outcomes.returns.selectors import last_month_source

SURVEY_COLUMNS = ("measure_code", "numerator", "denominator")


def survey_csv(rows: list[dict]) -> bytes:
    """Survey figures entered in the portal, as the survey CSV the data standard reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(SURVEY_COLUMNS)
    for row in rows:
        writer.writerow([row.get(column, "") for column in SURVEY_COLUMNS])
    return buffer.getvalue().encode()


# The episode service types a contract commissions, where its service type says so.
COMMISSIONED: dict[str, frozenset[str]] = {ServiceType.SHORT_TERM: frozenset({"short_term"})}


def previous_month(contract: Contract, month: date) -> PreviousMonth | None:
    """The newest accepted version of the contract's month before ``month``, for the checks against it."""
    attempt = last_month_source(contract, month)
    if attempt is None:
        return None
    rows = EpisodeRecord.objects.filter(attempt=attempt).values_list(
        "episode_ref", "person_ref", "service_type", "referral_source", "referred_at", "ended_on"
    )
    return PreviousMonth(
        label=f"{add_months(month, -1):%B %Y}",
        episodes=tuple(PreviousEpisode(*row) for row in rows.iterator(chunk_size=5000)),
    )


def attempt_read(attempt: ReturnAttempt) -> ValidatedReturn:
    """Validate the attempt's stored file (or, for a nil return, its survey figures), checked against
    the contract's previous month and the service types it commissions."""
    period = attempt.monthly_return.period
    survey_bytes, survey_name = None, None
    if attempt.survey_file:
        with attempt.survey_file.open("rb") as handle:
            survey_bytes, survey_name = handle.read(), attempt.survey_filename
    elif attempt.survey_entered:
        survey_bytes, survey_name = survey_csv(attempt.survey_entered), "survey (entered in the portal).csv"
    if attempt.kind == AttemptKind.NIL:
        return validate_nil_return(period=period, survey_file=survey_bytes, survey_filename=survey_name)
    with attempt.file.open("rb") as handle:
        content = handle.read()
    monthly_return = attempt.monthly_return
    contract = monthly_return.contract
    return validate_return(
        period=period,
        episodes_file=content,
        filename=attempt.filename,
        survey_file=survey_bytes,
        survey_filename=survey_name,
        previous=previous_month(contract, monthly_return.month),
        commissioned=COMMISSIONED.get(contract.service_type),
    )


def attempt_validate(*, attempt_id: int) -> ReturnAttempt:
    """Check a received submission against the data standard; safe to run twice or after a crash."""
    return attempt_check(attempt_id)[0]


def attempt_check(attempt_id: int) -> tuple[ReturnAttempt, ValidatedReturn | None]:
    """attempt_validate, also giving the parsed rows when this call did the checking."""
    with transaction.atomic():
        attempt = (
            # The attempt's row alone: a sign-off holds its contract's lock and then updates the
            # attempt, so a check delivered again during a sign-off must not wait on the contract.
            ReturnAttempt.objects.select_for_update(of=("self",))
            .select_related("monthly_return__contract__provider")
            .get(pk=attempt_id)
        )
        if attempt.status not in (AttemptStatus.RECEIVED, AttemptStatus.VALIDATING):
            return attempt, None
        attempt.status = AttemptStatus.VALIDATING
        attempt.save(update_fields=["status"])
    result = attempt_read(attempt)
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
