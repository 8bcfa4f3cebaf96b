"""The contract and target pages: create, the GOV.UK error summary, targets added, changed and ended."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from accounts.models import AuditEntry
from commissioning.models import Contract, Target
from tests.commissioning.contract_inputs import row_counts
from tests.factories import contract, target
from tests.pages import error_summary, page_text


@pytest.fixture
def commissioner(world, sign_in):
    return sign_in(world.users["commissioner"])


def contract_form(world, **overrides) -> dict:
    values = {
        "reference": "RCC-HC-001",
        "title": "Homecare, North locality",
        "service_type": "homecare",
        "provider": world.provider_a.pk,
        "subcontractors": [world.provider_b.pk],
        "partner_commissioners": [world.icb.pk],
        "start_date": "2025-04-01",
        "end_date": "2028-03-31",
        "annual_value": "1250000.00",
        "hourly_rate": "14.30",
        "lot": "North",
        "status": "active",
        "return_due_day": "10",
        "qaf_compliance_window_weeks": "12",
    }
    values.update(overrides)
    return values


def history_rows(response) -> list[list[str]]:
    """The cells of every row of the target history tables on the contract page."""
    content = page_text(response)
    rows = []
    for table in re.findall(r'<table[^>]*data-testid="target-history".*?</table>', content, re.S):
        body = table.split("<tbody", 1)[1]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            rows.append([re.sub(r"\s+", " ", cell).strip() for cell in cells])
    return rows


# --- Contracts ---------------------------------------------------------------------------------


def test_the_create_page_shows_the_form(world, commissioner):
    response = commissioner.get("/contracts/new/")
    assert response.status_code == 200
    page = page_text(response)
    assert "Create a contract" in page
    for label in ("Reference", "Prime provider", "Subcontractors", "Partner commissioners", "Start date"):
        assert label in page
    # The lead cannot pick itself as a partner.
    assert f'value="{world.icb.pk}"' in page
    assert "Riverton ICB" in page


def test_creating_a_contract_redirects_to_its_page(world, commissioner):
    response = commissioner.post("/contracts/new/", contract_form(world))
    created = Contract.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/contracts/{created.pk}/"
    assert created.lead_commissioner_id == world.council.pk
    assert (created.start_date, created.end_date) == (date(2025, 4, 1), date(2028, 3, 31))
    assert list(created.subcontractors.all()) == [world.provider_b]
    assert list(created.partner_commissioners.all()) == [world.icb]
    assert created.annual_value == Decimal("1250000.00")
    assert AuditEntry.objects.filter(action="contract.create", object_id=str(created.pk)).exists()

    page = page_text(commissioner.get(response["Location"]))
    assert "Contract RCC-HC-001 has been created" in page
    assert "Homecare, North locality" in page
    assert "1 April 2025 to 31 March 2028" in page
    assert "Brookside Care Services" in page and "Riverton ICB" in page
    assert "This contract has no outcome targets yet." in page


BAD_CONTRACTS = [
    pytest.param(
        lambda w: {"end_date": "2025-03-31"},
        "end_date",
        "The end date must be on or after the start date (1 April 2025)",
        id="end-before-start",
    ),
    pytest.param(
        lambda w: {"subcontractors": [w.provider_a.pk]},
        "subcontractors",
        "Acme Homecare Ltd is the prime provider, so it cannot also be a subcontractor",
        id="prime-also-subcontractor",
    ),
    pytest.param(
        lambda w: {"partner_commissioners": [w.council.pk]},
        "partner_commissioners",
        "Riverton City Council is the lead commissioner, so it cannot also be a partner",
        id="lead-also-partner",
    ),
    pytest.param(
        lambda w: {"annual_value": "-1"},
        "annual_value",
        "Enter an amount of £0 or more",
        id="negative-annual-value",
    ),
    pytest.param(
        lambda w: {"hourly_rate": "-14.30"},
        "hourly_rate",
        "Enter an amount of £0 or more",
        id="negative-rate",
    ),
    pytest.param(
        lambda w: {"return_due_day": "0"},
        "return_due_day",
        "The return due day must be a day of the month from 1 to 28",
        id="due-day-0",
    ),
    pytest.param(
        lambda w: {"return_due_day": "29"},
        "return_due_day",
        "The return due day must be a day of the month from 1 to 28",
        id="due-day-29",
    ),
    pytest.param(
        lambda w: {"start_date": "2025-02-30"},
        "start_date",
        "Enter the start date as a real date, like 31/03/2026",
        id="not-a-date",
    ),
    pytest.param(lambda w: {"reference": ""}, "reference", "Enter the contract reference", id="no-reference"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_CONTRACTS)
def test_bad_contract_input_shows_the_error_summary_and_saves_nothing(
    world, commissioner, overrides, field, message
):
    before = row_counts()
    response = commissioner.post("/contracts/new/", contract_form(world, **overrides(world)))
    assert response.status_code == 200
    summary = error_summary(response)
    assert len(summary) == 1, summary
    href, text = summary[0]
    assert message in text
    assert href.startswith(f"id_{field}")
    assert "There is a problem" in response.content.decode()
    assert page_text(response).count(message) >= 2  # in the summary and beside the field
    assert response.content.decode().count("<title>Error: Create a contract") == 1
    assert row_counts() == before


def test_a_duplicate_reference_for_the_same_lead_is_shown_on_the_reference(world, commissioner):
    commissioner.post("/contracts/new/", contract_form(world))
    before = row_counts()
    response = commissioner.post("/contracts/new/", contract_form(world, reference="rcc-hc-001"))
    assert response.status_code == 200
    assert error_summary(response) == [
        (
            "id_reference",
            "Riverton City Council already has a contract with the reference rcc-hc-001. Use a different reference.",
        )
    ]
    assert row_counts() == before


def test_changing_a_contract_through_its_page(world, commissioner):
    commissioner.post("/contracts/new/", contract_form(world))
    created = Contract.objects.get()
    page = page_text(commissioner.get(f"/contracts/{created.pk}/edit/"))
    assert "Change contract RCC-HC-001" in page
    assert 'value="Homecare, North locality"' in page

    response = commissioner.post(
        f"/contracts/{created.pk}/edit/",
        contract_form(world, title="Homecare, North and East", end_date="2024-01-01"),
    )
    assert response.status_code == 200
    assert [field for field, _ in error_summary(response)] == ["id_end_date"]
    created.refresh_from_db()
    assert created.title == "Homecare, North locality"

    response = commissioner.post(
        f"/contracts/{created.pk}/edit/", contract_form(world, title="Homecare, North and East")
    )
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.title == "Homecare, North and East"
    entry = AuditEntry.objects.get(action="contract.update")
    assert entry.details == {
        "title": {"before": "Homecare, North locality", "after": "Homecare, North and East"}
    }


# --- Targets ---------------------------------------------------------------------------------


@pytest.fixture
def joint(world):
    return contract(world.council, world.provider_a, reference="RCC-HC-001", partners=[world.icb])


def target_form(**overrides) -> dict:
    values = {
        "measure_code": "INDEPENDENT_WITHIN",
        "param_window_days": "42",
        "param_service_type": "short_term",
        "param_referral_source": "any",
        "param_exclude": ["died", "moved_away"],
        "target_value": "66",
        "tolerance": "0.5",
        "min_denominator": "5",
        "effective_from": "2025-04-01",
        "reason": "Agreed at tender",
    }
    values.update(overrides)
    return values


def test_step_one_lists_the_measures_and_refuses_an_unknown_one(world, commissioner, joint):
    response = commissioner.get(f"/contracts/{joint.pk}/targets/new/")
    assert response.status_code == 200
    page = page_text(response)
    assert "Which measure is the target for?" in page
    assert "No further help needed within N days" in page
    assert error_summary(response) == []

    for choice in ("NOPE", ""):
        response = commissioner.get(f"/contracts/{joint.pk}/targets/new/", {"measure": choice})
        assert response.status_code == 200
        summary = error_summary(response)
        assert [text for _, text in summary] == ["Choose a measure"], choice
        assert summary[0][0].startswith("id_measure")


def test_step_two_shows_the_measures_parameters_with_defaults(world, commissioner, joint):
    response = commissioner.get(f"/contracts/{joint.pk}/targets/new/", {"measure": "INDEPENDENT_WITHIN"})
    assert response.status_code == 200
    page = page_text(response)
    assert "Add a target: No further help needed within N days" in page
    assert 'name="param_window_days"' in page and 'value="42"' in page
    assert 'name="effective_from"' in page and 'value="2025-04-01"' in page


def test_adding_a_target_through_the_page(world, commissioner, joint):
    response = commissioner.post(
        f"/contracts/{joint.pk}/targets/new/?measure=INDEPENDENT_WITHIN",
        target_form(param_referral_source="hospital_discharge", param_exclude=["died"]),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/contracts/{joint.pk}/"
    created = Target.objects.get()
    assert created.contract == joint
    assert created.params == {
        "window_days": 42,
        "service_type": "short_term",
        "referral_source": "hospital_discharge",
        "exclude": ["died"],
    }
    version = created.versions.get()
    assert (version.target_value, version.tolerance, version.min_denominator, version.effective_from) == (
        Decimal("66"),
        Decimal("0.5"),
        5,
        date(2025, 4, 1),
    )
    assert AuditEntry.objects.filter(action="target.create").count() == 1

    page = page_text(commissioner.get(response["Location"]))
    assert (
        "Target added: Independent 42 days after first visit (short-term care; referred from hospital"
        " discharge; leaving out those who died), 66%."
    ) in page
    assert history_rows(commissioner.get(response["Location"]))[0][:4] == [
        "1 April 2025",
        "66%",
        "0.5 pp",
        "5",
    ]


BAD_TARGET_FORMS = [
    pytest.param(
        {"param_window_days": "0"},
        "id_param_window_days",
        "Window must be from 1 to 730; 0 is out of range.",
        id="window-0",
    ),
    pytest.param(
        {"param_window_days": "731"},
        "id_param_window_days",
        "Window must be from 1 to 730; 731 is out of range.",
        id="window-731",
    ),
    pytest.param(
        {"target_value": "101"},
        "id_target_value",
        "The target must be a percentage from 0 to 100; 101 is not",
        id="target-101",
    ),
    pytest.param(
        {"target_value": "-1"},
        "id_target_value",
        "The target must be a percentage from 0 to 100; -1 is not",
        id="target-minus-1",
    ),
    pytest.param(
        {"tolerance": "-0.1"},
        "id_tolerance",
        "The amber tolerance cannot be negative: enter 0 or more percentage points",
        id="tolerance-negative",
    ),
    pytest.param(
        {"min_denominator": "0"},
        "id_min_denominator",
        "The minimum denominator must be 1 or more",
        id="min-denominator-0",
    ),
    pytest.param(
        {"effective_from": "2028-04-01"},
        "id_effective_from",
        "The date must be within the contract's term: 1 April 2025 to 31 March 2028",
        id="after-the-term",
    ),
    pytest.param(
        {"param_service_type": "weekly"},
        "id_param_service_type",
        "Select a valid choice",
        id="unknown-choice",
    ),
]


@pytest.mark.parametrize(("overrides", "href", "message"), BAD_TARGET_FORMS)
def test_a_bad_target_shows_the_error_summary_and_saves_nothing(
    world, commissioner, joint, overrides, href, message
):
    before = row_counts()
    response = commissioner.post(
        f"/contracts/{joint.pk}/targets/new/?measure=INDEPENDENT_WITHIN", target_form(**overrides)
    )
    assert response.status_code == 200
    summary = error_summary(response)
    assert len(summary) == 1, summary
    assert summary[0][0].startswith(href)
    assert message in summary[0][1]
    assert "<title>Error: Add a target" in response.content.decode()
    assert row_counts() == before


def test_a_duplicate_target_is_refused_on_the_page(world, commissioner, joint):
    target(joint, "INDEPENDENT_WITHIN", "66", {"window_days": 42})
    before = row_counts()
    response = commissioner.post(
        f"/contracts/{joint.pk}/targets/new/?measure=INDEPENDENT_WITHIN", target_form()
    )
    assert response.status_code == 200
    page = page_text(response)
    assert "This contract already has a target on this measure with these settings" in page
    assert "There is a problem" in page
    assert row_counts() == before


def test_changing_a_target_from_a_later_date_keeps_both_versions(world, commissioner, joint):
    created = target(joint, "INDEPENDENT_WITHIN", "66", {"window_days": 42})
    url = f"/contracts/{joint.pk}/targets/{created.pk}/"
    response = commissioner.get(url)
    assert response.status_code == 200
    page = page_text(response)
    assert "Change target: No further help needed within N days" in page
    assert 'value="66.00"' in page  # starts from the version in force

    response = commissioner.post(
        url,
        {
            "target_value": "70",
            "tolerance": "1",
            "min_denominator": "10",
            "effective_from": "2026-04-01",
            "reason": "Year two uplift",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/contracts/{joint.pk}/"
    assert created.versions.count() == 2
    detail = commissioner.get(response["Location"])
    assert "New version saved: 70% from 1 April 2026" in page_text(detail)
    assert "2 versions" in page_text(detail)
    rows = history_rows(detail)
    assert [row[:4] for row in rows] == [
        ["1 April 2025", "66%", "0.5 pp", "5"],
        ["1 April 2026", "70%", "1 pp", "10"],
    ]
    assert rows[1][-1] == "Year two uplift"
    assert AuditEntry.objects.filter(action="target.version").count() == 1


def test_a_bad_change_shows_the_error_summary(world, commissioner, joint):
    created = target(joint, "INDEPENDENT_WITHIN", "66", {"window_days": 42})
    before = row_counts()
    response = commissioner.post(
        f"/contracts/{joint.pk}/targets/{created.pk}/",
        {"target_value": "70", "tolerance": "0.5", "min_denominator": "5", "effective_from": "2024-04-01"},
    )
    assert response.status_code == 200
    assert error_summary(response) == [
        ("id_effective_from", "The date must be within the contract's term: 1 April 2025 to 31 March 2028")
    ]
    assert row_counts() == before


def test_ending_a_target_through_the_page(world, commissioner, joint):
    created = target(joint, "INDEPENDENT_WITHIN", "66", {"window_days": 42})
    url = f"/contracts/{joint.pk}/targets/{created.pk}/end/"
    assert "End target: No further help needed within N days" in page_text(commissioner.get(url))

    response = commissioner.post(url, {"effective_from": "2026-04-01", "reason": ""})
    assert response.status_code == 200
    assert error_summary(response) == [("id_reason", "Say why the target is ending")]

    response = commissioner.post(url, {"effective_from": "2026-04-01", "reason": "Re-tendered"})
    assert response.status_code == 302
    ending = created.versions.get(is_end=True)
    assert (ending.effective_from, ending.reason) == (date(2026, 4, 1), "Re-tendered")
    rows = history_rows(commissioner.get(f"/contracts/{joint.pk}/"))
    assert rows[1][:2] == ["1 April 2026", "Target ended"]
    assert AuditEntry.objects.filter(action="target.end").count() == 1

    response = commissioner.post(url, {"effective_from": "2026-10-01", "reason": "Again"})
    assert response.status_code == 200
    assert error_summary(response) == [("id_effective_from", "This target has already ended")]
    assert created.versions.count() == 2
