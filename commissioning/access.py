"""Who stands in which relation to a contract: its lead commissioning body, its prime provider.

The one place that answers these questions. A page asks ``is_…`` to decide whether to show a
button; the service behind the button asks ``require_…`` before it acts; both read the same
function, so the two cannot drift apart. Which contracts a person may *see* is the selectors' job
(``commissioning.selectors.contract_visible_to``: 404 outside); these functions decide what a
person who can see a contract may *do* with it (403 otherwise).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.access import Acting, Capability
from commissioning.models import Contract


def _holds_any(acting: Acting, capabilities: tuple[Capability, ...]) -> bool:
    return not capabilities or any(acting.can(capability) for capability in capabilities)


def is_lead_body(acting: Acting, contract: Contract, *capabilities: Capability) -> bool:
    """Whether the acting person is one of the contract's lead commissioning body's people (holding
    any one of ``capabilities``, when given). Partner commissioners see a contract but never act on it."""
    return (
        acting.is_commissioner
        and acting.organisation.pk == contract.lead_commissioner_id
        and _holds_any(acting, capabilities)
    )


def require_lead_body(
    acting: Acting, contract: Contract, *capabilities: Capability, to: str = "change"
) -> None:
    """403 unless ``is_lead_body``: saying which capability the role lacks, or who leads the contract.

    ``to`` completes "Only <body>, the lead commissioner, can … contract <reference>".
    """
    if not _holds_any(acting, capabilities):
        acting.require(capabilities[0])
    if not (acting.is_commissioner and acting.organisation.pk == contract.lead_commissioner_id):
        partner = contract.partner_commissioners.filter(pk=acting.organisation.pk).exists()
        raise PermissionDenied(
            f"Only {contract.lead_commissioner.name}, the lead commissioner, can {to} contract "
            f"{contract.reference}." + (" Partners can see it but not change it." if partner else "")
        )


def is_prime_provider(acting: Acting, contract: Contract, *capabilities: Capability) -> bool:
    """Whether the acting person is one of the contract's prime provider's people (holding any one of
    ``capabilities``, when given). Subcontractors' data travels in the prime provider's return."""
    return (
        acting.is_provider
        and acting.organisation.pk == contract.provider_id
        and _holds_any(acting, capabilities)
    )


def require_prime_provider(acting: Acting, contract: Contract, *capabilities: Capability) -> None:
    """403 unless ``is_prime_provider``: returns are submitted and signed off by the prime provider only."""
    if not _holds_any(acting, capabilities):
        acting.require(capabilities[0])
    if not (acting.is_provider and acting.organisation.pk == contract.provider_id):
        raise PermissionDenied(
            f"Only {contract.provider.name}, the prime provider, submits returns for contract "
            f"{contract.reference}."
        )


def sees_terms(acting: Acting, contract: Contract) -> bool:
    """Whether the acting organisation may see the contract's commercial terms (annual value, hourly
    rate), its returns and results and where it stands on the enforcement ladder: every
    commissioning body that sees the contract, and its prime provider. A subcontractor sees the
    contract itself (parties, term, service, targets), which is all its role needs."""
    return acting.is_commissioner or (acting.is_provider and acting.organisation.pk == contract.provider_id)
