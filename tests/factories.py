"""factory-boy factories for the people and organisations every test needs."""

from __future__ import annotations

from decimal import Decimal

import factory

from accounts.access import Acting, acting_for
from accounts.models import Membership, OrganisationKind, Role, User
from commissioning.models import (
    CommissioningBody,
    Contract,
    ContractStatus,
    ServiceType,
    Target,
    TargetVersion,
)
from outcomes.measures import get_measure
from outcomes.models import ComplianceResult
from outcomes.periods import parse_period
from providers.models import CqcRating, Provider

PASSWORD = "a-Long-test-passw0rd"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommissioningBody

    name = factory.Sequence(lambda n: f"Council {n}")
    kind = OrganisationKind.COUNCIL


class IcbFactory(CouncilFactory):
    name = factory.Sequence(lambda n: f"NHS ICB {n}")
    kind = OrganisationKind.ICB


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Provider {n} Homecare Ltd")
    cqc_location_id = factory.Sequence(lambda n: f"1-{100000000 + n}")
    cqc_rating = CqcRating.GOOD
    # A registered address, which a notice's letter needs (a test of its absence clears it).
    address_line_1 = factory.Sequence(lambda n: f"{n + 1} Mill Lane")
    address_town = "Riverton"
    address_postcode = "RV1 2AB"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(ProviderFactory)
    role = Role.VIEWER
    is_admin = False


def member(organisation, role: str, *, is_admin: bool = False, email: str | None = None) -> User:
    """A new user who belongs to ``organisation`` with ``role``."""
    user = UserFactory(**({"email": email} if email else {}))
    MembershipFactory(user=user, organisation=organisation, role=role, is_admin=is_admin)
    return user


def contract(lead, provider, *, reference: str, partners=(), subcontractors=(), **fields):
    """A contract created directly (tests of the contract services create theirs through the services)."""
    from datetime import date

    created = Contract.objects.create(
        reference=reference,
        title=fields.pop("title", f"Homecare {reference}"),
        service_type=fields.pop("service_type", ServiceType.HOMECARE),
        lead_commissioner=lead,
        provider=provider,
        start_date=fields.pop("start_date", date(2025, 4, 1)),
        end_date=fields.pop("end_date", date(2028, 3, 31)),
        status=fields.pop("status", ContractStatus.ACTIVE),
        **fields,
    )
    created.partner_commissioners.set(partners)
    created.subcontractors.set(subcontractors)
    return created


def target(contract_obj, measure: str = "INDEPENDENT_WITHIN", value: str = "66", params=None, **version):
    """A target with one version from the contract's start (or ``effective_from``)."""
    from decimal import Decimal

    created = Target.objects.create(
        contract=contract_obj, measure=measure, params=get_measure(measure).clean_params(params or {})
    )
    TargetVersion.objects.create(
        target=created,
        effective_from=version.pop("effective_from", contract_obj.start_date),
        target_value=Decimal(value),
        tolerance=Decimal(version.pop("tolerance", "0.5")),
        min_denominator=version.pop("min_denominator", 5),
        recorded_by_label="test",
    )
    return created


def acting(user, organisation=None) -> Acting:
    """The Acting a service needs for ``user`` in ``organisation`` (default: their first membership)."""
    found = acting_for(user, organisation.pk if organisation is not None else None)
    assert found is not None
    return found


def stored_result(t, period_id: str, numerator: int, denominator: int, rag: str = "green"):
    """A result stored for target ``t`` and a period ("2025-26-Q2"), as the engine stores one: for
    tests of the pages, packs and exports that read stored figures."""
    period = parse_period(period_id)
    return ComplianceResult.objects.create(
        contract=t.contract,
        target=t,
        target_version=t.versions.first(),
        period=period.identifier,
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        numerator=numerator,
        denominator=denominator,
        value=(Decimal(100 * numerator) / denominator).quantize(Decimal("0.1")),
        rag=rag,
    )
