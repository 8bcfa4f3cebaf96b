"""The monthly return services: submit, validate, sign off, accept and resubmit (outcomes.services).

Validation is queued after commit; these tests run the queued callbacks (eager Celery) with
django_capture_on_commit_callbacks(execute=True). The concurrency test uses real transactions.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from accounts.models import AuditEntry
from outcomes.models import (
    AttemptStatus,
    EpisodeRecord,
    MonthlyReturn,
    RecomputeRequest,
    ReturnAttempt,
    SurveyFigure,
)
from outcomes.periods import LONDON
from outcomes.results.calculators import latest_flags_broken
from outcomes.results.tasks import compliance_recompute
from outcomes.returns.emails import return_email_send as return_email_send_now
from outcomes.returns.services import (
    attempt_create,
    return_declare_nil,
    return_import,
    return_sign_off,
    return_submit,
)
from outcomes.returns.submitters import Submitter
from outcomes.returns.validation import attempt_validate
from tests.factories import contract as make_contract
from tests.factories import target
from tests.outcomes.results.invariant import assert_stored_equals_fresh
from tests.outcomes.return_files import (
    ERROR_EPISODE,
    PERIOD,
    VALID_EPISODES,
    WARNING_EPISODE,
    episode,
    episodes_csv,
    survey_csv,
)

pytestmark = pytest.mark.django_db

MAY_AFFECTED = {
    "2025-05",
    "2025-26-Q1",
    *(f"2025-26-YTD-{m:02d}" for m in (5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)),
    *(f"R12-2025-{m:02d}" for m in range(5, 13)),
    *(f"R12-2026-{m:02d}" for m in range(1, 5)),
}


def audits(action: str, attempt: ReturnAttempt):
    return AuditEntry.objects.filter(
        action=action, object_type="outcomes.ReturnAttempt", object_id=str(attempt.pk)
    )


def submit(
    returns, data: bytes, *, who: str = "a_submitter", period: str = PERIOD, filename: str = "may.csv", **kw
):
    """Upload a file and run its queued checks; the attempt as stored afterwards."""
    attempt = return_submit(
        acting=returns.acting(who),
        contract=returns.contract,
        period=period,
        file_bytes=data,
        filename=filename,
        **kw,
    )
    attempt_validate(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    return attempt


def sign_off(returns, attempt, *, who: str = "a_approver", declaration=True, acknowledged_warnings=False):
    return return_sign_off(
        acting=returns.acting(who),
        attempt=attempt,
        declaration=declaration,
        acknowledged_warnings=acknowledged_warnings,
    )


# --- Submitting --------------------------------------------------------------------------------


def test_submit_stores_the_file_with_checksum_and_size_and_queues_its_checks(
    returns, django_capture_on_commit_callbacks
):
    data = episodes_csv(*VALID_EPISODES)
    submitter = returns.world.users["a_submitter"]
    with django_capture_on_commit_callbacks() as callbacks:
        attempt = return_submit(
            acting=returns.acting("a_submitter"),
            contract=returns.contract,
            period=PERIOD,
            file_bytes=data,
            filename="acme-may.csv",
        )
    assert len(callbacks) == 1, "the checks are queued once, after commit"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.RECEIVED
    assert attempt.checksum == hashlib.sha256(data).hexdigest()
    assert attempt.size == len(data)
    assert attempt.filename == "acme-may.csv"
    assert attempt.source == "portal"
    assert attempt.submitted_by == submitter
    assert attempt.version is None and not attempt.is_current
    with attempt.file.open("rb") as handle:
        assert handle.read() == data
    monthly_return = attempt.monthly_return
    assert monthly_return.contract == returns.contract and monthly_return.month == date(2025, 5, 1)
    [entry] = audits("return.upload", attempt)
    assert entry.actor == submitter
    assert entry.organisation_id == returns.world.provider_a.pk
    assert entry.details["checksum"] == attempt.checksum
    assert entry.details["period"] == PERIOD and entry.details["contract"] == "RCC-HC-001"


def test_validation_marks_a_good_file_valid(returns, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        attempt = return_submit(
            acting=returns.acting("a_submitter"),
            contract=returns.contract,
            period=PERIOD,
            file_bytes=episodes_csv(*VALID_EPISODES),
            filename="may.csv",
        )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.VALID
    assert attempt.errors == [] and attempt.warnings == []
    assert attempt.episode_count == 3
    assert attempt.validated_at is not None
    [entry] = audits("return.validate", attempt)
    assert entry.details == {"outcome": "valid", "errors": 0, "warnings": 0, "episodes": 3}
    assert not EpisodeRecord.objects.exists(), "nothing is stored as episodes before sign-off"


def test_validation_rejects_a_bad_file_and_stores_each_error_with_its_place(
    returns, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attempt = return_submit(
            acting=returns.acting("a_submitter"),
            contract=returns.contract,
            period=PERIOD,
            file_bytes=episodes_csv(VALID_EPISODES[0], ERROR_EPISODE),
            filename="may.csv",
        )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.REJECTED
    [error] = attempt.errors
    assert set(error) == {"severity", "sheet", "row", "column", "value", "message"}
    assert error["severity"] == "error"
    assert (error["sheet"], error["row"], error["column"]) == ("episodes", 3, "person_ref")
    assert error["value"] == "94***", "identifiers are masked in the stored report"
    assert "NHS number" in error["message"]
    assert attempt.episode_count == 0
    [entry] = audits("return.validate", attempt)
    assert entry.details["outcome"] == "rejected" and entry.details["errors"] == 1


def test_a_rejected_attempt_stores_no_episodes_and_cannot_be_signed_off(returns):
    attempt = submit(returns, episodes_csv(*VALID_EPISODES, ERROR_EPISODE))
    assert attempt.status == AttemptStatus.REJECTED
    with pytest.raises(ValidationError, match="cannot be signed off"):
        sign_off(returns, attempt)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.REJECTED and attempt.version is None
    assert not EpisodeRecord.objects.filter(attempt=attempt).exists()
    assert not SurveyFigure.objects.exists()
    assert not audits("return.accept", attempt).exists()


def test_a_file_that_is_not_a_return_is_rejected_with_a_file_error(returns):
    attempt = submit(returns, b"%PDF-1.7 not a spreadsheet", filename="may.pdf")
    assert attempt.status == AttemptStatus.REJECTED
    assert attempt.errors[0]["sheet"] == "file" and attempt.errors[0]["row"] is None
    assert "CSV or XLSX" in attempt.errors[0]["message"]


# --- Sign-off and acceptance ---------------------------------------------------------------------


def test_sign_off_accepts_version_1_with_its_episodes_and_survey(
    returns, django_capture_on_commit_callbacks, caplog
):
    approver = returns.world.users["a_approver"]
    attempt = submit(
        returns,
        episodes_csv(*VALID_EPISODES),
        survey_bytes=survey_csv(("HEALTH_NEEDS_MET", 9, 10), ("CARER_SUPPORTED", 4, 4)),
        survey_filename="survey.csv",
    )
    assert attempt.status == AttemptStatus.VALID
    caplog.set_level(logging.INFO, logger="celery.app.trace")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        accepted = sign_off(returns, attempt)
    assert len(callbacks) == 2, "compliance is recomputed, and the acceptance announced, once it commits"
    assert "outcomes.tasks.compliance_recompute" in caplog.text
    assert not RecomputeRequest.objects.filter(contract=returns.contract).exists(), "the request was taken"

    accepted.refresh_from_db()
    assert accepted.status == AttemptStatus.ACCEPTED
    assert accepted.version == 1 and accepted.is_current
    assert accepted.signed_off_by == approver and accepted.signed_off_by_label == str(approver)
    assert accepted.accepted_at is not None and accepted.signed_off_at is not None
    assert accepted.changes == {}
    records = list(EpisodeRecord.objects.filter(attempt=accepted).order_by("row"))
    assert [(r.row, r.episode_ref) for r in records] == [(2, "EP-1"), (3, "EP-2"), (4, "EP-3")]
    ep2, ep3 = records[1], records[2]
    assert ep2.contract == returns.contract and ep2.month == date(2025, 5, 1)
    assert ep2.service_type == "long_term" and ep2.dementia is True and ep2.end_of_life is False
    assert ep2.weekly_hours_start == Decimal("14") and ep2.weekly_hours_now == Decimal("10.5")
    assert ep2.referred_at == datetime(2025, 5, 3, 14, 30, tzinfo=LONDON)
    assert ep2.ended_on is None and ep2.end_reason is None and ep2.at_home_91_days is None
    assert ep3.ended_on == date(2025, 5, 20) and ep3.end_reason == "independent"
    survey = {
        f.measure_code: (f.numerator, f.denominator) for f in SurveyFigure.objects.filter(attempt=accepted)
    }
    assert survey == {"HEALTH_NEEDS_MET": (9, 10), "CARER_SUPPORTED": (4, 4)}
    assert set(SurveyFigure.objects.values_list("month", flat=True)) == {date(2025, 5, 1)}

    [entry] = audits("return.accept", accepted)
    assert entry.actor == approver
    assert entry.details["version"] == 1 and entry.details["episodes"] == 3
    assert entry.details["period"] == PERIOD and entry.details["source"] == "portal"


def test_compliance_recompute_computes_every_period_that_reads_the_month(returns):
    attempt = submit(returns, episodes_csv(*VALID_EPISODES))
    sign_off(returns, attempt)
    result = compliance_recompute.apply(args=(returns.contract.pk, [PERIOD])).get()
    # Every period reading May 2025 has begun by May (rolling windows ending later start earlier).
    assert set(result) == MAY_AFFECTED
    assert len(result) == len(MAY_AFFECTED), "each period is computed once"
    assert result[0] == "2025-05"


def test_survey_figures_typed_into_the_portal_are_stored_on_acceptance(returns):
    attempt = submit(
        returns,
        episodes_csv(*VALID_EPISODES),
        survey_entered=[{"measure_code": "DIED_WITH_DIGNITY", "numerator": 2, "denominator": 3}],
    )
    sign_off(returns, attempt)
    [figure] = SurveyFigure.objects.filter(attempt=attempt)
    assert (figure.measure_code, figure.numerator, figure.denominator) == ("DIED_WITH_DIGNITY", 2, 3)


def test_resubmission_becomes_version_2_and_supersedes_version_1_keeping_its_rows(returns):
    first = submit(
        returns,
        episodes_csv(
            episode("EP-A"),
            episode("EP-B"),
            episode("EP-C"),
            episode("EP-E"),
        ),
    )
    sign_off(returns, first)
    second = submit(
        returns,
        episodes_csv(
            episode("EP-A"),  # unchanged
            episode("EP-B", weekly_hours_now="6.5"),  # changed: hours
            episode("EP-C", ended_on="2025-05-28", end_reason="hospital"),  # changed: ended
            episode("EP-D"),  # added
            # EP-E removed
        ),
        filename="may-corrected.csv",
    )
    accepted = sign_off(returns, second)
    assert accepted.version == 2 and accepted.is_current
    assert accepted.changes == {"added": 1, "changed": 2, "removed": 1}

    first.refresh_from_db()
    assert first.status == AttemptStatus.SUPERSEDED
    assert not first.is_current and first.version == 1 and first.superseded_at is not None
    assert set(first.episodes.values_list("episode_ref", flat=True)) == {"EP-A", "EP-B", "EP-C", "EP-E"}
    assert set(accepted.episodes.values_list("episode_ref", flat=True)) == {"EP-A", "EP-B", "EP-C", "EP-D"}
    assert first.episodes.get(episode_ref="EP-B").weekly_hours_now == Decimal("8"), (
        "version 1 is never changed"
    )
    assert ReturnAttempt.objects.filter(is_current=True).get() == accepted
    [entry] = audits("return.accept", accepted)
    assert entry.details["version"] == 2
    assert entry.details["changes"] == {"added": 1, "changed": 2, "removed": 1}


def test_resubmitting_the_same_rows_reports_no_changes(returns):
    rows = [
        episode("EP-1", weekly_hours_start="7.125", weekly_hours_now="0.333"),
        episode("EP-2", referred_at="2025-05-03T14:30:15.25+00:00", first_visit_at="2025-05-04"),
        episode("EP-3", service_type="long_term", ended_on="2025-05-31", end_reason="died", end_of_life="Y",
                died_in_preferred_place="N"),
    ]  # fmt: skip
    first = submit(returns, episodes_csv(*rows))
    sign_off(returns, first)
    second = submit(returns, episodes_csv(*rows))
    accepted = sign_off(returns, second)
    assert accepted.version == 2
    assert accepted.changes == {"added": 0, "changed": 0, "removed": 0}


def test_a_valid_attempt_that_is_never_signed_off_does_not_replace_the_current_version(returns):
    first = submit(returns, episodes_csv(*VALID_EPISODES))
    sign_off(returns, first)
    pending = submit(returns, episodes_csv(VALID_EPISODES[0]))
    assert pending.status == AttemptStatus.VALID
    first.refresh_from_db()
    assert first.is_current and first.status == AttemptStatus.ACCEPTED


# --- Who may do what ---------------------------------------------------------------------------


def test_a_submitter_cannot_sign_off(returns):
    attempt = submit(returns, episodes_csv(*VALID_EPISODES))
    with pytest.raises(PermissionDenied):
        sign_off(returns, attempt, who="a_submitter")
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.VALID and attempt.version is None


def test_a_viewer_cannot_submit(returns):
    with pytest.raises(PermissionDenied):
        submit(returns, episodes_csv(*VALID_EPISODES), who="a_viewer")
    assert not ReturnAttempt.objects.exists()


@pytest.mark.parametrize("who", ["subcontractor", "b_admin"])
def test_a_subcontractor_or_another_provider_cannot_submit_or_sign_off(returns, who):
    with pytest.raises(PermissionDenied, match="prime provider"):
        return_submit(
            acting=returns.acting(who),
            contract=returns.contract,
            period=PERIOD,
            file_bytes=episodes_csv(*VALID_EPISODES),
            filename="may.csv",
        )
    with pytest.raises(PermissionDenied):
        return_declare_nil(acting=returns.acting(who), contract=returns.contract, period=PERIOD)
    assert not ReturnAttempt.objects.exists() and not MonthlyReturn.objects.exists()
    attempt = submit(returns, episodes_csv(*VALID_EPISODES))
    with pytest.raises(PermissionDenied):
        sign_off(returns, attempt, who=who)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.VALID


def test_a_commissioner_cannot_submit(returns):
    with pytest.raises(PermissionDenied):
        submit(returns, episodes_csv(*VALID_EPISODES), who="commissioner")


# --- Sign-off rules -----------------------------------------------------------------------------


def test_sign_off_without_the_declaration_is_refused(returns):
    attempt = submit(returns, episodes_csv(*VALID_EPISODES))
    with pytest.raises(ValidationError) as caught:
        sign_off(returns, attempt, declaration=False)
    assert set(caught.value.message_dict) == {"declaration"}
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.VALID and not EpisodeRecord.objects.exists()


def test_warnings_must_be_acknowledged_before_sign_off(returns):
    attempt = submit(returns, episodes_csv(*VALID_EPISODES, WARNING_EPISODE))
    assert attempt.status == AttemptStatus.VALID
    [warning] = attempt.warnings
    assert (warning["severity"], warning["sheet"], warning["row"], warning["column"]) == (
        "warning",
        "episodes",
        5,
        "at_home_91_days",
    )
    with pytest.raises(ValidationError) as caught:
        sign_off(returns, attempt, acknowledged_warnings=False)
    assert set(caught.value.message_dict) == {"acknowledge_0"}
    assert not EpisodeRecord.objects.exists()

    accepted = sign_off(returns, attempt, acknowledged_warnings=True)
    assert accepted.status == AttemptStatus.ACCEPTED and accepted.episode_count == 4
    assert audits("return.accept", accepted).get().details["warnings_acknowledged"] == 1


def test_signing_off_an_accepted_return_again_names_who_signed_it_off(returns):
    approver = returns.world.users["a_approver"]
    attempt = submit(returns, episodes_csv(*VALID_EPISODES))
    sign_off(returns, attempt)
    with pytest.raises(ValidationError) as caught:
        sign_off(returns, attempt, who="a_admin")
    message = " ".join(caught.value.messages)
    assert f"already signed off by {approver}" in message
    assert ReturnAttempt.objects.filter(version__isnull=False).count() == 1
    assert EpisodeRecord.objects.count() == 3
    # once superseded, it still says who signed it off
    sign_off(returns, submit(returns, episodes_csv(*VALID_EPISODES)))
    with pytest.raises(ValidationError, match="already signed off by"):
        sign_off(returns, attempt)


# --- Late returns -------------------------------------------------------------------------------


def _create_at(returns, period: str, submitted_at: datetime) -> ReturnAttempt:
    return attempt_create(
        contract=returns.contract,
        period=period,
        submitter=Submitter(user=returns.world.users["a_submitter"], label="Acme submitter"),
        file_bytes=episodes_csv(*VALID_EPISODES),
        filename="may.csv",
        submitted_at=submitted_at,
        queue_validation=False,
    )


@pytest.mark.parametrize(
    ("submitted_at", "late"),
    [
        # May 2025 is due at the end of 10 June 2025, London summer time (BST = UTC+1)
        (datetime(2025, 6, 10, 23, 59, 59, tzinfo=LONDON), False),
        (datetime(2025, 6, 10, 22, 59, 59, tzinfo=UTC), False),
        (datetime(2025, 6, 11, 0, 0, 0, tzinfo=LONDON), True),
        (datetime(2025, 6, 10, 23, 0, 0, tzinfo=UTC), True),  # midnight in London already
        (datetime(2025, 6, 1, 9, 0, tzinfo=LONDON), False),
    ],
)
def test_late_flag_for_a_month_due_in_summer_time(returns, submitted_at, late):
    attempt = _create_at(returns, "2025-05", submitted_at)
    assert attempt.late is late
    assert attempt.monthly_return.due_at == datetime(2025, 6, 10, 22, 59, 59, 999999, tzinfo=UTC)
    entry = audits("return.upload", attempt).get()
    assert entry.details["late"] is late


@pytest.mark.parametrize(
    ("submitted_at", "late"),
    [
        # December 2025 is due at the end of 10 January 2026, Greenwich Mean Time (= UTC)
        (datetime(2026, 1, 10, 23, 59, 59, tzinfo=LONDON), False),
        (datetime(2026, 1, 10, 23, 59, 59, tzinfo=UTC), False),
        (datetime(2026, 1, 11, 0, 0, 0, tzinfo=UTC), True),
        (datetime(2025, 12, 10, 23, 0, tzinfo=LONDON), False),  # the 10th of the month itself is no deadline
    ],
)
def test_late_flag_for_a_month_due_in_winter_across_the_new_year(returns, submitted_at, late):
    attempt = _create_at(returns, "2025-12", submitted_at)
    assert attempt.late is late
    assert attempt.monthly_return.due_at == datetime(2026, 1, 10, 23, 59, 59, 999999, tzinfo=UTC)


def test_the_due_day_is_the_contracts_own(returns):
    other = make_contract(
        returns.world.council, returns.world.provider_a, reference="RCC-HC-002", return_due_day=20
    )
    submitter = Submitter(user=None, label="test")
    on_time = attempt_create(
        contract=other,
        period="2025-05",
        submitter=submitter,
        file_bytes=b"x",
        filename="may.csv",
        submitted_at=datetime(2025, 6, 20, 23, 59, tzinfo=LONDON),
        queue_validation=False,
    )
    late = attempt_create(
        contract=other,
        period="2025-05",
        submitter=submitter,
        file_bytes=b"x",
        filename="may.csv",
        submitted_at=datetime(2025, 6, 21, 0, 0, 1, tzinfo=LONDON),
        queue_validation=False,
    )
    assert (on_time.late, late.late) == (False, True)
    assert on_time.monthly_return == late.monthly_return, "one slot per contract and month"


def test_portal_submission_time_is_now(returns):
    before = datetime.now(UTC)
    attempt = submit(returns, episodes_csv(*VALID_EPISODES))
    assert before <= attempt.submitted_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert attempt.late is True, "May 2025's return submitted today is past its due date"


# --- Nil returns --------------------------------------------------------------------------------


def test_a_nil_return_is_accepted_with_no_episodes_after_sign_off(
    returns, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attempt = return_declare_nil(
            acting=returns.acting("a_submitter"),
            contract=returns.contract,
            period=PERIOD,
            survey_entered=[{"measure_code": "HEALTH_NEEDS_MET", "numerator": 0, "denominator": 0}],
        )
    attempt.refresh_from_db()
    assert attempt.kind == "nil" and attempt.status == AttemptStatus.VALID
    assert attempt.checksum == "" and attempt.size == 0 and not attempt.file
    assert audits("return.nil_declare", attempt).count() == 1
    assert attempt.status == AttemptStatus.VALID, "a nil return still needs sign-off"

    accepted = sign_off(returns, attempt)
    assert accepted.status == AttemptStatus.ACCEPTED and accepted.version == 1 and accepted.is_current
    assert accepted.episode_count == 0
    assert not EpisodeRecord.objects.exists()
    assert SurveyFigure.objects.filter(attempt=accepted).count() == 1


def test_a_nil_return_supersedes_an_earlier_version(returns, django_capture_on_commit_callbacks):
    first = submit(returns, episodes_csv(*VALID_EPISODES))
    sign_off(returns, first)
    with django_capture_on_commit_callbacks(execute=True):
        nil = return_declare_nil(
            acting=returns.acting("a_approver"), contract=returns.contract, period=PERIOD
        )
    accepted = sign_off(returns, nil)
    assert accepted.version == 2 and accepted.changes == {"added": 0, "changed": 0, "removed": 3}
    first.refresh_from_db()
    assert first.status == AttemptStatus.SUPERSEDED and first.episodes.count() == 3


# --- Validation is idempotent and survives a crash ----------------------------------------------


def test_attempt_validate_twice_leaves_one_result_and_one_audit_entry(
    returns, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attempt = return_submit(
            acting=returns.acting("a_submitter"),
            contract=returns.contract,
            period=PERIOD,
            file_bytes=episodes_csv(*VALID_EPISODES, WARNING_EPISODE),
            filename="may.csv",
        )
    attempt.refresh_from_db()
    first_checked = attempt.validated_at
    again = attempt_validate(attempt_id=attempt.pk)
    assert again.status == AttemptStatus.VALID
    attempt.refresh_from_db()
    assert attempt.validated_at == first_checked
    assert len(attempt.warnings) == 1 and attempt.episode_count == 4
    assert audits("return.validate", attempt).count() == 1


def test_attempt_validate_does_not_reopen_an_accepted_return(returns):
    attempt = submit(returns, episodes_csv(*VALID_EPISODES))
    sign_off(returns, attempt)
    assert attempt_validate(attempt_id=attempt.pk).status == AttemptStatus.ACCEPTED
    assert audits("return.validate", attempt).count() == 1


def test_validation_reruns_after_a_worker_died_mid_check(returns):
    attempt = return_submit(
        acting=returns.acting("a_submitter"),
        contract=returns.contract,
        period=PERIOD,
        file_bytes=episodes_csv(*VALID_EPISODES),
        filename="may.csv",
    )  # the queued check never ran (no commit in this test)
    ReturnAttempt.objects.filter(pk=attempt.pk).update(status=AttemptStatus.VALIDATING)  # killed mid-way
    result = attempt_validate(attempt_id=attempt.pk)
    assert result.status == AttemptStatus.VALID
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.VALID and attempt.episode_count == 3
    assert audits("return.validate", attempt).count() == 1
    attempt_validate(attempt_id=attempt.pk)
    assert audits("return.validate", attempt).count() == 1


# --- Two people sign off at once --------------------------------------------------------------


def sign_off_at_once(signings: dict[str, tuple]) -> dict[str, object]:
    """Each (acting, attempt) signed off in its own thread, all released at the same moment; what each
    got back (the accepted attempt, or the error raised), by key."""
    barrier = threading.Barrier(len(signings))
    outcomes: dict[str, object] = {}

    def sign(key: str) -> None:
        acting, attempt = signings[key]
        try:
            mine = ReturnAttempt.objects.select_related("monthly_return__contract__provider").get(
                pk=attempt.pk
            )
            barrier.wait(timeout=10)
            outcomes[key] = return_sign_off(
                acting=acting, attempt=mine, declaration=True, acknowledged_warnings=False
            )
        except Exception as error:  # collected and checked by the caller
            outcomes[key] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(key,)) for key in signings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_sign_offs_make_exactly_one_version(returns):
    attempt = return_submit(
        acting=returns.acting("a_submitter"),
        contract=returns.contract,
        period=PERIOD,
        file_bytes=episodes_csv(*VALID_EPISODES),
        filename="may.csv",
    )  # autocommit: the queued check ran (eagerly) on commit
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.VALID

    people = {"a_approver": returns.acting("a_approver"), "a_admin": returns.acting("a_admin")}
    outcomes = sign_off_at_once({name: (acting, attempt) for name, acting in people.items()})

    succeeded = [name for name, outcome in outcomes.items() if isinstance(outcome, ReturnAttempt)]
    refused = [outcome for outcome in outcomes.values() if isinstance(outcome, ValidationError)]
    assert len(succeeded) == 1 and len(refused) == 1, outcomes
    winner = returns.world.users[succeeded[0]]
    assert f"already signed off by {winner}" in " ".join(refused[0].messages)

    assert ReturnAttempt.objects.filter(version__isnull=False).count() == 1
    attempt.refresh_from_db()
    assert attempt.version == 1 and attempt.is_current and attempt.signed_off_by == winner
    assert EpisodeRecord.objects.count() == 3
    assert AuditEntry.objects.filter(action="return.accept").count() == 1


@pytest.mark.parametrize("period", ["1999-05", "2100-01", "2025-13", "2025-5"])
def test_a_month_outside_the_data_standard_is_refused_before_anything_is_stored(returns, period):
    with pytest.raises(ValueError, match=period):
        attempt_create(
            contract=returns.contract,
            period=period,
            submitter=Submitter(user=None, label="test"),
            file_bytes=episodes_csv(*VALID_EPISODES),
            filename="may.csv",
            queue_validation=False,
        )
    assert not ReturnAttempt.objects.exists() and not MonthlyReturn.objects.exists()


def test_survey_figures_too_big_to_store_are_rejected_not_a_crash_at_sign_off(returns):
    attempt = submit(
        returns,
        episodes_csv(*VALID_EPISODES),
        survey_bytes=survey_csv(("HEALTH_NEEDS_MET", 2, 3_000_000_000)),
        survey_filename="survey.csv",
    )
    assert attempt.status == AttemptStatus.REJECTED
    assert "at most 1,000,000" in attempt.errors[0]["message"]


@pytest.mark.django_db(transaction=True)
def test_two_months_of_one_contract_signed_off_at_once_keep_one_latest_row_per_episode(returns):
    """October and November share their episodes and are signed off at the same moment: acceptance
    is serialised per contract, so each episode keeps exactly one latest row and every stored
    figure equals a fresh computation (measures.md v1.1)."""
    contract = returns.contract
    target(contract, "HELP_48H", "65", min_denominator=1)
    shared = [
        episode(
            f"S{i:03d}",
            referred_at=f"2025-10-{1 + i % 28:02d}T09:00",
            first_visit_at=f"2025-10-{1 + i % 28:02d}T{10 + i % 3:02d}:00",
        )
        for i in range(300)
    ]
    attempts = {}
    for period in ("2025-10", "2025-11"):
        attempts[period] = return_submit(
            acting=returns.acting("a_submitter"),
            contract=contract,
            period=period,
            file_bytes=episodes_csv(*shared),
            filename=f"{period}.csv",
        )
        attempts[period].refresh_from_db()
        assert attempts[period].status == AttemptStatus.VALID, attempts[period].errors
    people = {"2025-10": returns.acting("a_approver"), "2025-11": returns.acting("a_admin")}
    outcomes = sign_off_at_once({period: (people[period], attempts[period]) for period in people})
    assert all(isinstance(outcome, ReturnAttempt) for outcome in outcomes.values()), outcomes

    assert EpisodeRecord.objects.filter(contract=contract, is_latest=True).count() == len(shared)
    assert latest_flags_broken(contract) == 0
    stored, _ = assert_stored_equals_fresh(contract)
    october = stored[next(key for key in stored if key[1] == "2025-10")]
    assert october.denominator == len(shared)


# --- Emails about a return ---------------------------------------------------------------------------


def _addresses(mailbox, subject_start: str) -> set[str]:
    return {
        address for message in mailbox if message.subject.startswith(subject_start) for address in message.to
    }


def test_approvers_are_told_a_return_awaits_sign_off_then_everyone_concerned_that_it_is_accepted(
    returns, mailoutbox, django_capture_on_commit_callbacks
):
    world = returns.world
    with django_capture_on_commit_callbacks(execute=True):
        attempt = return_submit(
            acting=returns.acting("a_submitter"),
            contract=returns.contract,
            period=PERIOD,
            file_bytes=episodes_csv(*VALID_EPISODES, WARNING_EPISODE),
            filename="may.csv",
        )
    approvers = {world.users["a_approver"].email, world.users["a_admin"].email}
    assert _addresses(mailoutbox, "To sign off: the May 2025 return for RCC-HC-001") == approvers
    body = next(m.body for m in mailoutbox if m.subject.startswith("To sign off"))
    assert f"/returns/attempts/{attempt.pk}/" in body and "1 warning to read and acknowledge" in body
    mailoutbox.clear()
    attempt.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        return_sign_off(
            acting=returns.acting("a_approver"),
            attempt=attempt,
            declaration=True,
            acknowledged_warnings={0: ""},
        )
    assert _addresses(mailoutbox, "Accepted: the May 2025 return") == approvers | {
        world.users["a_submitter"].email
    }
    # Each email once: running the sender again sends nothing.
    assert (
        return_email_send_now(attempt.pk, "accepted") == []
        and return_email_send_now(attempt.pk, "awaiting_sign_off") == []
    )


def test_a_rejected_return_is_announced_to_the_submitter_and_approvers_with_the_report(
    returns, mailoutbox, django_capture_on_commit_callbacks
):
    world = returns.world
    world.users["a_admin"].return_emails = False  # turned off on the account page
    world.users["a_admin"].save()
    with django_capture_on_commit_callbacks(execute=True):
        attempt = return_submit(
            acting=returns.acting("a_submitter"),
            contract=returns.contract,
            period=PERIOD,
            file_bytes=episodes_csv(*VALID_EPISODES, ERROR_EPISODE),
            filename="may.csv",
        )
    assert _addresses(mailoutbox, "Rejected: the May 2025 return") == {
        world.users["a_approver"].email,
        world.users["a_submitter"].email,
    }
    body = mailoutbox[0].body
    assert f"/returns/attempts/{attempt.pk}/report.csv" in body and "1 error" in body


def test_the_data_teams_import_sends_no_emails(returns, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return_import(
            contract=returns.contract,
            period=PERIOD,
            file_bytes=episodes_csv(*VALID_EPISODES),
            filename="may.csv",
            accept=True,
        )
    assert mailoutbox == []
