"""Return checks really run on a Celery worker consuming from Redis (the "validation" queue)."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from accounts.models import AuditEntry
from commissioning.models import Target
from outcomes.models import AttemptStatus, ComplianceResult, RecomputeRun, ReturnAttempt
from outcomes.periods import parse_period
from outcomes.results.requests import recompute_run_request
from outcomes.returns.services import return_sign_off, return_submit
from outcomes.returns.tasks import return_validate
from tests.factories import target
from tests.outcomes.return_files import ERROR_EPISODE, PERIOD, VALID_EPISODES, episodes_csv

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _status_becomes(attempt_id: int, wanted: str, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ReturnAttempt.objects.get(pk=attempt_id).status == wanted:
            return True
        time.sleep(0.05)
    return False


def _submit(returns, data: bytes) -> ReturnAttempt:
    return return_submit(
        acting=returns.acting("a_submitter"),
        contract=returns.contract,
        period=PERIOD,
        file_bytes=data,
        filename="may.csv",
    )


def test_a_submitted_return_is_checked_by_the_worker_after_commit(returns, worker):
    with transaction.atomic():
        attempt = _submit(returns, episodes_csv(*VALID_EPISODES))
        time.sleep(0.3)  # nothing is queued until the upload commits
        assert ReturnAttempt.objects.get(pk=attempt.pk).status == AttemptStatus.RECEIVED
    assert _status_becomes(attempt.pk, AttemptStatus.VALID), "the worker did not validate the return"
    attempt.refresh_from_db()
    assert attempt.episode_count == 3 and attempt.errors == [] and attempt.validated_at is not None
    assert AuditEntry.objects.filter(action="return.validate", object_id=str(attempt.pk)).count() == 1


def test_the_worker_rejects_a_bad_return(returns, worker):
    attempt = _submit(returns, episodes_csv(*VALID_EPISODES, ERROR_EPISODE))
    assert _status_becomes(attempt.pk, AttemptStatus.REJECTED)
    attempt.refresh_from_db()
    assert [(e["row"], e["column"]) for e in attempt.errors] == [(5, "person_ref")]


def test_a_redelivered_check_finishes_a_validation_cut_short(returns, worker):
    attempt = _submit(returns, episodes_csv(*VALID_EPISODES))
    assert _status_becomes(attempt.pk, AttemptStatus.VALID)
    other = _submit(returns, episodes_csv(*VALID_EPISODES[:2]))
    assert _status_becomes(other.pk, AttemptStatus.VALID)
    # A worker killed mid-check leaves the attempt "validating"; the redelivered task runs it again.
    ReturnAttempt.objects.filter(pk=other.pk).update(status=AttemptStatus.VALIDATING, validated_at=None)
    return_validate.delay(other.pk)
    assert _status_becomes(other.pk, AttemptStatus.VALID)
    other.refresh_from_db()
    assert other.episode_count == 2 and other.validated_at is not None


def test_an_accepted_return_produces_results_through_the_worker(returns, worker, settings):
    """The whole chain over Redis: upload, check, sign-off, coalesced recompute, stored results."""
    settings.COMPLIANCE_COALESCE_SECONDS = 1
    target(returns.contract, "HOSPITAL_ADMISSION", "5")
    attempt = _submit(returns, episodes_csv(*VALID_EPISODES))
    assert _status_becomes(attempt.pk, AttemptStatus.VALID)
    return_sign_off(
        acting=returns.acting("a_approver"), attempt=attempt, declaration=True, acknowledged_warnings=True
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not ComplianceResult.objects.filter(period="2025-26-Q1").exists():
        time.sleep(0.1)
    result = ComplianceResult.objects.get(period="2025-26-Q1", is_latest=True)
    assert result.target == Target.objects.get(contract=returns.contract)
    assert result.denominator == 3 and result.sources["2025-05"]["version"] == 1


def test_recompute_now_runs_on_the_worker_and_records_progress(returns, worker):
    """A commissioner's "Recompute now" is computed by the worker from the compliance queue."""
    target(returns.contract, "HOSPITAL_ADMISSION", "5")
    periods = [parse_period("2025-26-Q1"), parse_period("2025-26-YTD-06")]
    run, created = recompute_run_request(
        acting=returns.acting("commissioner"), contract=returns.contract, year=2025, periods=periods
    )
    assert created
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and RecomputeRun.objects.get(pk=run.pk).active:
        time.sleep(0.1)
    run.refresh_from_db()
    assert (run.status, run.done, run.results) == ("done", 2, 2)
    assert (
        ComplianceResult.objects.filter(period__in=["2025-26-Q1", "2025-26-YTD-06"], is_latest=True).count()
        == 2
    )
