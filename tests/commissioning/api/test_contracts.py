"""GET /api/v1/contracts/: the contracts a caller is party to, as on the contract pages, with targets.

J-1: the council leads, the ICB partners, provider A is prime. C-2: the council, provider B prime,
provider A a subcontractor. X-3: another council and provider. Subcontractors see the contract and
its targets (as the page shows them) but no links to results or returns, which they cannot see.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from commissioning.models import ContractStatus, ServiceType, TargetVersion
from tests.factories import contract, target

pytestmark = pytest.mark.django_db

VISIBLE = {
    "a_read": {"J-1", "C-2"},
    "a_submit": {"J-1", "C-2"},
    "a_sign_off": {"J-1", "C-2"},
    "b_submit": {"C-2"},
    "c_read": {"J-1", "C-2"},
    "icb_read": {"J-1"},
    "other_read": {"X-3"},
}
KEYS = {"J-1": "joint", "C-2": "council_b", "X-3": "other"}


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def detail_path(world, reference: str) -> str:
    return f"/api/v1/contracts/{world.contracts[KEYS[reference]].pk}/"


@pytest.mark.parametrize("token", sorted(VISIBLE))
def test_list_holds_exactly_the_contracts_the_pages_show(api_world, api, token):
    assert set(references(api(api_world.tokens[token]).get("/api/v1/contracts/"))) == VISIBLE[token]


@pytest.mark.parametrize("token", sorted(VISIBLE))
@pytest.mark.parametrize("reference", ["J-1", "C-2", "X-3"])
def test_detail_is_200_when_visible_and_a_404_problem_otherwise(api_world, api, token, reference):
    response = api(api_world.tokens[token]).get(detail_path(api_world, reference))
    if reference in VISIBLE[token]:
        assert response.status_code == 200
        assert response.json()["reference"] == reference
    else:
        assert response.status_code == 404
        assert response.json()["type"] == "/api/v1/problems/not-found/"


@pytest.mark.parametrize("path", ["/api/v1/contracts/", "/api/v1/contracts/{pk}/"])
def test_a_submit_only_token_is_refused_with_403(api_world, api, path):
    response = api(api_world.tokens["a_submit_only"]).get(path.format(pk=api_world.contracts["joint"].pk))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_no_credentials_is_a_401(api_world, api):
    assert api(None).get(detail_path(api_world, "J-1")).status_code == 401


@pytest.mark.parametrize("user,status", [("a_viewer", 200), ("b_admin", 404), ("icb_admin", 200)])
def test_signed_in_members_follow_the_contract_page(api_world, user, status):
    client = APIClient()
    client.force_login(api_world.users[user])
    assert client.get(detail_path(api_world, "J-1")).status_code == status


def test_contract_fields_name_parties_terms_and_links(api_world, api):
    body = api(api_world.tokens["c_read"]).get(detail_path(api_world, "J-1")).json()
    joint = api_world.contracts["joint"]
    assert body["id"] == joint.pk and body["title"] == "Homecare J-1"
    assert body["status"] == "active" and body["service_type"] == "homecare"
    assert body["service_type_label"] == "Homecare (long-term)"
    assert (body["start_date"], body["end_date"], body["return_due_day"]) == ("2025-04-01", "2028-03-31", 10)
    assert body["provider"] == {"id": api_world.provider_a.pk, "name": "Acme Homecare Ltd"}
    assert body["lead_commissioner"] == {"id": api_world.council.pk, "name": "Riverton City Council"}
    assert body["partner_commissioners"] == [{"id": api_world.icb.pk, "name": "Riverton ICB"}]
    assert body["subcontractors"] == []
    assert body["url"].endswith(f"/api/v1/contracts/{joint.pk}/")
    assert body["web_url"].endswith(f"/contracts/{joint.pk}/")
    assert body["results_url"].endswith(f"/api/v1/results/?contract={joint.pk}")
    assert body["monthly_returns_url"].endswith(f"/api/v1/monthly-returns/?contract={joint.pk}")
    assert body["returns_url"].endswith(f"/api/v1/returns/?contract={joint.pk}")
    assert body["scorecard_web_url"].endswith(f"/results/contracts/{joint.pk}/")


def test_a_subcontractor_sees_the_contract_and_targets_but_no_result_or_return_links(api_world, api):
    body = api(api_world.tokens["a_read"]).get(detail_path(api_world, "C-2")).json()
    assert body["subcontractors"] == [{"id": api_world.provider_a.pk, "name": "Acme Homecare Ltd"}]
    assert body["results_url"] is None and body["returns_url"] is None
    assert body["monthly_returns_url"] is None and body["scorecard_web_url"] is None
    assert len(body["targets"]) == 1 and body["targets"][0]["results_url"] is None
    prime = api(api_world.tokens["b_submit"]).get(detail_path(api_world, "C-2")).json()
    assert prime["results_url"] is not None and prime["targets"][0]["results_url"] is not None


def test_detail_nests_targets_with_every_version_and_the_one_in_force(api_world, api):
    joint = api_world.contracts["joint"]
    only = joint.targets.get()
    today = timezone.localdate()
    first = only.versions.get()
    later = TargetVersion.objects.create(
        target=only,
        effective_from=today + timedelta(days=30),
        target_value=Decimal("70"),
        tolerance=Decimal("1"),
        min_denominator=10,
        reason="Raised at the annual review",
        recorded_by_label="Jo Bloggs <jo.bloggs@riverton.example>",
    )
    body = api(api_world.tokens["icb_read"]).get(detail_path(api_world, "J-1")).json()
    (row,) = body["targets"]
    assert row["id"] == only.pk and row["state"] == "in_force"
    assert row["measure"]["code"] == "INDEPENDENT_WITHIN"
    assert row["measure"]["name"] == "No further help needed within N days"
    assert row["measure"]["direction"] == "higher"
    assert row["params"]["window_days"] == 42
    assert "Window: 42 days" in row["params_text"]
    assert row["results_url"].endswith(f"/api/v1/results/?target={only.pk}")
    assert [v["id"] for v in row["versions"]] == [first.pk, later.pk]
    assert row["in_force"]["id"] == first.pk
    assert row["in_force"]["target_value"] == 66.0 and row["in_force"]["tolerance"] == 0.5
    assert row["in_force"]["min_denominator"] == 5
    assert row["in_force"]["effective_from"] == "2025-04-01"
    assert row["in_force"]["effective_to"] == (later.effective_from - timedelta(days=1)).isoformat()
    newest = row["versions"][1]
    assert newest["effective_to"] is None and newest["target_value"] == 70.0
    assert newest["reason"] == "Raised at the annual review"
    assert newest["recorded_by"] == "Jo Bloggs"  # a name, never the email address in the label


def test_a_same_day_correction_marks_the_earlier_version_corrected(api_world, api):
    only = api_world.contracts["joint"].targets.get()
    fixed = TargetVersion.objects.create(
        target=only,
        effective_from=date(2025, 4, 1),
        target_value=Decimal("65"),
        tolerance=Decimal("0.5"),
        min_denominator=5,
        reason="Typo",
        recorded_by_label="someone@riverton.example",
    )
    row = api(api_world.tokens["c_read"]).get(detail_path(api_world, "J-1")).json()["targets"][0]
    earlier, correction = row["versions"]
    assert earlier["corrected"] is True and earlier["effective_to"] is None
    assert correction["corrected"] is False and row["in_force"]["id"] == fixed.pk
    assert correction["recorded_by"] == "Riverton City Council"  # a bare address is never shown


def test_an_ended_target_has_no_version_in_force(api_world, api):
    only = api_world.contracts["joint"].targets.get()
    TargetVersion.objects.create(
        target=only, effective_from=date(2025, 5, 1), is_end=True, recorded_by_label="test"
    )
    row = api(api_world.tokens["c_read"]).get(detail_path(api_world, "J-1")).json()["targets"][0]
    assert row["state"] == "ended" and row["in_force"] is None
    assert row["versions"][0]["effective_to"] == "2025-04-30"
    end = row["versions"][1]
    assert end["is_end"] is True and end["target_value"] is None and end["tolerance"] is None


@pytest.fixture
def more_contracts(api_world):
    """Two more of the council's contracts, to tell the filters apart."""
    api_world.contracts["draft"] = contract(
        api_world.council,
        api_world.provider_b,
        reference="RCC-ST-7",
        status=ContractStatus.DRAFT,
        service_type=ServiceType.SHORT_TERM,
        lot="North",
    )
    api_world.contracts["icb_led"] = contract(api_world.icb, api_world.provider_b, reference="ICB-4")
    return api_world


@pytest.mark.parametrize(
    "query,expected",
    [
        ("status=draft", ["RCC-ST-7"]),
        ("status=active", ["C-2", "J-1"]),
        ("service_type=short_term", ["RCC-ST-7"]),
        ("reference=j-1", ["J-1"]),
        ("q=north", ["RCC-ST-7"]),
        ("q=ST-", ["RCC-ST-7"]),
    ],
)
def test_filters_narrow_the_list(more_contracts, api, query, expected):
    response = api(more_contracts.tokens["c_read"]).get(f"/api/v1/contracts/?{query}")
    assert references(response) == expected


def test_provider_filter_takes_prime_and_subcontracted_contracts_as_the_page_does(more_contracts, api):
    client = api(more_contracts.tokens["c_read"])
    provider_a = more_contracts.provider_a.pk
    assert references(client.get(f"/api/v1/contracts/?provider={provider_a}")) == ["C-2", "J-1"]
    provider_b = more_contracts.provider_b.pk
    assert references(client.get(f"/api/v1/contracts/?provider={provider_b}")) == ["C-2", "RCC-ST-7"]


def test_commissioner_filters_lead_alone_or_lead_and_partner(more_contracts, api):
    client = api(more_contracts.tokens["icb_read"])
    icb = more_contracts.icb.pk
    assert references(client.get(f"/api/v1/contracts/?commissioner={icb}")) == ["ICB-4", "J-1"]
    assert references(client.get(f"/api/v1/contracts/?lead_commissioner={icb}")) == ["ICB-4"]
    council = more_contracts.council.pk
    assert references(client.get(f"/api/v1/contracts/?lead_commissioner={council}")) == ["J-1"]


def test_a_filter_never_widens_what_the_caller_sees(api_world, api):
    other = api_world.contracts["other"]
    response = api(api_world.tokens["a_read"]).get(f"/api/v1/contracts/?provider={other.provider_id}")
    assert references(response) == []


@pytest.mark.parametrize(
    "query,field",
    [
        ("status=closed", "status"),
        ("service_type=gardening", "service_type"),
        ("provider=acme", "provider"),
        ("lead_commissioner=1.5", "lead_commissioner"),
    ],
)
def test_a_bad_filter_value_is_a_400_problem_naming_the_field(api_world, api, query, field):
    response = api(api_world.tokens["c_read"]).get(f"/api/v1/contracts/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "/api/v1/problems/validation/"
    assert list(body["field_errors"]) == [field]


def test_paging_one_at_a_time_follows_next_through_every_contract(more_contracts, api):
    client = api(more_contracts.tokens["c_read"])
    seen, url = [], "/api/v1/contracts/?page_size=1"
    while url:
        page = client.get(url).json()
        assert len(page["results"]) <= 1
        seen += [row["reference"] for row in page["results"]]
        url = page["next"]
    assert seen == ["C-2", "J-1", "RCC-ST-7"]


def test_list_answers_304_to_its_etag_until_a_contract_changes(api_world, api):
    client = api(api_world.tokens["c_read"])
    first = client.get("/api/v1/contracts/")
    again = client.get("/api/v1/contracts/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    joint = api_world.contracts["joint"]
    joint.status = ContractStatus.SUSPENDED
    joint.save()
    changed = client.get("/api/v1/contracts/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_list_query_count_does_not_grow_with_contracts(api_world, api, django_assert_max_num_queries):
    for number in range(25):
        extra = contract(
            api_world.council,
            api_world.provider_a,
            reference=f"BULK-{number:02d}",
            partners=[api_world.icb],
            subcontractors=[api_world.provider_b],
        )
        target(extra)
    client = api(api_world.tokens["c_read"])
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/contracts/?page_size=100")
    assert len(response.json()["results"]) == 27


def test_detail_query_count_does_not_grow_with_targets(api_world, api, django_assert_max_num_queries):
    joint = api_world.contracts["joint"]
    for measure in ["HELP_48H", "RESIDENTIAL_ENTRY", "HOSPITAL_ADMISSION", "HEALTH_NEEDS_MET"]:
        target(joint, measure, "50")
    client = api(api_world.tokens["c_read"])
    with django_assert_max_num_queries(9):
        response = client.get(detail_path(api_world, "J-1"))
    assert len(response.json()["targets"]) == 5
