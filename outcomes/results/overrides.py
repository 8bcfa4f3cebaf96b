"""RAG overrides: the one rule for "the override in force", and the service that records one.

An override is append-only: the lead body's commissioner sets a RAG for a target and period, with
a reason; a later row with an empty RAG withdraws it. The override **in force** for a target and
period is the newest row (by ``created_at``, then ``id``) when its RAG is not empty. The computed
RAG is never hidden: pages, packs, exports and the API show both.

The rule has three forms, kept together here and tested against each other
(``tests/outcomes/results/test_overrides.py``): ``overrides_in_force`` in Python for pages that hold
results in memory, ``with_rag_in_force`` in SQL for the API's filter and ordering, and
``newest_override_sql`` for the statements that write the result list's JSON and its validator.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from commissioning.access import is_lead_body, require_lead_body
from commissioning.models import Contract
from outcomes.models import ComplianceResult, ResultOverride

OVERRIDE_CHOICES = ("green", "amber", "red")
NEWEST_FIRST = ("-created_at", "-id")


def overrides_in_force(
    target_ids: Iterable[int] | QuerySet, periods: list[str]
) -> dict[tuple[int, str], ResultOverride]:
    """The override in force for each (target, period) that has one: the newest row, unless it
    withdraws. ``target_ids``: ids, or a query of them."""
    newest: dict[tuple[int, str], ResultOverride] = {}
    for override in ResultOverride.objects.filter(target_id__in=target_ids, period__in=periods).order_by(
        *NEWEST_FIRST
    ):
        newest.setdefault((override.target_id, override.period), override)
    return {key: override for key, override in newest.items() if override.rag}


def override_in_force(target_id: int, period: str) -> ResultOverride | None:
    """The override in force for one target and period, if any."""
    return overrides_in_force([target_id], [period]).get((target_id, period))


def with_rag_in_force(results: QuerySet[ComplianceResult]) -> QuerySet[ComplianceResult]:
    """Results annotated with ``rag_in_force``: the RAG of the override in force, else the computed
    RAG (the rule of ``overrides_in_force``, in SQL)."""
    newest = ResultOverride.objects.filter(
        target_id=OuterRef("target_id"), period=OuterRef("period")
    ).order_by(*NEWEST_FIRST)
    return results.annotate(override_rag=Coalesce(Subquery(newest.values("rag")[:1]), Value(""))).annotate(
        rag_in_force=Case(When(override_rag="", then=F("rag")), default=F("override_rag"))
    )


def newest_override_sql(result: str) -> str:
    """A LATERAL subquery (raw SQL) giving the newest override row of the target and period of the
    result row aliased ``result``: its columns, none when there is none. It is in force when its
    ``rag`` is not empty (the rule of ``overrides_in_force``)."""
    table = ResultOverride._meta.db_table
    return (
        f"(SELECT o.* FROM {table} o WHERE o.target_id = {result}.target_id AND o.period = {result}.period "  # noqa: S608
        "ORDER BY o.created_at DESC, o.id DESC LIMIT 1)"
    )


def may_override(acting: Acting, contract: Contract) -> bool:
    """Whether the acting person may set or withdraw a RAG override on the contract's results."""
    return is_lead_body(acting, contract, Capability.OVERRIDE_RESULTS)


def require_override(acting: Acting, contract: Contract) -> None:
    """403 unless ``may_override``, saying why."""
    require_lead_body(acting, contract, Capability.OVERRIDE_RESULTS, to="override the results of")


def result_override(
    *, acting: Acting, result: ComplianceResult, rag_value: str, reason: str
) -> ResultOverride:
    """A commissioner of the lead body sets (or, with an empty RAG, withdraws) a RAG override, with a reason."""
    require_override(acting, result.contract)
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
            actor_organisation=acting.organisation,
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
