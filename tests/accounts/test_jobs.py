"""The outbox (``accounts.jobs``): work is recorded with the change, handed to the broker after the
commit, waits when the broker is away, is handed out again when lost, and fails for good only after
its tries, telling the operators and the page it is for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts import jobs
from accounts.jobs import job_enqueue, job_for, job_retry, job_state, job_step_once, jobs_backlog, jobs_sweep
from accounts.models import Job, JobStatus, JobStep
from accounts.tasks import sessions_clear_expired
from config.celery import app
from tests.fixtures.worker import broker_use

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(settings):
    """Tasks are really sent (not run in-process) to a broker that cannot be reached."""
    app.conf.task_always_eager = False
    previous = app.conf.broker_url
    broker_use(UNREACHABLE)
    yield
    broker_use(previous)
    app.conf.task_always_eager = True


def test_a_job_is_recorded_with_the_change_and_done_after_the_commit():
    with transaction.atomic():
        job = job_enqueue(sessions_clear_expired, subject="housekeeping:1", label="Clearing sessions")
        assert Job.objects.get(pk=job.pk).status == JobStatus.WAITING  # not run inside the transaction
    job.refresh_from_db()
    assert (job.status, job.tries, job.last_error) == (JobStatus.DONE, 1, "")
    assert job.finished_at is not None
    assert job_state(job) is None  # nothing left to say on a page


def test_a_job_of_a_rolled_back_change_is_never_run():
    with pytest.raises(RuntimeError), transaction.atomic():
        job_enqueue(sessions_clear_expired, subject="housekeeping:2")
        raise RuntimeError("the change failed")
    assert not Job.objects.filter(subject="housekeeping:2").exists()


def test_with_the_broker_away_the_job_waits_and_the_page_says_it_is_delayed(broker_down):
    job = job_enqueue(sessions_clear_expired, subject="housekeeping:3")
    job.refresh_from_db()
    assert job.status == JobStatus.WAITING
    assert job.tries == 0  # a try is counted only when a worker can have it
    assert job.last_error.startswith("The broker could not be reached")
    state = job_state(job)
    assert state is not None and state.delayed


def test_the_sweeper_hands_out_waiting_work_once_the_broker_is_back(broker_down):
    job = job_enqueue(sessions_clear_expired, subject="housekeeping:4")
    app.conf.task_always_eager = True  # the broker is back (in-process here)
    swept = jobs_sweep()
    job.refresh_from_db()
    assert swept.queued == 1
    assert job.status == JobStatus.DONE


def test_work_handed_out_but_not_done_in_time_is_handed_out_again_then_fails_for_good(broker_down, settings):
    settings.ADMINS = [("On call", "oncall@council.example")]
    now = timezone.now()
    job = Job.objects.create(
        task=sessions_clear_expired.name,
        label="Clearing sessions",
        subject="housekeeping:5",
        status=JobStatus.QUEUED,
        tries=1,
        max_tries=2,
        due_at=now - timedelta(minutes=20),
        queued_at=now - timedelta(minutes=20),
        expected_seconds=600,
    )
    app.conf.task_always_eager = True
    failed_calls = []
    jobs._failure_handlers[sessions_clear_expired.name] = lambda *args, error: failed_calls.append(error)
    try:
        # Lost (a worker killed): the sweeper hands it out again, and this time it is done.
        assert jobs_sweep(now).requeued == 1
        job.refresh_from_db()
        assert (job.status, job.tries) == (JobStatus.DONE, 2)
        # Lost again with no tries left: it fails for good, and people are told.
        Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, queued_at=now - timedelta(minutes=20))
        assert jobs_sweep(now).failed == 1
    finally:
        jobs._failure_handlers.pop(sessions_clear_expired.name)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.last_error == "Not finished after 2 tries."
    assert failed_calls == ["It could not be done after 2 tries."]
    assert [message.subject for message in mail.outbox] == [
        "[Django] Background work failed: Clearing sessions"
    ]
    state = job_state(job)
    assert state is not None and state.failed
    assert jobs_backlog().failed == 1
    # "Try again": tries start afresh and the work is done.
    job_retry(job)
    job.refresh_from_db()
    assert (job.status, job.tries) == (JobStatus.DONE, 1)


def test_work_still_within_its_time_is_left_alone(broker_down):
    now = timezone.now()
    Job.objects.create(
        task=sessions_clear_expired.name,
        label="x",
        status=JobStatus.QUEUED,
        tries=1,
        due_at=now - timedelta(seconds=30),
        queued_at=now - timedelta(seconds=30),
        expected_seconds=600,
    )
    assert jobs_sweep(now).requeued == 0


def test_a_job_step_is_done_once_however_often_the_job_runs():
    job = Job.objects.create(task="t", label="x", due_at=timezone.now(), expected_seconds=60)
    sent: list[str] = []
    token = jobs._running.set((job.pk,))
    try:
        assert job_step_once("email:a@b", lambda: sent.append("a@b"))
        assert not job_step_once("email:a@b", lambda: sent.append("a@b"))
    finally:
        jobs._running.reset(token)
    assert sent == ["a@b"]
    assert JobStep.objects.filter(job=job).count() == 1
    assert job_step_once("email:a@b", lambda: sent.append("outside a job"))  # no job: it simply runs


def test_the_newest_job_for_a_subject_is_the_one_a_page_shows():
    first = job_enqueue(sessions_clear_expired, subject="housekeeping:6")
    second = job_enqueue(sessions_clear_expired, subject="housekeeping:6")
    assert job_for("housekeeping:6") == second != first
    assert job_for("housekeeping:none") is None


def test_the_jobs_command_lists_waiting_and_failed_work_and_tries_failed_work_again():
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    now = timezone.now()
    failed = Job.objects.create(
        task=sessions_clear_expired.name,
        label="Clearing sessions",
        status=JobStatus.FAILED,
        tries=5,
        due_at=now,
        finished_at=now,
        expected_seconds=600,
        last_error="Not finished after 5 tries.",
    )
    out = StringIO()
    call_command("jobs", stdout=out)
    assert "Failed" in out.getvalue() and "Clearing sessions — Not finished after 5 tries." in out.getvalue()
    with pytest.raises(CommandError, match="No failed job with id 999999"):
        call_command("jobs", "--retry", "999999", stdout=StringIO())
    out = StringIO()
    call_command("jobs", "--retry", str(failed.pk), stdout=out)
    failed.refresh_from_db()
    assert failed.status == JobStatus.DONE
    assert "No background work is waiting, queued or failed." in out.getvalue()


def test_finished_work_is_forgotten_after_a_week_and_failed_work_is_kept():
    from accounts.jobs import jobs_prune

    now = timezone.now()
    common = {"task": "t", "label": "x", "due_at": now, "expected_seconds": 60}
    Job.objects.create(status=JobStatus.DONE, finished_at=now - timedelta(days=8), **common)
    recent = Job.objects.create(status=JobStatus.DONE, finished_at=now - timedelta(days=6), **common)
    failed = Job.objects.create(status=JobStatus.FAILED, finished_at=now - timedelta(days=30), **common)
    assert jobs_prune(now) == 1
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, failed.pk}
