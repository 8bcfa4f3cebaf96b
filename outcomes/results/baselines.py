"""Fixed SPC baselines: the one rule for "the baseline in force", and the service that fixes one.

A commissioner of the lead body may fix a target's baseline on its first B monthly values (B ≥ 12),
with a reason, so that the process limits stay put and later months are judged against them (for
example after a change to the service, to see whether it held). A baseline is append-only: the
newest row of a target is in force; a row with no number of values returns to every value.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from accounts.id_lists import in_ids
from commissioning.access import is_lead_body, require_lead_body
from commissioning.models import Contract, Target
from outcomes.models import SpcBaseline
from outcomes.statistics.spc import MINIMUM_POINTS

NEWEST_FIRST = ("-created_at", "-id")


def baselines_in_force(target_ids: Iterable[int]) -> dict[int, SpcBaseline]:
    """The fixed baseline in force for each target that has one: its newest row, unless it returns to
    every value."""
    newest: dict[int, SpcBaseline] = {}
    for baseline in SpcBaseline.objects.filter(in_ids("target_id", target_ids)).order_by(*NEWEST_FIRST):
        newest.setdefault(baseline.target_id, baseline)
    return {target_id: baseline for target_id, baseline in newest.items() if baseline.points}


def baseline_history(target: Target) -> list[SpcBaseline]:
    """Every baseline fixed or withdrawn for the target, newest first."""
    return list(SpcBaseline.objects.filter(target=target).order_by(*NEWEST_FIRST))


def may_fix_baseline(acting: Acting, contract: Contract) -> bool:
    """Whether the acting person may fix or withdraw a target's SPC baseline: the lead body's people
    who manage its targets."""
    return is_lead_body(acting, contract, Capability.MANAGE_TARGETS)


def require_fix_baseline(acting: Acting, contract: Contract) -> None:
    """403 unless ``may_fix_baseline``, saying why."""
    require_lead_body(acting, contract, Capability.MANAGE_TARGETS, to="fix the SPC baselines of")


def spc_baseline_set(
    *, acting: Acting, target: Target, points: int | None, months: list, reason: str
) -> SpcBaseline:
    """Fix the target's baseline on its first ``points`` monthly values (``months``: the months of
    its values now, in order), or with ``points`` None return to every value; with a reason, audited."""
    require_fix_baseline(acting, target.contract)
    problems = {}
    in_force = baselines_in_force([target.pk]).get(target.pk)
    if points is not None and not MINIMUM_POINTS <= points <= len(months):
        problems["points"] = (
            f"Choose a baseline of {MINIMUM_POINTS} to {len(months)} values"
            if len(months) >= MINIMUM_POINTS
            else f"A baseline needs {MINIMUM_POINTS} monthly values; this target has {len(months)}"
        )
    elif points is None and in_force is None:
        problems["points"] = "The limits already come from every value: there is no fixed baseline to remove"
    elif in_force is not None and points == in_force.points:
        problems["points"] = f"The baseline is already the first {points} values: choose a different one"
    if not reason.strip():
        problems["reason"] = (
            "Give the reason (for example the change to the service the baseline comes before)"
        )
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        baseline = SpcBaseline.objects.create(
            target=target,
            points=points,
            first_month=months[0] if points else None,
            last_month=months[points - 1] if points else None,
            reason=reason.strip(),
            created_by=acting.user,
            created_by_label=str(acting.user),
        )
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="target.spc_baseline" if points else "target.spc_baseline_withdraw",
            obj=baseline,
            organisation=target.contract.lead_commissioner,
            details={
                "contract": target.contract.reference,
                "measure": target.measure,
                "points": points,
                "months": [f"{months[0]:%Y-%m}", f"{months[points - 1]:%Y-%m}"] if points else None,
                "previous_points": in_force.points if in_force else None,
                "reason": reason.strip(),
            },
        )
    return baseline
