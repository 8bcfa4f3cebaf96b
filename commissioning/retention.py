"""A commissioning body's retention period and when each contract's person-level data is due to go
under it (the deleting is outcomes.retention.apply, which owns the returns)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from commissioning.models import CommissioningBody, Contract


def retention_due_on(contract: Contract) -> date:
    """The day the contract's person-level data is due to go: its end date plus its lead body's
    retention period (29 February becomes 28 February in a year without it)."""
    years = contract.lead_commissioner.retention_years
    end = contract.end_date
    try:
        return end.replace(year=end.year + years)
    except ValueError:
        return end.replace(year=end.year + years, day=28)


@dataclass(frozen=True)
class RetentionRow:
    contract: Contract
    due_on: date
    deleted_on: date | None


def retention_rows_for(body_id: int, today: date) -> list[RetentionRow]:
    """The ended contracts the body leads, with when their person-level data goes (or went)."""
    contracts = (
        Contract.objects.filter(lead_commissioner_id=body_id, end_date__lt=today)
        .select_related("lead_commissioner", "provider")
        .order_by("end_date", "reference")
    )
    return [RetentionRow(c, retention_due_on(c), c.person_data_deleted_on) for c in contracts]


def retention_years_set(*, acting: Acting, years: int) -> None:
    """The body's retention period, in years after a contract ends (its commissioners; audited)."""
    acting.require(Capability.MANAGE_CONTRACTS)
    if not 1 <= years <= 25:
        raise ValidationError({"years": "Enter a number of years from 1 to 25"})
    with transaction.atomic():
        body = CommissioningBody.objects.select_for_update().get(pk=acting.organisation.pk)
        before = body.retention_years
        if before == years:
            return
        body.retention_years = years
        body.save(update_fields=["retention_years"])
        audit_record(
            actor=acting.user,
            action="retention.period_set",
            obj=body,
            organisation=body,
            actor_organisation=acting.organisation,
            details={"before": before, "after": years},
        )
