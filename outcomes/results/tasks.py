"""Background work on results. Tasks take ids, are queued after commit, call one function and are
safe to run twice; their names are kept from ``outcomes.tasks``, so queued messages, routes and the
beat schedule still match."""

from __future__ import annotations

from celery import shared_task

from accounts.jobs import job_failure_register
from outcomes.models import RecomputeRun
from outcomes.results.compute import recompute_run_execute, results_check_all, results_recompute


@shared_task(name="outcomes.tasks.compliance_recompute", acks_late=True)
def compliance_recompute(contract_id: int, months: list[str] | None = None) -> list[str]:
    """Recompute a contract's results for the periods that read the given (or requested) months."""
    return results_recompute(contract_id=contract_id, months=months)


@shared_task(name="outcomes.tasks.compliance_run", acks_late=True, reject_on_worker_lost=True)
def compliance_run(run_id: int) -> str:
    """A commissioner's "Recompute now": the run's periods one by one, with progress recorded."""
    return recompute_run_execute(run_id)


def _run_failed(run_id: int, *, error: str) -> None:
    RecomputeRun.objects.filter(
        pk=run_id, status__in=(RecomputeRun.Status.QUEUED, RecomputeRun.Status.RUNNING)
    ).update(status=RecomputeRun.Status.FAILED, error=error)


job_failure_register(compliance_run, _run_failed)


@shared_task(name="outcomes.tasks.compliance_recompute_all")
def compliance_recompute_all() -> dict:
    """Nightly, just after midnight: roll every contract's results forward (months ended, due dates
    passed), then check every stored result against a fresh computation, repairing and recording drift."""
    check = results_check_all()
    return {
        "contracts": check.contracts,
        "rolled_forward": check.rolled_forward,
        "latest_rows_repaired": check.latest_rows_repaired,
        "withdrawn": len(check.withdrawn),
        "drifted": len(check.drifted),
    }
