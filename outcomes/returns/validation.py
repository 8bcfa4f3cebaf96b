"""Checking a received return against the data standard: the background task's work.

``attempt_validate`` is idempotent: an attempt left "being checked" by a killed worker is checked
again when the task is redelivered, and a finished one is left as it is. A valid attempt's typed rows
are kept with everything its checks read (``checked``); sign-off writes them while that is unchanged
and reads the stored file again (``attempt_read``) otherwise, so what is accepted is exactly what
was checked, against what holds at sign-off.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import importlib
import io
import pkgutil
import secrets
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import audit_record
from commissioning.models import Contract, ServiceType
from outcomes import mds
from outcomes.mds import (
    PreviousEpisode,
    PreviousMonth,
    ValidatedReturn,
    collector_paused,
    validate_nil_return,
    validate_return,
)
from outcomes.models import AttemptKind, AttemptStatus, EpisodeRecord, ReturnAttempt
from outcomes.periods import add_months
from outcomes.returns.checked import checked_keep
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
    return previous_month_of(last_month_source(contract, month), month)


def previous_month_of(source: ReturnAttempt | None, month: date) -> PreviousMonth | None:
    """What the checks against the previous month read of its newest accepted version ``source``."""
    if source is None:
        return None
    label = f"{add_months(month, -1):%B %Y}"
    if connection.vendor == "postgresql":
        # The referral moments read as UTC clock times and marked UTC: the same instants, loaded by
        # the driver's own code rather than the loader Django adds for time-zone-aware values, which
        # is several times slower over a month of 50,000 episodes.
        columns = (
            "episode_ref, person_ref, service_type, referral_source, referred_at AT TIME ZONE 'UTC', ended_on"
        )
        query = f"SELECT {columns} FROM {EpisodeRecord._meta.db_table} WHERE attempt_id = %s"  # noqa: S608 - names from the model
        with connection.cursor() as cursor:
            cursor.execute(
                query,
                [source.pk],
            )
            return PreviousMonth(
                label=label,
                episodes=tuple(
                    PreviousEpisode(
                        ref, person, service, source_of_referral, referred.replace(tzinfo=UTC), ended
                    )
                    for ref, person, service, source_of_referral, referred, ended in cursor.fetchall()
                ),
            )
    rows = EpisodeRecord.objects.filter(attempt=source).values_list(
        "episode_ref", "person_ref", "service_type", "referral_source", "referred_at", "ended_on"
    )
    return PreviousMonth(
        label=label, episodes=tuple(PreviousEpisode(*row) for row in rows.iterator(chunk_size=5000))
    )


# The modules whose code decides what the checks find: any change to them (a new rule, a reworded
# message) makes a kept result stale, without anyone having to remember to say so.
RULES_MODULES = (
    *(f"outcomes.mds.{module.name}" for module in pkgutil.iter_modules(mds.__path__)),
    "outcomes.mds",
    "outcomes.periods",
    "outcomes.returns.validation",
    "outcomes.returns.checked",
)


@functools.cache
def rules_version() -> str:
    """The data standard's version and a fingerprint of the code that applies it.

    Where the code cannot be read, a value of this process alone: nothing it checks is ever reused
    by another process, which is safe, only slower."""
    digest = hashlib.sha256()
    try:
        for name in sorted(RULES_MODULES):
            digest.update(
                name.encode() + b"\0" + Path(importlib.import_module(name).__file__ or "").read_bytes()
            )
    except OSError:
        return f"MDS {mds.columns.FORMAT_VERSION}, unread code {secrets.token_hex(8)}"
    return f"MDS {mds.columns.FORMAT_VERSION}, rules {digest.hexdigest()[:16]}"


def _sha256(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class CheckInputs:
    """Everything checking an attempt reads, fetched once: its files, the previous month's newest
    accepted version, and the contract's commissioned services and term."""

    attempt: ReturnAttempt
    content: bytes | None  # the episodes file; None for a nil return
    survey_bytes: bytes | None
    survey_name: str | None
    previous_source: ReturnAttempt | None
    commissioned: frozenset[str] | None

    def against(self) -> dict:
        """What the checks depend on, as kept with their result: it is current while this is unchanged.

        The contract's term is not read by any rule today; it is here so that a rule that reads it
        can never be served a result from before the term changed."""
        attempt = self.attempt
        contract = attempt.monthly_return.contract
        return {
            "rules": rules_version(),
            "period": attempt.monthly_return.period,
            "kind": attempt.kind,
            "file": None if self.content is None else [attempt.filename, _sha256(self.content)],
            "survey": None if self.survey_bytes is None else [self.survey_name, _sha256(self.survey_bytes)],
            "previous": None if self.previous_source is None else self.previous_source.pk,
            "commissioned": None if self.commissioned is None else sorted(self.commissioned),
            "term": [f"{contract.start_date}", f"{contract.end_date}"],
            # Retention empties last month's version (its rows go) without replacing it.
            "person_data_deleted_on": f"{contract.person_data_deleted_on or ''}",
        }


def attempt_inputs(attempt: ReturnAttempt) -> CheckInputs:
    """Read what checking the attempt needs: its stored files and what it is checked against."""
    survey_bytes, survey_name = None, None
    if attempt.survey_file:
        with attempt.survey_file.open("rb") as handle:
            survey_bytes, survey_name = handle.read(), attempt.survey_filename
    elif attempt.survey_entered:
        survey_bytes, survey_name = survey_csv(attempt.survey_entered), "survey (entered in the portal).csv"
    monthly_return = attempt.monthly_return
    contract = monthly_return.contract
    if attempt.kind == AttemptKind.NIL:
        return CheckInputs(attempt, None, survey_bytes, survey_name, None, None)
    with attempt.file.open("rb") as handle:
        content = handle.read()
    return CheckInputs(
        attempt,
        content,
        survey_bytes,
        survey_name,
        previous_source=last_month_source(contract, monthly_return.month),
        commissioned=COMMISSIONED.get(contract.service_type),
    )


def inputs_validate(inputs: CheckInputs) -> ValidatedReturn:
    """Validate the attempt's files (or, for a nil return, its survey figures), checked against the
    contract's previous month and the service types it commissions."""
    attempt = inputs.attempt
    period = attempt.monthly_return.period
    if inputs.content is None:
        return validate_nil_return(
            period=period, survey_file=inputs.survey_bytes, survey_filename=inputs.survey_name
        )
    with collector_paused():  # last month's episodes are many small objects too, and no cycles
        return validate_return(
            period=period,
            episodes_file=inputs.content,
            filename=attempt.filename,
            survey_file=inputs.survey_bytes,
            survey_filename=inputs.survey_name,
            previous=previous_month_of(inputs.previous_source, attempt.monthly_return.month),
            commissioned=inputs.commissioned,
        )


def attempt_read(attempt: ReturnAttempt) -> ValidatedReturn:
    """Validate the attempt's stored file (or, for a nil return, its survey figures), checked against
    the contract's previous month and the service types it commissions."""
    return inputs_validate(attempt_inputs(attempt))


def attempt_validate(*, attempt_id: int) -> ReturnAttempt:
    """Check a received submission against the data standard; safe to run twice or after a crash.
    A valid one's typed rows are kept, with what the checks read, for its sign-off."""
    with transaction.atomic():
        attempt = (
            # The attempt's row alone: a sign-off holds its contract's lock and then updates the
            # attempt, so a check delivered again during a sign-off must not wait on the contract.
            ReturnAttempt.objects.select_for_update(of=("self",))
            .select_related("monthly_return__contract__provider")
            .get(pk=attempt_id)
        )
        if attempt.status not in (AttemptStatus.RECEIVED, AttemptStatus.VALIDATING):
            return attempt
        attempt.status = AttemptStatus.VALIDATING
        attempt.save(update_fields=["status"])
    inputs = attempt_inputs(attempt)
    result = inputs_validate(inputs)
    with transaction.atomic():
        attempt = (
            ReturnAttempt.objects.select_for_update(of=("self",))
            .select_related("monthly_return__contract__provider")
            .get(pk=attempt_id)
        )
        if attempt.status != AttemptStatus.VALIDATING:
            return attempt
        attempt.errors = [{"severity": "error", **p.as_dict()} for p in result.errors]
        attempt.warnings = [{"severity": "warning", **p.as_dict()} for p in result.warnings]
        attempt.episode_count = len(result.episodes)
        attempt.status = AttemptStatus.VALID if result.is_valid else AttemptStatus.REJECTED
        attempt.validated_at = timezone.now()
        attempt.save(update_fields=["errors", "warnings", "episode_count", "status", "validated_at"])
        if result.is_valid:
            checked_keep(attempt, inputs.against(), result)
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
    return attempt
