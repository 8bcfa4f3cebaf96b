"""The base of every background task (``config.celery`` makes it the app's task class)."""

from __future__ import annotations

import celery
import kombu.exceptions
import redis
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
    fails goes back to the outbox (``accounts.jobs``), which queues it again later."""

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = 5
