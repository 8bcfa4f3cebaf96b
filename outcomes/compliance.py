"""Computing and storing results: every target of a contract for a period, judged and kept append-only.

Results are computed under a lock on the contract, so two runs for one contract never interleave.
A recomputation with the same figures only records when it was checked; changed figures make a
new row beside the old; when the data window was complete before the change, the new row is
marked restated, naming the return versions that changed it.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from commissioning.models import Contract, Target, TargetVersion
from commissioning.selectors import target_version_in_force
from outcomes.calculators import CALCULATORS, Figures, Inputs, data_window, window_months
from outcomes.measures import MEASURES
from outcomes.measures.rating import direction_of_travel, percentage, rag
from outcomes.models import ComplianceResult, MonthlyReturn, ReturnAttempt
from outcomes.periods import Period, add_months, month_end, parse_period


def previous_period(period: Period) -> Period:
    """The period of the same kind and length just before it, not overlapping it.

    The month before, the quarter before, and for a year to date or a rolling twelve months the
    same window a year earlier.
    """
    step = {"month": 1, "quarter": 3}.get(period.kind, 12)
    identifier = period.identifier
    if period.kind == "month":
        return parse_period(f"{add_months(period.start, -step):%Y-%m}")
    if period.kind == "quarter":
        from outcomes.periods import quarter_period

        return quarter_period(add_months(period.start, -step))
    from outcomes.periods import rolling_twelve_period, year_to_date_period

    last = add_months(period.end.replace(day=1), -12)
    return year_to_date_period(last) if identifier.count("YTD") else rolling_twelve_period(last)


@dataclass(frozen=True)
class Judged:
    """A target's figures for a period, judged against the version in force at the period's end."""

    target: Target
    version: TargetVersion
    period: Period
    figures: Figures
    value: Decimal | None
    rag: str
    not_rated_reason: str | None
    missing_months: list[str]
    sources: dict


def _coverage(contract: Contract) -> tuple[set, dict]:
    attempts = ReturnAttempt.objects.filter(
        monthly_return__contract=contract, is_current=True
    ).select_related("monthly_return")
    covered = {a.monthly_return.month for a in attempts}
    sources = {f"{a.monthly_return.month:%Y-%m}": {"attempt": a.pk, "version": a.version} for a in attempts}
    return covered, sources


def _version_in_force(target: Target, day) -> TargetVersion | None:
    """As commissioning.selectors.target_version_in_force, from the target's prefetched versions."""
    if "versions" not in getattr(target, "_prefetched_objects_cache", {}):
        return target_version_in_force(target, day)
    candidates = [v for v in target.versions.all() if v.effective_from <= day]
    if not candidates:
        return None
    version = max(candidates, key=lambda v: (v.effective_from, v.recorded_at, v.id))
    return None if version.is_end else version


def judge(target: Target, period: Period, *, now: datetime, coverage: tuple[set, dict]) -> Judged | None:
    """Compute and judge one target for one period; None when no version was in force at its end."""
    version = _version_in_force(target, period.end)
    if version is None:
        return None
    contract = target.contract
    measure = MEASURES[target.measure]
    params = measure.clean_params(target.params)
    covered, all_sources = coverage
    last_covered = month_end(max(covered)) if covered else None
    figures = CALCULATORS[target.measure](Inputs(contract, period, last_covered, now), params)
    start, end = data_window(period, target.measure, params)
    months = window_months(contract, start, end)
    missing = [f"{m:%Y-%m}" for m in months if m not in covered]
    has_data = target.measure == "RETURNS_ON_TIME" or any(m in covered for m in months)
    value = percentage(figures.numerator, figures.denominator)
    rating, reason = rag(
        value,
        target=version.target_value,
        tolerance=version.tolerance,
        direction=measure.direction,
        denominator=figures.denominator,
        min_denominator=version.min_denominator,
        has_data=has_data,
    )
    sources = {month: source for month, source in all_sources.items() if month >= f"{start:%Y-%m}"}
    return Judged(target, version, period, figures, value, rating, reason, missing, sources)


def _restatement_reason(previous: ComplianceResult, sources: dict) -> str:
    changed = [
        f"{month} version {source['version']}"
        for month, source in sorted(sources.items())
        if previous.sources.get(month) != source
    ]
    return "Changed by " + ", ".join(changed) if changed else "Recomputed with corrected data"


def _store(judged: Judged, direction: str, now: datetime) -> ComplianceResult:
    figures = judged.figures
    values = {
        "target_version": judged.version,
        "numerator": figures.numerator,
        "denominator": figures.denominator,
        "value": judged.value,
        "rag": judged.rag,
        "not_rated_reason": judged.not_rated_reason,
        "direction": direction,
        "pending": figures.pending,
        "missing": figures.missing,
        "missing_months": judged.missing_months,
    }
    latest = ComplianceResult.objects.filter(
        target=judged.target, period=judged.period.identifier, is_latest=True
    ).first()
    if latest is not None and all(getattr(latest, key) == value for key, value in values.items()):
        latest.checked_at = now
        latest.sources = judged.sources
        latest.save(update_fields=["checked_at", "sources"])
        return latest
    figures_changed = latest is not None and (
        (latest.numerator, latest.denominator, latest.value)
        != (figures.numerator, figures.denominator, judged.value)
    )
    restated = bool(latest) and (latest.restated or (figures_changed and not latest.missing_months))
    if latest is not None:
        latest.is_latest = False
        latest.save(update_fields=["is_latest"])
    return ComplianceResult.objects.create(
        contract=judged.target.contract,
        target=judged.target,
        period=judged.period.identifier,
        period_kind=judged.period.kind,
        period_start=judged.period.start,
        period_end=judged.period.end,
        sources=judged.sources,
        restated=restated,
        restates=latest if figures_changed and not latest.missing_months else None,
        restated_because=_restatement_reason(latest, judged.sources)
        if figures_changed and not latest.missing_months
        else "",
        computed_at=now,
        checked_at=now,
        **values,
    )


def results_compute(
    *, contract: Contract, period: Period, now: datetime | None = None, memo: dict | None = None
) -> list[ComplianceResult]:
    """Compute, judge and store every target's result for the period (the background job and the CLI).

    ``memo`` lets a run over many periods of one contract reuse judgements: a period judged as
    "the previous period" of another is not computed twice.
    """
    now = now or timezone.now()
    memo = {} if memo is None else memo
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)  # one run per contract at a time
        coverage = _coverage(contract)
        previous = previous_period(period)
        stored = []
        for target in contract.targets.prefetch_related("versions").order_by("id"):

            def judged_for(p: Period, target=target) -> Judged | None:
                key = (target.pk, p.identifier)
                if key not in memo:
                    memo[key] = judge(target, p, now=now, coverage=coverage)
                return memo[key]

            judged = judged_for(period)
            if judged is None:
                continue
            before = judged_for(previous)
            both_rated = (
                judged.not_rated_reason is None and before is not None and before.not_rated_reason is None
            )
            direction = direction_of_travel(
                judged.value,
                before.value if before else None,
                direction=MEASURES[target.measure].direction,
                both_rated=both_rated,
            )
            stored.append(_store(judged, direction, now))
    return stored


def contract_periods(contract: Contract) -> list[Period]:
    """Every period whose window holds an accepted month and which has begun by the latest accepted month."""
    from outcomes.periods import affected_periods

    accepted = sorted(
        MonthlyReturn.objects.filter(contract=contract, attempts__is_current=True).values_list(
            "month", flat=True
        )
    )
    if not accepted:
        return []
    periods = [parse_period(identifier) for identifier in affected_periods([f"{m:%Y-%m}" for m in accepted])]
    return [period for period in periods if period.start <= month_end(accepted[-1])]


def _coalesce_seconds() -> int:
    from django.conf import settings

    return settings.COMPLIANCE_COALESCE_SECONDS


_deferred: ContextVar[bool] = ContextVar("recompute_deferred", default=False)


@contextmanager
def recompute_deferred():
    """Within this block, acceptances only record what to recompute (bulk loads compute once after)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def recompute_request(*, contract: Contract, months: list[str]) -> None:
    """Ask for a contract's results to be recomputed; acceptances within the delay make one run."""
    from outcomes.models import RecomputeRequest
    from outcomes.tasks import compliance_recompute

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
            return
        transaction.on_commit(
            lambda: compliance_recompute.apply_async(args=(contract.pk,), countdown=_coalesce_seconds())
        )


def results_recompute(*, contract_id: int, months: list[str] | None = None) -> list[str]:
    """Recompute the periods that read the given months (or those waiting in the contract's request).

    Only periods that have begun by the latest accepted month are computed. Returns their identifiers.
    """
    from outcomes.models import RecomputeRequest
    from outcomes.periods import affected_periods

    with transaction.atomic():
        request = RecomputeRequest.objects.select_for_update().filter(contract_id=contract_id).first()
        if request is not None:
            months = sorted(set(months or []) | set(request.months))
            request.delete()
    contract = Contract.objects.filter(pk=contract_id).first()
    if contract is None or not months:
        return []
    accepted = MonthlyReturn.objects.filter(contract=contract, attempts__is_current=True).values_list(
        "month", flat=True
    )
    if not accepted:
        return []
    latest_end = month_end(max(accepted))
    done, memo = [], {}
    for identifier in affected_periods(months):
        period = parse_period(identifier)
        if period.start <= latest_end:
            results_compute(contract=contract, period=period, memo=memo)
            done.append(identifier)
    return done


def results_recompute_all() -> int:
    """The nightly full recompute: every period of every contract with accepted returns."""
    count = 0
    for contract in Contract.objects.filter(monthly_returns__attempts__is_current=True).distinct():
        memo: dict = {}
        for period in contract_periods(contract):
            count += len(results_compute(contract=contract, period=period, memo=memo))
    return count


OVERRIDE_CHOICES = ("green", "amber", "red")


def override_in_force(target_id: int, period: str):
    """The override of a target's result for a period, if one is in force."""
    from outcomes.models import ResultOverride

    latest = (
        ResultOverride.objects.filter(target_id=target_id, period=period)
        .order_by("-created_at", "-id")
        .first()
    )
    return latest if latest is not None and latest.rag else None


def result_override(*, acting, result: ComplianceResult, rag_value: str, reason: str):
    """A commissioner of the lead body sets (or, with an empty RAG, withdraws) a RAG override, with a reason."""
    from django.core.exceptions import ValidationError

    from accounts.access import Capability
    from accounts.audit import audit_record
    from commissioning.services.contracts import require_lead
    from outcomes.models import ResultOverride

    require_lead(acting, result.contract, Capability.OVERRIDE_RESULTS)
    problems = {}
    if rag_value and rag_value not in OVERRIDE_CHOICES:
        problems["rag"] = "Choose green, amber or red"
    if not reason.strip():
        problems["reason"] = "Give the reason for the override (for example what the review meeting agreed)"
    if rag_value and rag_value == result.rag:
        problems["rag"] = (
            f"The computed RAG is already {rag_value}: choose a different one, or do not override"
        )
    if not rag_value and override_in_force(result.target_id, result.period) is None:
        problems["rag"] = "There is no override to withdraw"
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        override = ResultOverride.objects.create(
            target=result.target,
            period=result.period,
            rag=rag_value,
            reason=reason.strip(),
            computed_rag=result.rag,
            result=result,
            created_by=acting.user,
            created_by_label=str(acting.user),
        )
        audit_record(
            actor=acting.user,
            action="result.override" if rag_value else "result.override_withdraw",
            obj=override,
            organisation=result.contract.lead_commissioner,
            details={
                "contract": result.contract.reference,
                "measure": result.target.measure,
                "period": result.period,
                "computed_rag": result.rag,
                "rag": rag_value,
                "reason": reason.strip(),
            },
        )
    return override
