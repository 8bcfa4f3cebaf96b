"""GET /api/v1/results/: stored compliance results with the RAG in force, as the scorecard shows them.

Results are seen by the contract's prime provider and its commissioners (lead and partners);
a subcontractor and everyone else get 404, as on the result pages.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.access import acting_for
from outcomes.models import AttemptStatus, ComplianceResult
from outcomes.periods import parse_period
from outcomes.results.compute import results_compute, results_compute_periods
from outcomes.results.overrides import result_override
from outcomes.returns import files as templates_files
from outcomes.returns.services import return_import
from tests.factories import target
from tests.outcomes.return_files import episode, episodes_csv

pytestmark = pytest.mark.django_db

Q1 = parse_period("2025-26-Q1")
VISIBLE = {
    "a_read": {"J-1"},
    "a_submit": {"J-1"},
    "a_sign_off": {"J-1"},
    "b_submit": {"C-2"},
    "c_read": {"J-1", "C-2"},
    "icb_read": {"J-1"},
    "other_read": {"X-3"},
}
KEYS = {"J-1": "joint", "C-2": "council_b", "X-3": "other"}


def april(ref: str, day: int, ended_on: str = "", end_reason: str = "") -> dict:
    """A short-term April 2025 episode, first visited on ``day``: judged 42 days later, in Q1."""
    return episode(
        ref,
        referred_at=f"2025-04-{day:02d}T08:00",
        first_visit_at=f"2025-04-{day:02d}T10:00",
        ended_on=ended_on,
        end_reason=end_reason,
    )


# Four of six ended independent in April; with the worked example's June return (one more
# independent, one transferred) Q1 is 5 of 8: 62.5%, red against 66 with the 0.5 pp tolerance.
APRIL = [
    april("E1", 1, "2025-04-20", "independent"),
    april("E2", 2, "2025-04-21", "independent"),
    april("E3", 3, "2025-04-22", "independent"),
    april("E4", 4, "2025-04-23", "independent"),
    april("E5", 5),
    april("E6", 6),
]


def accept(contract_obj, period: str, rows=None, *, file_bytes: bytes | None = None):
    file_bytes = file_bytes or (episodes_csv(*rows) if rows else None)
    attempt = return_import(
        contract=contract_obj,
        period=period,
        file_bytes=file_bytes,
        filename="return.csv" if file_bytes else "",
        nil=file_bytes is None,
        accept=True,
    )
    assert attempt.status == AttemptStatus.ACCEPTED, attempt.errors
    return attempt


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # stored return files never land in var/media
    return settings.MEDIA_ROOT


@pytest.fixture
def results_world(api_world, media_root):
    """Q1 2025-26 results on J-1 (April, a nil May and the worked example for June), C-2 and X-3."""
    joint = api_world.contracts["joint"]
    accept(joint, "2025-04", APRIL)
    accept(joint, "2025-05")
    accept(joint, templates_files.EXAMPLE_PERIOD, file_bytes=templates_files.example_csv())
    (api_world.q1,) = results_compute(contract=joint, period=Q1)
    for key in ("council_b", "other"):
        results_compute(contract=api_world.contracts[key], period=Q1)
    return api_world


def result_of(world, reference: str) -> ComplianceResult:
    return ComplianceResult.objects.get(contract=world.contracts[KEYS[reference]], period=Q1.identifier)


def listed(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def commissioner(world):
    return acting_for(world.users["commissioner"], world.council.pk)


@pytest.mark.parametrize("token", sorted(VISIBLE))
def test_list_holds_the_results_of_contracts_whose_results_the_caller_may_see(results_world, api, token):
    rows = listed(api(results_world.tokens[token]).get("/api/v1/results/"))
    assert {row["contract"]["reference"] for row in rows} == VISIBLE[token]


@pytest.mark.parametrize("token", sorted(VISIBLE))
@pytest.mark.parametrize("reference", ["J-1", "C-2", "X-3"])
def test_detail_is_200_when_visible_and_a_404_problem_otherwise(results_world, api, token, reference):
    result = result_of(results_world, reference)
    response = api(results_world.tokens[token]).get(f"/api/v1/results/{result.pk}/")
    if reference in VISIBLE[token]:
        assert response.status_code == 200 and response.json()["id"] == result.pk
    else:
        assert response.status_code == 404
        assert response.json()["type"] == "/api/v1/problems/not-found/"


def test_a_subcontractor_cannot_see_the_results_of_the_contract_it_works_on(results_world, api):
    # Provider A sees contract C-2 (it subcontracts) but not its results, as on the scorecard page.
    client = api(results_world.tokens["a_read"])
    council_b = results_world.contracts["council_b"]
    assert client.get(f"/api/v1/contracts/{council_b.pk}/").status_code == 200
    assert listed(client.get(f"/api/v1/results/?contract={council_b.pk}")) == []
    assert client.get(f"/api/v1/results/{result_of(results_world, 'C-2').pk}/").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/results/", "/api/v1/results/{pk}/"])
def test_a_submit_only_token_is_refused_with_403(results_world, api, path):
    response = api(results_world.tokens["a_submit_only"]).get(path.format(pk=results_world.q1.pk))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_no_credentials_is_a_401(results_world, api):
    assert api(None).get(f"/api/v1/results/{results_world.q1.pk}/").status_code == 401


@pytest.mark.parametrize("user,status", [("a_viewer", 200), ("b_admin", 404), ("c_viewer", 200)])
def test_signed_in_members_follow_the_result_page(results_world, user, status):
    client = APIClient()
    client.force_login(results_world.users[user])
    assert client.get(f"/api/v1/results/{results_world.q1.pk}/").status_code == status


def test_result_fields_give_figures_target_rag_and_links(results_world, api):
    q1 = results_world.q1
    body = api(results_world.tokens["icb_read"]).get(f"/api/v1/results/{q1.pk}/").json()
    joint = results_world.contracts["joint"]
    assert body["contract"]["id"] == joint.pk and body["contract"]["reference"] == "J-1"
    assert body["provider"] == {"id": results_world.provider_a.pk, "name": "Acme Homecare Ltd"}
    assert body["target"] == joint.targets.get().pk and body["target_version"] == q1.target_version_id
    assert body["measure"]["code"] == "INDEPENDENT_WITHIN"
    assert (body["period"], body["period_kind"]) == ("2025-26-Q1", "quarter")
    assert (body["period_start"], body["period_end"]) == ("2025-04-01", "2025-06-30")
    assert (body["numerator"], body["denominator"], body["value"]) == (5, 8, 62.5)
    assert body["figures_text"] == "62.5% (5/8)"
    assert (body["target_value"], body["tolerance"], body["min_denominator"]) == (66.0, 0.5, 5)
    assert body["rag"] == body["computed_rag"] == "red" and body["override"] is None
    assert body["not_rated_reason"] is None and body["direction"] == "none"
    assert body["restated"] is False and body["restates"] is None and body["is_latest"] is True
    assert body["incomplete"] is False and body["missing_months"] == []
    assert [source["month"] for source in body["sources"]] == ["2025-04", "2025-05", "2025-06"]
    assert body["sources"][0]["url"].endswith(f"/api/v1/returns/{body['sources'][0]['attempt_id']}/")
    assert body["url"].endswith(f"/api/v1/results/{q1.pk}/")
    assert body["web_url"].endswith(f"/results/{q1.pk}/")


def test_a_contract_without_returns_is_not_rated_for_no_data(results_world, api):
    body = api(results_world.tokens["other_read"]).get("/api/v1/results/").json()["results"][0]
    assert body["rag"] == "not_rated" and body["not_rated_reason"] == "no_data"
    assert body["value"] is None and body["figures_text"] == "— (0/0)"


def test_an_override_is_the_rag_in_force_with_the_computed_rag_beside_it(results_world, api):
    q1 = results_world.q1
    result_override(
        acting=commissioner(results_world), result=q1, rag_value="amber", reason="Agreed at the Q1 review"
    )
    body = api(results_world.tokens["a_read"]).get(f"/api/v1/results/{q1.pk}/").json()
    assert body["rag"] == "amber" and body["computed_rag"] == "red"
    override = body["override"]
    assert override["rag"] == "amber" and override["reason"] == "Agreed at the Q1 review"
    assert override["computed_rag"] == "red" and override["at"]
    assert "@" not in override["by"]  # a person's name, never their email address

    result_override(acting=commissioner(results_world), result=q1, rag_value="", reason="Withdrawn")
    body = api(results_world.tokens["a_read"]).get(f"/api/v1/results/{q1.pk}/").json()
    assert body["rag"] == "red" and body["override"] is None


def test_rag_filter_uses_the_rag_in_force_and_computed_rag_the_stored_one(results_world, api):
    q1 = results_world.q1
    result_override(acting=commissioner(results_world), result=q1, rag_value="green", reason="Agreed")
    client = api(results_world.tokens["c_read"])
    assert [row["id"] for row in listed(client.get("/api/v1/results/?rag=green"))] == [q1.pk]
    assert listed(client.get("/api/v1/results/?rag=red")) == []
    assert [row["id"] for row in listed(client.get("/api/v1/results/?computed_rag=red"))] == [q1.pk]
    not_rated = listed(client.get("/api/v1/results/?rag=not_rated"))
    assert {row["contract"]["reference"] for row in not_rated} == {"C-2"}


def restate(world) -> ComplianceResult:
    """Correct April after every month of Q1 has a return: E4 did not end independent."""
    corrected = [*APRIL[:3], april("E4", 4), *APRIL[4:]]
    accept(world.contracts["joint"], "2025-04", corrected)
    (restated,) = results_compute(contract=world.contracts["joint"], period=Q1)
    return restated


def test_history_true_adds_the_earlier_figures_a_restatement_replaced(results_world, api):
    restated = restate(results_world)
    client = api(results_world.tokens["c_read"])
    joint = results_world.contracts["joint"].pk
    latest = listed(client.get(f"/api/v1/results/?contract={joint}"))
    assert [row["id"] for row in latest] == [restated.pk]
    assert latest[0]["figures_text"] == "50.0% (4/8)"
    assert latest[0]["restated"] is True and latest[0]["restates"] == results_world.q1.pk
    assert latest[0]["restated_because"]
    everything = listed(client.get(f"/api/v1/results/?contract={joint}&history=true"))
    assert [row["id"] for row in everything] == [restated.pk, results_world.q1.pk]
    assert everything[1]["is_latest"] is False and everything[1]["figures_text"] == "62.5% (5/8)"
    only_restated = listed(client.get("/api/v1/results/?restated=true&history=true"))
    assert [row["id"] for row in only_restated] == [restated.pk]
    not_restated = listed(client.get(f"/api/v1/results/?contract={joint}&restated=false&history=true"))
    assert [row["id"] for row in not_restated] == [results_world.q1.pk]
    # An earlier figure can still be read on its own.
    earlier = client.get(f"/api/v1/results/{results_world.q1.pk}/").json()
    assert earlier["is_latest"] is False


@pytest.fixture
def many_results(results_world):
    """More targets and periods on J-1 and C-2: over thirty results in all."""
    periods = [parse_period(p) for p in ("2025-04", "2025-05", "2025-06", "2025-26-Q1", "2025-26-YTD-06")]
    for key in ("joint", "council_b"):
        deal = results_world.contracts[key]
        for measure in ("HELP_48H", "HOSPITAL_ADMISSION", "RETURNS_ON_TIME"):
            target(deal, measure, "50")
        results_compute_periods(contract=deal, periods=periods)
    return results_world


def test_filters_by_contract_provider_period_kind_measure_and_target(many_results, api):
    client = api(many_results.tokens["c_read"])
    joint = many_results.contracts["joint"]
    help_target = joint.targets.get(measure="HELP_48H")
    by_contract = listed(client.get(f"/api/v1/results/?contract={joint.pk}&page_size=100"))
    assert len(by_contract) == 20 and {row["contract"]["id"] for row in by_contract} == {joint.pk}
    by_provider = listed(client.get(f"/api/v1/results/?provider={many_results.provider_b.pk}&page_size=100"))
    assert {row["contract"]["reference"] for row in by_provider} == {"C-2"}
    by_reference = listed(client.get("/api/v1/results/?contract_reference=c-2&page_size=100"))
    assert len(by_reference) == 20
    quarter = listed(client.get("/api/v1/results/?period=2025-26-Q1&page_size=100"))
    assert {row["period"] for row in quarter} == {"2025-26-Q1"} and len(quarter) == 8
    months = listed(client.get("/api/v1/results/?period_kind=month&page_size=100"))
    assert {row["period"] for row in months} == {"2025-04", "2025-05", "2025-06"}
    ytd = listed(client.get("/api/v1/results/?period_kind=ytd&page_size=100"))
    assert {row["period"] for row in ytd} == {"2025-26-YTD-06"}
    by_measure = listed(client.get("/api/v1/results/?measure=HELP_48H&page_size=100"))
    assert {row["measure"]["code"] for row in by_measure} == {"HELP_48H"} and len(by_measure) == 10
    by_target = listed(client.get(f"/api/v1/results/?target={help_target.pk}"))
    assert {row["target"] for row in by_target} == {help_target.pk} and len(by_target) == 5


def test_period_from_and_to_select_by_period_start(many_results, api):
    client = api(many_results.tokens["c_read"])
    may_on = listed(
        client.get("/api/v1/results/?contract_reference=J-1&period_from=2025-05-01&page_size=100")
    )
    assert {row["period"] for row in may_on} == {"2025-05", "2025-06"}
    to_april = listed(
        client.get("/api/v1/results/?contract_reference=J-1&period_to=2025-04-01&page_size=100")
    )
    assert {row["period"] for row in to_april} == {"2025-04", "2025-26-Q1", "2025-26-YTD-06"}


@pytest.mark.parametrize(
    "query,field",
    [
        ("period=2025-Q9", "period"),
        ("period_kind=fortnight", "period_kind"),
        ("rag=purple", "rag"),
        ("computed_rag=purple", "computed_rag"),
        ("measure=NO_SUCH", "measure"),
        ("contract=J-1", "contract"),
        ("target=1.5", "target"),
        ("period_from=yesterday", "period_from"),
        ("history=maybe", "history"),
        ("restated=perhaps", "restated"),
    ],
)
def test_a_bad_filter_value_is_a_400_problem_naming_the_field(results_world, api, query, field):
    response = api(results_world.tokens["c_read"]).get(f"/api/v1/results/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["type"] == "/api/v1/problems/validation/"
    assert list(body["field_errors"]) == [field]


def test_paging_one_at_a_time_follows_next_through_every_result_newest_first(many_results, api):
    client = api(many_results.tokens["c_read"])
    everything = [row["id"] for row in listed(client.get("/api/v1/results/?page_size=500"))]
    assert everything == sorted(everything, reverse=True) and len(everything) == 40
    seen, url = [], "/api/v1/results/?page_size=1&contract_reference=J-1"
    while url:
        page = client.get(url).json()
        assert len(page["results"]) <= 1
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == [row["id"] for row in listed(client.get("/api/v1/results/?contract_reference=J-1"))]
    assert len(seen) == 20


def test_list_query_count_does_not_grow_with_results(many_results, api, django_assert_max_num_queries):
    result_override(
        acting=commissioner(many_results), result=many_results.q1, rag_value="green", reason="Agreed"
    )
    client = api(many_results.tokens["c_read"])
    with django_assert_max_num_queries(6):
        rows = listed(client.get("/api/v1/results/?page_size=100"))
    assert len(rows) == 40 and {row["contract"]["reference"] for row in rows} == {"J-1", "C-2"}
    with django_assert_max_num_queries(7):
        listed(client.get("/api/v1/results/?page_size=100&rag=green&history=true"))


def test_list_and_detail_answer_304_to_their_etag_until_a_result_changes(results_world, api):
    client = api(results_world.tokens["c_read"])
    for path in ("/api/v1/results/", f"/api/v1/results/{results_world.q1.pk}/"):
        first = client.get(path)
        assert first.status_code == 200 and first["ETag"]
        again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and again.content == b""
        assert again["ETag"] == first["ETag"]
    list_etag = client.get("/api/v1/results/")["ETag"]
    detail_etag = client.get(f"/api/v1/results/{results_world.q1.pk}/")["ETag"]

    result_override(
        acting=commissioner(results_world), result=results_world.q1, rag_value="amber", reason="Agreed"
    )
    changed = client.get("/api/v1/results/", HTTP_IF_NONE_MATCH=list_etag)
    assert changed.status_code == 200 and changed["ETag"] != list_etag
    detail = client.get(f"/api/v1/results/{results_world.q1.pk}/", HTTP_IF_NONE_MATCH=detail_etag)
    assert detail.status_code == 200 and detail.json()["rag"] == "amber"

    overridden_etag = changed["ETag"]
    restate(results_world)  # a new result computed
    recomputed = client.get("/api/v1/results/", HTTP_IF_NONE_MATCH=overridden_etag)
    assert recomputed.status_code == 200 and recomputed["ETag"] != overridden_etag
