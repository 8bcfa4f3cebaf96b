"""Work runs once with several workers and (by mistake) several beats: a scheduled task sent twice
for the same time runs once, a run that overlaps the previous one ends at once, a job delivered
again while it still runs elsewhere leaves it to that run, and two sweeps never hand out one try
twice. The other session holding a lock is a connection of the test's own, as another worker's is."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from importlib import import_module
from types import SimpleNamespace

import psycopg
import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts import jobs
from accounts.db_locks import lock_key
from accounts.jobs import job_dispatch, job_enqueue
from accounts.models import Job, JobStatus, PeriodicRun
from accounts.periodic import interval_of, once_within, periodic_lock_name
from accounts.tasks import audit_log_verify, sessions_clear_expired

pytestmark = pytest.mark.django_db(transaction=True)

TASK = "accounts.tasks.sessions_clear_expired"
ENTRY = "sessions-clear-expired"


class OtherWorker:
    """A database session of its own holding an advisory lock, as a worker running the work does."""

    def __init__(self, name: str) -> None:
        database = settings.DATABASES["default"]
        self.connection = psycopg.connect(
            host=database["HOST"],
            port=database["PORT"],
            user=database["USER"],
            dbname=database["NAME"],
            password=database.get("PASSWORD") or None,
            autocommit=True,
        )
        self.connection.execute("SELECT pg_advisory_lock(%s)", [lock_key(name)])

    def finish(self) -> None:
        self.connection.execute("SELECT pg_advisory_unlock_all()")
        self.connection.close()


def _expired(key: str) -> None:
    Session.objects.create(session_key=key, session_data="", expire_date=timezone.now() - timedelta(days=1))


def _from_beat():
    """Deliver the task as beat sends it (the message names its schedule entry)."""
    return sessions_clear_expired.apply(headers=settings.CELERY_BEAT_SCHEDULE[ENTRY]["options"]["headers"])


def test_a_scheduled_run_sent_twice_runs_once(caplog):
    """Two beats started by mistake each send the 02:15 clean-up: the second copy does nothing."""
    _expired("first")
    _from_beat()
    assert not Session.objects.filter(session_key="first").exists()
    record = PeriodicRun.objects.get(task=TASK)
    assert record.finished_at is not None and record.host
    _expired("second")
    with caplog.at_level(logging.INFO, logger="accounts.periodic"):
        started = time.monotonic()
        _from_beat()
        assert time.monotonic() - started < 1
    assert Session.objects.filter(session_key="second").exists()  # the copy did nothing
    assert f"{TASK} already ran for this time" in caplog.text
    assert PeriodicRun.objects.get(task=TASK).started_at == record.started_at
    # Run by hand, the task is never skipped for having run lately.
    sessions_clear_expired()
    assert not Session.objects.filter(session_key="second").exists()


def test_the_next_scheduled_run_is_not_taken_for_a_copy():
    _from_beat()
    # Half the interval on, a message is the next scheduled run, not a copy of the last.
    PeriodicRun.objects.filter(task=TASK).update(started_at=timezone.now() - once_within(ENTRY))
    _expired("next-night")
    _from_beat()
    assert not Session.objects.filter(session_key="next-night").exists()


def test_a_run_that_failed_is_run_again_by_its_next_copy(monkeypatch):
    engine = import_module(settings.SESSION_ENGINE)

    def broken(cls):
        raise RuntimeError("the clean-up failed")

    monkeypatch.setattr(engine.SessionStore, "clear_expired", classmethod(broken))
    with pytest.raises(RuntimeError):
        _from_beat()
    assert PeriodicRun.objects.get(task=TASK).finished_at is None
    monkeypatch.undo()
    _expired("after-failure")
    _from_beat()
    assert not Session.objects.filter(session_key="after-failure").exists()


def test_a_run_overlapping_the_one_still_going_ends_at_once(caplog):
    """The nightly check outlasting its message (Redis delivers it again to another worker), or a
    second beat's copy arriving while the first runs: the second run ends at once, with a log line."""
    other = OtherWorker(periodic_lock_name("accounts.tasks.audit_log_verify"))
    try:
        with caplog.at_level(logging.INFO, logger="accounts.periodic"):
            started = time.monotonic()
            assert audit_log_verify.apply(headers={"periodic": "audit-log-verify"}).result is None
            assert audit_log_verify() is None  # by hand too: never beside a run under way
            assert time.monotonic() - started < 1
        assert "accounts.tasks.audit_log_verify is already running on another worker" in caplog.text
        assert not PeriodicRun.objects.filter(task="accounts.tasks.audit_log_verify").exists()
    finally:
        other.finish()
    assert audit_log_verify() is True  # the run under way has ended: it runs


def test_a_job_delivered_again_while_it_runs_elsewhere_is_left_to_that_run(caplog):
    """The sweeper hands out again a job that runs long (or Redis redelivers it): the second delivery
    ends at once, neither done nor failed, and the run under way finishes the job."""
    _expired("job-session")
    job = Job.objects.create(
        task=TASK, subject="housekeeping:alone", label="Clearing sessions", due_at=timezone.now(),
        expected_seconds=60, status=JobStatus.QUEUED, tries=1, queued_at=timezone.now(),
    )  # fmt: skip
    other = OtherWorker(f"job:{job.pk}")
    try:
        with caplog.at_level(logging.INFO, logger="accounts.jobs"):
            outcome = sessions_clear_expired.apply(headers={jobs.HEADER: job.pk})
        assert outcome.state == "IGNORED"
        assert f"Job {job.pk} is already running on another worker" in caplog.text
        job.refresh_from_db()
        assert job.status == JobStatus.QUEUED and job.last_error == ""
        assert Session.objects.filter(session_key="job-session").exists()
    finally:
        other.finish()
    sessions_clear_expired.apply(headers={jobs.HEADER: job.pk})
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert not Session.objects.filter(session_key="job-session").exists()


def test_two_sweeps_at_once_never_hand_out_one_try_twice(monkeypatch):
    sent: list[dict] = []

    class Broker:
        """The task as the broker takes it: each message handed out is counted."""

        app = SimpleNamespace(conf=SimpleNamespace(task_always_eager=False))

        def apply_async(self, **message):
            sent.append(message)

    monkeypatch.setattr(jobs, "_task", lambda name: Broker())
    job = job_enqueue(sessions_clear_expired, subject="housekeeping:sweeps")  # handed out once (try 1)
    assert len(sent) == 1
    # A second sweep read the job as waiting with no tries before the first handed it out.
    assert job_dispatch(job.pk, tries=0) is False
    assert len(sent) == 1 and Job.objects.get(pk=job.pk).tries == 1
    # Found overdue at try 1, it is handed out again once: a sweep that saw try 1 too does nothing.
    assert job_dispatch(job.pk, tries=1) is True
    assert job_dispatch(job.pk, tries=1) is False
    assert len(sent) == 2 and Job.objects.get(pk=job.pk).tries == 2


def test_the_interval_of_each_schedule():
    from celery.schedules import crontab

    assert interval_of(60.0) == timedelta(minutes=1)
    assert interval_of(crontab(hour=0, minute=15)) == timedelta(days=1)
    assert interval_of(crontab(hour="0,12", minute=0)) == timedelta(hours=12)
    assert interval_of(crontab(minute="*/15")) == timedelta(minutes=15)
    for name in settings.CELERY_BEAT_SCHEDULE:
        assert timedelta(0) < once_within(name) <= timedelta(hours=12)
