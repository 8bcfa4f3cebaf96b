"""A subcontractor sees the contract its staff work on, not the prime provider's terms (commissioning
.access.sees_terms): on the contract page, the contract list and in the API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import contract
from tests.fixtures.api import make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def subcontracted(world):
    """Brookside is the prime provider; Acme a subcontractor."""
    return contract(
        world.council,
        world.provider_b,
        reference="C-2",
        subcontractors=[world.provider_a],
        annual_value=Decimal("1250000.00"),
        hourly_rate=Decimal("23.45"),
    )


def test_the_subcontractor_reads_the_contract_without_its_terms(client, world, subcontracted):
    client.force_login(world.users["a_viewer"])
    page = client.get(f"/contracts/{subcontracted.pk}/").content.decode()
    assert "C-2" in page and 'data-testid="subcontractor-view"' in page
    assert "Annual value" not in page and "23.45" not in page and "1,250,000" not in page
    assert "Enforcement stage" not in page
    listing = client.get("/contracts/").content.decode()
    assert "Not shown to subcontractors" in listing


@pytest.mark.parametrize("who", ["b_admin", "commissioner"])
def test_the_prime_and_the_commissioner_read_the_terms(client, world, subcontracted, who):
    client.force_login(world.users[who])
    page = client.get(f"/contracts/{subcontracted.pk}/").content.decode()
    assert "£23.45" in page and "Enforcement stage" in page
    assert 'data-testid="subcontractor-view"' not in page


def test_the_api_leaves_the_terms_out_for_a_subcontractor(client, world, subcontracted):
    for organisation, value in ((world.provider_a, None), (world.provider_b, 23.45)):
        token = make_token(organisation, ["read"])
        found = client.get(
            f"/api/v1/contracts/{subcontracted.pk}/", HTTP_AUTHORIZATION=f"Bearer {token}"
        ).json()
        assert found["hourly_rate"] == value
