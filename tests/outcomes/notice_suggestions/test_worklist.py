"""The suggestions work-list: a table filtered by provider, contract, rule, age and status, a page
at a time with the filters kept in the paging links; and dismissing a selection with one reason,
after a check page, all or none."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEntry, Role
from commissioning.notices import suggestions as services
from commissioning.notices.models import NoticeKind, NoticeSuggestion, SuggestionRule, SuggestionStatus
from tests.factories import CouncilFactory, ProviderFactory, acting, contract, member
from tests.pages import error_summary, page_text

pytestmark = pytest.mark.django_db

LIST = "/notices/suggestions/"
DISMISS = "/notices/suggestions/dismiss/"
ROW = re.compile(r'data-testid="suggestion-\d+"')


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def suggestion(
    deal, n: int, *, rule=SuggestionRule.ACTIONS_OVERDUE, days_ago=0, status=SuggestionStatus.OPEN
):
    return NoticeSuggestion.objects.create(
        commissioner=deal.lead_commissioner,
        contract=deal,
        provider=deal.provider,
        rule=rule,
        key=f"{rule}:{n}",
        summary=f"Finding number {n} on {deal.reference}.",
        details={"facts": [f"Fact {n}."], "remedy": "Put it right.", "evidence": []},
        suggested_kind=NoticeKind.NOC if rule == SuggestionRule.TARGET_RED else NoticeKind.BREACH,
        suggested_reason="under_performance",
        status=status,
        decision_reason="Already dealt with." if status == SuggestionStatus.DISMISSED else "",
        first_seen_at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def deals(world):
    return (
        contract(world.council, world.provider_a, reference="W-1"),
        contract(world.council, world.provider_b, reference="W-2"),
    )


def shown(response) -> list[str]:
    return re.findall(r"Finding number (\d+) on", page_text(response))


def test_filters_narrow_by_provider_contract_rule_age_and_status(world, deals):
    w1, w2 = deals
    suggestion(w1, 1, rule=SuggestionRule.RETURNS_OVERDUE, days_ago=40)
    suggestion(w1, 2, rule=SuggestionRule.TARGET_RED, days_ago=3)
    suggestion(w2, 3, rule=SuggestionRule.QAF_PAST_WINDOW, days_ago=100)
    suggestion(w2, 4, days_ago=10, status=SuggestionStatus.DISMISSED)
    client = client_for(world.users["c_viewer"])
    everything = client.get(LIST)
    # Open ones by default, the one waiting longest first, with the day raised and its age.
    assert shown(everything) == ["3", "1", "2"]
    raised = (timezone.localdate() - timedelta(days=40)).strftime("%-d %B %Y")
    assert raised in page_text(everything) and "40 days ago" in page_text(everything)
    assert shown(client.get(LIST, {"provider": world.provider_b.pk})) == ["3"]
    assert shown(client.get(LIST, {"contract": w1.pk})) == ["1", "2"]
    assert shown(client.get(LIST, {"rule": SuggestionRule.TARGET_RED})) == ["2"]
    assert shown(client.get(LIST, {"age": 30})) == ["3", "1"]
    assert shown(client.get(LIST, {"age": 90})) == ["3"]
    assert shown(client.get(LIST, {"status": "dismissed"})) == ["4"]
    assert shown(client.get(LIST, {"status": "all", "provider": world.provider_b.pk})) == ["3", "4"]
    none = client.get(LIST, {"rule": SuggestionRule.ACTIONS_OVERDUE})
    assert "No suggestions match these filters" in page_text(none)
    bad = client.get(LIST, {"age": "5", "provider": "nobody"})
    assert error_summary(bad) == [
        ("id_provider", "Choose a provider from the list"),
        ("id_age", "Choose how long ago from the list"),
    ]
    assert shown(bad) == ["3", "1", "2"]


def test_paging_keeps_the_filters(world, deals):
    w1, w2 = deals
    for n in range(30):
        suggestion(w1, n, days_ago=60 - n)
    suggestion(w2, 99)
    client = client_for(world.users["contract_officer"])
    first = client.get(LIST, {"contract": w1.pk})
    text = page_text(first)
    assert len(ROW.findall(text)) == 25
    assert "30 suggestions matching the filters (page 1 of 2)" in text
    assert f'href="?contract={w1.pk}&amp;page=2"' in first.content.decode()
    second = client.get(LIST, {"contract": w1.pk, "page": 2})
    assert shown(second) == [str(n) for n in range(25, 30)]
    assert f'href="?contract={w1.pk}&amp;page=1"' in second.content.decode()
    # The selection form returns to the same filters and page.
    assert f'name="query" value="contract={w1.pk}&amp;page=2"' in second.content.decode()


def test_officer_dismisses_a_selection_after_the_check_page(world, deals):
    w1, w2 = deals
    one, two, three = suggestion(w1, 1), suggestion(w2, 2), suggestion(w1, 3)
    client = client_for(world.users["contract_officer"])
    data = {"suggestions": [one.pk, two.pk], "reason": "Both agreed at the October review.", "query": "age=7"}
    check = client.post(DISMISS, data)
    assert check.status_code == 200 and "Dismiss 2 suggestions?" in page_text(check)
    assert (
        "W-1" in page_text(check) and "W-2" in page_text(check) and "Finding number 3" not in page_text(check)
    )
    assert NoticeSuggestion.objects.filter(status=SuggestionStatus.OPEN).count() == 3
    done = client.post(DISMISS, {**data, "confirmed": "yes"})
    assert done.status_code == 302 and done["Location"] == f"{LIST}?age=7"
    for found in (one, two):
        found.refresh_from_db()
        assert found.status == SuggestionStatus.DISMISSED
        assert found.decision_reason == "Both agreed at the October review."
        assert found.decided_by == world.users["contract_officer"]
    three.refresh_from_db()
    assert three.status == SuggestionStatus.OPEN
    # Audited as two single dismissals.
    entries = AuditEntry.objects.filter(action="notice_suggestion.dismissed")
    assert sorted(int(entry.object_id) for entry in entries) == sorted([one.pk, two.pk])
    assert "2 suggestions are dismissed" in page_text(client.get(done["Location"]))
    # Nothing to tick among the dismissed, so no selection form there.
    dismissed = page_text(client.get(LIST, {"status": "dismissed"}))
    assert "Both agreed at the October review." in dismissed and "Dismiss selected" not in dismissed


def test_a_selection_needs_ticks_and_a_reason(world, deals):
    found = suggestion(deals[0], 1)
    client = client_for(world.users["contract_officer"])
    empty = client.post(DISMISS, {"reason": ""})
    assert empty.status_code == 400
    assert error_summary(empty) == [
        ("suggestion-table", "Select at least one suggestion to dismiss"),
        ("id_reason", "Say why no notice is needed"),
    ]
    no_reason = client.post(DISMISS, {"suggestions": found.pk, "reason": "  "})
    assert no_reason.status_code == 400
    assert error_summary(no_reason) == [("id_reason", "Say why no notice is needed")]
    assert f'value="{found.pk}" form="dismiss-selected" checked' in no_reason.content.decode()
    found.refresh_from_db()
    assert found.status == SuggestionStatus.OPEN


def test_dismissing_a_selection_is_all_or_nothing(world, deals):
    w1, w2 = deals
    first = suggestion(w1, 1)
    done_before = suggestion(w2, 2, status=SuggestionStatus.DISMISSED)
    elsewhere = CouncilFactory(name="Elsewhere Council")
    theirs = suggestion(contract(elsewhere, ProviderFactory(), reference="E-1"), 3)
    client = client_for(world.users["contract_officer"])
    reason = {"reason": "Agreed a date.", "confirmed": "yes"}

    already = client.post(DISMISS, {"suggestions": [first.pk, done_before.pk], **reason})
    assert already.status_code == 400
    [(anchor, message)] = error_summary(already)
    assert anchor == "suggestion-table"
    assert message.startswith("The suggestion on W-2 (")
    assert "This suggestion is dismissed, so it cannot be dismissed" in message
    assert message.endswith("Nothing was dismissed.")

    bad_id = client.post(DISMISS, {"suggestions": [first.pk, "abc"], **reason})
    assert bad_id.status_code == 400
    assert "The selection is not a list of suggestions" in error_summary(bad_id)[0][1]

    not_ours = client.post(DISMISS, {"suggestions": [first.pk, theirs.pk], **reason})
    assert not_ours.status_code == 400
    assert error_summary(not_ours)[0][1].startswith("1 of the suggestions you ticked cannot be found")

    first.refresh_from_db()
    theirs.refresh_from_db()
    assert (first.status, theirs.status) == (SuggestionStatus.OPEN, SuggestionStatus.OPEN)
    assert not AuditEntry.objects.filter(action="notice_suggestion.dismissed").exists()


def test_the_service_rolls_back_a_dismissal_already_made_when_a_later_one_fails(world, deals):
    first = suggestion(deals[0], 1)
    later = suggestion(deals[1], 2, status=SuggestionStatus.NOTED, rule=SuggestionRule.TARGET_RED)
    officer = acting(world.users["contract_officer"])
    with pytest.raises(Exception, match="taken to the quarterly review"):
        services.suggestions_dismiss(acting=officer, suggestion_ids=[first.pk, later.pk], reason="No")
    first.refresh_from_db()
    assert first.status == SuggestionStatus.OPEN


def test_people_who_cannot_act_see_no_selection(world, deals):
    found = suggestion(deals[0], 1)
    other_officer = member(CouncilFactory(name="Elsewhere Council"), Role.CONTRACT_OFFICER)
    viewer = client_for(world.users["c_viewer"])
    text = page_text(viewer.get(LIST))
    assert "Finding number 1" in text and 'name="suggestions"' not in text and "Dismiss selected" not in text
    assert (
        viewer.post(DISMISS, {"suggestions": found.pk, "reason": "x", "confirmed": "yes"}).status_code == 403
    )
    assert client_for(world.users["a_admin"]).post(DISMISS, {"suggestions": found.pk}).status_code == 404
    stranger = client_for(other_officer).post(
        DISMISS, {"suggestions": found.pk, "reason": "x", "confirmed": "yes"}
    )
    assert stranger.status_code == 400
    found.refresh_from_db()
    assert found.status == SuggestionStatus.OPEN
