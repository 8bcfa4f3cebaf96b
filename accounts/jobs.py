"""Background work that is never lost: the outbox, the sweeper and what pages say meanwhile.

- ``job_enqueue`` records a job (``accounts.models.Job``) in the transaction of the change that needs
  it, so the two are saved together or not at all; after the commit the job is handed to the broker.
  If the broker cannot be reached, the job stays *waiting* and nothing else fails.
- ``jobs_sweep`` (on beat, every ``JOBS_SWEEP_SECONDS``) hands out waiting jobs that are due, and
  hands out again jobs that were queued but not done within their expected time (a worker killed,
  a message lost with Redis). After ``max_tries`` a job is *failed*: the operators are told (the log
  and the site's admins by email) and the page the work is for offers "Try again" (``job_retry``).
- A job is marked done when its task succeeds; a task that fails is given back to the sweeper with a
  growing delay. Tasks are safe to run twice; ``job_step_once`` keeps a job's emails to one each.
- Finders registered with ``orphan_finder_register`` give the sweeper work that was recorded without
  a job (before the outbox, or by a bulk load), so it is done too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import kombu.exceptions
import redis
from celery import signals
from django.conf import settings
from django.core.mail import mail_admins
from django.db import DatabaseError, close_old_connections, transaction
from django.utils import timezone

from accounts.db_locks import session_lock
from accounts.models import Job, JobStatus, JobStep

logger = logging.getLogger("accounts.jobs")

HEADER = "outbox_job"
OPEN = (JobStatus.WAITING, JobStatus.QUEUED)
# Errors that mean the broker could not take the job: it waits in the outbox instead.
BROKER_ERRORS = (kombu.exceptions.OperationalError, redis.exceptions.RedisError, OSError)
# Work not started this long after it was due is "delayed" on pages and in the banner.
DELAYED_AFTER = timedelta(minutes=2)

_running: ContextVar[tuple[int | None, ...]] = ContextVar("running_jobs", default=())
_orphan_finders: list[Callable[[datetime], int]] = []
_failure_handlers: dict[str, Callable[..., Any]] = {}


def job_enqueue(
    task: Any,
    *args: Any,
    subject: str = "",
    label: str = "",
    countdown: float = 0,
    expected_seconds: int | None = None,
    max_tries: int | None = None,
) -> Job:
    """Record ``task(*args)`` to run after the current transaction commits (now, outside one).

    ``subject`` names what the work is for (``return-attempt:12``) so pages can show its state;
    ``countdown`` delays it; ``expected_seconds`` is how long it may take once queued before the
    sweeper queues it again (``JOBS_REQUEUE_AFTER_SECONDS`` unless given).
    """
    now = timezone.now()
    job = Job.objects.create(
        task=task.name,
        args=list(args),
        subject=subject,
        label=(label or task.name)[:200],
        due_at=now + timedelta(seconds=countdown),
        expected_seconds=expected_seconds or settings.JOBS_REQUEUE_AFTER_SECONDS,
        max_tries=max_tries or settings.JOBS_MAX_TRIES,
    )
    transaction.on_commit(partial(job_dispatch, job.pk))
    return job


def _task(name: str) -> Any:
    from celery import current_app as app

    if name not in app.tasks:
        app.loader.import_default_modules()  # the task modules, as a worker loads them
    return app.tasks[name]


def job_dispatch(job_id: int, *, tries: int | None = None) -> bool:
    """Hand an open job to the broker (counting the try); False, the job left waiting with the reason
    noted, if the broker cannot be reached or another process is handing it out. ``tries``: only if
    it has been handed out that many times still (what the sweeper saw), so that two sweeps at once
    never hand out the same try twice."""
    now = timezone.now()
    with transaction.atomic():
        open_jobs = Job.objects.select_for_update(skip_locked=True).filter(pk=job_id, status__in=OPEN)
        job = (open_jobs if tries is None else open_jobs.filter(tries=tries)).first()
        if job is None:
            return False
        job.status, job.tries, job.queued_at, job.started_at = JobStatus.QUEUED, job.tries + 1, now, None
        job.save(update_fields=["status", "tries", "queued_at", "started_at"])
    countdown = max(0.0, (job.due_at - now).total_seconds())
    task = _task(job.task)
    if task.app.conf.task_always_eager:  # in-process: the task runs now, and its errors are its own
        task.apply_async(args=job.args, headers={HEADER: job.pk})
        return True
    try:
        task.apply_async(args=job.args, headers={HEADER: job.pk}, countdown=countdown or None, retry=False)
    except BROKER_ERRORS as error:
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED, tries=job.tries).update(
            status=JobStatus.WAITING,
            tries=job.tries - 1,
            last_error=f"The broker could not be reached: {error}",
        )
        logger.warning(
            "Job %s (%s) waits in the outbox: the broker could not be reached (%s)", job.pk, job.label, error
        )
        return False
    return True


def job_retry(job: Job) -> Job:
    """A person's "Try again" of a failed job: its tries start afresh and it is queued after commit."""
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.WAITING, tries=0, due_at=timezone.now(), finished_at=None
    )
    transaction.on_commit(partial(job_dispatch, job.pk))
    job.refresh_from_db()
    return job


def job_for(subject: str) -> Job | None:
    """The newest job for ``subject`` (``return-attempt:12``), or None."""
    return Job.objects.filter(subject=subject).order_by("-created_at", "-pk").first()


def job_open_exists(subject: str) -> bool:
    return Job.objects.filter(subject=subject, status__in=OPEN).exists()


# --- What a page says while the work is under way ----------------------------------------------


@dataclass(frozen=True)
class JobState:
    """The state of a job in the words a page uses: ``state`` is "working", "delayed" or "failed"."""

    state: str
    tries: int
    max_tries: int
    since: datetime | None

    @property
    def working(self) -> bool:
        return self.state == "working"

    @property
    def delayed(self) -> bool:
        return self.state == "delayed"

    @property
    def failed(self) -> bool:
        return self.state == "failed"


def job_state(job: Job | None, *, now: datetime | None = None) -> JobState | None:
    """How the work is going, for a page: None when there is no job or it is done."""
    if job is None or job.status == JobStatus.DONE:
        return None
    now = now or timezone.now()
    if job.status == JobStatus.FAILED:
        return JobState("failed", job.tries, job.max_tries, job.finished_at)
    delayed = (
        bool(job.last_error)
        or job.tries > 1
        or (job.status == JobStatus.WAITING and job.due_at < now - DELAYED_AFTER)
        or (job.started_at is None and job.due_at < now - DELAYED_AFTER)
    )
    return JobState("delayed" if delayed else "working", job.tries, job.max_tries, job.created_at)


def retry_after_seconds(state: JobState | None) -> int:
    """How long an API client should wait before asking again about work under way."""
    if state is None:
        return 0
    return 30 if state.delayed else 5


# --- The sweeper ----------------------------------------------------------------------------------


def job_failure_register(task: Any, handler: Callable[..., Any]) -> None:
    """Register ``handler(*job.args, error=...)``, called when a job of ``task`` fails for good, so
    that the thing the work is for shows the failure (and its own "Try again")."""
    _failure_handlers[task.name] = handler


def orphan_finder_register(finder: Callable[[datetime], int]) -> None:
    """Register ``finder(now) -> how many jobs it queued``: it enqueues work recorded without a job."""
    if finder not in _orphan_finders:
        _orphan_finders.append(finder)


def orphan_finder(
    rows: Callable[[datetime], Any], subject: Callable[[int], str], enqueue: Callable[[Any], None]
) -> Callable[[datetime], int]:
    """A finder for work recorded as a row still to be done (``rows(settled)``: those older than
    ``JOBS_REQUEUE_AFTER_SECONDS``) that has never had a job: each gets one with ``enqueue(row)``."""

    def find(now: datetime) -> int:
        settled = now - timedelta(seconds=settings.JOBS_REQUEUE_AFTER_SECONDS)
        count = 0
        for row in rows(settled):
            if not Job.objects.filter(subject=subject(row.pk)).exists():
                enqueue(row)
                count += 1
        return count

    return find


@dataclass(frozen=True)
class Sweep:
    queued: int  # waiting jobs handed to the broker
    requeued: int  # queued jobs not done in time, handed out again
    failed: int  # jobs that ran out of tries
    orphans: int  # jobs made for work recorded without one


def jobs_sweep(now: datetime | None = None) -> Sweep:
    """Hand out what is due, hand out again what was lost, and fail what keeps failing."""
    now = now or timezone.now()
    orphans = sum(finder(now) for finder in _orphan_finders)
    queued = requeued = failed = 0
    for job_id, tries in Job.objects.filter(status=JobStatus.WAITING, due_at__lte=now).values_list(
        "pk", "tries"
    ):
        queued += job_dispatch(job_id, tries=tries)
    overdue = Job.objects.filter(status=JobStatus.QUEUED, queued_at__lte=now).only(
        "pk", "tries", "max_tries", "due_at", "queued_at", "expected_seconds", "label"
    )
    for job in overdue:
        assert job.queued_at is not None
        started = max(job.queued_at, job.due_at)
        if started + timedelta(seconds=job.expected_seconds) > now:
            continue
        if job.tries >= job.max_tries:
            failed += job_fail(job.pk, f"Not finished after {job.tries} tries.")
        else:
            logger.warning("Job %s (%s) was not finished in time: queued again", job.pk, job.label)
            requeued += job_dispatch(job.pk, tries=job.tries)
    return Sweep(queued=queued, requeued=requeued, failed=failed, orphans=orphans)


def job_fail(job_id: int, error: str) -> bool:
    """Mark a job failed for good and tell the operators; False if it was no longer open."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id, status__in=OPEN).first()
        if job is None:
            return False
        job.status, job.finished_at, job.last_error = JobStatus.FAILED, timezone.now(), error[:2000]
        job.save(update_fields=["status", "finished_at", "last_error"])
    logger.error("Job %s (%s) failed after %s tries: %s", job.pk, job.label, job.tries, error)
    handler = _failure_handlers.get(job.task)
    if handler is not None:
        handler(*job.args, error=f"It could not be done after {job.tries} tries.")
    mail_admins(
        f"Background work failed: {job.label}",
        f"{job.label} (job {job.pk}, task {job.task}) failed after {job.tries} tries.\n\n"
        f'Last error: {error}\n\nThe page it is for offers "Try again"; or run '
        f"`manage.py jobs --retry {job.pk}`.",
        fail_silently=True,
    )
    return True


def _given_back(job_id: int, error: str) -> None:
    """A task failed: its job waits again, later each time, until its tries run out."""
    job = Job.objects.filter(pk=job_id, status__in=OPEN).first()
    if job is None:
        return
    if job.tries >= job.max_tries:
        job_fail(job.pk, error)
        return
    delay = settings.JOBS_RETRY_DELAY_SECONDS * 2 ** max(0, job.tries - 1)
    delay = min(delay, settings.JOBS_REQUEUE_AFTER_SECONDS)
    Job.objects.filter(pk=job.pk, status__in=OPEN).update(
        status=JobStatus.WAITING, due_at=timezone.now() + timedelta(seconds=delay), last_error=error[:2000]
    )


# Finished work is kept this long (for the operators' questions), then forgotten; failed work is kept.
DONE_KEPT = timedelta(days=7)


def jobs_prune(now: datetime | None = None) -> int:
    """Forget jobs done more than ``DONE_KEPT`` ago (nightly); returns how many went."""
    cutoff = (now or timezone.now()) - DONE_KEPT
    deleted, _ = Job.objects.filter(status=JobStatus.DONE, finished_at__lt=cutoff).delete()
    return deleted


# --- What background work is delayed, for /health/ and the staff banner ---------------------------


@dataclass(frozen=True)
class Backlog:
    delayed: int  # open jobs not started within DELAYED_AFTER of being due
    failed: int  # failed in the last day and not tried again
    oldest: datetime | None

    @property
    def any(self) -> bool:
        return bool(self.delayed or self.failed)


def jobs_backlog(now: datetime | None = None) -> Backlog:
    now = now or timezone.now()
    late = Job.objects.filter(status__in=OPEN, due_at__lt=now - DELAYED_AFTER, started_at__isnull=True)
    oldest = late.order_by("due_at").values_list("due_at", flat=True).first()
    failed = Job.objects.filter(status=JobStatus.FAILED, finished_at__gte=now - timedelta(days=1)).count()
    return Backlog(delayed=late.count(), failed=failed, oldest=oldest)


# --- Once per job ---------------------------------------------------------------------------------


def job_step_once(key: str, step: Callable[[], Any]) -> bool:
    """Run ``step`` unless the running job has done it already (an email to one address); True if run.
    Outside a job it simply runs."""
    running = _running.get()
    job_id = running[-1] if running else None
    if job_id is None:
        step()
        return True
    # The step is claimed before it is done, in the transaction that does it: the same job running
    # twice at once waits here for the first to finish, then finds the step done. A step that fails
    # takes its claim with it, so the next try does it.
    with transaction.atomic():
        _, claimed = JobStep.objects.get_or_create(job_id=job_id, key=key[:300])
        if not claimed:
            return False
        step()
    return True


# --- Celery signals: a task's job follows the task ------------------------------------------------


def job_id_of(request: Any) -> int | None:
    """The outbox job a task's request runs, if any."""
    if request is None:
        return None
    value = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
    return int(value) if value else None


@contextmanager
def job_run_alone(job_id: int) -> Iterator[bool]:
    """Whether this run of the job is the only one: False when another worker is running it now
    (the sweeper handed it out again while it ran long, or Redis redelivered its message)."""
    with session_lock(f"job:{job_id}") as alone:
        if not alone:
            logger.info("Job %s is already running on another worker: this delivery ends here", job_id)
        yield alone


def _safely(update: Callable[[], Any]) -> None:
    """Record a job's progress; a database that has just gone away is reconnected to once."""
    for _ in range(2):
        try:
            update()
            return
        except DatabaseError:
            close_old_connections()
    logger.exception("Could not record a job's progress")


@signals.task_prerun.connect
def _job_started(sender=None, task=None, **kwargs) -> None:
    job_id = job_id_of(getattr(task, "request", None))
    _running.set((*_running.get(), job_id))  # a task run in-process inside another keeps its own
    if job_id:
        _safely(lambda: Job.objects.filter(pk=job_id).update(started_at=timezone.now()))


@signals.task_postrun.connect
def _job_ran(sender=None, task=None, **kwargs) -> None:
    _running.set(_running.get()[:-1])


@signals.task_success.connect
def _job_done(sender=None, **kwargs) -> None:
    job_id = job_id_of(getattr(sender, "request", None))
    if job_id:
        _safely(
            lambda: Job.objects.filter(pk=job_id).update(
                status=JobStatus.DONE, finished_at=timezone.now(), last_error=""
            )
        )


@signals.task_retry.connect
def _job_retrying(sender=None, request=None, reason=None, **kwargs) -> None:
    """The task will try again itself (a database or broker error): its job's clock starts again."""
    job_id = job_id_of(request)
    if job_id:
        _safely(
            lambda: Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
                queued_at=timezone.now(), last_error=str(reason)[:2000]
            )
        )


@signals.task_failure.connect
def _job_failed_try(sender=None, exception=None, **kwargs) -> None:
    job_id = job_id_of(getattr(sender, "request", None))
    if job_id:
        _safely(lambda: _given_back(job_id, f"{type(exception).__name__}: {exception}"))
