"""What asks for results to be computed again, and queues the work.

- Acceptance of a return: ``recompute_request`` collects the months a contract's acceptances
  touch in one ``RecomputeRequest`` row, and one ``compliance_recompute`` task runs after a short
  delay (``COMPLIANCE_COALESCE_SECONDS``), so a burst of acceptances makes one run.
- A change to a contract's targets or term (``commissioning.signals.contract_terms_changed``): the
  months from the change's first day, the same way.
- "Recompute now" on the scorecard: ``recompute_run_request`` records a ``RecomputeRun`` and
  queues ``compliance_run``, which computes the periods one by one and records its progress.

The computing itself is ``outcomes.results.compute``, run by the tasks in ``outcomes.results.tasks``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from accounts.jobs import OPEN as JOB_OPEN
from accounts.jobs import job_enqueue, job_open_exists
from accounts.models import Job
from commissioning.access import is_lead_body, require_lead_body
from commissioning.models import Contract
from commissioning.signals import contract_terms_changed
from outcomes.models import RecomputeRequest, RecomputeRun
from outcomes.periods import Period, months_between
from outcomes.results.tasks import compliance_recompute, compliance_run

# Who may ask for a "Recompute now": the lead body's people who change contracts or override results.
RECOMPUTE_CAPABILITIES = (Capability.MANAGE_CONTRACTS, Capability.OVERRIDE_RESULTS)
# A queued or running "Recompute now" older than this no longer blocks a new one (its worker died).
RUN_STALE_AFTER = timedelta(minutes=15)

_deferred: ContextVar[bool] = ContextVar("recompute_deferred", default=False)


@contextmanager
def recompute_deferred() -> Iterator[None]:
    """Within this block, acceptances only record what to recompute (bulk loads compute once after)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def recompute_subject(contract_id: int) -> str:
    return f"recompute:{contract_id}"


def recompute_request(*, contract: Contract, months: list[str]) -> None:
    """Ask for a contract's results to be recomputed; acceptances within the delay make one run.

    The request row and its job (``accounts.jobs``) are saved with the acceptance; a request that
    has lost its job (a bulk load's, or one from before the outbox) is given one here or by the
    sweeper, so a contract's figures never wait for the night.
    """
    if _deferred.get():
        RecomputeRequest.objects.get_or_create(contract=contract)
        return
    with transaction.atomic():
        request, created = RecomputeRequest.objects.select_for_update().get_or_create(
            contract=contract, defaults={"months": sorted(set(months))}
        )
        if not created:
            request.months = sorted(set(request.months) | set(months))
            request.save(update_fields=["months"])
            if job_open_exists(recompute_subject(contract.pk)):
                return
        recompute_later(contract.pk, countdown=settings.COMPLIANCE_COALESCE_SECONDS)


def recompute_later(contract_id: int, *, countdown: float = 0) -> None:
    job_enqueue(
        compliance_recompute,
        contract_id,
        subject=recompute_subject(contract_id),
        label=f"Recomputing the results of contract {contract_id}",
        countdown=countdown,
    )


def recompute_orphans_queue(now: datetime) -> int:
    """For the sweeper: a recompute request with no job waiting or queued gets one; returns how many."""
    subjects = Job.objects.filter(subject__startswith="recompute:", status__in=JOB_OPEN).values_list(
        "subject", flat=True
    )
    waiting = {int(subject.split(":", 1)[1]) for subject in subjects}
    orphans = RecomputeRequest.objects.filter(
        requested_at__lt=now - timedelta(seconds=settings.COMPLIANCE_COALESCE_SECONDS)
    ).exclude(contract_id__in=waiting)
    count = 0
    for contract_id in orphans.values_list("contract_id", flat=True):
        recompute_later(contract_id)
        count += 1
    return count


@receiver(contract_terms_changed)
def contract_terms_changed_recompute(sender, *, contract: Contract, since: date, **kwargs) -> None:
    """A contract's targets or term changed from ``since``: recompute the kept periods ending on or after it."""
    today = timezone.localdate()
    recompute_request(
        contract=contract, months=[f"{m:%Y-%m}" for m in months_between(since, max(since, today))]
    )


def may_recompute(acting: Acting, contract: Contract) -> bool:
    """Whether the acting person may ask for a "Recompute now" of the contract's results."""
    return is_lead_body(acting, contract, *RECOMPUTE_CAPABILITIES)


def require_recompute(acting: Acting, contract: Contract) -> None:
    """403 unless ``may_recompute``, saying why."""
    require_lead_body(acting, contract, *RECOMPUTE_CAPABILITIES, to="recompute the results of")


def recompute_run_request(
    *, acting: Acting, contract: Contract, year: int, periods: list[Period]
) -> tuple[RecomputeRun, bool]:
    """Queue a "Recompute now" of the given periods; a run already under way is returned instead.

    Returns (run, created). The run is computed by a background task, period by period, so the
    scorecard can show its progress.
    """
    require_recompute(acting, contract)
    with transaction.atomic():
        Contract.objects.select_for_update().get(pk=contract.pk)  # one request at a time per contract
        under_way = (
            RecomputeRun.objects.filter(
                contract=contract,
                status__in=(RecomputeRun.Status.QUEUED, RecomputeRun.Status.RUNNING),
                requested_at__gte=timezone.now() - RUN_STALE_AFTER,
            )
            .order_by("-requested_at")
            .first()
        )
        if under_way is not None:
            return under_way, False
        run = RecomputeRun.objects.create(
            contract=contract,
            year=year,
            periods=[period.identifier for period in periods],
            requested_by=acting.user,
            requested_by_label=str(acting.user),
        )
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="results.recompute",
            obj=run,
            organisation=contract.lead_commissioner,
            details={"contract": contract.reference, "periods": run.periods},
        )
        job_enqueue(
            compliance_run,
            run.pk,
            subject=f"recompute-run:{run.pk}",
            label=f"Recomputing {contract.reference} now",
            max_tries=2,
        )
    return run, True


def run_is_stale(run: RecomputeRun | None) -> bool:
    """A run still queued or running after ``RUN_STALE_AFTER`` has lost its worker."""
    return bool(run and run.active and run.requested_at < timezone.now() - RUN_STALE_AFTER)
