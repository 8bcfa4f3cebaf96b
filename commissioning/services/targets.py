"""Outcome targets: adding one, changing it from a date (a new version), ending it from a date.

Versions are append-only: a change is a new row, and every earlier figure stays in the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from accounts.models import Organisation, User
from commissioning.access import require_lead_body
from commissioning.models import Contract, Target, TargetVersion
from commissioning.signals import contract_terms_changed
from outcomes.measures import MEASURES
from outcomes.periods import day_label

DEFAULT_TOLERANCE = Decimal("0.5")
DEFAULT_MIN_DENOMINATOR = 5


@dataclass
class TargetInput:
    """The values of one target version, as entered or imported (strings are parsed here)."""

    target_value: Any
    effective_from: date
    tolerance: Any = DEFAULT_TOLERANCE
    min_denominator: Any = DEFAULT_MIN_DENOMINATOR
    reason: str = ""


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def version_problems(contract: Contract, data: TargetInput) -> tuple[dict[str, str], dict[str, Any]]:
    """Check a version's values: (problems by field, cleaned values)."""
    problems: dict[str, str] = {}
    value = _decimal(data.target_value)
    if value is None:
        problems["target_value"] = "Enter the target as a percentage from 0 to 100, like 66 or 73.8"
    elif not Decimal(0) <= value <= Decimal(100):
        problems["target_value"] = f"The target must be a percentage from 0 to 100; {value} is not"
    elif value != value.quantize(Decimal("0.01")):
        problems["target_value"] = "Give the target to no more than 2 decimal places"
    tolerance = _decimal(data.tolerance)
    if tolerance is None:
        problems["tolerance"] = "Enter the amber tolerance in percentage points, like 0.5"
    elif tolerance < 0:
        problems["tolerance"] = "The amber tolerance cannot be negative: enter 0 or more percentage points"
    elif tolerance > 100:
        problems["tolerance"] = "The amber tolerance must be 100 percentage points or fewer"
    elif tolerance != tolerance.quantize(Decimal("0.01")):
        problems["tolerance"] = "Give the tolerance to no more than 2 decimal places"
    minimum = data.min_denominator
    if isinstance(minimum, bool) or not isinstance(minimum, int | str) or not str(minimum).strip().isdigit():
        problems["min_denominator"] = "Enter the minimum denominator as a whole number, 1 or more"
        minimum = None
    else:
        minimum = int(str(minimum).strip())
        if minimum < 1:
            problems["min_denominator"] = "The minimum denominator must be 1 or more"
    effective = data.effective_from
    if not isinstance(effective, date):
        problems["effective_from"] = "Enter the date the target applies from, like 2025-04-01"
    elif not contract.start_date <= effective <= contract.end_date:
        problems["effective_from"] = (
            f"The date must be within the contract's term: {day_label(contract.start_date)} to "
            f"{day_label(contract.end_date)}"
        )
    cleaned = {"target_value": value, "tolerance": tolerance, "min_denominator": minimum}
    return problems, cleaned


def target_problems(
    contract: Contract, measure: str, params: dict | None, data: TargetInput
) -> tuple[dict[str, str], dict[str, Any]]:
    """Check a new target: the measure, every parameter, and the first version's values."""
    problems: dict[str, str] = {}
    cleaned_params: dict[str, Any] = {}
    if measure not in MEASURES:
        problems["measure"] = f"Choose a measure from the library; {measure!r} is not one"
    else:
        param_errors = MEASURES[measure].param_errors(params)
        for name, message in param_errors.items():
            problems[f"params.{name}"] = message
        if not param_errors:
            cleaned_params = MEASURES[measure].clean_params(params)
            clash = target_find(contract, measure, cleaned_params)
            if clash is not None and not _is_ended(clash):
                problems["measure"] = (
                    "This contract already has a target on this measure with these settings: change that target "
                    "instead"
                )
    value_problems, cleaned = version_problems(contract, data)
    problems.update(value_problems)
    return problems, {"params": cleaned_params, **cleaned}


def target_find(contract: Contract, measure: str, params: dict) -> Target | None:
    """The contract's target on this measure with exactly these (canonical) parameters, if any.

    When an ended target was replaced by a new one with the same settings, the one still active.
    """
    matches = [target for target in contract.targets.filter(measure=measure) if target.params == params]
    active = [target for target in matches if not _is_ended(target)]
    return (active or matches)[-1] if matches else None


def _is_ended(target: Target) -> bool:
    latest = target.versions.order_by("-effective_from", "-recorded_at", "-id").first()
    return latest is not None and latest.is_end


def _version_details(version: TargetVersion) -> dict:
    if version.is_end:
        return {"effective_from": str(version.effective_from), "ended": True, "reason": version.reason}
    return {
        "effective_from": str(version.effective_from),
        "target": str(version.target_value),
        "tolerance": str(version.tolerance),
        "min_denominator": version.min_denominator,
        "reason": version.reason,
    }


def _version_row(
    target: Target, data: TargetInput, cleaned: dict[str, Any], actor: User | None, actor_label: str | None
) -> TargetVersion:
    return TargetVersion.objects.create(
        target=target,
        effective_from=data.effective_from,
        target_value=cleaned["target_value"],
        tolerance=cleaned["tolerance"],
        min_denominator=cleaned["min_denominator"],
        reason=data.reason.strip(),
        recorded_by=actor,
        recorded_by_label=actor_label or (str(actor) if actor else "System"),
    )


def target_create(
    *,
    contract: Contract,
    measure: str,
    params: dict | None,
    data: TargetInput,
    actor: User | None,
    actor_label: str | None = None,
    actor_organisation: Organisation | None = None,
) -> Target:
    """Add a target and its first version after checking every rule (no capability check: callers do)."""
    problems, cleaned = target_problems(contract, measure, params, data)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        target = Target.objects.create(contract=contract, measure=measure, params=cleaned["params"])
        version = _version_row(target, data, cleaned, actor, actor_label)
        contract_terms_changed.send(sender=Target, contract=contract, since=version.effective_from)
        audit_record(
            actor=actor,
            actor_label=actor_label,
            actor_organisation=actor_organisation,
            action="target.create",
            obj=target,
            organisation=contract.lead_commissioner,
            details={"measure": measure, "params": target.params, **_version_details(version)},
        )
    return target


def version_create(
    *,
    target: Target,
    data: TargetInput,
    actor: User | None,
    actor_label: str | None = None,
    actor_organisation: Organisation | None = None,
) -> TargetVersion:
    """Record new values for a target from a date (no capability check: callers do)."""
    problems, cleaned = version_problems(target.contract, data)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        version = _version_row(target, data, cleaned, actor, actor_label)
        contract_terms_changed.send(sender=Target, contract=target.contract, since=version.effective_from)
        audit_record(
            actor=actor,
            actor_label=actor_label,
            actor_organisation=actor_organisation,
            action="target.version",
            obj=target,
            organisation=target.contract.lead_commissioner,
            details=_version_details(version),
        )
    return version


def target_add(
    *, acting: Acting, contract: Contract, measure: str, params: dict | None, data: TargetInput
) -> Target:
    """Add an outcome target to a contract led by the acting body."""
    require_lead_body(acting, contract, Capability.MANAGE_TARGETS)
    return target_create(
        contract=contract,
        measure=measure,
        params=params,
        data=data,
        actor=acting.user,
        actor_organisation=acting.organisation,
    )


def target_version_add(*, acting: Acting, target: Target, data: TargetInput) -> TargetVersion:
    """Change a target from a date: a new version; earlier periods keep the version in force then."""
    require_lead_body(acting, target.contract, Capability.MANAGE_TARGETS)
    return version_create(target=target, data=data, actor=acting.user, actor_organisation=acting.organisation)


def target_end(*, acting: Acting, target: Target, effective_from: date, reason: str) -> TargetVersion:
    """Stop a target applying from a date; its history stays."""
    require_lead_body(acting, target.contract, Capability.MANAGE_TARGETS)
    contract = target.contract
    problems: dict[str, str] = {}
    if not isinstance(effective_from, date):
        problems["effective_from"] = "Enter the date the target stops applying, like 2026-04-01"
    elif not contract.start_date <= effective_from <= contract.end_date:
        problems["effective_from"] = (
            f"The date must be within the contract's term: {day_label(contract.start_date)} to "
            f"{day_label(contract.end_date)}"
        )
    if not reason.strip():
        problems["reason"] = "Say why the target is ending"
    if _is_ended(target):
        problems["effective_from"] = "This target has already ended"
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        version = TargetVersion.objects.create(
            target=target,
            effective_from=effective_from,
            is_end=True,
            reason=reason.strip(),
            recorded_by=acting.user,
            recorded_by_label=str(acting.user),
        )
        contract_terms_changed.send(sender=Target, contract=contract, since=effective_from)
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="target.end",
            obj=target,
            organisation=contract.lead_commissioner,
            details=_version_details(version),
        )
    return version
