"""Writes about contracts and targets. Each service owns its transaction and audit entry."""

from commissioning.services.contracts import ContractInput, contract_create, contract_update
from commissioning.services.imports import ImportFailed, ImportReport, contracts_import
from commissioning.services.targets import TargetInput, target_add, target_end, target_version_add

__all__ = [
    "ContractInput",
    "ImportFailed",
    "ImportReport",
    "TargetInput",
    "contract_create",
    "contract_update",
    "contracts_import",
    "target_add",
    "target_end",
    "target_version_add",
]
