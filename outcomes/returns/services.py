"""Monthly returns: submit (checked by a background task), sign off and accept. Each step is one
transaction.

A return is accepted or rejected as a whole. Submitting stores the file with its checksum and
records ``outcomes.returns.tasks.return_validate`` in the outbox with the upload (``accounts.jobs``;
the work is ``validation``); signing off takes a
lock on the contract and accepts the checked file (``acceptance``), which asks for the results it
feeds to be recomputed.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from accounts.jobs import JobState, job_for, job_retry, job_state
from accounts.upload_limits import UploadLimit
from commissioning.access import require_prime_provider
from commissioning.models import Contract
from outcomes.mds import MAX_FILE_BYTES
from outcomes.models import AttemptKind, AttemptStatus, MonthlyReturn, ReturnAttempt
from outcomes.periods import due_at, is_late, parse_month
from outcomes.returns.acceptance import attempt_accept, unacknowledged
from outcomes.returns.emails import ACCEPTED
from outcomes.returns.submitters import Submitter, submitter_for
from outcomes.returns.tasks import return_email_later, validation_later, validation_subject
from outcomes.returns.validation import attempt_validate

IMPORT_LABEL = "Data import (import_return)"

# A return upload (page or API): the episodes file and, optionally, the survey file, each within the
# data standard's size.
RETURN_UPLOAD = UploadLimit(
    subject="A monthly return",
    file_bytes=MAX_FILE_BYTES,
    files=2,
    advice="Remove anything that is not part of the return (pictures, extra sheets, formatting of empty "
    "rows) and send it again.",
)


def monthly_return_for(contract: Contract, period: str) -> MonthlyReturn:
    """The month's return slot, created on first use with its due date."""
    month = parse_month(period)
    monthly_return, _ = MonthlyReturn.objects.get_or_create(
        contract=contract, month=month, defaults={"due_at": due_at(month, contract.return_due_day)}
    )
    return monthly_return


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
            actor_organisation=submitter.organisation,
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
            validation_later(attempt)
    return attempt


def attempt_checks_state(attempt: ReturnAttempt) -> JobState | None:
    """How checking an upload is going, while it is received or being checked (None once checked)."""
    if attempt.status not in (AttemptStatus.RECEIVED, AttemptStatus.VALIDATING):
        return None
    job = job_for(validation_subject(attempt.pk))
    if job is None:  # saved without a job (before the outbox): the sweeper gives it one
        return JobState("delayed", 0, 0, attempt.submitted_at)
    return job_state(job)


def attempt_check_again(*, acting: Acting, attempt: ReturnAttempt) -> None:
    """A person's "Try again" on an upload whose checks could not be done after every try."""
    require_prime_provider(acting, attempt.monthly_return.contract, Capability.SUBMIT_RETURNS)
    state = attempt_checks_state(attempt)
    if state is None:
        raise ValidationError("This upload has been checked already.")
    if not state.failed:
        raise ValidationError("This upload is being checked already: this page updates itself.")
    with transaction.atomic():
        job = job_for(validation_subject(attempt.pk))
        assert job is not None
        job_retry(job)
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="return.check_again",
            obj=attempt,
            organisation=attempt.monthly_return.contract.provider,
            details={"tries_before": state.tries},
        )


def contract_lock(contract: Contract) -> None:
    """Hold the contract's row lock to the end of the transaction: acceptances of one contract run
    one at a time (months of a contract share episodes, so a lock per month is not enough)."""
    Contract.objects.select_for_update().filter(pk=contract.pk).first()


def return_sign_off(
    *,
    acting: Acting,
    attempt: ReturnAttempt,
    declaration: bool,
    acknowledged_warnings: bool | dict[int, str],
) -> ReturnAttempt:
    """An approver declares the return true and complete; it becomes the month's newest version."""
    contract = attempt.monthly_return.contract
    require_prime_provider(acting, contract, Capability.SIGN_OFF_RETURNS)
    if not declaration:  # every box left unticked is named at once, the declaration first
        raise ValidationError(
            {"declaration": "Confirm the declaration to sign off the return"}
            | unacknowledged(attempt, acknowledged_warnings)
        )
    with transaction.atomic():
        # One acceptance at a time per contract: the second waits, then sees the first's rows.
        contract_lock(contract)
        attempt = ReturnAttempt.objects.select_related("monthly_return__contract__provider").get(
            pk=attempt.pk
        )
        accepted = attempt_accept(attempt, submitter_for(acting), acknowledged_warnings)
        return_email_later(accepted, ACCEPTED)
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="return.sign_off",
            obj=accepted,
            organisation=accepted.monthly_return.contract.provider,
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
        submitter=submitter_for(acting),
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
        submitter=submitter_for(acting),
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
    attempt = attempt_validate(attempt_id=attempt.pk)
    if accept and attempt.status == AttemptStatus.VALID:
        with transaction.atomic():
            contract_lock(contract)
            attempt = ReturnAttempt.objects.select_related("monthly_return__contract__provider").get(
                pk=attempt.pk
            )
            attempt = attempt_accept(attempt, submitter, acknowledged_warnings=True)
    return attempt
