"""contract_create / contract_update: the rules, the audit entries, and who may change a contract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEntry
from commissioning.models import Contract, ContractStatus
from commissioning.services import contract_create, contract_update
from tests.commissioning.contract_inputs import contract_input, row_counts
from tests.factories import acting


@pytest.fixture
def lead(world):
    """The council commissioner acting for the council."""
    return acting(world.users["commissioner"], world.council)


def test_create_saves_every_field_and_audits_it(world, lead):
    data = contract_input(
        world.provider_a,
        subcontractors=[world.provider_b],
        partner_commissioners=[world.icb],
        lot="  North  ",
        status=ContractStatus.ACTIVE,
    )
    created = contract_create(acting=lead, data=data)

    created.refresh_from_db()
    assert created.lead_commissioner_id == world.council.pk
    assert created.provider == world.provider_a
    assert list(created.subcontractors.all()) == [world.provider_b]
    assert list(created.partner_commissioners.all()) == [world.icb]
    assert (created.reference, created.lot, created.status) == ("RCC-HC-001", "North", "active")
    assert (created.start_date, created.end_date) == (date(2025, 4, 1), date(2028, 3, 31))
    assert created.hourly_rate == Decimal("14.30")

    entry = AuditEntry.objects.get(action="contract.create")
    assert entry.actor == world.users["commissioner"]
    assert entry.organisation_id == world.council.pk
    assert entry.object_id == str(created.pk)
    assert entry.details["reference"] == "RCC-HC-001"
    assert entry.details["provider"] == "Acme Homecare Ltd"
    assert entry.details["subcontractors"] == ["Brookside Care Services"]
    assert entry.details["partner_commissioners"] == ["Riverton ICB"]
    assert entry.details["start_date"] == "2025-04-01"
    assert entry.details["hourly_rate"] == "14.30"


def test_update_audits_before_and_after_of_what_changed(world, lead):
    created = contract_create(acting=lead, data=contract_input(world.provider_a))
    changed = contract_input(
        world.provider_a,
        title="Homecare, North and East",
        hourly_rate=Decimal("15.10"),
        partner_commissioners=[world.icb],
    )
    contract_update(acting=lead, contract=created, data=changed)

    created.refresh_from_db()
    assert created.title == "Homecare, North and East"
    assert created.hourly_rate == Decimal("15.10")
    entry = AuditEntry.objects.get(action="contract.update")
    assert entry.actor == world.users["commissioner"]
    assert entry.details == {
        "title": {"before": "Homecare, North locality", "after": "Homecare, North and East"},
        "hourly_rate": {"before": "14.30", "after": "15.10"},
        "partner_commissioners": {"before": [], "after": ["Riverton ICB"]},
    }


def test_update_with_nothing_changed_saves_nothing_and_writes_no_audit_entry(world, lead):
    created = contract_create(
        acting=lead, data=contract_input(world.provider_a, hourly_rate=Decimal("14.30"))
    )
    updated_at = Contract.objects.get(pk=created.pk).updated_at
    same = contract_input(world.provider_a, hourly_rate=Decimal("14.3"), title=" Homecare, North locality ")
    contract_update(acting=lead, contract=Contract.objects.get(pk=created.pk), data=same)
    assert not AuditEntry.objects.filter(action="contract.update").exists()
    assert Contract.objects.get(pk=created.pk).updated_at == updated_at


BAD_INPUTS = [
    pytest.param(
        lambda w: {"end_date": date(2025, 3, 31)},
        "end_date",
        "The end date must be on or after the start date (1 April 2025)",
        id="end-before-start",
    ),
    pytest.param(
        lambda w: {"subcontractors": [w.provider_b, w.provider_a]},
        "subcontractors",
        "Acme Homecare Ltd is the prime provider, so it cannot also be a subcontractor",
        id="prime-also-subcontractor",
    ),
    pytest.param(
        lambda w: {"partner_commissioners": [w.icb, w.council]},
        "partner_commissioners",
        "Riverton City Council is the lead commissioner, so it cannot also be a partner",
        id="lead-also-partner",
    ),
    pytest.param(
        lambda w: {"annual_value": Decimal("-1.00")},
        "annual_value",
        "Enter an amount of £0 or more",
        id="negative-annual-value",
    ),
    pytest.param(
        lambda w: {"hourly_rate": Decimal("-0.01")},
        "hourly_rate",
        "Enter an amount of £0 or more",
        id="negative-hourly-rate",
    ),
    pytest.param(
        lambda w: {"return_due_day": 0},
        "return_due_day",
        "The return due day must be a day of the month from 1 to 28",
        id="due-day-0",
    ),
    pytest.param(
        lambda w: {"return_due_day": 29},
        "return_due_day",
        "The return due day must be a day of the month from 1 to 28",
        id="due-day-29",
    ),
    pytest.param(
        lambda w: {"reference": "  "}, "reference", "Enter the contract reference", id="no-reference"
    ),
    pytest.param(lambda w: {"title": ""}, "title", "Enter the contract title", id="no-title"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_INPUTS)
def test_create_refuses_bad_input_on_the_right_field_and_saves_nothing(
    world, lead, overrides, field, message
):
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        contract_create(acting=lead, data=contract_input(world.provider_a, **overrides(world)))
    assert caught.value.message_dict == {field: [message]}
    assert row_counts() == before


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_INPUTS)
def test_update_refuses_bad_input_and_leaves_the_contract_as_it_was(world, lead, overrides, field, message):
    created = contract_create(acting=lead, data=contract_input(world.provider_a))
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        contract_update(
            acting=lead, contract=created, data=contract_input(world.provider_a, **overrides(world))
        )
    assert caught.value.message_dict == {field: [message]}
    assert row_counts() == before
    reloaded = Contract.objects.get(pk=created.pk)
    assert (reloaded.end_date, reloaded.return_due_day, reloaded.annual_value) == (
        date(2028, 3, 31),
        10,
        Decimal("1250000.00"),
    )
    assert not reloaded.subcontractors.exists()
    assert not reloaded.partner_commissioners.exists()


def test_reference_is_unique_per_lead_ignoring_case(world, lead):
    contract_create(acting=lead, data=contract_input(world.provider_a, reference="RCC-HC-001"))
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        contract_create(acting=lead, data=contract_input(world.provider_b, reference="rcc-hc-001"))
    assert caught.value.message_dict == {
        "reference": [
            "Riverton City Council already has a contract with the reference rcc-hc-001. Use a different reference."
        ]
    }
    assert row_counts() == before


def test_changing_another_contract_to_a_taken_reference_is_refused(world, lead):
    contract_create(acting=lead, data=contract_input(world.provider_a, reference="RCC-HC-001"))
    second = contract_create(acting=lead, data=contract_input(world.provider_a, reference="RCC-HC-002"))
    with pytest.raises(ValidationError) as caught:
        contract_update(
            acting=lead, contract=second, data=contract_input(world.provider_a, reference="Rcc-Hc-001")
        )
    assert list(caught.value.message_dict) == ["reference"]
    assert Contract.objects.get(pk=second.pk).reference == "RCC-HC-002"


def test_a_contract_keeps_its_own_reference_when_changed(world, lead):
    created = contract_create(acting=lead, data=contract_input(world.provider_a, reference="RCC-HC-001"))
    contract_update(
        acting=lead, contract=created, data=contract_input(world.provider_a, reference="rcc-hc-001")
    )
    assert Contract.objects.get(pk=created.pk).reference == "rcc-hc-001"


def test_the_same_reference_is_allowed_for_a_different_lead(world, lead):
    contract_create(acting=lead, data=contract_input(world.provider_a, reference="RCC-HC-001"))
    icb = acting(world.users["icb_admin"], world.icb)
    theirs = contract_create(acting=icb, data=contract_input(world.provider_a, reference="rcc-hc-001"))
    assert theirs.lead_commissioner_id == world.icb.pk
    assert Contract.objects.filter(reference__iexact="RCC-HC-001").count() == 2


def test_only_the_lead_bodys_commissioner_may_change_a_contract(world, lead):
    joint = contract_create(
        acting=lead, data=contract_input(world.provider_a, partner_commissioners=[world.icb])
    )
    before = row_counts()
    partner = acting(world.users["icb_admin"], world.icb)
    with pytest.raises(PermissionDenied) as caught:
        contract_update(
            acting=partner, contract=joint, data=contract_input(world.provider_a, title="Taken over")
        )
    assert "Only Riverton City Council, the lead commissioner, can change contract RCC-HC-001" in str(
        caught.value
    )

    officer = acting(world.users["contract_officer"], world.council)
    with pytest.raises(PermissionDenied) as caught:
        contract_update(
            acting=officer, contract=joint, data=contract_input(world.provider_a, title="Renamed")
        )
    assert "create and change contracts" in str(caught.value)

    assert row_counts() == before
    assert Contract.objects.get(pk=joint.pk).title == "Homecare, North locality"


@pytest.mark.parametrize("role", ["contract_officer", "quality_officer", "c_viewer", "a_admin"])
def test_people_without_the_capability_cannot_create_contracts(world, role):
    with pytest.raises(PermissionDenied):
        contract_create(acting=acting(world.users[role]), data=contract_input(world.provider_a))
    assert row_counts()["contracts"] == 0
