"""A provider's registered name and address: what a notice's letter is addressed to.

Recorded by a commissioning body that leads a contract with the provider as its prime provider,
by its commissioners (Capability.MANAGE_CONTRACTS) or contract officers (Capability.MANAGE_NOTICES,
who issue the letters). Every body contracting the provider reads the same address; each change is
in the audit log of the body that made it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from commissioning.selectors import providers_led_by
from providers.models import Provider

ADDRESS_CAPABILITIES = (Capability.MANAGE_CONTRACTS, Capability.MANAGE_NOTICES)
# A UK postcode: outward code, then the inward code (a digit and two letters).
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def address_provider_get_for(acting: Acting, provider_id: int) -> Provider:
    """A provider whose address the body may record (one it leads a contract with); 404 otherwise."""
    provider = providers_led_by(acting).filter(pk=provider_id).first()
    if provider is None:
        raise Http404("No provider your organisation leads a contract with has this id.")
    return provider


def can_record_address(acting: Acting) -> bool:
    return acting.is_commissioner and any(acting.can(c) for c in ADDRESS_CAPABILITIES)


def address_require(acting: Acting) -> None:
    """A commissioner or contract officer of the body; PermissionDenied (403) otherwise."""
    if not can_record_address(acting):
        raise PermissionDenied(
            f"Your role in {acting.organisation.name} ({acting.membership.role_label.lower()}) does not let "
            "you record a provider's registered address: that needs the commissioner or contract officer "
            "role. Ask an admin of your organisation if you need it."
        )


@dataclass(frozen=True)
class RegisteredAddress:
    legal_name: str = ""
    address_line_1: str = ""
    address_line_2: str = ""
    address_town: str = ""
    address_postcode: str = ""

    @classmethod
    def of(cls, provider: Provider) -> RegisteredAddress:
        return cls(**{name: getattr(provider, name) for name in cls.__dataclass_fields__})


def postcode_normalise(value: str) -> str | None:
    """The postcode in capitals with one space before the inward code; None if it is not a postcode."""
    found = POSTCODE.match(re.sub(r"\s+", "", value.upper()))
    return f"{found.group(1)} {found.group(2)}" if found else None


def provider_address_set(*, acting: Acting, provider: Provider, address: RegisteredAddress) -> Provider:
    """Record the provider's registered name and address (all of it, or nothing if any part is wrong)."""
    address_require(acting)
    values = {name: " ".join(value.split()) for name, value in asdict(address).items()}
    problems = {}
    if not values["address_line_1"]:
        problems["address_line_1"] = "Enter the first line of the registered address"
    if not values["address_town"]:
        problems["address_town"] = "Enter the town or city of the registered address"
    if not values["address_postcode"]:
        problems["address_postcode"] = "Enter the postcode of the registered address"
    else:
        postcode = postcode_normalise(values["address_postcode"])
        if postcode is None:
            problems["address_postcode"] = "Enter a real postcode, like LS1 4AP"
        values["address_postcode"] = postcode or values["address_postcode"]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        provider = Provider.objects.select_for_update(of=("self",)).get(pk=provider.pk)
        before = asdict(RegisteredAddress.of(provider))
        if before == values:
            return provider
        for name, value in values.items():
            setattr(provider, name, value)
        provider.save(update_fields=list(values))
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="provider.registered_address",
            obj=provider,
            organisation=acting.organisation,
            details={"before": before, "after": values},
        )
    return provider
