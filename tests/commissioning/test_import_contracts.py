"""manage.py import_contracts: the example of interfaces.md, idempotent and all-or-nothing."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.access import acting_for
from accounts.models import AuditEntry, Organisation, Role
from commissioning.models import CommissioningBody, Contract, Target, TargetVersion
from commissioning.selectors import target_version_in_force
from commissioning.services import TargetInput, target_add, target_end
from providers.models import Provider
from tests.factories import member

# The example of interfaces.md, exactly.
EXAMPLE = """{
  "commissioners": [{"name": "Riverton City Council", "kind": "council"},
                    {"name": "Riverton ICB", "kind": "icb"}],
  "providers": [{"name": "Acme Homecare Ltd", "cqc_location_id": "1-000000001",
                 "cqc_rating": "good", "cqc_rating_date": "2024-11-02"}],
  "contracts": [{
    "reference": "RCC-HC-001", "title": "Homecare, North locality",
    "lead_commissioner": "Riverton City Council", "partner_commissioners": ["Riverton ICB"],
    "provider": "Acme Homecare Ltd", "subcontractors": [],
    "service_type": "homecare", "start": "2025-04-01", "end": "2028-03-31",
    "hourly_rate": "14.30", "annual_value": "1250000.00", "return_due_day": 10,
    "targets": [
      {"measure": "INDEPENDENT_WITHIN", "params": {"window_days": 42}, "target": 66,
       "tolerance": 0.5, "min_denominator": 5, "effective_from": "2025-04-01"},
      {"measure": "RESIDENTIAL_ENTRY", "params": {"dementia": "Y"}, "target": 10,
       "effective_from": "2025-04-01"}
    ]}]
}
"""
WHERE = "contracts[0] (RCC-HC-001)"
INDEPENDENT = f"{WHERE}.targets[0] (INDEPENDENT_WITHIN)"


def example() -> dict:
    return json.loads(EXAMPLE)


def counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "commissioners": CommissioningBody.objects.count(),
        "providers": Provider.objects.count(),
        "contracts": Contract.objects.count(),
        "targets": Target.objects.count(),
        "versions": TargetVersion.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


NOTHING = dict.fromkeys(
    ("organisations", "commissioners", "providers", "contracts", "targets", "versions", "audit"), 0
)


@pytest.fixture
def run(tmp_path):
    """Write the data (a dict, or text as is) to a file and import it: (stdout, stderr)."""

    def _run(data, name="contracts.json"):
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
        out, err = StringIO(), StringIO()
        call_command("import_contracts", str(path), stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    return _run


@pytest.fixture
def fails(tmp_path):
    """Import data that must be refused: (the CommandError's message, stderr)."""

    def _fails(data, name="contracts.json"):
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
        err = StringIO()
        with pytest.raises(CommandError) as caught:
            call_command("import_contracts", str(path), stdout=StringIO(), stderr=err)
        assert caught.value.returncode == 1
        return str(caught.value), err.getvalue()

    return _fails


@pytest.mark.django_db
def test_the_example_creates_organisations_contract_and_targets_with_defaults(run):
    out, err = run(EXAMPLE)
    assert err == ""
    assert "Created: 2 commissioners, 1 contracts, 1 providers, 2 targets" in out

    council = CommissioningBody.objects.get(name="Riverton City Council")
    icb = CommissioningBody.objects.get(name="Riverton ICB")
    assert (council.kind, icb.kind) == ("council", "icb")
    provider = Provider.objects.get()
    assert (provider.name, provider.cqc_location_id, provider.cqc_rating, provider.cqc_rating_date) == (
        "Acme Homecare Ltd",
        "1-000000001",
        "good",
        date(2024, 11, 2),
    )

    created = Contract.objects.get()
    assert (created.reference, created.title, created.service_type) == (
        "RCC-HC-001",
        "Homecare, North locality",
        "homecare",
    )
    assert created.lead_commissioner == council
    assert list(created.partner_commissioners.all()) == [icb]
    assert created.provider == provider and not created.subcontractors.exists()
    assert (created.start_date, created.end_date) == (date(2025, 4, 1), date(2028, 3, 31))
    assert (created.hourly_rate, created.annual_value, created.return_due_day) == (
        Decimal("14.30"),
        Decimal("1250000.00"),
        10,
    )
    assert created.status == "active"

    independent = created.targets.get(measure="INDEPENDENT_WITHIN")
    assert independent.params == {
        "window_days": 42,
        "service_type": "short_term",
        "referral_source": "any",
        "exclude": ["died", "moved_away"],
    }
    residential = created.targets.get(measure="RESIDENTIAL_ENTRY")
    assert residential.params == {"lookback": "R12", "service_type": "long_term", "dementia": "Y"}
    version = residential.versions.get()
    assert (version.target_value, version.tolerance, version.min_denominator, version.effective_from) == (
        Decimal("10"),
        Decimal("0.5"),  # the defaults
        5,
        date(2025, 4, 1),
    )
    assert version.recorded_by is None
    assert version.recorded_by_label == "Data import (import_contracts)"
    assert independent.versions.get().target_value == Decimal("66")

    actions = sorted(AuditEntry.objects.values_list("action", flat=True))
    assert actions == ["contract.create", *["organisation.create"] * 3, "target.create", "target.create"]
    assert set(AuditEntry.objects.values_list("actor_label", flat=True)) == {"Data import (import_contracts)"}
    assert not AuditEntry.objects.filter(actor__isnull=False).exists()


@pytest.mark.django_db
def test_running_it_twice_changes_nothing(run):
    run(EXAMPLE)
    first = counts()
    updated_at = Contract.objects.get().updated_at
    out, err = run(EXAMPLE)
    assert counts() == first
    assert Contract.objects.get().updated_at == updated_at
    assert err == ""
    assert "Created" not in out and "Updated" not in out
    assert "Unchanged: 2 commissioners, 1 contracts, 1 providers, 2 targets" in out
    assert "Nothing to change: the service already matches the file." in out


@pytest.mark.django_db
def test_amounts_written_as_numbers_are_idempotent_too(run):
    data = _with({"hourly_rate": 14.3, "annual_value": 1250000})
    run(data)
    first = counts()
    out, _ = run(data)
    assert "Nothing to change" in out
    assert counts() == first
    assert Contract.objects.get().hourly_rate == Decimal("14.30")


@pytest.mark.django_db
def test_it_is_all_or_nothing(fails):
    data = example()
    second = copy.deepcopy(data["contracts"][0])
    second["reference"] = "RCC-HC-002"
    second["title"] = "Reablement, South"
    second["targets"] = [
        {
            "measure": "INDEPENDENT_WITHIN",
            "params": {"window_days": 900},
            "target": 66,
            "effective_from": "2025-04-01",
        }
    ]
    data["contracts"].append(second)

    message, err = fails(data)
    assert "Import failed" in message
    assert "Nothing was imported: 1 problem(s) to fix in" in err
    assert (
        "contracts[1] (RCC-HC-002).targets[0] (INDEPENDENT_WITHIN).params.window_days: "
        "Window must be from 1 to 730; 900 is out of range." in err
    )
    # Not even the valid first contract, nor the organisations, nor an audit entry.
    assert counts() == NOTHING


def _target(**changes) -> dict:
    return {
        "measure": "INDEPENDENT_WITHIN",
        "params": {"window_days": 42},
        "target": 66,
        "effective_from": "2025-04-01",
    } | changes


def _with(contract_changes=None, target=None) -> dict:
    data = example()
    data["contracts"][0].update(contract_changes or {})
    if target is not None:
        data["contracts"][0]["targets"] = [target]
    return data


BAD_FILES = [
    pytest.param(
        _with(target=_target(measure="NOPE")),
        f"{WHERE}.targets[0] (NOPE).measure: there is no measure 'NOPE'; the measures are: HELP_48H,",
        id="unknown-measure",
    ),
    pytest.param(
        _with(target=_target(target=110)),
        f"{INDEPENDENT}.target: The target must be a percentage from 0 to 100; 110 is not",
        id="target-110",
    ),
    pytest.param(
        _with(target=_target(tolerance=-0.5)),
        f"{INDEPENDENT}.tolerance: The amber tolerance cannot be negative",
        id="negative-tolerance",
    ),
    pytest.param(
        _with(target=_target(min_denominator=0)),
        f"{INDEPENDENT}.min_denominator: The minimum denominator must be 1 or more",
        id="min-denominator-0",
    ),
    pytest.param(
        _with(target=_target(params={"window_days": 42, "colour": "red"})),
        f"{INDEPENDENT}.params.colour: INDEPENDENT_WITHIN has no parameter 'colour'",
        id="unknown-parameter",
    ),
    pytest.param(
        _with(target=_target(effective_from="2028-04-01")),
        f"{INDEPENDENT}.effective_from: The date must be within the contract's term",
        id="effective-outside-term",
    ),
    pytest.param(
        _with({"provider": "Nobody Ltd"}),
        f"{WHERE}.provider: there is no provider called 'Nobody Ltd'",
        id="unknown-provider",
    ),
    pytest.param(
        _with({"lead_commissioner": "Nowhere Council"}),
        f"{WHERE}.lead_commissioner: there is no commissioner called 'Nowhere Council'",
        id="unknown-lead",
    ),
    pytest.param(
        _with({"end": "2025-03-31"}),
        f"{WHERE}.end: The end date must be on or after the start date (1 April 2025)",
        id="end-before-start",
    ),
    pytest.param(
        _with({"start": "2025-04-31"}),
        f"{WHERE}.start: must be a date written YYYY-MM-DD; '2025-04-31' is not",
        id="not-a-date",
    ),
    pytest.param(
        _with({"hourly_rate": "-14.30"}),
        f"{WHERE}.hourly_rate: must be an amount of 0 or more",
        id="negative-rate",
    ),
    pytest.param(
        _with({"return_due_day": 29}),
        f"{WHERE}.return_due_day: The return due day must be a day of the month from 1 to 28",
        id="due-day-29",
    ),
    pytest.param(
        _with({"subcontractors": ["Acme Homecare Ltd"]}),
        f"{WHERE}.subcontractors: Acme Homecare Ltd is the prime provider",
        id="prime-also-subcontractor",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "problem"), BAD_FILES)
def test_a_bad_entry_is_named_and_nothing_is_applied(fails, data, problem):
    message, err = fails(data)
    assert "Import failed" in message
    assert problem in err
    assert counts() == NOTHING


@pytest.mark.django_db
def test_a_reference_twice_in_the_file_is_refused(fails):
    data = example()
    again = copy.deepcopy(data["contracts"][0])
    again["reference"] = "rcc-hc-001"
    data["contracts"].append(again)
    _, err = fails(data)
    assert (
        "contracts[1] (rcc-hc-001).reference: rcc-hc-001 appears twice in the file for Riverton City Council"
        in err
    )
    assert counts() == NOTHING


@pytest.mark.django_db
def test_a_bad_commissioner_kind_is_named(fails):
    data = example()
    data["commissioners"][1]["kind"] = "hospital"
    _, err = fails(data)
    assert "commissioners[1] (Riverton ICB).kind: must be council or icb; 'hospital' is not" in err
    assert counts() == NOTHING


@pytest.mark.django_db
def test_every_problem_is_listed_at_once(fails):
    data = _with({"provider": "Nobody Ltd"})
    data["contracts"].append(
        {**copy.deepcopy(example()["contracts"][0]), "reference": "RCC-HC-002", "end": "2024-01-01"}
    )
    _, err = fails(data)
    assert "2 problem(s)" in err
    assert "contracts[0] (RCC-HC-001).provider" in err
    assert "contracts[1] (RCC-HC-002).end" in err


@pytest.mark.django_db
def test_a_failed_import_leaves_an_earlier_import_as_it_was(run, fails):
    run(EXAMPLE)
    before = counts()
    data = _with({"title": "Renamed"}, target=_target(target=70, effective_from="2026-04-01"))
    data["contracts"].append(
        {**copy.deepcopy(data["contracts"][0]), "reference": "NEW-1", "provider": "Nobody"}
    )
    fails(data)
    assert counts() == before
    assert Contract.objects.get().title == "Homecare, North locality"


@pytest.mark.django_db
def test_invalid_json_names_the_line_and_column(fails):
    message, _ = fails('{\n  "commissioners": [\n    {"name": "X",}\n  ]\n}\n', name="broken.json")
    assert "broken.json is not valid JSON: Expecting property name enclosed in double quotes" in message
    assert "at line 3, column 18" in message
    assert "Nothing was imported" in message
    assert counts() == NOTHING


@pytest.mark.django_db
def test_a_missing_file_is_named(tmp_path):
    missing = tmp_path / "nowhere.json"
    with pytest.raises(CommandError) as caught:
        call_command("import_contracts", str(missing), stdout=StringIO(), stderr=StringIO())
    assert str(caught.value) == f"There is no file at {missing}."
    assert counts() == NOTHING


@pytest.mark.django_db
def test_the_file_must_be_an_object_of_known_sections(fails):
    _, err = fails("[1, 2]")
    assert "The file must contain one JSON object" in err
    _, err = fails(json.dumps({**example(), "contract": []}))
    assert "Unknown top-level entries: contract" in err
    assert counts() == NOTHING


@pytest.mark.django_db
def test_a_different_value_from_a_later_date_is_a_new_version(run):
    run(EXAMPLE)
    before = counts()
    out, _ = run(_with(target=_target(target=70, effective_from="2026-04-01")))
    assert "Created: 1 target versions" in out
    after = counts()
    assert after["versions"] == before["versions"] + 1
    assert after["targets"] == before["targets"]
    assert after["audit"] == before["audit"] + 1
    assert AuditEntry.objects.filter(action="target.version").count() == 1

    independent = Target.objects.get(measure="INDEPENDENT_WITHIN")
    assert [(v.effective_from, v.target_value) for v in independent.versions.order_by("effective_from")] == [
        (date(2025, 4, 1), Decimal("66")),
        (date(2026, 4, 1), Decimal("70")),
    ]
    assert target_version_in_force(independent, date(2026, 3, 31)).target_value == Decimal("66")
    assert target_version_in_force(independent, date(2026, 6, 30)).target_value == Decimal("70")

    # Both files again: nothing changes.
    for data in (EXAMPLE, _with(target=_target(target=70, effective_from="2026-04-01"))):
        out, _ = run(data)
        assert "Nothing to change" in out
    assert counts() == after


@pytest.mark.django_db
def test_the_same_value_from_a_later_date_is_left_alone(run):
    run(EXAMPLE)
    before = counts()
    out, _ = run(_with(target=_target(target=66, effective_from="2026-04-01")))
    assert "Nothing to change" in out
    assert counts() == before


@pytest.mark.django_db
def test_a_different_value_from_the_same_date_is_left_alone_with_a_note(run):
    run(EXAMPLE)
    before = counts()
    out, err = run(_with(target=_target(target=70)))
    assert counts() == before
    assert Target.objects.get(measure="INDEPENDENT_WITHIN").versions.get().target_value == Decimal("66")
    assert (
        f"Note: {INDEPENDENT}: left alone: a version from 2025-04-01 already exists with other values; "
        "to change the target, give a later effective_from" in out
    )
    assert "Nothing to change" in out
    assert err == ""


@pytest.mark.django_db
def test_changed_contract_details_are_updated_and_audited(run):
    run(EXAMPLE)
    out, _ = run(_with({"hourly_rate": "15.10"}))
    assert "Updated: 1 contracts" in out
    assert Contract.objects.get().hourly_rate == Decimal("15.10")
    entry = AuditEntry.objects.get(action="contract.update")
    assert entry.details == {"hourly_rate": {"before": "14.30", "after": "15.10"}}
    assert entry.actor_label == "Data import (import_contracts)"


@pytest.mark.django_db
def test_new_settings_on_the_same_measure_are_a_new_target(run):
    run(EXAMPLE)
    out, _ = run(_with(target=_target(params={"window_days": 91}, target=60)))
    assert "Created: 1 targets" in out
    assert Target.objects.filter(measure="INDEPENDENT_WITHIN").count() == 2


@pytest.mark.django_db
def test_an_import_after_a_target_was_replaced_changes_the_active_one(run):

    run(EXAMPLE)
    council = CommissioningBody.objects.get(name="Riverton City Council")
    lead = acting_for(member(council, Role.COMMISSIONER), council.pk)
    old = Target.objects.get(measure="INDEPENDENT_WITHIN")
    target_end(acting=lead, target=old, effective_from=date(2026, 4, 1), reason="Replaced")
    new = target_add(
        acting=lead,
        contract=old.contract,
        measure="INDEPENDENT_WITHIN",
        params={},
        data=TargetInput(target_value="68", effective_from=date(2026, 4, 1)),
    )
    run(_with(target=_target(target=72, effective_from="2027-04-01")))
    assert old.versions.count() == 2  # its first version and its end
    assert [v.target_value for v in new.versions.order_by("effective_from")] == [Decimal("68"), Decimal("72")]
