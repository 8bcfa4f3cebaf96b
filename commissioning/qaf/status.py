"""Storing QAF status (rules in outcomes.qaf_status).

A provider's status is kept per commissioning body (over all its assessments of the provider)
and per contract the body leads with the provider (over the assessments scoped to that contract
or to no contract), each with the contract's compliance window.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.db_locks import xact_lock
from commissioning.models import Contract
from commissioning.qaf.models import (
    ActionStatus,
    Assessment,
    AssessmentStatus,
    QafStatus,
)
from commissioning.qaf.status_rules import Facts, qaf_status


def _facts(assessments) -> list[Facts]:
    return [
        Facts(
            a.pk,
            a.kind,
            a.started_on,
            a.finalised_on if a.status == AssessmentStatus.FINALISED else None,
            a.outcome if a.status == AssessmentStatus.FINALISED else "",
            a.open_actions,
        )
        for a in assessments
    ]


def qaf_status_store(*, provider_id: int, commissioner_id: int, today: date | None = None) -> list[QafStatus]:
    """Compute and store the provider's QAF status for the body, and for each contract it leads with it.

    One computation at a time per provider and body, reading and storing in one transaction: a
    refresh after a change never has its newer status overwritten by an older one computed beside it
    (two workers, or the nightly run and a change's refresh)."""
    with transaction.atomic():
        xact_lock(f"qaf-status:{provider_id}:{commissioner_id}")
        return _store(provider_id=provider_id, commissioner_id=commissioner_id, today=today)


def _store(*, provider_id: int, commissioner_id: int, today: date | None) -> list[QafStatus]:
    today = today or timezone.localdate()
    assessments = list(
        Assessment.objects.filter(provider_id=provider_id, commissioner_id=commissioner_id)
        .exclude(status=AssessmentStatus.CANCELLED)
        .annotate(open_actions=Count("actions", filter=~Q(actions__status=ActionStatus.VERIFIED)))
    )
    contracts = list(Contract.objects.filter(provider_id=provider_id, lead_commissioner_id=commissioner_id))
    windows = [c.qaf_compliance_window_weeks for c in contracts if c.status == "active"] or [
        c.qaf_compliance_window_weeks for c in contracts
    ]
    scopes: list[tuple[Contract | None, list, int]] = [(None, assessments, min(windows, default=12))]
    for contract in contracts:
        scoped = [a for a in assessments if a.contract_id in (None, contract.pk)]
        scopes.append((contract, scoped, contract.qaf_compliance_window_weeks))
    stored = []
    now = timezone.now()
    with transaction.atomic():
        for scope_contract, scoped, weeks in scopes:
            decision = qaf_status(_facts(scoped), today=today, window_weeks=weeks)
            row, _ = QafStatus.objects.update_or_create(
                commissioner_id=commissioner_id,
                provider_id=provider_id,
                contract=scope_contract,
                defaults={
                    "status": decision.status,
                    "reason": decision.reason,
                    "assessment_id": decision.assessment_id,
                    "window_ends_on": decision.window_ends_on,
                    "next_due_on": decision.next_due_on,
                    "computed_at": now,
                },
            )
            stored.append(row)
    return stored


def qaf_status_store_all(today: date | None = None) -> int:
    """Nightly: every provider with a contract, for each body that leads one (statuses change with the date)."""
    pairs = Contract.objects.values_list("provider_id", "lead_commissioner_id").distinct()
    return sum(
        len(qaf_status_store(provider_id=provider, commissioner_id=body, today=today))
        for provider, body in pairs
    )
