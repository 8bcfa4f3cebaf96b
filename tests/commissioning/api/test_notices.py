"""GET /api/v1/notices/: notices as the register and the notice page show them, read-only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.access import acting_for
from commissioning.api.references import person_name
from commissioning.notices import drafts, services
from commissioning.notices.drafts import NoticeInput
from commissioning.notices.models import Notice, NoticeEvent, NoticeKind
from tests.fixtures import matrix as make
from tests.fixtures.api import CALLERS, COUNCIL, PROVIDER_A, caller_client, every_row

pytestmark = pytest.mark.django_db

URL = "/api/v1/notices/"


def _noc(**overrides) -> NoticeInput:
    values = {
        "kind": NoticeKind.NOC,
        "reason": "missed_calls",
        "clause": "Schedule 2, clause 4.3",
        "facts": "31 missed calls in October, 12 of them for people living alone.",
        "remedy": "A call monitoring plan and weekly missed-call figures.",
        "remedy_due_on": timezone.localdate() + timedelta(days=30),
        "noc_category": "quality",
        "complexity": "low",
    }
    return NoticeInput(**(values | overrides))


@pytest.fixture
def notices(api_world, settings, tmp_path):
    """On J-1 (council lead, ICB partner, provider A): a Notice of Concern issued, acknowledged,
    answered and extended through the services, and a draft breach notice escalating it. On C-2 a
    breach notice issued to provider B; on X-3 one of the other council."""
    settings.MEDIA_ROOT = tmp_path / "media"
    w = api_world
    officer = acting_for(w.users["contract_officer"], w.council.pk)
    approver = acting_for(w.users["a_approver"], w.provider_a.pk)
    draft = drafts.notice_draft_create(acting=officer, contract=w.contracts["joint"], data=_noc())
    noc = services.notice_issue(acting=officer, notice=draft)
    services.notice_acknowledge(acting=approver, notice=noc)
    services.notice_respond(acting=approver, notice=noc, text="Weekly figures attached from Monday.")
    services.notice_extend(
        acting=officer,
        notice=Notice.objects.get(pk=noc.pk),
        new_due_on=timezone.localdate() + timedelta(days=45),
        reason="The provider asked for two more weeks.",
    )
    w.noc = Notice.objects.get(pk=noc.pk)
    w.escalation = services.notice_escalate(acting=officer, notice=w.noc)
    w.b_notice = Notice.objects.create(
        commissioner=w.council,
        contract=w.contracts["council_b"],
        provider=w.provider_b,
        kind="breach",
        reason="staffing",
        clause="Clause 9",
        facts="DBS checks missing.",
        remedy="Complete the checks.",
        remedy_due_on=timezone.localdate() + timedelta(days=10),
        status="issued",
        issued_at=timezone.now() - timedelta(days=40),
        clock_start_on=timezone.localdate() - timedelta(days=40),
        issued_by_label="Contract officer",
        created_by_label="Contract officer",
    )
    w.other_notice = Notice.objects.get(pk=make.notice(w, "issued", "other"))
    return w


def _all(client, params: dict | None = None) -> list[dict]:
    return every_row(client, URL, params)


def _ids(rows: list[dict]) -> set[int]:
    return {row["id"] for row in rows}


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("a_read", {"noc"}),  # its issued notice; never the draft escalating it
        ("a_submit", {"noc"}),
        ("b_submit", {"b_notice"}),
        ("c_read", {"noc", "escalation", "b_notice"}),  # the lead body sees its drafts, as on the register
        ("icb_read", {"noc"}),  # a partner sees what the lead body has issued
        ("other_read", {"other_notice"}),
    ],
)
def test_each_token_lists_only_the_notices_its_organisation_may_see(notices, api, token, expected):
    assert _ids(_all(api(notices.tokens[token]))) == {getattr(notices, name).pk for name in expected}


def test_a_provider_session_sees_what_its_token_sees(notices, client):
    client.force_login(notices.users["a_viewer"])
    assert _ids(_all(client)) == {notices.noc.pk}


def test_drafts_are_hidden_from_the_provider_and_partner_bodies(notices, api):
    draft = notices.escalation
    for token in ("a_read", "a_submit", "icb_read"):
        client = api(notices.tokens[token])
        response = client.get(f"{URL}{draft.pk}/")
        assert response.status_code == 404, token
        assert response["Content-Type"] == "application/problem+json"
        assert _all(client, {"status": "draft"}) == []
        assert client.get(f"{URL}{notices.noc.pk}/").json()["escalated_to"] == []
    seen = api(notices.tokens["c_read"]).get(f"{URL}{draft.pk}/").json()
    assert seen["status"] == "draft"
    assert seen["letter_url"] is None and seen["issued_at"] is None and seen["issued_by"] == ""
    assert seen["escalated_from"]["id"] == notices.noc.pk


def test_a_withdrawn_draft_stays_hidden_from_the_provider_and_partner_bodies(notices, api, client):
    officer = acting_for(notices.users["contract_officer"], notices.council.pk)
    withdrawn = services.notice_close(
        acting=officer, notice=notices.escalation, reason="withdrawn", note="Remedied before we issued it."
    )
    assert withdrawn.issued_at is None
    for token in ("a_read", "icb_read"):
        reader = api(notices.tokens[token])
        assert reader.get(f"{URL}{withdrawn.pk}/").status_code == 404, token
        assert withdrawn.pk not in _ids(_all(reader))
        assert reader.get(f"{URL}{notices.noc.pk}/").json()["escalated_to"] == []
    client.force_login(notices.users["a_viewer"])
    assert client.get(f"/notices/{withdrawn.pk}/").status_code == 404
    assert api(notices.tokens["c_read"]).get(f"{URL}{withdrawn.pk}/").status_code == 200


def test_another_organisations_notice_is_a_404_problem(notices, api):
    for token, notice in [
        ("b_submit", notices.noc),
        ("a_read", notices.b_notice),  # provider A only subcontracts on C-2
        ("other_read", notices.noc),
        ("icb_read", notices.b_notice),
        ("c_read", notices.other_notice),
    ]:
        response = api(notices.tokens[token]).get(f"{URL}{notice.pk}/")
        assert response.status_code == 404, token
        assert response.json()["type"] == "/api/v1/problems/not-found/"


def test_a_submit_only_token_is_refused_with_a_403_and_no_token_with_a_401(notices, api):
    for url in (URL, f"{URL}{notices.noc.pk}/"):
        assert api(notices.tokens["a_submit_only"]).get(url).status_code == 403
        assert api(None).get(url).status_code == 401


def test_writing_is_not_offered(notices, api):
    client = api(notices.tokens["a_submit"])
    assert client.post(URL, {}).status_code == 405
    assert client.patch(f"{URL}{notices.noc.pk}/", {"status": "acknowledged"}).status_code == 405


def test_a_notice_carries_its_terms_dates_links_and_letter(notices, api):
    noc, body = notices.noc, api(notices.tokens["a_read"]).get(f"{URL}{notices.noc.pk}/").json()
    assert body["url"].endswith(f"/api/v1/notices/{noc.pk}/")
    assert body["web_url"] == f"http://testserver/notices/{noc.pk}/"
    assert body["letter_url"] == f"http://testserver/notices/{noc.pk}/letter.pdf"
    assert body["title"] == "Notice of Concern"
    assert (body["kind"], body["kind_label"]) == ("noc", "Notice of Concern")
    assert (body["reason"], body["category"], body["complexity"]) == ("missed_calls", "quality", "low")
    assert body["clause"] == "Schedule 2, clause 4.3"
    assert (body["status"], body["is_open"]) == ("extended", True)
    assert body["contract"]["reference"] == "J-1"
    assert body["provider"] == {"id": notices.provider_a.pk, "name": "Acme Homecare Ltd"}
    assert body["commissioner"]["name"] == "Riverton City Council"
    assert body["remedy_due_on"] == (timezone.localdate() + timedelta(days=45)).isoformat()
    assert body["target_close_on"] == noc.target_close_on.isoformat()
    assert body["issued_at"] and body["acknowledged_at"]
    assert body["issued_by"] == notices.users["contract_officer"].full_name
    assert body["acknowledged_by"] == notices.users["a_approver"].full_name
    assert (body["closed_at"], body["closed_reason"]) == (None, None)
    assert body["escalated_from"] is None and body["supersedes"] is None and body["superseded_by"] == []
    breach = api(notices.tokens["b_submit"]).get(f"{URL}{notices.b_notice.pk}/").json()
    assert (breach["category"], breach["complexity"]) == (None, None)


def test_the_lead_body_sees_the_draft_escalation_linked_from_the_notice(notices, api):
    body = api(notices.tokens["c_read"]).get(f"{URL}{notices.noc.pk}/").json()
    assert [link["id"] for link in body["escalated_to"]] == [notices.escalation.pk]
    assert body["escalated_to"][0]["url"].endswith(f"/api/v1/notices/{notices.escalation.pk}/")


def test_a_provider_sees_the_history_from_the_issue_on_and_the_lead_body_all_of_it(notices, api):
    provider_view = api(notices.tokens["a_read"]).get(f"{URL}{notices.noc.pk}/").json()["history"]
    assert [step["action"] for step in provider_view] == ["issued", "acknowledged", "responded", "extended"]
    council_view = api(notices.tokens["c_read"]).get(f"{URL}{notices.noc.pk}/").json()["history"]
    assert [step["action"] for step in council_view] == [
        "drafted",
        "issued",
        "acknowledged",
        "responded",
        "extended",
        "escalation_drafted",
    ]
    responded, extended = provider_view[2], provider_view[3]
    assert responded["by"] == notices.users["a_approver"].full_name
    assert responded["by_provider"] is True and responded["organisation"] == "Acme Homecare Ltd"
    assert responded["note"] == "Weekly figures attached from Monday."
    assert extended["by"] == notices.users["contract_officer"].full_name
    assert extended["organisation"] == "Riverton City Council"
    assert extended["new_remedy_due_on"] == (timezone.localdate() + timedelta(days=45)).isoformat()
    assert extended["old_remedy_due_on"] == (timezone.localdate() + timedelta(days=30)).isoformat()
    assert (extended["status_before"], extended["status_after"]) == ("responded", "extended")


def test_no_email_address_appears_even_for_people_without_a_name(notices, api):
    # Labels are str(user), which holds the address; a person no longer on record is named by the label.
    NoticeEvent.objects.create(
        notice=notices.noc, action="closed", by=None, by_label="Sam Jones <sam@riverton.example>"
    )
    NoticeEvent.objects.create(
        notice=notices.noc, action="superseded", by=None, by_label="sam@riverton.example"
    )
    for token in ("a_read", "c_read", "icb_read"):
        rows = _all(api(notices.tokens[token]))
        names = [step["by"] for row in rows for step in row["history"]]
        names += [row["issued_by"] for row in rows] + [row["acknowledged_by"] for row in rows]
        assert names and all("@" not in name for name in names), names
        assert "@" not in json.dumps(rows)
    history = api(notices.tokens["a_read"]).get(f"{URL}{notices.noc.pk}/").json()["history"]
    assert history[1]["by"] == notices.users["a_approver"].full_name
    assert [step["by"] for step in history[-2:]] == ["Sam Jones", "Riverton City Council"]


def test_a_person_is_named_by_name_never_by_address():
    assert person_name(None, "Sam Jones <sam@riverton.example>", fallback="Council") == "Sam Jones"
    assert person_name(None, "sam@riverton.example", fallback="Council") == "Council"
    assert person_name(None, "", fallback="Council") == "Council"
    assert person_name(None, "None", fallback="Council") == "Council"
    assert (
        person_name(None, "API token 'Care system' (hco_ab12…)", fallback="X")
        == "API token 'Care system' (hco_ab12…)"
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"contract": "J-1"}, {"noc", "escalation"}),
        ({"provider": "B"}, {"b_notice"}),
        ({"kind": "breach"}, {"escalation", "b_notice"}),
        ({"reason": "staffing"}, {"b_notice"}),
        ({"status": "open"}, {"noc", "b_notice"}),
        ({"status": "draft"}, {"escalation"}),
        ({"status": "closed"}, set()),
        ({"issued_after": "TODAY"}, {"noc"}),
        ({"issued_before": "YESTERDAY"}, {"b_notice"}),
        ({"issued_after": "MONTH_AGO", "issued_before": "TODAY"}, {"noc"}),
    ],
)
def test_filters_narrow_the_list(notices, api, params, expected):
    today = timezone.localdate()
    values = {
        "J-1": str(notices.contracts["joint"].pk),
        "B": str(notices.provider_b.pk),
        "TODAY": today.isoformat(),
        "YESTERDAY": (today - timedelta(days=1)).isoformat(),
        "MONTH_AGO": (today - timedelta(days=30)).isoformat(),
    }
    params = {key: values.get(value, value) for key, value in params.items()}
    got = _ids(_all(api(notices.tokens["c_read"]), params))
    assert got == {getattr(notices, name).pk for name in expected}


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"kind": "warning"}, ["kind"]),
        ({"status": "pending"}, ["status"]),
        ({"contract": "J-1"}, ["contract"]),
        ({"issued_after": "last week"}, ["issued_after"]),
        ({"provider": "x", "issued_before": "2025-13-01"}, ["provider", "issued_before"]),
    ],
)
def test_a_bad_filter_is_a_400_problem_naming_the_fields(notices, api, params, fields):
    response = api(notices.tokens["c_read"]).get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert sorted(response.json()["field_errors"]) == sorted(fields)


def test_pages_of_one_follow_next_through_every_notice_once_newest_first(notices, api):
    rows = _all(api(notices.tokens["c_read"]), {"page_size": 1})
    assert [row["id"] for row in rows] == sorted(_ids(rows), reverse=True)
    assert len(rows) == 3


def test_listing_takes_a_fixed_number_of_queries(notices, api, django_assert_max_num_queries):
    client = api(notices.tokens["c_read"])
    client.get(URL)
    with django_assert_max_num_queries(10):
        response = client.get(URL)
    assert len(response.json()["results"]) == 3


def test_who_gets_what_for_an_issued_notice_and_a_draft(notices, api):
    issued = {
        caller: caller_client(notices, api, caller).get(f"{URL}{notices.noc.pk}/").status_code
        for caller in CALLERS
    }
    seen_by = [*PROVIDER_A, *COUNCIL, "icb_read", "icb_admin"]
    refused = {"anonymous": 401, "a_submit_only": 403}
    assert issued == dict.fromkeys(CALLERS, 404) | dict.fromkeys(seen_by, 200) | refused
    draft = {
        caller: caller_client(notices, api, caller).get(f"{URL}{notices.escalation.pk}/").status_code
        for caller in CALLERS
    }
    assert draft == dict.fromkeys(CALLERS, 404) | dict.fromkeys(COUNCIL, 200) | refused
