"""Outcome targets: the rules of a new target, and versions that judge each period by its end date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEntry
from commissioning.models import Target, TargetVersion
from commissioning.selectors import target_rows_for, target_version_in_force
from commissioning.services import TargetInput, target_add, target_end, target_version_add
from tests.commissioning.contract_inputs import row_counts
from tests.factories import acting, contract

INDEPENDENT_DEFAULTS = {
    "window_days": 42,
    "service_type": "short_term",
    "referral_source": "any",
    "exclude": ["died", "moved_away"],
}


@pytest.fixture
def joint(world):
    """A council-led contract from 1 April 2025 to 31 March 2028, with the ICB as partner."""
    return contract(world.council, world.provider_a, reference="RCC-HC-001", partners=[world.icb])


@pytest.fixture
def lead(world):
    return acting(world.users["commissioner"], world.council)


def values(value="66", effective_from=date(2025, 4, 1), **more) -> TargetInput:
    return TargetInput(target_value=value, effective_from=effective_from, **more)


def add(lead, joint, value="66", effective_from=date(2025, 4, 1), measure="INDEPENDENT_WITHIN", params=None):
    return target_add(
        acting=lead,
        contract=joint,
        measure=measure,
        params=params if params is not None else {"window_days": 42},
        data=values(value, effective_from),
    )


# --- A new target ----------------------------------------------------------------------------


def test_a_new_target_stores_canonical_params_with_defaults_and_its_first_version(world, lead, joint):
    created = target_add(
        acting=lead,
        contract=joint,
        measure="INDEPENDENT_WITHIN",
        params={"window_days": 42},
        data=values("66", reason="Agreed at tender"),
    )
    created.refresh_from_db()
    assert created.params == INDEPENDENT_DEFAULTS
    version = created.versions.get()
    assert (version.effective_from, version.target_value, version.tolerance, version.min_denominator) == (
        date(2025, 4, 1),
        Decimal("66.00"),
        Decimal("0.50"),
        5,
    )
    assert version.is_end is False
    assert version.recorded_by == world.users["commissioner"]
    assert version.reason == "Agreed at tender"

    entry = AuditEntry.objects.get(action="target.create")
    assert entry.actor == world.users["commissioner"]
    assert entry.organisation_id == world.council.pk
    assert entry.object_id == str(created.pk)
    details = dict(entry.details)
    assert (Decimal(details.pop("target")), Decimal(details.pop("tolerance"))) == (66, Decimal("0.5"))
    assert details == {
        "measure": "INDEPENDENT_WITHIN",
        "params": INDEPENDENT_DEFAULTS,
        "effective_from": "2025-04-01",
        "min_denominator": 5,
        "reason": "Agreed at tender",
    }


def test_params_given_in_any_form_are_stored_the_same_way(lead, joint):
    created = target_add(
        acting=lead,
        contract=joint,
        measure="RESIDENTIAL_ENTRY",
        params={"dementia": "Y"},
        data=values("10"),
    )
    assert created.params == {"lookback": "R12", "service_type": "long_term", "dementia": "Y"}
    # The same settings written differently are the same target.
    with pytest.raises(ValidationError) as caught:
        target_add(
            acting=lead,
            contract=joint,
            measure="RESIDENTIAL_ENTRY",
            params={"dementia": " Y ", "lookback": "R12", "service_type": "long_term"},
            data=values("12"),
        )
    assert list(caught.value.message_dict) == ["measure"]


BAD_TARGETS = [
    pytest.param(
        {"measure": "NOPE"},
        "measure",
        "Choose a measure from the library; 'NOPE' is not one",
        id="unknown-measure",
    ),
    pytest.param(
        {"params": {"window_days": 0}},
        "params.window_days",
        "Window must be from 1 to 730; 0 is out of range.",
        id="window-0",
    ),
    pytest.param(
        {"params": {"window_days": 731}},
        "params.window_days",
        "Window must be from 1 to 730; 731 is out of range.",
        id="window-731",
    ),
    pytest.param(
        {"params": {"window_days": 42, "colour": "red"}},
        "params.colour",
        "INDEPENDENT_WITHIN has no parameter 'colour'; its parameters are: exclude, referral_source, "
        "service_type, window_days.",
        id="unknown-parameter",
    ),
    pytest.param(
        {"target_value": "101"},
        "target_value",
        "The target must be a percentage from 0 to 100; 101 is not",
        id="target-101",
    ),
    pytest.param(
        {"target_value": "-1"},
        "target_value",
        "The target must be a percentage from 0 to 100; -1 is not",
        id="target-minus-1",
    ),
    pytest.param(
        {"target_value": "sixty"},
        "target_value",
        "Enter the target as a percentage from 0 to 100, like 66 or 73.8",
        id="target-not-a-number",
    ),
    pytest.param(
        {"tolerance": "-0.1"},
        "tolerance",
        "The amber tolerance cannot be negative: enter 0 or more percentage points",
        id="tolerance-negative",
    ),
    pytest.param(
        {"min_denominator": 0},
        "min_denominator",
        "The minimum denominator must be 1 or more",
        id="min-denominator-0",
    ),
    pytest.param(
        {"effective_from": date(2025, 3, 31)},
        "effective_from",
        "The date must be within the contract's term: 1 April 2025 to 31 March 2028",
        id="before-the-term",
    ),
    pytest.param(
        {"effective_from": date(2028, 4, 1)},
        "effective_from",
        "The date must be within the contract's term: 1 April 2025 to 31 March 2028",
        id="after-the-term",
    ),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_TARGETS)
def test_a_bad_target_is_refused_with_a_clear_message_and_nothing_saved(lead, joint, change, field, message):
    arguments = {
        "measure": "INDEPENDENT_WITHIN",
        "params": {"window_days": 42},
        "target_value": "66",
        "tolerance": "0.5",
        "min_denominator": 5,
        "effective_from": date(2025, 4, 1),
    } | change
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        target_add(
            acting=lead,
            contract=joint,
            measure=arguments["measure"],
            params=arguments["params"],
            data=TargetInput(
                target_value=arguments["target_value"],
                tolerance=arguments["tolerance"],
                min_denominator=arguments["min_denominator"],
                effective_from=arguments["effective_from"],
            ),
        )
    assert caught.value.message_dict == {field: [message]}
    assert row_counts() == before
    assert not Target.objects.exists()
    assert not TargetVersion.objects.exists()
    assert not AuditEntry.objects.exists()


def test_every_problem_is_reported_at_once(lead, joint):
    with pytest.raises(ValidationError) as caught:
        target_add(
            acting=lead,
            contract=joint,
            measure="INDEPENDENT_WITHIN",
            params={"window_days": 900},
            data=TargetInput(
                target_value="110", tolerance="-1", min_denominator=0, effective_from=date(2030, 1, 1)
            ),
        )
    assert set(caught.value.message_dict) == {
        "params.window_days",
        "target_value",
        "tolerance",
        "min_denominator",
        "effective_from",
    }
    assert not Target.objects.exists()


def test_a_second_active_target_with_the_same_measure_and_params_is_refused(lead, joint):
    add(lead, joint, params={"window_days": 42})
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        add(lead, joint, value="70", params={})  # the defaults: the same settings
    assert caught.value.message_dict == {
        "measure": [
            "This contract already has a target on this measure with these settings: change that target instead"
        ]
    }
    assert row_counts() == before
    # Other settings on the same measure are a different target.
    add(lead, joint, value="60", params={"window_days": 91})
    assert Target.objects.count() == 2


def test_after_a_target_has_ended_only_one_new_target_with_its_settings_may_be_added(lead, joint):
    first = add(lead, joint)
    target_end(acting=lead, target=first, effective_from=date(2026, 4, 1), reason="Replaced")
    add(lead, joint, value="70", effective_from=date(2026, 4, 1))
    with pytest.raises(ValidationError) as caught:
        add(lead, joint, value="75", effective_from=date(2026, 4, 1))
    assert list(caught.value.message_dict) == ["measure"]
    assert Target.objects.count() == 2


def test_the_same_target_on_another_contract_is_allowed(world, lead, joint):
    other = contract(world.council, world.provider_b, reference="RCC-HC-002")
    add(lead, joint)
    add(lead, other)
    assert Target.objects.count() == 2


# --- Versions --------------------------------------------------------------------------------


def test_a_change_from_a_later_date_is_a_new_version_and_the_first_stays(world, lead, joint):
    created = add(lead, joint, value="60")
    first = created.versions.get()
    second = target_version_add(
        acting=lead,
        target=created,
        data=values("66", date(2026, 4, 1), tolerance="1", min_denominator=10, reason="Year two uplift"),
    )
    first.refresh_from_db()
    assert (first.effective_from, first.target_value, first.tolerance, first.min_denominator) == (
        date(2025, 4, 1),
        Decimal("60.00"),
        Decimal("0.50"),
        5,
    )
    assert list(created.versions.order_by("effective_from")) == [first, second]
    assert (second.target_value, second.tolerance, second.min_denominator) == (
        Decimal("66"),
        Decimal("1"),
        10,
    )

    entry = AuditEntry.objects.get(action="target.version")
    assert entry.actor == world.users["commissioner"]
    assert entry.object_id == str(created.pk)
    details = dict(entry.details)
    assert (Decimal(details.pop("target")), Decimal(details.pop("tolerance"))) == (66, 1)
    assert details == {"effective_from": "2026-04-01", "min_denominator": 10, "reason": "Year two uplift"}


@pytest.mark.parametrize(
    ("period_end", "expected"),
    [
        (date(2025, 3, 31), None),  # before the target started
        (date(2025, 6, 30), Decimal("60")),
        (date(2026, 3, 31), Decimal("60")),  # Q4 2025-26 ends the day before the change
        (date(2026, 4, 1), Decimal("66")),
        (date(2026, 6, 30), Decimal("66")),
    ],
)
def test_a_period_is_judged_by_the_version_in_force_at_its_end(lead, joint, period_end, expected):
    created = add(lead, joint, value="60")
    target_version_add(acting=lead, target=created, data=values("66", date(2026, 4, 1)))
    version = target_version_in_force(created, period_end)
    assert (version.target_value if version else None) == expected


def test_a_same_date_correction_wins_over_the_earlier_record(lead, joint):
    created = add(lead, joint, value="60")
    target_version_add(acting=lead, target=created, data=values("66", date(2026, 4, 1)))
    target_version_add(acting=lead, target=created, data=values("65", date(2026, 4, 1), reason="Typo"))
    assert created.versions.count() == 3
    assert target_version_in_force(created, date(2026, 6, 30)).target_value == Decimal("65")
    assert target_version_in_force(created, date(2026, 3, 31)).target_value == Decimal("60")


def test_a_version_recorded_later_for_an_earlier_date_still_judges_by_date(lead, joint):
    created = add(lead, joint, value="60")
    target_version_add(acting=lead, target=created, data=values("70", date(2027, 4, 1)))
    target_version_add(acting=lead, target=created, data=values("66", date(2026, 4, 1)))
    assert target_version_in_force(created, date(2026, 6, 30)).target_value == Decimal("66")
    assert target_version_in_force(created, date(2027, 6, 30)).target_value == Decimal("70")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"target_value": "101"}, "target_value"),
        ({"tolerance": "-0.1"}, "tolerance"),
        ({"min_denominator": 0}, "min_denominator"),
        ({"effective_from": date(2028, 4, 1)}, "effective_from"),
    ],
)
def test_a_bad_version_is_refused_and_nothing_saved(lead, joint, change, field):
    created = add(lead, joint)
    before = row_counts()
    data = {"target_value": "70", "effective_from": date(2026, 4, 1)} | change
    with pytest.raises(ValidationError) as caught:
        target_version_add(acting=lead, target=created, data=TargetInput(**data))
    assert list(caught.value.message_dict) == [field]
    assert row_counts() == before


# --- Ending ----------------------------------------------------------------------------------


def test_ending_a_target_from_a_date(world, lead, joint):
    created = add(lead, joint, value="60")
    target_version_add(acting=lead, target=created, data=values("66", date(2026, 4, 1)))
    ending = target_end(
        acting=lead, target=created, effective_from=date(2027, 4, 1), reason="  Re-tendered  "
    )

    assert ending.is_end and ending.target_value is None and ending.reason == "Re-tendered"
    assert target_version_in_force(created, date(2027, 3, 31)).target_value == Decimal("66")
    assert target_version_in_force(created, date(2027, 4, 1)) is None
    assert target_version_in_force(created, date(2027, 6, 30)) is None
    assert target_version_in_force(created, date(2026, 3, 31)).target_value == Decimal("60")
    assert created.versions.count() == 3  # the history stays

    entry = AuditEntry.objects.get(action="target.end")
    assert entry.actor == world.users["commissioner"]
    assert entry.organisation_id == world.council.pk
    assert entry.details == {"effective_from": "2027-04-01", "ended": True, "reason": "Re-tendered"}
    assert list(
        AuditEntry.objects.filter(object_id=str(created.pk), action__startswith="target.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["target.create", "target.version", "target.end"]

    [row] = target_rows_for(joint, today=date(2027, 5, 1))
    assert row.ended and row.current is None and len(row.history) == 3
    [row] = target_rows_for(joint, today=date(2026, 5, 1))
    assert not row.ended and row.current.target_value == Decimal("66")


def test_ending_twice_is_refused(lead, joint):
    created = add(lead, joint)
    target_end(acting=lead, target=created, effective_from=date(2026, 4, 1), reason="Re-tendered")
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        target_end(acting=lead, target=created, effective_from=date(2026, 10, 1), reason="Again")
    assert caught.value.message_dict == {"effective_from": ["This target has already ended"]}
    assert row_counts() == before


@pytest.mark.parametrize(
    ("effective_from", "reason", "field", "message"),
    [
        (
            date(2028, 4, 1),
            "Re-tendered",
            "effective_from",
            "The date must be within the contract's term: 1 April 2025 to 31 March 2028",
        ),
        (date(2026, 4, 1), "  ", "reason", "Say why the target is ending"),
    ],
)
def test_ending_needs_a_date_in_the_term_and_a_reason(lead, joint, effective_from, reason, field, message):
    created = add(lead, joint)
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        target_end(acting=lead, target=created, effective_from=effective_from, reason=reason)
    assert caught.value.message_dict == {field: [message]}
    assert row_counts() == before


# --- Who may --------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "organisation"), [("icb_admin", "icb"), ("contract_officer", "council")])
def test_only_the_lead_bodys_commissioner_may_set_targets(world, lead, joint, role, organisation):
    created = add(lead, joint)
    other = acting(world.users[role], getattr(world, organisation))
    before = row_counts()
    with pytest.raises(PermissionDenied):
        add(other, joint, params={"window_days": 91})
    with pytest.raises(PermissionDenied):
        target_version_add(acting=other, target=created, data=values("70", date(2026, 4, 1)))
    with pytest.raises(PermissionDenied) as caught:
        target_end(acting=other, target=created, effective_from=date(2026, 4, 1), reason="No")
    if role == "icb_admin":
        assert "Only Riverton City Council, the lead commissioner" in str(caught.value)
    assert row_counts() == before
