"""Contract inputs for the contract and target service tests, and the rows a write could create."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from accounts.models import AuditEntry
from commissioning.models import Contract, Target, TargetVersion
from commissioning.services import ContractInput


def contract_input(provider, **overrides) -> ContractInput:
    """A valid contract's input; override any field."""
    values = {
        "reference": "RCC-HC-001",
        "title": "Homecare, North locality",
        "service_type": "homecare",
        "provider": provider,
        "start_date": date(2025, 4, 1),
        "end_date": date(2028, 3, 31),
        "annual_value": Decimal("1250000.00"),
        "hourly_rate": Decimal("14.30"),
        "return_due_day": 10,
    }
    values.update(overrides)
    return ContractInput(**values)


def row_counts() -> dict[str, int]:
    """Rows of everything a contract or target write could create."""
    return {
        "contracts": Contract.objects.count(),
        "targets": Target.objects.count(),
        "versions": TargetVersion.objects.count(),
        "audit": AuditEntry.objects.count(),
    }
