"""Notices in Debian's Chromium: the nightly job suggests a breach notice for returns long overdue;
the contract officer opens the pre-filled draft, completes and issues it; the provider's approver
acknowledges it and responds with evidence; the officer closes it as remedied."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.access import acting_for
from commissioning.notices import drafts
from commissioning.notices.drafts import NoticeInput
from commissioning.notices.models import Notice, NoticeKind, NoticeLetter, NoticeStatus, NoticeSuggestion
from outcomes.notice_suggestions.refresh import suggestions_refresh
from tests.factories import PASSWORD, ProviderFactory, contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-organisation")).to_be_visible()


def test_officer_issues_a_breach_from_a_suggestion_provider_replies_officer_closes(
    page: Page, live_server, world, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    contract(world.council, world.provider_a, reference="NB-1", title="Homecare north")
    suggestions_refresh()
    suggestion = NoticeSuggestion.objects.get(contract__reference="NB-1", rule="returns_overdue")
    evidence = tmp_path / "returns-receipts.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% upload receipts\n%%EOF\n")

    # The contract officer opens the suggested draft, gives the clause and issues it.
    _sign_in(page, live_server.url, world.users["contract_officer"].email)
    page.get_by_role("link", name="Notices", exact=True).click()
    page.get_by_role("link", name="Suggested notices").click()
    expect(page.get_by_test_id(f"suggestion-{suggestion.pk}")).to_contain_text("NB-1")
    page.get_by_role("button", name=re.compile(r"Raise a notice \(Breach.* on NB-1")).click()
    expect(page.get_by_role("heading", name=re.compile("Edit draft notice"))).to_be_visible()
    expect(page.get_by_label("Facts and evidence")).to_have_value(re.compile("overdue"))
    page.get_by_label("Contract clause").fill("Clause 14.2 (Information and returns)")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("The draft is saved.")).to_be_visible()
    page.get_by_role("link", name="Check and issue").click()
    expect(page.get_by_test_id("issue-addressee")).to_contain_text(world.provider_a.address_postcode)
    expect(page.get_by_test_id("issue-signatory")).to_contain_text("Contract officer, Riverton City Council")
    page.get_by_role("button", name=re.compile("Issue the notice to Acme Homecare Ltd")).click()
    expect(page.get_by_text(re.compile(r"is issued to Acme Homecare Ltd"))).to_be_visible()
    notice = Notice.objects.get(contract__reference="NB-1")
    assert notice.status == NoticeStatus.ISSUED and notice.kind == "breach"
    expect(page.get_by_test_id("letter")).to_contain_text("Download the letter")
    assert NoticeLetter.objects.get(notice=notice).sha256
    assert sorted(m.to[0] for m in mail.outbox if "NB-1" in m.subject) == [
        world.users["a_admin"].email,
        world.users["a_approver"].email,
    ]

    # The provider's approver acknowledges and responds with evidence.
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, live_server.url, world.users["a_approver"].email)
    page.get_by_role("link", name="Notices", exact=True).click()
    page.get_by_role("link", name=f"Notice {notice.pk}").click()
    page.get_by_role("button", name="Acknowledge receipt").click()
    expect(page.get_by_text(re.compile("You have acknowledged the notice"))).to_be_visible()
    page.get_by_label("Your response").fill("Every overdue return has now been submitted and signed off.")
    page.get_by_label("Evidence files (optional)").set_input_files(str(evidence))
    page.get_by_role("button", name="Send the response").click()
    expect(page.get_by_text(re.compile("Your response is sent with 1 file"))).to_be_visible()
    expect(page.get_by_test_id("history")).to_contain_text("returns-receipts.pdf")

    # The officer reads the response and closes the notice as remedied.
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, live_server.url, world.users["contract_officer"].email)
    page.goto(f"{live_server.url}/notices/{notice.pk}/")
    expect(page.get_by_test_id("history")).to_contain_text("Every overdue return has now been submitted")
    page.get_by_label(re.compile("Remedied")).check()
    page.get_by_label("Reasons for the decision").fill("All returns received and accepted.")
    page.get_by_role("button", name="Close the notice").click()
    expect(page.get_by_text("The notice is closed as remedied.")).to_be_visible()
    expect(page.get_by_test_id("closed")).to_contain_text("Remedied")
    page.screenshot(path="test-results/notice-closed.png", full_page=True)
    notice.refresh_from_db()
    assert (notice.status, notice.closed_reason) == ("closed", "remedied")
    suggestion.refresh_from_db()
    assert suggestion.status == "drafted" and suggestion.notice_id == notice.pk


def test_a_notice_to_a_provider_no_one_can_receive_is_refused_with_the_fix_named(
    page: Page, live_server, world, tmp_path, settings
):
    """A provider with no one in the service: the check page says so, issuing is refused with the fix
    named in the error summary (invite an approver, or record the date the letter was posted), and the
    notice stays a draft until the posting date is entered."""
    settings.MEDIA_ROOT = tmp_path / "media"
    nobody = ProviderFactory(name="Harbour Support Services")
    deal = contract(world.council, nobody, reference="NP-9", title="Homecare harbour")
    notice = drafts.notice_draft_create(
        acting=acting_for(world.users["contract_officer"], None),
        contract=deal,
        data=NoticeInput(
            kind=NoticeKind.BREACH,
            reason="returns",
            clause="Clause 14.2 (Information and returns)",
            facts="The returns for June and July were not received.",
            remedy="Submit both returns.",
            remedy_due_on=timezone.localdate() + timedelta(days=20),
        ),
    )
    _sign_in(page, live_server.url, world.users["contract_officer"].email)
    page.goto(f"{live_server.url}/notices/{notice.pk}/issue/")
    expect(page.get_by_test_id("issue-recipients")).to_contain_text(
        "No one at Harbour Support Services can be emailed"
    )
    page.get_by_role("button", name="Issue the notice to Harbour Support Services").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("has no approver with an account to email the notice to")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT and mail.outbox == []
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Day")).to_be_focused()
    today = timezone.localdate()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Issue the notice to Harbour Support Services").click()
    expect(page.get_by_text(re.compile("recorded as posted on"))).to_be_visible()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED and notice.posted_on == today
