"""Who sees which contract: the lead and partner commissioners, the prime provider and subcontractors."""

from __future__ import annotations

import re

import pytest

from accounts.models import Role
from commissioning.models import ContractStatus, ServiceType
from commissioning.selectors import ContractFilter, contract_list_for, contract_visible_to
from tests.factories import CouncilFactory, ProviderFactory, acting, contract, member, target

REFERENCE_LINK = re.compile(r'<a class="govuk-link" href="/contracts/\d+/">([^<]+)</a>')


@pytest.fixture
def contracts(world):
    """A joint council + ICB contract with provider A; a council-only one with provider B on which
    provider A subcontracts; and another council's contract with another provider."""
    elsewhere = CouncilFactory(name="Elsewhere Council")
    other_provider = ProviderFactory(name="Carefully Ltd")
    joint = contract(
        world.council,
        world.provider_a,
        reference="J-1",
        title="Joint reablement",
        partners=[world.icb],
        service_type=ServiceType.SHORT_TERM,
        lot="North locality",
    )
    target(joint)
    council_b = contract(
        world.council,
        world.provider_b,
        reference="C-2",
        title="Homecare, East",
        subcontractors=[world.provider_a],
        status=ContractStatus.DRAFT,
    )
    target(council_b)
    other = contract(elsewhere, other_provider, reference="X-3", title="Homecare elsewhere")
    return {
        "joint": joint,
        "council_b": council_b,
        "other": other,
        "elsewhere": elsewhere,
        "other_provider": other_provider,
    }


def listed(response) -> list[str]:
    assert response.status_code == 200
    return REFERENCE_LINK.findall(response.content.decode())


def edit_urls(contract_obj) -> list[str]:
    target_id = contract_obj.targets.get().pk
    base = f"/contracts/{contract_obj.pk}"
    return [
        f"{base}/edit/",
        f"{base}/targets/new/",
        f"{base}/targets/new/?measure=INDEPENDENT_WITHIN",
        f"{base}/targets/{target_id}/",
        f"{base}/targets/{target_id}/end/",
    ]


def test_a_joint_contract_is_seen_by_the_lead_council_and_the_partner_icb(world, contracts, sign_in):
    joint = contracts["joint"]
    client = sign_in(world.users["commissioner"])
    page = client.get(f"/contracts/{joint.pk}/").content.decode()
    assert "Joint reablement" in page
    assert "Change contract details" in page and "Add a target" in page
    client.post("/account/sign-out/")

    client = sign_in(world.users["icb_admin"])
    response = client.get(f"/contracts/{joint.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Joint reablement" in page and "Riverton ICB" in page
    # A partner sees it but cannot change it.
    assert "Change contract details" not in page and "Add a target" not in page
    for url in edit_urls(joint):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    assert listed(client.get("/contracts/")) == ["J-1"]
    assert client.get(f"/contracts/{contracts['council_b'].pk}/").status_code == 404


@pytest.mark.parametrize("role", ["contract_officer", "quality_officer", "c_viewer"])
def test_the_lead_councils_other_roles_see_it_read_only(world, contracts, sign_in, role):
    joint = contracts["joint"]
    client = sign_in(world.users[role])
    response = client.get(f"/contracts/{joint.pk}/")
    assert response.status_code == 200
    assert "Change contract details" not in response.content.decode()
    assert "Add a target" not in response.content.decode()
    for url in edit_urls(joint):
        assert client.get(url).status_code == 403, url
    assert listed(client.get("/contracts/")) == ["C-2", "J-1"]


def test_another_councils_users_get_404(world, contracts, sign_in):
    stranger = member(contracts["elsewhere"], Role.COMMISSIONER, email="commissioner@elsewhere.example")
    client = sign_in(stranger)
    for contract_obj in (contracts["joint"], contracts["council_b"]):
        assert client.get(f"/contracts/{contract_obj.pk}/").status_code == 404
        for url in edit_urls(contract_obj):
            assert client.get(url).status_code == 404, url
    assert listed(client.get("/contracts/")) == ["X-3"]
    # And the council's users cannot see the other council's contract.
    client.post("/account/sign-out/")
    client = sign_in(world.users["commissioner"])
    assert client.get(f"/contracts/{contracts['other'].pk}/").status_code == 404
    assert client.get(f"/contracts/{contracts['other'].pk}/edit/").status_code == 404


@pytest.mark.parametrize("role", ["a_viewer", "a_submitter", "a_approver", "a_admin"])
def test_prime_provider_and_subcontractor_see_their_contracts_read_only(world, contracts, sign_in, role):
    client = sign_in(world.users[role])
    for key in ("joint", "council_b"):  # prime provider of J-1, subcontractor on C-2
        contract_obj = contracts[key]
        response = client.get(f"/contracts/{contract_obj.pk}/")
        assert response.status_code == 200, key
        page = response.content.decode()
        assert contract_obj.title in page
        assert "Change contract details" not in page
        assert "Add a target" not in page
        assert f"/contracts/{contract_obj.pk}/edit/" not in page
        for url in edit_urls(contract_obj):
            assert client.get(url).status_code == 403, url
    assert client.get(f"/contracts/{contracts['other'].pk}/").status_code == 404
    assert listed(client.get("/contracts/")) == ["C-2", "J-1"]


def test_another_provider_gets_404_and_lists_only_its_own_contracts(world, contracts, sign_in):
    client = sign_in(world.users["b_admin"])
    joint = contracts["joint"]
    assert client.get(f"/contracts/{joint.pk}/").status_code == 404
    for url in edit_urls(joint):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/contracts/{contracts['council_b'].pk}/").status_code == 200
    assert listed(client.get("/contracts/")) == ["C-2"]


def test_the_selector_scopes_by_organisation(world, contracts):
    def references(user, organisation):
        return sorted(contract_visible_to(acting(user, organisation)).values_list("reference", flat=True))

    assert references(world.users["commissioner"], world.council) == ["C-2", "J-1"]
    assert references(world.users["icb_admin"], world.icb) == ["J-1"]
    assert references(world.users["a_viewer"], world.provider_a) == ["C-2", "J-1"]
    assert references(world.users["b_admin"], world.provider_b) == ["C-2"]
    # A contract with several subcontractors and partners is listed once.
    many = contract(
        world.council,
        world.provider_b,
        reference="M-4",
        partners=[world.icb, CouncilFactory()],
        subcontractors=[world.provider_a, ProviderFactory()],
    )
    viewer = acting(world.users["a_viewer"], world.provider_a)
    assert list(contract_list_for(viewer).filter(pk=many.pk)) == [many]
    assert contract_list_for(viewer, ContractFilter(provider_id=world.provider_a.pk)).count() == 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["C-2", "J-1", "L-5"]),
        ({"provider": "provider_a"}, ["C-2", "J-1"]),  # prime or subcontractor
        ({"provider": "provider_b"}, ["C-2", "L-5"]),
        ({"status": "draft"}, ["C-2"]),
        ({"status": "active"}, ["J-1", "L-5"]),
        ({"service_type": "short_term"}, ["J-1"]),
        ({"service_type": "homecare"}, ["C-2", "L-5"]),
        ({"commissioner": "icb"}, ["J-1"]),
        ({"commissioner": "council"}, ["C-2", "J-1", "L-5"]),
        ({"q": "east"}, ["C-2"]),  # title
        ({"q": "j-1"}, ["J-1"]),  # reference
        ({"q": "NORTH"}, ["J-1"]),  # lot
        ({"q": "east", "status": "active"}, []),
        ({"provider": "provider_b", "status": "active"}, ["L-5"]),
    ],
)
def test_contract_list_filters(world, contracts, sign_in, query, expected):
    contract(world.council, world.provider_b, reference="L-5", title="Long-term homecare, West")
    organisations = {
        "provider_a": world.provider_a,
        "provider_b": world.provider_b,
        "icb": world.icb,
        "council": world.council,
    }
    params = {
        key: (organisations[value].pk if key in ("provider", "commissioner") else value)
        for key, value in query.items()
    }
    client = sign_in(world.users["commissioner"])
    response = client.get("/contracts/", params)
    assert listed(response) == expected
    if query:
        assert "Clear filters" in response.content.decode()
    if not expected:
        assert "No contracts match these filters." in response.content.decode()


def test_filters_only_offer_parties_of_visible_contracts(world, contracts, sign_in):
    client = sign_in(world.users["icb_admin"])
    page = client.get("/contracts/").content.decode()
    assert "Acme Homecare Ltd" in page
    assert "Brookside Care Services" not in page  # only on the council's own contract
    assert "Carefully Ltd" not in page and "Elsewhere Council" not in page
    # A provider the ICB has no contract with is not a valid filter value: the list is not filtered.
    response = client.get("/contracts/", {"provider": contracts["other_provider"].pk})
    assert listed(response) == ["J-1"]


def test_list_shows_term_and_parties(world, contracts, sign_in):
    client = sign_in(world.users["commissioner"])
    page = client.get("/contracts/").content.decode()
    assert "April 2025 to March 2028" in page
    assert "with Riverton ICB" in page
    assert "with Acme Homecare Ltd" in page
