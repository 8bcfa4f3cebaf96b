"""GET /api/v1/qaf-status/: stored QAF statuses, as the QAF pages and review packs show them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.access import acting_for
from commissioning.qaf.frameworks import framework_default_get_or_create, framework_version_current
from commissioning.qaf.models import (
    ActionStatus,
    Assessment,
    AssessmentStatus,
    QafStatus,
    RemedialAction,
)
from commissioning.qaf.status import qaf_status_store
from commissioning.services.contracts import contract_create
from tests.commissioning.contract_inputs import contract_input
from tests.fixtures.api import CALLERS, COUNCIL, PROVIDER_A, caller_client, every_row

pytestmark = pytest.mark.django_db

URL = "/api/v1/qaf-status/"


def _assessment(body, provider, status: str, *, outcome: str = "", contract=None) -> Assessment:
    today = timezone.localdate()
    version = framework_version_current(framework_default_get_or_create(owner=body))
    finalised = status == AssessmentStatus.FINALISED
    return Assessment.objects.create(
        framework_version=version,
        commissioner=body,
        provider=provider,
        contract=contract,
        status=status,
        started_on=today - timedelta(days=40),
        finalised_on=today - timedelta(days=5) if finalised else None,
        outcome=outcome if finalised else "",
        created_by_label="Quality officer",
    )


def _action(assessment: Assessment, due_in_days: int, status: str = ActionStatus.OPEN) -> RemedialAction:
    standard = assessment.framework_version.domains.first().standards.first()
    return RemedialAction.objects.create(
        assessment=assessment,
        standard=standard,
        description="Train every care worker in safeguarding",
        owner="Registered manager",
        due_on=timezone.localdate() + timedelta(days=due_in_days),
        status=status,
    )


@pytest.fixture
def qaf(api_world):
    """Provider A found non-compliant by the council (two actions open, one overdue, one verified);
    provider B with the council's assessment started (not shared with B yet); Faraway Care compliant
    for the other council. Statuses stored as the nightly run stores them."""
    w = api_world
    other_body, faraway = w.contracts["other"].lead_commissioner, w.contracts["other"].provider
    a_found = _assessment(w.council, w.provider_a, AssessmentStatus.FINALISED, outcome="non_compliant")
    _action(a_found, -1)
    _action(a_found, 10)
    _action(a_found, -3, ActionStatus.VERIFIED)
    _action(a_found, -2, ActionStatus.DONE)  # done by the provider: open (not verified), not overdue
    w.a_found = a_found
    w.b_started = _assessment(w.council, w.provider_b, AssessmentStatus.STARTED)
    w.faraway_done = _assessment(other_body, faraway, AssessmentStatus.FINALISED, outcome="compliant")
    for provider, body in [(w.provider_a, w.council), (w.provider_b, w.council), (faraway, other_body)]:
        qaf_status_store(provider_id=provider.pk, commissioner_id=body.pk)
    w.status = {
        (row.provider_id, row.contract_id): row
        for row in QafStatus.objects.all()  # (provider, contract or None) → stored status
    }
    return w


def _all(client, url: str = URL, params: dict | None = None) -> list[dict]:
    return every_row(client, url, params)


def _keys(rows: list[dict]) -> set[tuple[str, str | None]]:
    return {
        (row["provider"]["name"], row["contract"]["reference"] if row["contract"] else None) for row in rows
    }


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("a_read", {("Acme Homecare Ltd", None), ("Acme Homecare Ltd", "J-1")}),
        ("a_submit", {("Acme Homecare Ltd", None), ("Acme Homecare Ltd", "J-1")}),
        ("b_submit", {("Brookside Care Services", None), ("Brookside Care Services", "C-2")}),
        (
            "c_read",
            {
                ("Acme Homecare Ltd", None),
                ("Acme Homecare Ltd", "J-1"),
                ("Brookside Care Services", None),
                ("Brookside Care Services", "C-2"),
            },
        ),
        ("icb_read", set()),  # a partner body does not assess: the lead body does
        ("other_read", {("Faraway Care", None), ("Faraway Care", "X-3")}),
    ],
)
def test_each_token_lists_only_the_statuses_its_organisation_may_read(qaf, api, token, expected):
    assert _keys(_all(api(qaf.tokens[token]))) == expected


def test_a_provider_session_sees_what_its_token_sees(qaf, client):
    client.force_login(qaf.users["a_viewer"])
    assert _keys(_all(client)) == {("Acme Homecare Ltd", None), ("Acme Homecare Ltd", "J-1")}


def test_another_organisations_status_is_a_404_problem(qaf, api):
    council_b = qaf.status[(qaf.provider_b.pk, None)].pk
    faraway = qaf.status[(qaf.contracts["other"].provider.pk, None)].pk
    for token, status_id in [
        ("a_read", council_b),
        ("c_read", faraway),
        ("icb_read", council_b),
        ("other_read", council_b),
    ]:
        response = api(qaf.tokens[token]).get(f"{URL}{status_id}/")
        assert response.status_code == 404, token
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["type"] == "/api/v1/problems/not-found/"


def test_a_submit_only_token_is_refused_with_a_403_and_no_token_with_a_401(qaf, api):
    status_id = qaf.status[(qaf.provider_a.pk, None)].pk
    for url in (URL, f"{URL}{status_id}/"):
        refused = api(qaf.tokens["a_submit_only"]).get(url)
        assert refused.status_code == 403
        assert "'read' scope" in refused.json()["detail"]
        assert api(None).get(url).status_code == 401


def test_the_overall_status_carries_the_reason_dates_assessment_and_action_counts(qaf, api):
    stored = qaf.status[(qaf.provider_a.pk, None)]
    body = api(qaf.tokens["c_read"]).get(f"{URL}{stored.pk}/").json()
    today = timezone.localdate()
    assert body["id"] == stored.pk
    assert body["url"].endswith(f"/api/v1/qaf-status/{stored.pk}/")
    assert body["web_url"] == f"http://testserver/qaf/providers/{qaf.provider_a.pk}/"
    assert body["level"] == "provider" and body["contract"] is None
    assert body["commissioner"] == {"id": qaf.council.pk, "name": "Riverton City Council"}
    assert body["provider"]["name"] == "Acme Homecare Ltd"
    assert body["provider"]["cqc_rating"] == "good"
    assert body["provider"]["cqc_rating_label"] == "Good"
    assert body["status"] == "non_compliant_in_window"
    assert body["status_label"] == "Non-compliant — within the compliance window"
    assert body["reason"] == stored.reason and "compliance window ends" in body["reason"]
    assert body["window_ends_on"] == (qaf.a_found.finalised_on + timedelta(weeks=12)).isoformat()
    assert body["next_due_on"] is None
    assert body["as_at"]
    assert body["assessment"]["id"] == qaf.a_found.pk
    assert body["assessment"]["kind"] == "initial"
    assert body["assessment"]["outcome"] == "non_compliant"
    assert body["assessment"]["completed_on"] == (today - timedelta(days=5)).isoformat()
    assert body["assessment"]["web_url"] == f"http://testserver/qaf/assessments/{qaf.a_found.pk}/"
    assert body["open_actions"] == 3  # the two open and the one marked done, not the verified one
    assert body["overdue_actions"] == 1  # open and past due; the one marked done waits on the officer


def test_a_contracts_status_names_the_contract_and_counts_the_actions_covering_it(qaf, api):
    joint = qaf.contracts["joint"]
    scoped = _assessment(
        qaf.council, qaf.provider_a, AssessmentStatus.FINALISED, outcome="non_compliant", contract=joint
    )
    _action(scoped, -4)
    stored = qaf.status[(qaf.provider_a.pk, joint.pk)]
    body = api(qaf.tokens["a_read"]).get(f"{URL}{stored.pk}/").json()
    assert body["level"] == "contract"
    assert body["contract"]["reference"] == "J-1"
    assert body["contract"]["url"].endswith(f"/api/v1/contracts/{joint.pk}/")
    assert body["contract"]["web_url"] == f"http://testserver/contracts/{joint.pk}/"
    assert (body["open_actions"], body["overdue_actions"]) == (4, 2)
    assert body["web_url"] == "http://testserver/qaf/"  # a provider's own QAF page


def test_a_provider_never_sees_the_assessment_in_progress_behind_its_status(qaf, api):
    stored = qaf.status[(qaf.provider_b.pk, None)]
    assert stored.assessment_id == qaf.b_started.pk
    seen_by_b = api(qaf.tokens["b_submit"]).get(f"{URL}{stored.pk}/").json()
    assert seen_by_b["status"] == "not_assessed"
    assert seen_by_b["assessment"] is None
    seen_by_council = api(qaf.tokens["c_read"]).get(f"{URL}{stored.pk}/").json()
    assert seen_by_council["assessment"]["id"] == qaf.b_started.pk
    assert seen_by_council["assessment"]["status"] == "started"
    assert seen_by_council["assessment"]["completed_on"] is None


def test_statuses_are_stored_when_a_contract_is_made_and_reading_never_computes_them(
    api_world, api, django_capture_on_commit_callbacks
):
    # The world's contracts were written straight to the database: no status is stored, and
    # reading the list (as the tracker) computes none.
    assert _all(api(api_world.tokens["c_read"])) == []
    assert _all(api(api_world.tokens["a_read"])) == []
    # A contract made through the service stores its provider's statuses once it is committed.
    lead = acting_for(api_world.users["c_admin"], api_world.council.pk)
    with django_capture_on_commit_callbacks(execute=True):
        contract_create(acting=lead, data=contract_input(api_world.provider_b, reference="NEW-1"))
    rows = _all(api(api_world.tokens["c_read"]))
    assert {row["status"] for row in rows} == {"not_assessed"}
    assert _keys(rows) == {
        ("Brookside Care Services", None),
        ("Brookside Care Services", "C-2"),
        ("Brookside Care Services", "NEW-1"),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"provider": "PROVIDER_B"}, {("Brookside Care Services", None), ("Brookside Care Services", "C-2")}),
        ({"contract": "J-1"}, {("Acme Homecare Ltd", "J-1")}),
        ({"status": "non_compliant_in_window"}, {("Acme Homecare Ltd", None), ("Acme Homecare Ltd", "J-1")}),
        ({"level": "provider"}, {("Acme Homecare Ltd", None), ("Brookside Care Services", None)}),
        ({"level": "contract"}, {("Acme Homecare Ltd", "J-1"), ("Brookside Care Services", "C-2")}),
        ({"provider": "PROVIDER_B", "level": "contract"}, {("Brookside Care Services", "C-2")}),
        ({"status": "compliant"}, set()),
    ],
)
def test_filters_narrow_the_list(qaf, api, params, expected):
    values = {"PROVIDER_B": str(qaf.provider_b.pk), "J-1": str(qaf.contracts["joint"].pk)}
    params = {key: values.get(value, value) for key, value in params.items()}
    assert _keys(_all(api(qaf.tokens["c_read"]), params=params)) == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "great"}, "status"),
        ({"provider": "acme"}, "provider"),
        ({"contract": "1.5"}, "contract"),
        ({"level": "everything"}, "level"),
    ],
)
def test_a_bad_filter_is_a_400_problem_naming_the_field(qaf, api, params, field):
    response = api(qaf.tokens["c_read"]).get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/api/v1/problems/validation/"
    assert list(body["field_errors"]) == [field]


def test_pages_of_one_follow_next_through_every_status_once(qaf, api):
    client = api(qaf.tokens["c_read"])
    first = client.get(URL, {"page_size": 1}).json()
    assert len(first["results"]) == 1 and first["next"]
    rows = _all(client, params={"page_size": 1})
    assert len(rows) == 4
    assert len({row["id"] for row in rows}) == 4


def test_the_list_has_an_etag_and_a_repeat_gets_304(qaf, api):
    client = api(qaf.tokens["c_read"])
    first = client.get(URL)
    again = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_listing_takes_a_fixed_number_of_queries(qaf, api, django_assert_max_num_queries):
    client = api(qaf.tokens["c_read"])
    client.get(URL)  # the first call also records the token's use
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    assert len(response.json()["results"]) == 4


def test_no_email_address_appears(qaf, api):
    for token in ("a_read", "c_read"):
        assert "@" not in json.dumps(_all(api(qaf.tokens[token])))


def test_who_gets_what_for_provider_as_overall_status(qaf, api):
    url = f"{URL}{qaf.status[(qaf.provider_a.pk, None)].pk}/"
    expected = dict.fromkeys(CALLERS, 404) | dict.fromkeys([*PROVIDER_A, *COUNCIL], 200)
    expected |= {"anonymous": 401, "a_submit_only": 403}
    got = {caller: caller_client(qaf, api, caller).get(url).status_code for caller in CALLERS}
    assert got == expected
    lists = {caller: caller_client(qaf, api, caller).get(URL).status_code for caller in CALLERS}
    assert lists == dict.fromkeys(CALLERS, 200) | {"anonymous": 401, "a_submit_only": 403}
