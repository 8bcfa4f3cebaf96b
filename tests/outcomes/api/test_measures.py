"""GET /api/v1/measures/: the measure library, the same for every organisation, as the library pages."""

from __future__ import annotations

import pytest

from outcomes.measures import MEASURES

pytestmark = pytest.mark.django_db

READERS = ["a_read", "a_submit", "a_sign_off", "b_submit", "c_read", "icb_read", "other_read"]


@pytest.mark.parametrize("token", READERS)
def test_every_read_token_lists_the_whole_library(api_world, api, token):
    response = api(api_world.tokens[token]).get("/api/v1/measures/")
    assert response.status_code == 200, response.content
    assert [measure["code"] for measure in response.json()] == list(MEASURES)


@pytest.mark.parametrize("token", READERS)
def test_every_read_token_reads_one_measure(api_world, api, token):
    assert api(api_world.tokens[token]).get("/api/v1/measures/HELP_48H/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/measures/", "/api/v1/measures/HELP_48H/"])
def test_a_submit_only_token_is_refused_with_a_403_problem(api_world, api, path):
    response = api(api_world.tokens["a_submit_only"]).get(path)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "'read' scope" in response.json()["detail"]


def test_no_credentials_is_a_401(api_world, api):
    assert api(None).get("/api/v1/measures/").status_code == 401


def test_a_signed_in_member_reads_the_library(api_world):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(api_world.users["a_viewer"])
    assert client.get("/api/v1/measures/INDEPENDENT_WITHIN/").status_code == 200


def test_measure_detail_gives_definition_direction_parameters_and_links(api_world, api):
    response = api(api_world.tokens["c_read"]).get("/api/v1/measures/INDEPENDENT_WITHIN/")
    body = response.json()
    assert body["name"] == "No further help needed within N days"
    assert body["direction"] == "higher" and body["direction_label"] == "Higher is better"
    assert body["unit"] == "percent" and body["source"] == "episodes"
    assert body["denominator"].startswith("Episodes of the cohort")
    assert body["numerator"] == "Those that ended 'independent' on or before the judging day."
    assert "66.7% (2/3)" in body["example"]
    assert body["defaults"] == {
        "window_days": 42,
        "service_type": "short_term",
        "referral_source": "any",
        "exclude": ["died", "moved_away"],
    }
    window = body["parameters"][0]
    assert (window["name"], window["kind"], window["default"], window["default_text"]) == (
        "window_days",
        "int",
        42,
        "42 days",
    )
    assert (window["minimum"], window["maximum"], window["allowed_text"]) == (1, 730, "1 to 730")
    exclude = body["parameters"][3]
    assert exclude["kind"] == "multichoice" and exclude["default"] == ["died", "moved_away"]
    assert {"value": "moved_away", "label": "Moved away"} in exclude["choices"]
    assert body["url"].endswith("/api/v1/measures/INDEPENDENT_WITHIN/")
    assert body["web_url"].endswith("/measures/INDEPENDENT_WITHIN/")


def test_lower_is_better_and_survey_measures_say_so(api_world, api):
    client = api(api_world.tokens["a_read"])
    residential = client.get("/api/v1/measures/RESIDENTIAL_ENTRY/").json()
    assert residential["direction"] == "lower" and residential["direction_label"] == "Lower is better"
    survey = client.get("/api/v1/measures/HEALTH_NEEDS_MET/").json()
    assert survey["source"] == "survey" and survey["parameters"] == [] and survey["defaults"] == {}
    age = client.get("/api/v1/measures/AT_HOME_91D/").json()["parameters"][0]
    assert age["kind"] == "age_bands" and age["default"] == "65+" and age["default_text"] == "65 and over"


def test_source_filter_gives_the_survey_measures(api_world, api):
    response = api(api_world.tokens["a_read"]).get("/api/v1/measures/?source=survey")
    assert [m["code"] for m in response.json()] == [
        "HEALTH_NEEDS_MET",
        "CARER_SUPPORTED",
        "DIED_WITH_DIGNITY",
    ]


def test_direction_filter_gives_the_lower_is_better_measures(api_world, api):
    response = api(api_world.tokens["a_read"]).get("/api/v1/measures/?direction=lower")
    assert {m["code"] for m in response.json()} == {
        code for code, measure in MEASURES.items() if measure.direction == "lower"
    }


@pytest.mark.parametrize(
    "query,field", [("source=tea-leaves", "source"), ("direction=sideways", "direction")]
)
def test_a_bad_filter_value_is_a_400_problem_naming_the_field(api_world, api, query, field):
    response = api(api_world.tokens["a_read"]).get(f"/api/v1/measures/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "/api/v1/problems/validation/"
    assert list(body["field_errors"]) == [field]


def test_an_unknown_code_is_a_404_problem(api_world, api):
    response = api(api_world.tokens["a_read"]).get("/api/v1/measures/NO_SUCH_MEASURE/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "NO_SUCH_MEASURE" in response.json()["detail"]


def test_library_answers_304_to_its_own_etag(api_world, api):
    client = api(api_world.tokens["a_read"])
    first = client.get("/api/v1/measures/")
    again = client.get("/api/v1/measures/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
