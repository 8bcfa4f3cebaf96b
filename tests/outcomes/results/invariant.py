"""The invariant of measures.md v1.1, as one assertion the tests share: every stored result of a
contract equals a fresh computation, and every kept period has one."""

from __future__ import annotations

from outcomes.models import ComplianceResult
from outcomes.results.compute import FreshFigures, contract_periods, results_fresh


def assert_stored_equals_fresh(contract) -> tuple[dict[tuple[int, str], ComplianceResult], FreshFigures]:
    """Assert it; the stored latest rows and the fresh figures, by (target id, period), for more checks."""
    fresh = results_fresh({contract: contract_periods(contract)})
    stored = {
        (r.target_id, r.period): r for r in ComplianceResult.objects.filter(contract=contract, is_latest=True)
    }
    assert set(stored) == set(fresh), contract.reference
    for key, values in fresh.items():
        assert {name: getattr(stored[key], name) for name in values} == values, (contract.reference, key)
    return stored, fresh
