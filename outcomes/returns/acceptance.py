"""Accepting a signed-off return: its episodes and survey figures become the month's newest version.

The caller holds the contract's lock. Everything is written in one transaction: every episode
(PostgreSQL COPY) and survey figure of the new version, the previous version marked superseded
(never changed), what changed (episodes added, changed, removed), the latest-row flags the measures
read, and a request to recompute every period whose results the change can reach, judged by the
episodes' own dates (``outcomes.results.affected``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from accounts.audit import audit_record
from accounts.dates import moment_label
from outcomes.mds import ValidatedReturn
from outcomes.models import AttemptStatus, EpisodeRecord, MonthlyReturn, ReturnAttempt, SurveyFigure
from outcomes.periods import LONDON
from outcomes.results.affected import latest_rows_read, months_touched
from outcomes.results.calculators import latest_flags_refresh
from outcomes.results.requests import recompute_request
from outcomes.returns.submitters import Submitter
from outcomes.returns.validation import attempt_read

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
HOURS_PLACES = Decimal("0.01")  # EpisodeRecord.weekly_hours_* keep two decimal places


def _episode_key(record) -> tuple:
    # Moments in UTC: Python never finds a London time in the autumn's repeated hour equal to a UTC one.
    return tuple(
        value.astimezone(UTC) if isinstance(value, datetime) else value
        for value in (getattr(record, name) for name in EPISODE_FIELDS)
    )


def _stored_hours(hours: Decimal) -> Decimal:
    """Hours as the database keeps them (two decimal places), so comparisons see the stored value."""
    return hours.quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)


def attempt_accept(
    attempt: ReturnAttempt,
    submitter: Submitter,
    acknowledged_warnings: bool | dict[int, str],
    result: ValidatedReturn | None = None,
) -> ReturnAttempt:
    """Store the attempt as the month's newest version (caller holds the contract's lock).

    ``result`` is the validation just done in the same call (the data-team path); otherwise the
    stored file is read again, so that what is accepted is exactly what was checked.
    """
    if attempt.status == AttemptStatus.ACCEPTED or attempt.status == AttemptStatus.SUPERSEDED:
        raise ValidationError(
            f"This return was already signed off by {attempt.signed_off_by_label} at "
            f"{moment_label(attempt.signed_off_at)}. Nothing more is needed."
        )
    if attempt.status != AttemptStatus.VALID:
        raise ValidationError(
            f"This return cannot be signed off: it is {attempt.get_status_display().lower()}. "
            "Only a return that passed its checks can be signed off."
        )
    notes = _acknowledgements(attempt, acknowledged_warnings)
    result = result or attempt_read(attempt)
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
    # The version's rows are current now: refresh which row of each touched episode the measures
    # read, noting what they read before and after, to know which results the change reaches.
    versions = [a for a in (attempt, previous) if a is not None]
    refs = EpisodeRecord.objects.filter(attempt__in=versions).values("episode_ref")
    accepted_before = list(
        MonthlyReturn.objects.filter(contract=contract, attempts__is_current=True).values_list(
            "month", flat=True
        )
    )
    before = latest_rows_read(contract, refs)
    attempt.is_current = True
    attempt.save(update_fields=["is_current"])
    latest_flags_refresh(contract, versions)
    touched = months_touched(
        contract,
        month=monthly_return.month,
        before=before,
        after=latest_rows_read(contract, refs),
        accepted_before=accepted_before,
        today=timezone.localdate(),
    )
    last_version = monthly_return.attempts.aggregate(v=Max("version"))["v"] or 0
    attempt.status = AttemptStatus.ACCEPTED
    attempt.is_current = True
    attempt.version = last_version + 1
    attempt.accepted_at = now
    attempt.signed_off_at = now
    attempt.signed_off_by = submitter.user
    attempt.signed_off_by_label = submitter.label
    attempt.changes = changes
    attempt.warning_notes = notes
    attempt.episode_count = len(records)
    attempt.save()
    recompute_request(contract=contract, months=touched)
    # Last, as every audit entry is: writing one holds the audit log's chain lock to the commit, so
    # a row lock taken after it could wait on a transaction that waits for the chain (a deadlock).
    audit_record(
        actor=submitter.user,
        actor_label=submitter.label,
        actor_organisation=submitter.organisation,
        action="return.accept",
        obj=attempt,
        organisation=contract.provider,
        details={
            "contract": contract.reference,
            "period": monthly_return.period,
            "version": attempt.version,
            "episodes": len(records),
            "warnings_acknowledged": len(attempt.warnings),
            "warning_notes": sum(1 for item in notes if item["note"]),
            "source": submitter.source,
            "changes": changes,
        },
    )
    return attempt


def _acknowledgements(attempt: ReturnAttempt, acknowledged: bool | dict[int, str]) -> list[dict]:
    """Every warning acknowledged, one by one, each with the approver's note; ValidationError naming
    each one that is not. ``True`` acknowledges all (the data team's import and the API's flag)."""
    count = len(attempt.warnings)
    if acknowledged is True:
        return [{"warning": index, "note": ""} for index in range(count)]
    given = acknowledged if isinstance(acknowledged, dict) else {}
    missing = [index for index in range(count) if index not in given]
    if missing:
        raise ValidationError(
            {
                f"acknowledge_{index}": f"Confirm that you have read warning {index + 1}"
                if len(missing) < count or count == 1
                else f"Confirm that you have read warning {index + 1} (each warning is acknowledged on its own)"
                for index in missing
            }
        )
    return [{"warning": index, "note": given[index][:500]} for index in range(count)]


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
