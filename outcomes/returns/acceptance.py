"""Accepting a signed-off return: its episodes and survey figures become the month's newest version.

The caller holds the contract's lock. Everything is written in one transaction: every episode
(PostgreSQL COPY) and survey figure of the new version, the previous version marked superseded
(never changed), what changed (episodes added, changed, removed), the latest-row flags the measures
read, and a request to recompute every period whose results the change can reach, judged by the
episodes' own dates (``outcomes.results.affected``). The rows are those kept from the attempt's
validation (``checked``) while nothing its checks read has changed since.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from accounts.audit import audit_record
from accounts.dates import moment_label
from outcomes.mds import EpisodeRow
from outcomes.models import (
    AttemptStatus,
    CheckedReturn,
    EpisodeRecord,
    MonthlyReturn,
    ReturnAttempt,
    SurveyFigure,
)
from outcomes.periods import LONDON
from outcomes.results.affected import months_touched, rows_read_changing
from outcomes.results.latest import jit_off, latest_flags_refresh
from outcomes.results.requests import recompute_request
from outcomes.returns.checked import (
    EPISODE_FIELDS,
    checked_copy_text,
    checked_current,
    episode_copy_text,
    episodes_copy,
    keeps_checked_rows,
    stored_hours,
)
from outcomes.returns.submitters import Submitter
from outcomes.returns.validation import attempt_inputs, inputs_validate


@dataclass(frozen=True)
class _Rows:
    """The rows a version is accepted with: its episodes as COPY text (PostgreSQL) or as typed rows
    (the embedded database), and its survey figures."""

    count: int
    copy_text: bytes = b""
    episodes: list[EpisodeRow] = field(default_factory=list)
    survey: list[tuple[str, int, int]] = field(default_factory=list)


def _rows_to_accept(attempt: ReturnAttempt) -> _Rows:
    """The rows checked at validation while everything the checks read is unchanged; otherwise the
    stored file checked again (ValidationError if it no longer passes: nothing of it is accepted)."""
    inputs = attempt_inputs(attempt)
    kept = checked_current(attempt, inputs.against())
    if kept is not None:
        survey = [(code, numerator, denominator) for code, numerator, denominator in kept.survey]
        return _Rows(kept.episode_count, copy_text=checked_copy_text(kept), survey=survey)
    result = inputs_validate(inputs)
    if not result.is_valid:  # the stored file no longer passes: refuse rather than accept part of it
        raise ValidationError("The stored file no longer passes its checks. Upload it again.")
    survey = [(row.measure_code, row.numerator, row.denominator) for row in result.survey]
    if not keeps_checked_rows():
        return _Rows(len(result.episodes), episodes=result.episodes, survey=survey)
    monthly_return = attempt.monthly_return
    copy_text = episode_copy_text(
        result.episodes,
        attempt_id=attempt.pk,
        contract_id=monthly_return.contract_id,
        month=monthly_return.month,
    )
    return _Rows(len(result.episodes), copy_text=copy_text, survey=survey)


def attempt_accept(
    attempt: ReturnAttempt, submitter: Submitter, acknowledged_warnings: bool | dict[int, str]
) -> ReturnAttempt:
    """Store the attempt as the month's newest version (caller holds the contract's lock).

    The rows kept from its validation are written while everything the checks read is unchanged
    (``checked``); otherwise the stored file is checked again, so that what is accepted is exactly
    what passes the checks as they stand at sign-off.
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
    monthly_return = attempt.monthly_return
    contract = monthly_return.contract
    previous = monthly_return.attempts.filter(is_current=True).first()
    if previous is not None and (previous.submitted_at, previous.pk) > (attempt.submitted_at, attempt.pk):
        raise ValidationError(
            f"A newer file for {monthly_return.month:%B %Y}, sent at {moment_label(previous.submitted_at)}, "
            f"is already accepted as version {previous.version}: signing off this older one would replace "
            "it. To correct the month, send a new file."
        )
    rows = _rows_to_accept(attempt)
    now = timezone.now()
    if previous is not None:
        previous.is_current = False
        previous.status = AttemptStatus.SUPERSEDED
        previous.superseded_at = now
        previous.save(update_fields=["is_current", "status", "superseded_at"])
    # The months with an accepted version besides this one. Accepting the contract's newest month
    # (as nearly always), its rows are its episodes' latest.
    accepted_before = list(
        MonthlyReturn.objects.filter(contract=contract, attempts__is_current=True).values_list(
            "month", flat=True
        )
    )
    newest = not any(month > monthly_return.month for month in accepted_before)
    _insert_episodes(attempt, rows, latest=newest)
    SurveyFigure.objects.bulk_create(
        SurveyFigure(
            attempt=attempt,
            contract=contract,
            month=monthly_return.month,
            measure_code=code,
            numerator=numerator,
            denominator=denominator,
        )
        for code, numerator, denominator in rows.survey
    )
    CheckedReturn.objects.filter(attempt=attempt).delete()  # its rows are the version's rows now
    changes = _changes(previous, attempt) if previous is not None else {}
    # The version's rows are current now: move the flags to the row of each touched episode the
    # measures read, and compare the rows read before and after, to know which results the change
    # reaches.
    versions = [a for a in (attempt, previous) if a is not None]
    attempt.is_current = True
    attempt.save(update_fields=["is_current"])
    flags = latest_flags_refresh(contract, versions, newest=attempt if newest else None)
    changed = rows_read_changing(flags.moved)  # before the flags move: the rows read before are told by them
    flags.write()
    touched = months_touched(
        contract,
        month=monthly_return.month,
        changed=changed,
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
    attempt.episode_count = rows.count
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
            "episodes": rows.count,
            "warnings_acknowledged": len(attempt.warnings),
            "warning_notes": sum(1 for item in notes if item["note"]),
            "source": submitter.source,
            "changes": changes,
        },
    )
    return attempt


def unacknowledged(attempt: ReturnAttempt, acknowledged: bool | dict[int, str]) -> dict[str, str]:
    """The error for each warning not acknowledged (none when every one is, or ``True`` was given)."""
    count = len(attempt.warnings)
    if acknowledged is True:
        return {}
    given = acknowledged if isinstance(acknowledged, dict) else {}
    missing = [index for index in range(count) if index not in given]
    return {
        f"acknowledge_{index}": f"Confirm that you have read warning {index + 1}"
        if len(missing) < count or count == 1
        else f"Confirm that you have read warning {index + 1} (each warning is acknowledged on its own)"
        for index in missing
    }


def _acknowledgements(attempt: ReturnAttempt, acknowledged: bool | dict[int, str]) -> list[dict]:
    """Every warning acknowledged, one by one, each with the approver's note; ValidationError naming
    each one that is not. ``True`` acknowledges all (the data team's import and the API's flag)."""
    count = len(attempt.warnings)
    if acknowledged is True:
        return [{"warning": index, "note": ""} for index in range(count)]
    if missing := unacknowledged(attempt, acknowledged):
        raise ValidationError(missing)
    given = acknowledged if isinstance(acknowledged, dict) else {}
    return [{"warning": index, "note": given[index][:500]} for index in range(count)]


def _insert_episodes(attempt: ReturnAttempt, rows: _Rows, *, latest: bool) -> None:
    """Write a version's episodes, flagged as their episodes' latest rows or not: PostgreSQL COPY
    (fast, same transaction), else bulk inserts."""
    if keeps_checked_rows():
        episodes_copy(rows.copy_text, contract_id=attempt.monthly_return.contract_id, latest=latest)
        return
    monthly_return = attempt.monthly_return
    EpisodeRecord.objects.bulk_create(
        (
            EpisodeRecord(
                attempt=attempt,
                contract_id=monthly_return.contract_id,
                month=monthly_return.month,
                row=row.row,
                episode_ref=row.episode_ref,
                **{
                    **{name: getattr(row, name) for name in EPISODE_FIELDS},
                    "weekly_hours_start": stored_hours(row.weekly_hours_start),
                    "weekly_hours_now": stored_hours(row.weekly_hours_now),
                },
                referred_on=row.referred_at.astimezone(LONDON).date(),
                first_visit_on=row.first_visit_at.astimezone(LONDON).date() if row.first_visit_at else None,
                is_latest=latest,
            )
            for row in rows.episodes
        ),
        batch_size=2000,
    )


def _changes(previous: ReturnAttempt, attempt: ReturnAttempt) -> dict:
    """Episodes added, removed and changed (in any field the provider gives) against the previous
    version: set differences of the two versions' rows, which treat two blanks as equal."""
    table = EpisodeRecord._meta.db_table
    fields = ", ".join(("episode_ref", *EPISODE_FIELDS))
    with connection.cursor() as cursor, jit_off(cursor, attempt.episode_count + previous.episode_count):
        cursor.execute(
            f"""
            SELECT
              (SELECT COUNT(*) FROM (
                 SELECT episode_ref FROM {table} WHERE attempt_id = %s
                 EXCEPT SELECT episode_ref FROM {table} WHERE attempt_id = %s) added),
              (SELECT COUNT(*) FROM (
                 SELECT episode_ref FROM {table} WHERE attempt_id = %s
                 EXCEPT SELECT episode_ref FROM {table} WHERE attempt_id = %s) removed),
              (SELECT COUNT(*) FROM (
                 SELECT {fields} FROM {table} WHERE attempt_id = %s
                 EXCEPT SELECT {fields} FROM {table} WHERE attempt_id = %s) differing)
            """,  # noqa: S608 - names from the model; every value is a parameter
            [attempt.pk, previous.pk, previous.pk, attempt.pk, attempt.pk, previous.pk],
        )
        added, removed, differing = cursor.fetchone()
    # A row of the new version unlike every row of the old is an episode added or changed.
    return {"added": added, "removed": removed, "changed": differing - added}
