"""The notice suggestions work-list in Debian's Chromium: thirty suggestions are a table a page at
a time, with nothing serious for axe and no sideways page scroll on a phone; the officer ticks two,
gives one reason, checks and dismisses them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from commissioning.notices.models import NoticeKind, NoticeSuggestion, SuggestionRule, SuggestionStatus
from tests.browser.axe import serious_violations
from tests.factories import PASSWORD, contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The elements that reach past the right edge of the window, outside any box that scrolls by itself.
WIDER_THAN_THE_PAGE = """() => {
  const width = document.documentElement.clientWidth;
  const inScrollBox = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (up !== document.body && getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  return [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !inScrollBox(el))
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + [...el.classList].join("."));
}"""
PAGE_SCROLLS_SIDEWAYS = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-organisation")).to_be_visible()


def test_thirty_suggestions_are_a_paged_table_and_a_selection_is_dismissed(page: Page, live_server, world):
    deal = contract(world.council, world.provider_a, reference="WL-1", title="Homecare west")
    now = timezone.now()
    for n in range(30):
        NoticeSuggestion.objects.create(
            commissioner=world.council,
            contract=deal,
            provider=world.provider_a,
            rule=SuggestionRule.TARGET_RED if n % 3 == 0 else SuggestionRule.ACTIONS_OVERDUE,
            key=f"worklist:{n}",
            summary=f"Finding number {n}: 3 remedial actions from the QAF review are overdue.",
            details={
                "facts": [f"Action {n} was due 30 days ago."],
                "remedy": "Complete them.",
                "evidence": [],
            },
            suggested_kind=NoticeKind.NOC,
            suggested_reason="under_performance",
            first_seen_at=now - timedelta(days=90 - n),
        )
    _sign_in(page, live_server.url, world.users["contract_officer"].email)
    page.goto(f"{live_server.url}/notices/suggestions/")
    table = page.get_by_role("table", name=re.compile("30 suggestions"))
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(25)
    expect(page.get_by_role("navigation", name="Pagination")).to_contain_text("Page 1 of 2")
    assert serious_violations(page) == []

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    assert not page.evaluate(PAGE_SCROLLS_SIDEWAYS), page.evaluate(WIDER_THAN_THE_PAGE)
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 900})

    # The second page keeps the filter, and shows the last five.
    page.get_by_label("Contract", exact=True).select_option(label="WL-1: Homecare west")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("table", name=re.compile("30 suggestions matching"))).to_be_visible()
    page.get_by_role("link", name=re.compile("Next")).click()
    expect(page).to_have_url(re.compile(rf"\?contract={deal.pk}&status=open&page=2$"))
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(5)

    # Tick two, give one reason, check, dismiss.
    first, second = NoticeSuggestion.objects.order_by("first_seen_at")[25:27]
    page.locator(f"#select-{first.pk}").check()
    page.locator(f"#select-{second.pk}").check()
    page.get_by_label("Why is no notice needed?").fill("Actions agreed at the review on 1 December.")
    page.get_by_role("button", name="Dismiss selected").click()
    expect(page.get_by_role("heading", name="Dismiss 2 suggestions?")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Dismiss 2 suggestions").click()
    expect(page.get_by_text("2 suggestions are dismissed")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"\?contract={deal.pk}&status=open&page=2$"))
    assert set(
        NoticeSuggestion.objects.filter(status=SuggestionStatus.DISMISSED).values_list("pk", flat=True)
    ) == {
        first.pk,
        second.pk,
    }
