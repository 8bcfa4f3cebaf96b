"""factory-boy factories for the people and organisations every test needs."""

from __future__ import annotations

import factory

from accounts.models import Membership, OrganisationKind, Role, User
from commissioning.models import CommissioningBody
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
