"""The base of every background task (``config.celery`` makes it the app's task class)."""

from __future__ import annotations

from typing import Any

import celery
import kombu.exceptions
import redis
from celery.exceptions import Ignore
from django.db import InterfaceError, OperationalError

# The database or the broker briefly away (a restart): the task tries again, waiting longer each time.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
)


class Task(celery.Task):
    """Every task tries again by itself, waiting longer each time, on ``TRANSIENT_ERRORS``; what still
    fails goes back to the outbox (``accounts.jobs``), which queues it again later.

    With several workers, a piece of work never runs on two at once: a job of the outbox delivered
    again while it still runs elsewhere (the sweeper's copy, Redis's redelivery) ends at once and
    leaves the job to the run under way (``accounts.jobs.job_run_alone``); a task on the beat
    schedule runs once however many beats send it (``accounts.periodic``).
    """

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = 5

    def __call__(self, *args, **kwargs):
        from accounts import jobs, periodic

        request = self.request
        job_id = jobs.job_id_of(request)
        if job_id is not None:
            with jobs.job_run_alone(job_id) as alone:
                if not alone:
                    raise Ignore()  # neither done nor failed: the run under way reports for the job
                return super().__call__(*args, **kwargs)
        if self.name in periodic.scheduled_names():
            entry = header_of(request, periodic.HEADER)
            return periodic.periodic_run(
                self.name, args, kwargs, entry, lambda: super(Task, self).__call__(*args, **kwargs)
            )
        return super().__call__(*args, **kwargs)


def header_of(request: Any, name: str) -> Any:
    """A message header of the task's request (a worker's request carries headers as attributes,
    an in-process one in ``headers``)."""
    if request is None:
        return None
    return getattr(request, name, None) or (getattr(request, "headers", None) or {}).get(name)
