"""The nightly retention run (outcomes.retention.apply): safe to run twice, since a contract whose
person-level data has gone is marked and passed over."""

from __future__ import annotations

from celery import shared_task

from outcomes.retention.apply import retention_apply


@shared_task(name="outcomes.retention.tasks.retention_apply")
def retention_apply_task() -> int:
    """Delete the person-level data of every contract due; returns how many contracts."""
    return len(retention_apply())
