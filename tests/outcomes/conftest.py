"""Shared fixtures for the monthly return tests: a contract and acting people (return files are in
``tests.outcomes.return_files``); stored uploads go to a temporary MEDIA_ROOT."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.access import Acting, acting_for
from accounts.models import Role
from tests.factories import ProviderFactory, contract, member


@dataclass
class Returns:
    """The world plus a contract of Acme's (due on the 10th) and a subcontractor with an approver."""

    world: object
    contract: object
    subcontractor: object

    def acting(self, name: str) -> Acting:
        """The named user (a world user, or "subcontractor") acting in their only organisation."""
        user = self.world.users[name]
        return acting_for(user, None)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def returns(world, media_root) -> Returns:
    subcontractor = ProviderFactory(name="Carewell Subcontracting Ltd")
    world.users["subcontractor"] = member(
        subcontractor, Role.APPROVER, is_admin=True, email="admin@carewell.example"
    )
    acme_contract = contract(
        world.council,
        world.provider_a,
        reference="RCC-HC-001",
        partners=[world.icb],
        subcontractors=[subcontractor],
        return_due_day=10,
    )
    return Returns(world=world, contract=acme_contract, subcontractor=subcontractor)
