"""Tasks on the beat schedule run once, however many beats send them and however long they take.

Two things can make a scheduled task run twice: two beat processes started by mistake (each sends
every entry), and a run that outlasts its message (a nightly check longer than Redis's visibility
timeout is delivered again to another worker, or a sweep still going when the next is sent). So:

- While a task runs, it holds a database lock on its name (and arguments): a second run at the same
  time finds the lock taken and ends at once, with a log line.
- A run sent by beat (each message names its entry: config/settings.py) records itself in
  ``PeriodicRun``; a copy of the same scheduled run that arrives after it finished (within half the
  schedule's interval of its start) sees the record and ends at once too. A run that failed is not
  counted, so the next copy does the work.

A run asked for by hand (``celery call``, a management command, an officer's "check now" with its
own arguments) is never skipped for having run lately; it still waits for nobody and never runs
beside itself.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery.schedules import crontab
from celery.schedules import schedule as celery_schedule
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.db_locks import session_lock
from accounts.models import PeriodicRun

logger = logging.getLogger("accounts.periodic")

HEADER = "periodic"  # on every message beat sends (config/settings.py): the schedule entry's name


def scheduled_names() -> set[str]:
    """The tasks on the beat schedule."""
    return {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def once_within(entry_name: str) -> timedelta:
    """How soon after a run of the entry another copy of it is taken for the same scheduled run."""
    entry = settings.CELERY_BEAT_SCHEDULE.get(entry_name)
    return interval_of(entry["schedule"]) / 2 if entry else timedelta(0)


def interval_of(schedule: Any) -> timedelta:
    """The shortest time between two runs of a beat schedule (a number of seconds, a timedelta, a
    ``schedule`` or a ``crontab``; a crontab's days are not counted, so never longer than a day)."""
    if isinstance(schedule, int | float):
        return timedelta(seconds=schedule)
    if isinstance(schedule, timedelta):
        return schedule
    if isinstance(schedule, crontab):
        times = sorted(hour * 60 + minute for hour in schedule.hour for minute in schedule.minute)
        gaps = [
            later - earlier for earlier, later in zip(times, [*times[1:], times[0] + 24 * 60], strict=True)
        ]
        return timedelta(minutes=min(gaps))
    if isinstance(schedule, celery_schedule):
        return schedule.run_every
    return timedelta(0)


def periodic_run(task: str, args: tuple, kwargs: dict, entry_name: str | None, run: Callable[[], Any]) -> Any:
    """Run ``run()`` for the scheduled task ``task`` unless it is running already, or (for a run sent
    by beat, ``entry_name``) it has just run for the same scheduled time; None when skipped."""
    with session_lock(periodic_lock_name(task, args, kwargs)) as alone:
        if not alone:
            logger.info("%s is already running on another worker: this run ends here", task)
            return None
        if entry_name is None:
            return run()
        record = _claim(task, once_within(entry_name))
        if record is None:
            return None
        result = run()
        PeriodicRun.objects.filter(pk=record.pk, started_at=record.started_at).update(
            finished_at=timezone.now()
        )
        return result


def periodic_lock_name(task: str, args: tuple | list = (), kwargs: dict | None = None) -> str:
    """The name of the lock a run of ``task`` with these arguments holds while it runs."""
    return f"periodic:{task}:{json.dumps([list(args), kwargs or {}], sort_keys=True, default=str)}"


def _claim(task: str, window: timedelta) -> PeriodicRun | None:
    now = timezone.now()
    with transaction.atomic():
        record, _ = PeriodicRun.objects.select_for_update().get_or_create(
            task=task, defaults={"started_at": now, "host": socket.gethostname()[:200]}
        )
        if record.finished_at is not None and record.started_at > now - window:
            logger.info(
                "%s already ran for this time (started %s, finished %s): this copy ends here",
                task,
                timezone.localtime(record.started_at).isoformat(timespec="seconds"),
                timezone.localtime(record.finished_at).isoformat(timespec="seconds"),
            )
            return None
        record.started_at, record.finished_at, record.host = now, None, socket.gethostname()[:200]
        record.save(update_fields=["started_at", "finished_at", "host"])
    return record
