"""GET /api/v1/review-actions/: actions agreed at quarterly reviews, as the action tracker shows them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.access import acting_for
from outcomes.reviews import record
from outcomes.reviews.models import ReviewAction, ReviewActionUpdate, ReviewMeeting
from tests.fixtures import matrix as make
from tests.fixtures.api import CALLERS, COUNCIL, PROVIDER_A, caller_client, every_row

pytestmark = pytest.mark.django_db

URL = "/api/v1/review-actions/"


def _meeting(w, contract_key: str, held_days_ago: int) -> ReviewMeeting:
    deal = w.contracts[contract_key]
    meeting = ReviewMeeting.objects.create(
        commissioner=deal.lead_commissioner,
        provider=deal.provider,
        quarter="2025-26-Q2",
        held_on=timezone.localdate() - timedelta(days=held_days_ago),
        created_by_label="Commissioner",
    )
    meeting.contracts.set([deal])
    return meeting


@pytest.fixture
def reviews(api_world):
    """A review of provider A on J-1 held 60 days ago, with three actions agreed through the services:
    the provider's (overdue, updated by the provider), the commissioner's (done) and a partner's (due
    later). A review of provider B on C-2 with one action; one of the other council on X-3."""
    w = api_world
    commissioner = acting_for(w.users["commissioner"], w.council.pk)
    submitter = acting_for(w.users["a_submitter"], w.provider_a.pk)
    today = timezone.localdate()
    joint = _meeting(w, "joint", 60)

    def agree(meeting, owner_kind: str, due: int, organisation: str = "") -> ReviewAction:
        return record.action_add(
            acting=commissioner,
            meeting=meeting,
            description=f"Action for {owner_kind}",
            owner_kind=owner_kind,
            owner_organisation=organisation,
            owner_name="Registered manager",
            due_on=today + timedelta(days=due),
        )

    w.provider_action = agree(joint, "provider", -30)
    record.action_update(
        acting=submitter, action=w.provider_action, status="in_progress", note="Figures shared weekly."
    )
    w.commissioner_action = agree(joint, "commissioner", -10)
    record.action_update(
        acting=commissioner, action=w.commissioner_action, status="done", note="Brokerage briefed."
    )
    w.partner_action = agree(joint, "partner", 20, organisation="Riverton Community Nursing")
    w.b_action = agree(_meeting(w, "council_b", 10), "provider", 5)
    w.other_action = ReviewAction.objects.get(pk=make.review_action(w, council="other"))
    w.joint_meeting = joint
    return w


def _all(client, params: dict | None = None) -> list[dict]:
    return every_row(client, URL, params)


def _names(rows: list[dict], w) -> set[str]:
    by_id = {
        getattr(w, name).pk: name
        for name in ("provider_action", "commissioner_action", "partner_action", "b_action", "other_action")
    }
    return {by_id[row["id"]] for row in rows}


JOINT = {"provider_action", "commissioner_action", "partner_action"}


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("a_read", JOINT),  # the provider reviewed sees every action of its meetings, whoever owns it
        ("a_submit", JOINT),
        ("b_submit", {"b_action"}),
        ("c_read", JOINT | {"b_action"}),
        ("icb_read", JOINT),  # a partner in J-1 sees its reviews
        ("other_read", {"other_action"}),
    ],
)
def test_each_token_lists_only_the_actions_its_organisation_may_see(reviews, api, token, expected):
    assert _names(_all(api(reviews.tokens[token])), reviews) == expected


def test_a_provider_session_sees_what_its_token_sees(reviews, client):
    client.force_login(reviews.users["a_viewer"])
    assert _names(_all(client), reviews) == JOINT


def test_another_organisations_action_is_a_404_problem(reviews, api):
    for token, action in [
        ("b_submit", reviews.provider_action),
        ("a_read", reviews.b_action),  # provider A only subcontracts on C-2
        ("icb_read", reviews.b_action),
        ("other_read", reviews.partner_action),
        ("c_read", reviews.other_action),
    ]:
        response = api(reviews.tokens[token]).get(f"{URL}{action.pk}/")
        assert response.status_code == 404, token
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["type"] == "/api/v1/problems/not-found/"


def test_a_submit_only_token_is_refused_with_a_403_and_no_token_with_a_401(reviews, api):
    for url in (URL, f"{URL}{reviews.provider_action.pk}/"):
        assert api(reviews.tokens["a_submit_only"]).get(url).status_code == 403
        assert api(None).get(url).status_code == 401


def test_writing_is_not_offered(reviews, api):
    response = api(reviews.tokens["a_submit"]).patch(
        f"{URL}{reviews.provider_action.pk}/", {"status": "done"}
    )
    assert response.status_code == 405


def test_an_action_carries_its_owner_meeting_contract_and_history(reviews, api):
    action, meeting = reviews.provider_action, reviews.joint_meeting
    joint = reviews.contracts["joint"]
    body = api(reviews.tokens["a_read"]).get(f"{URL}{action.pk}/").json()
    assert body["url"].endswith(f"/api/v1/review-actions/{action.pk}/")
    assert body["web_url"] == f"http://testserver/reviews/{meeting.pk}/#actions"
    assert body["description"] == "Action for provider"
    assert body["owner"] == {
        "kind": "provider",
        "kind_label": "The provider",
        "organisation": "Acme Homecare Ltd",
        "name": "Registered manager",
    }
    assert body["due_on"] == (timezone.localdate() - timedelta(days=30)).isoformat()
    assert (body["status"], body["status_label"]) == ("in_progress", "In progress")
    assert body["status_note"] == "Figures shared weekly."
    assert body["is_open"] is True and body["overdue"] is True
    assert body["provider"]["name"] == "Acme Homecare Ltd"
    assert body["commissioner"]["name"] == "Riverton City Council"
    assert body["meeting"]["id"] == meeting.pk
    assert body["meeting"]["quarter"] == "2025-26-Q2"
    assert body["meeting"]["held_on"] == meeting.held_on.isoformat()
    assert [c["reference"] for c in body["meeting"]["contracts"]] == ["J-1"]
    assert body["contract"]["id"] == joint.pk  # a one-contract meeting's actions are about it
    assert body["contract"]["web_url"] == f"http://testserver/contracts/{joint.pk}/"
    assert body["target"] is None
    history = body["history"]
    assert [(step["status_before"], step["status_after"]) for step in history] == [
        ("", "open"),
        ("open", "in_progress"),
    ]
    assert history[0]["by"] == reviews.users["commissioner"].full_name
    assert history[0]["by_provider"] is False
    assert history[1]["by"] == reviews.users["a_submitter"].full_name
    assert history[1]["by_provider"] is True
    assert history[1]["note"] == "Figures shared weekly."


def test_a_partners_action_names_the_partner(reviews, api):
    body = api(reviews.tokens["icb_read"]).get(f"{URL}{reviews.partner_action.pk}/").json()
    assert body["owner"]["kind"] == "partner"
    assert body["owner"]["organisation"] == "Riverton Community Nursing"
    assert body["overdue"] is False


def test_no_email_address_appears_in_the_history(reviews, api):
    ReviewActionUpdate.objects.create(
        action=reviews.partner_action,
        status_before="open",
        status_after="open",
        note="Chased.",
        by=None,
        by_label="gone@riverton.example",
    )
    for token in ("a_read", "c_read", "icb_read"):
        rows = _all(api(reviews.tokens[token]))
        names = [step["by"] for row in rows for step in row["history"]]
        assert names and all("@" not in name for name in names), names
        assert "@" not in json.dumps(rows)
    partner = api(reviews.tokens["c_read"]).get(f"{URL}{reviews.partner_action.pk}/").json()
    assert partner["history"][-1]["by"] == "Riverton City Council"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"contract": "J-1"}, JOINT),
        ({"contract": "C-2"}, {"b_action"}),
        ({"meeting": "JOINT_MEETING"}, JOINT),
        ({"provider": "B"}, {"b_action"}),
        ({"status": "done"}, {"commissioner_action"}),
        ({"status": "open"}, {"partner_action", "b_action"}),
        ({"is_open": "true"}, {"provider_action", "partner_action", "b_action"}),
        ({"is_open": "false"}, {"commissioner_action"}),
        ({"owner": "commissioner"}, {"commissioner_action"}),
        ({"owner": "partner"}, {"partner_action"}),
        ({"due_before": "TODAY"}, {"provider_action", "commissioner_action"}),
        ({"due_after": "TODAY"}, {"partner_action", "b_action"}),
        ({"due_after": "MONTH_AGO", "due_before": "TODAY"}, {"provider_action", "commissioner_action"}),
        ({"overdue": "true"}, {"provider_action"}),  # the done one is past due but closed
        ({"overdue": "false"}, {"commissioner_action", "partner_action", "b_action"}),
    ],
)
def test_filters_narrow_the_list(reviews, api, params, expected):
    today = timezone.localdate()
    values = {
        "J-1": str(reviews.contracts["joint"].pk),
        "C-2": str(reviews.contracts["council_b"].pk),
        "JOINT_MEETING": str(reviews.joint_meeting.pk),
        "B": str(reviews.provider_b.pk),
        "TODAY": today.isoformat(),
        "MONTH_AGO": (today - timedelta(days=30)).isoformat(),
    }
    params = {key: values.get(value, value) for key, value in params.items()}
    assert _names(_all(api(reviews.tokens["c_read"]), params), reviews) == expected


def test_the_contract_filter_takes_in_actions_about_every_contract_of_a_meeting(reviews, api):
    joint = reviews.contracts["joint"]
    meeting = _meeting(reviews, "joint", 5)
    meeting.contracts.add(reviews.contracts["council_b"])
    about_both = ReviewAction.objects.create(
        meeting=meeting,
        description="Align the two contracts' visit times",
        owner_kind="provider",
        owner_organisation="Acme Homecare Ltd",
        owner_name="Operations lead",
        due_on=timezone.localdate() + timedelta(days=7),
        created_by_label="Commissioner",
    )
    rows = _all(api(reviews.tokens["c_read"]), {"contract": joint.pk})
    assert about_both.pk in {row["id"] for row in rows}
    assert next(row for row in rows if row["id"] == about_both.pk)["contract"] is None
    other = _all(api(reviews.tokens["c_read"]), {"contract": reviews.contracts["council_b"].pk})
    assert about_both.pk in {row["id"] for row in other}


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"overdue": "maybe"}, ["overdue"]),
        ({"is_open": "yes"}, ["is_open"]),
        ({"status": "finished"}, ["status"]),
        ({"owner": "everyone"}, ["owner"]),
        ({"meeting": "first"}, ["meeting"]),
        ({"due_before": "soon", "contract": "J-1"}, ["contract", "due_before"]),
    ],
)
def test_a_bad_filter_is_a_400_problem_naming_the_fields(reviews, api, params, fields):
    response = api(reviews.tokens["c_read"]).get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/api/v1/problems/validation/"
    assert sorted(body["field_errors"]) == sorted(fields)


def test_pages_of_one_follow_next_soonest_due_first(reviews, api):
    client = api(reviews.tokens["c_read"])
    first = client.get(URL, {"page_size": 1}).json()
    assert len(first["results"]) == 1 and first["next"]
    rows = _all(client, {"page_size": 1})
    assert [row["id"] for row in rows] == [
        reviews.provider_action.pk,
        reviews.commissioner_action.pk,
        reviews.b_action.pk,
        reviews.partner_action.pk,
    ]


def test_listing_takes_a_fixed_number_of_queries(reviews, api, django_assert_max_num_queries):
    client = api(reviews.tokens["c_read"])
    client.get(URL)
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert len(response.json()["results"]) == 4


def test_who_gets_what_for_an_action_of_a_joint_contracts_review(reviews, api):
    got = {
        caller: caller_client(reviews, api, caller).get(f"{URL}{reviews.provider_action.pk}/").status_code
        for caller in CALLERS
    }
    seen_by = [*PROVIDER_A, *COUNCIL, "icb_read", "icb_admin"]
    refused = {"anonymous": 401, "a_submit_only": 403}
    assert got == dict.fromkeys(CALLERS, 404) | dict.fromkeys(seen_by, 200) | refused
