"""The dashboard's columns after the measures, each read for many contracts in one query: the QAF
status, the returns outstanding and the open notices (the enforcement stage is
``commissioning.notices.selectors.contract_enforcement_stages``)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import NamedTuple

from django.db.models import Count
from django.utils import timezone

from accounts.id_lists import in_ids
from commissioning.models import ContractStatus
from commissioning.notices.models import OPEN_STATUSES, Notice
from commissioning.qaf.models import QafStatus
from outcomes.models import ReturnAttempt
from outcomes.periods import due_at, next_month
from outcomes.returns.selectors import recent_months

OUTSTANDING_MONTHS = 12  # how far back "returns outstanding" looks


class Listed(NamedTuple):
    """A contract as the whole portfolio reads it (to count, sort and filter every contract): a few
    plain values, not a model instance; ``pk`` as on the model."""

    id: int
    reference: str
    provider_name: str
    provider_id: int
    lead_commissioner_id: int
    status: str
    start_date: date
    end_date: date
    return_due_day: int

    @property
    def pk(self) -> int:
        return self.id


def qaf_statuses(contracts: list[Listed]) -> dict[int, QafStatus]:
    """Each contract's QAF status as its lead body holds it: per contract, else per provider."""
    rows = QafStatus.objects.filter(
        in_ids("provider_id", {c.provider_id for c in contracts}),
        commissioner_id__in={c.lead_commissioner_id for c in contracts},
    )
    stored = {(s.commissioner_id, s.provider_id, s.contract_id): s for s in rows}
    found = {}
    for c in contracts:
        status = stored.get((c.lead_commissioner_id, c.provider_id, c.pk)) or stored.get(
            (c.lead_commissioner_id, c.provider_id, None)
        )
        if status is not None:
            found[c.pk] = status
    return found


def returns_outstanding(contracts: list[Listed], now: datetime | None = None) -> Counter:
    """Per contract: months of the last twelve whose return is past its due date with no accepted
    version, for contracts that owe returns (the rule of ``outcomes.selectors.outstanding_returns``:
    active or suspended, term covering the month; read in one query for every contract and month)."""
    now = now or timezone.now()
    owing = [c for c in contracts if c.status in (ContractStatus.ACTIVE, ContractStatus.SUSPENDED)]
    months = recent_months(timezone.localdate(now), count=OUTSTANDING_MONTHS)
    counts: Counter = Counter()
    if not owing:
        return counts
    accepted = set(
        ReturnAttempt.objects.filter(
            in_ids("monthly_return__contract_id", [c.pk for c in owing]),
            is_current=True,
            monthly_return__month__in=months,
        )
        .order_by()
        .values_list("monthly_return__contract_id", "monthly_return__month")
    )
    following = {month: next_month(month) for month in months}
    due: dict[tuple[date, int], datetime] = {}
    for contract in owing:
        pk, start, end, due_day = contract.pk, contract.start_date, contract.end_date, contract.return_due_day
        for month in months:
            if (pk, month) in accepted or not (start < following[month] and end >= month):
                continue
            key = (month, due_day)
            if key not in due:
                due[key] = due_at(month, due_day)
            if now > due[key]:
                counts[pk] += 1
    return counts


def open_notices(contract_ids: list[int]) -> dict[int, int]:
    """Per contract: its open notices (issued, acknowledged, responded or extended; never drafts)."""
    rows = (
        Notice.objects.filter(in_ids("contract_id", contract_ids), status__in=OPEN_STATUSES)
        .values("contract_id")
        .annotate(count=Count("id"))
    )
    return {row["contract_id"]: row["count"] for row in rows}
