"""API fixtures: the permission-matrix world, and a token for each kind of caller."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.access import acting_for
from accounts.api.tokens import api_sign_off_set, api_token_create
from tests.factories import CouncilFactory, ProviderFactory, contract, member, target


def make_token(organisation, scopes, *, sign_off_as=None, name: str = "Test system") -> str:
    """A token of ``organisation`` made by one of its admins (an admin is made if it has none)."""
    from accounts.models import Membership, Role

    admin = Membership.objects.filter(organisation=organisation, is_admin=True).select_related("user").first()
    if admin is None:
        role = Role.APPROVER if organisation.is_provider else Role.COMMISSIONER
        user = member(organisation, role, is_admin=True, email=f"admin{organisation.pk}@tokens.example")
    else:
        user = admin.user
    acting = acting_for(user, organisation.pk)
    if sign_off_as is not None and not organisation.api_sign_off_enabled:
        api_sign_off_set(acting=acting, enabled=True)
        organisation.refresh_from_db()
        acting = acting_for(user, organisation.pk)
    return api_token_create(acting=acting, name=name, scopes=list(scopes), sign_off_as=sign_off_as).secret


TOKEN_KINDS = {
    # name: (organisation attribute of the world, scopes, signs off as)
    "a_read": ("provider_a", ["read"], None),
    "a_submit": ("provider_a", ["read", "submit"], None),
    "a_submit_only": ("provider_a", ["submit"], None),
    "a_sign_off": ("provider_a", ["read", "submit"], "a_approver"),
    "b_submit": ("provider_b", ["read", "submit"], None),
    "c_read": ("council", ["read"], None),
    "icb_read": ("icb", ["read"], None),
    "other_read": ("other_council", ["read"], None),
}


@pytest.fixture
def api_world(world):
    """The matrix world: contract J-1 (council + ICB, provider A prime, one target), C-2 (council,
    provider B prime, A subcontracts) and X-3 of another council; a token per TOKEN_KINDS."""
    joint = contract(world.council, world.provider_a, reference="J-1", partners=[world.icb])
    target(joint)
    council_b = contract(world.council, world.provider_b, reference="C-2", subcontractors=[world.provider_a])
    target(council_b)
    other_council = CouncilFactory(name="Elsewhere Council")
    other = contract(other_council, ProviderFactory(name="Faraway Care"), reference="X-3")
    target(other)
    world.contracts = {"joint": joint, "council_b": council_b, "other": other}
    world.other_council = other_council
    world.tokens = {}
    for name, (attribute, scopes, signer) in TOKEN_KINDS.items():
        organisation = getattr(world, attribute)
        world.tokens[name] = make_token(
            organisation, scopes, sign_off_as=world.users[signer] if signer else None, name=name
        )
    return world


@pytest.fixture
def api():
    """``api(token)`` → an APIClient sending that token (``api(None)`` sends none)."""

    def _client(raw: str | None) -> APIClient:
        client = APIClient()
        if raw:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return _client


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def every_row(client, url: str, params: dict | None = None) -> list[dict]:
    """Every row of a listing, following ``next``."""
    response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    while response.json()["next"]:
        response = client.get(response.json()["next"])
        rows += response.json()["results"]
    return rows


def caller_client(w, api, caller: str):
    """A client for a token name, a person of the world (a browser session) or ``anonymous``."""
    if caller == "anonymous":
        return api(None)
    if caller in w.tokens:
        return api(w.tokens[caller])
    client = APIClient()
    client.force_login(w.users[caller])
    return client


PROVIDER_A = ["a_read", "a_submit", "a_sign_off", "a_submitter", "a_approver", "a_viewer"]
COUNCIL = ["c_read", "commissioner", "quality_officer", "c_viewer"]
CALLERS = [
    "anonymous",
    "a_submit_only",
    *PROVIDER_A,
    "b_submit",
    "b_admin",
    *COUNCIL,
    "icb_read",
    "icb_admin",
    "other_read",
]
