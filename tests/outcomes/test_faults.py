"""Faults on purpose: workers killed part-way, Redis stopped and restarted (with and without
persistence), PostgreSQL sessions cut mid-task, a recompute request left behind. Each time the work
finishes by itself, once, the pages say what was saved meanwhile, and stored results equal a fresh
computation afterwards.

The worker is a process of its own (``tests.fixtures.faults``) with its beat, so the sweeper runs
every second and hands lost work out again after 3 seconds (``JOBS_*`` settings), as production
does every minute and after 10 minutes.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.access import acting_for
from accounts.jobs import jobs_sweep
from accounts.models import AuditEntry, Job, JobStatus
from commissioning.notices import drafts
from commissioning.notices import services as notice_services
from commissioning.notices.drafts import NoticeInput
from commissioning.notices.models import NoticeKind, NoticeLetter
from outcomes.models import AttemptStatus, RecomputeRequest, ReturnAttempt
from outcomes.returns.services import return_import
from outcomes.returns.tasks import validation_subject
from outcomes.reviews import packs
from outcomes.reviews.models import PackStatus, ReviewMeeting, ReviewPack
from tests.factories import contract, target
from tests.fixtures.api import make_token
from tests.fixtures.faults import TableLock
from tests.fixtures.worker import wait_for
from tests.outcomes.results.invariant import assert_stored_equals_fresh
from tests.outcomes.return_files import PERIOD, VALID_EPISODES, episodes_csv

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

AUDIT = AuditEntry._meta.db_table
FINISHES_WITHIN = 40.0  # seconds: a worker's start, the sweeper's look, the work itself


def _upload(client, returns, content: bytes | None = None):
    client.force_login(returns.world.users["a_submitter"])
    data = {"file": SimpleUploadedFile("may.csv", content or episodes_csv(*VALID_EPISODES))}
    return client.post(f"/returns/{returns.contract.pk}/{PERIOD}/", data, follow=True)


def _newest_attempt(returns) -> ReturnAttempt:
    return ReturnAttempt.objects.filter(monthly_return__contract=returns.contract).latest("pk")


def _status(attempt_id: int) -> str:
    return ReturnAttempt.objects.get(pk=attempt_id).status


def _checked_once(attempt_id: int) -> None:
    """Checked exactly once: one outcome recorded, the job done."""
    assert AuditEntry.objects.filter(action="return.validate", object_id=str(attempt_id)).count() == 1
    job = Job.objects.get(subject=validation_subject(attempt_id))
    # The job is marked done as its task returns, a moment after the check is saved.
    assert wait_for(lambda: Job.objects.get(pk=job.pk).status == JobStatus.DONE, 10), job.last_error
    assert_stored_equals_fresh(ReturnAttempt.objects.get(pk=attempt_id).monthly_return.contract)


def _page(client, attempt_id: int) -> str:
    return client.get(f"/returns/attempts/{attempt_id}/").content.decode()


def _sweep_later() -> None:
    """What the sweeper does once the work's time is up (run here, so the page can be read between)."""
    jobs_sweep(timezone.now() + timedelta(minutes=15))


# --- Workers killed part-way ------------------------------------------------------------------


def _kill_part_way(breakage, table: str, also=lambda: True) -> None:
    """Start a worker, catch its task waiting to write ``table`` (held locked here), and kill it with
    its database session, as when its machine is lost; then let the table go."""
    lock = TableLock(table)
    worker = breakage.worker()
    caught = wait_for(lambda: also() and lock.waiters() > 0, FINISHES_WITHIN)
    assert caught, worker.output()[-3000:]
    worker.kill()
    lock.cut_waiters()
    lock.release()


def test_a_worker_killed_mid_validation_is_replaced_and_the_file_checked_once(returns, breakage, client):
    _upload(client, returns)
    attempt = _newest_attempt(returns)
    # The check's last step writes the audit log: caught waiting there, the worker is killed.
    _kill_part_way(breakage, AUDIT, lambda: _status(attempt.pk) == AttemptStatus.VALIDATING)
    assert _status(attempt.pk) == AttemptStatus.VALIDATING  # the killed check left nothing half-done
    assert "is being checked against the data standard" in _page(client, attempt.pk)
    _sweep_later()  # not finished in time: handed out again, and the page says it is delayed
    page = _page(client, attempt.pk)
    assert (
        "was received and saved" in page and "Checking it is delayed; we will carry on automatically" in page
    )
    second = breakage.worker()
    assert wait_for(lambda: _status(attempt.pk) == AttemptStatus.VALID, FINISHES_WITHIN), second.output()[
        -3000:
    ]
    _checked_once(attempt.pk)
    assert "The checks found no errors" in _page(client, attempt.pk)


def test_a_worker_killed_mid_letter_is_replaced_and_the_letter_made_once(world, breakage, client, settings):
    officer = acting_for(world.users["contract_officer"], None)
    deal = contract(world.council, world.provider_a, reference="F-LETTER")
    draft = drafts.notice_draft_create(
        acting=officer,
        contract=deal,
        data=NoticeInput(
            kind=NoticeKind.NOC,
            reason="missed_calls",
            clause="Schedule 2, clause 4.3",
            facts="Missed calls in October.",
            remedy="A call monitoring plan.",
            remedy_due_on=timezone.localdate() + timedelta(days=30),
            noc_category="contractual",
            complexity="low",
        ),
    )
    notice = notice_services.notice_issue(acting=officer, notice=draft)
    letter = NoticeLetter.objects.get(notice=notice)
    _kill_part_way(breakage, NoticeLetter._meta.db_table)  # the letter is stored last: caught there
    client.force_login(world.users["contract_officer"])
    assert (
        "is being made in the background" in client.get(f"/notices/{notice.pk}/letter.pdf").content.decode()
    )
    _sweep_later()
    page = client.get(f"/notices/{notice.pk}/letter.pdf").content.decode()
    assert "Making its PDF letter is delayed; we will carry on automatically" in page
    second = breakage.worker()
    made = wait_for(lambda: NoticeLetter.objects.get(pk=letter.pk).generated_at is not None, FINISHES_WITHIN)
    assert made, second.output()[-3000:]
    letter.refresh_from_db()
    assert letter.error == "" and letter.sha256 and letter.file.size == letter.size
    assert wait_for(
        lambda: Job.objects.get(subject=f"notice-letter:{letter.pk}").status == JobStatus.DONE, 10
    )
    response = client.get(f"/notices/{notice.pk}/letter.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert_stored_equals_fresh(deal)


def test_a_worker_killed_mid_pack_is_replaced_and_the_pack_made_once(world, breakage, client, media_root):
    deal = contract(world.council, world.provider_a, reference="F-PACK")
    target(deal, "AT_HOME_91D", "90")
    meeting = ReviewMeeting.objects.create(
        commissioner=world.council,
        provider=world.provider_a,
        quarter="2025-26-Q2",
        held_on=date(2025, 10, 20),
        place="Civic Centre",
        chair_name="Sam Chair",
        chair_organisation="Independent",
        created_by_label="commissioner",
    )
    meeting.contracts.set([deal])
    pack = packs.pack_request(acting=acting_for(world.users["commissioner"], None), meeting=meeting)
    _kill_part_way(breakage, ReviewPack._meta.db_table)  # the pack is stored last: caught there
    client.force_login(world.users["commissioner"])
    assert "It usually takes a few seconds" in client.get(f"/reviews/packs/{pack.pk}/").content.decode()
    _sweep_later()
    page = client.get(f"/reviews/packs/{pack.pk}/").content.decode()
    assert "Making its PDF is delayed; we will carry on automatically" in page
    second = breakage.worker()
    made = wait_for(lambda: ReviewPack.objects.get(pk=pack.pk).status == PackStatus.READY, FINISHES_WITHIN)
    assert made, second.output()[-3000:]
    pack.refresh_from_db()
    assert pack.sha256 and pack.pages >= 1 and pack.error == ""
    assert wait_for(lambda: Job.objects.get(subject=f"review-pack:{pack.pk}").status == JobStatus.DONE, 10)
    assert_stored_equals_fresh(deal)


# --- Redis away -------------------------------------------------------------------------------


def test_redis_down_during_a_web_upload_the_file_is_saved_and_checked_once_redis_is_back(
    returns, breakage, client
):
    breakage.redis.stop()
    response = _upload(client, returns)
    assert response.status_code == 200  # the upload was saved; its page is shown
    attempt = _newest_attempt(returns)
    page = response.content.decode()
    assert (
        "was received and saved" in page and "Checking it is delayed; we will carry on automatically" in page
    )
    assert "Sorry, there is a problem" not in page
    job = Job.objects.get(subject=validation_subject(attempt.pk))
    assert job.status == JobStatus.WAITING and job.last_error.startswith("The broker could not be reached")
    breakage.redis.start()
    worker = breakage.worker()
    assert wait_for(lambda: _status(attempt.pk) == AttemptStatus.VALID, FINISHES_WITHIN), worker.output()[
        -3000:
    ]
    _checked_once(attempt.pk)


def test_redis_down_during_an_api_upload_the_replay_says_where_it_stands(returns, breakage, client):
    token = make_token(returns.world.provider_a, ["read", "submit"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": "may-return-1"}

    def submit():
        data = {
            "contract": returns.contract.pk,
            "period": PERIOD,
            "file": SimpleUploadedFile("may.csv", body),
        }
        return client.post("/api/v1/returns/", data, **headers)

    body = episodes_csv(*VALID_EPISODES)
    breakage.redis.stop()
    first = submit()  # answered as the upload commits: the broker has not been tried yet
    assert first.status_code == 202, first.content
    assert first["Retry-After"] == "5" and first.json()["status"] == "received"
    replay = submit()  # the client polls with the same key: it learns the checks are delayed
    assert replay.status_code == 202 and replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"] and replay["Retry-After"] == "30"
    assert "received and saved" in replay.json()["next_step"] and "delayed" in replay.json()["next_step"]
    breakage.redis.start()
    worker = breakage.worker()
    attempt_id = first.json()["id"]
    assert wait_for(lambda: _status(attempt_id) == AttemptStatus.VALID, FINISHES_WITHIN), worker.output()[
        -3000:
    ]
    done = submit()  # the replay now answers with where the submission stands: checked
    assert done.json()["status"] == "valid" and "Retry-After" not in done
    assert ReturnAttempt.objects.filter(monthly_return__contract=returns.contract).count() == 1
    _checked_once(attempt_id)


def test_redis_down_during_a_sign_off_the_acceptance_stands_and_its_figures_follow(
    returns, breakage, client, settings
):
    settings.COMPLIANCE_COALESCE_SECONDS = 1
    target(returns.contract, "HOSPITAL_ADMISSION", "5")
    attempt = return_import(
        contract=returns.contract, period=PERIOD, file_bytes=episodes_csv(*VALID_EPISODES), filename="may.csv"
    )
    assert attempt.status == AttemptStatus.VALID
    breakage.redis.stop()
    client.force_login(returns.world.users["a_approver"])
    response = client.post(f"/returns/attempts/{attempt.pk}/sign-off/", {"declaration": "on"}, follow=True)
    assert response.status_code == 200
    assert _status(attempt.pk) == AttemptStatus.ACCEPTED
    assert RecomputeRequest.objects.filter(contract=returns.contract).exists()
    assert Job.objects.filter(subject=f"recompute:{returns.contract.pk}", status=JobStatus.WAITING).exists()
    breakage.redis.start()
    worker = breakage.worker()
    recomputed = wait_for(
        lambda: (
            not RecomputeRequest.objects.filter(contract=returns.contract).exists()
            and not Job.objects.filter(status__in=(JobStatus.WAITING, JobStatus.QUEUED)).exists()
        ),
        FINISHES_WITHIN,
    )
    assert recomputed, worker.output()[-3000:]
    assert_stored_equals_fresh(returns.contract)


@pytest.mark.parametrize("persistent", [False, True], ids=["without-persistence", "with-persistence"])
def test_a_check_queued_when_redis_crashes_is_done_once_after_the_restart(
    returns, breakage, client, persistent
):
    breakage.redis.stop()
    breakage.redis.start(persistent=persistent)
    _upload(client, returns)
    attempt = _newest_attempt(returns)
    assert breakage.redis.queued() == 1
    breakage.redis.stop()  # crashed with the message on it
    breakage.redis.start(persistent=persistent)
    assert breakage.redis.queued() == (1 if persistent else 0)
    worker = breakage.worker()
    assert wait_for(lambda: _status(attempt.pk) == AttemptStatus.VALID, FINISHES_WITHIN), worker.output()[
        -3000:
    ]
    _checked_once(attempt.pk)


# --- PostgreSQL away ---------------------------------------------------------------------------


def test_database_sessions_cut_mid_validation_the_check_tries_again_and_finishes(returns, breakage, client):
    _upload(client, returns)
    attempt = _newest_attempt(returns)
    lock = TableLock(AUDIT)
    worker = breakage.worker()
    caught = wait_for(
        lambda: _status(attempt.pk) == AttemptStatus.VALIDATING and lock.waiters(), FINISHES_WITHIN
    )
    assert caught, worker.output()[-3000:]
    assert lock.cut_waiters() >= 1  # as a restart does: the worker's session ends mid-query
    lock.release()
    finished = wait_for(lambda: _status(attempt.pk) == AttemptStatus.VALID, FINISHES_WITHIN)
    assert finished, worker.output()[-3000:]
    _checked_once(attempt.pk)
    assert "OperationalError" in worker.output()  # it did fail, and tried again by itself


# --- A recompute request left behind -------------------------------------------------------------


def test_a_recompute_request_left_behind_does_not_silence_the_contract(returns, settings):
    """An old request with no job (left by an outage before the outbox) no longer stops the next
    acceptance's recompute, and the sweeper gives it a job by itself."""
    target(returns.contract, "HOSPITAL_ADMISSION", "5")
    RecomputeRequest.objects.create(
        contract=returns.contract, months=["2025-04"], requested_at=timezone.now() - timedelta(hours=2)
    )
    assert jobs_sweep().orphans == 1
    assert not RecomputeRequest.objects.filter(contract=returns.contract).exists()
    RecomputeRequest.objects.create(contract=returns.contract, months=["2025-04"])
    return_import(
        contract=returns.contract,
        period=PERIOD,
        file_bytes=episodes_csv(*VALID_EPISODES),
        filename="may.csv",
        accept=True,
    )
    assert not RecomputeRequest.objects.filter(contract=returns.contract).exists()
    assert_stored_equals_fresh(returns.contract)
