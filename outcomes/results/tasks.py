"""Background work on results. Tasks take ids, are queued after commit, call one function and are
safe to run twice; their names are kept from ``outcomes.tasks``, so queued messages, routes and the
beat schedule still match."""

from __future__ import annotations

from celery import shared_task

from outcomes.results.compute import recompute_run_execute, results_recompute, results_recompute_all


@shared_task(name="outcomes.tasks.compliance_recompute", acks_late=True)
def compliance_recompute(contract_id: int, months: list[str] | None = None) -> list[str]:
    """Recompute a contract's results for the periods that read the given (or requested) months."""
    return results_recompute(contract_id=contract_id, months=months)


@shared_task(name="outcomes.tasks.compliance_run", acks_late=True, reject_on_worker_lost=True)
def compliance_run(run_id: int) -> str:
    """A commissioner's "Recompute now": the run's periods one by one, with progress recorded."""
    return recompute_run_execute(run_id)


@shared_task(name="outcomes.tasks.compliance_recompute_all")
def compliance_recompute_all() -> int:
    """Nightly: recompute every period of every contract (catches due dates passing, late data)."""
    return results_recompute_all()
