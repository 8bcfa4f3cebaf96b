"""Quarterly reviews in Debian's Chromium: the provider's approver writes the DATA / REVIEW / ACTION
commentary on the quarter's figure; the commissioner makes the pack, watches it being made, and
checks who will be sent what before issuing it to the attendees."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from outcomes.models import ComplianceResult
from outcomes.periods import add_months, quarter_period
from outcomes.reviews.models import MeetingStatus, ReviewAttendee, ReviewCommentary, ReviewMeeting, ReviewPack
from tests.browser.axe import serious_violations
from tests.factories import PASSWORD, contract, target

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-organisation")).to_be_visible()


def test_provider_writes_commentary_and_the_commissioner_issues_the_pack(
    page: Page, live_server, world, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    quarter = quarter_period(add_months(quarter_period(today).start, -3))
    deal = contract(world.council, world.provider_a, reference="RV-1", title="Reablement north")
    at_home = target(deal, "AT_HOME_91D", "90")
    ComplianceResult.objects.create(
        contract=deal,
        target=at_home,
        target_version=at_home.versions.first(),
        period=quarter.identifier,
        period_kind=quarter.kind,
        period_start=quarter.start,
        period_end=quarter.end,
        numerator=551,
        denominator=648,
        value=Decimal("85.0"),
        rag="red",
    )
    meeting = ReviewMeeting.objects.create(
        commissioner=world.council,
        provider=world.provider_a,
        quarter=quarter.identifier,
        held_on=today + timedelta(days=10),
        place="Riverton Civic Centre, room 2",
        created_by_label="Commissioner",
    )
    meeting.contracts.set([deal])
    ReviewAttendee.objects.create(
        meeting=meeting,
        name="Dana Reid",
        organisation="Riverton Community Health NHS Trust",
        role="District nursing lead",
        email="dana.reid@community.example",
    )
    ReviewAttendee.objects.create(
        meeting=meeting,
        user=world.users["a_approver"],
        name="Approver",
        organisation=world.provider_a.name,
        email=world.users["a_approver"].email,
    )

    # The provider's approver writes the commentary on the quarter's figure.
    _sign_in(page, live_server.url, world.users["a_approver"].email)
    page.get_by_role("link", name="Reviews", exact=True).click()
    page.get_by_role("link", name=re.compile(f"{meeting.held_on:%-d %B %Y}")).click()
    page.get_by_test_id("commentary-link").click()
    expect(page.get_by_text("85.0% (551/648)")).to_be_visible()
    page.get_by_label(re.compile("^Data")).fill(
        "85.0% were still at home after 91 days, below the 90% target."
    )
    page.get_by_label(re.compile("^Review")).fill("Two care homes closed to admissions in August.")
    page.get_by_label(re.compile("^Action")).fill("Weekly discharge huddle with the trust from October.")
    page.get_by_role("button", name="Save the commentary").click()
    expect(page.get_by_text(re.compile("saved", re.IGNORECASE)).first).to_be_visible()
    assert ReviewCommentary.objects.filter(meeting=meeting, is_current=True, by_provider=True).count() == 3

    # The commissioner makes the pack and issues it.
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, live_server.url, world.users["commissioner"].email)
    page.goto(f"{live_server.url}/reviews/{meeting.pk}/")
    page.get_by_role("button", name="Make a draft pack").click()
    issue = page.get_by_role("link", name=re.compile("Issue pack version 1"))
    expect(issue).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Weekly discharge huddle with the trust from October.").first).to_be_visible()
    issue.click()

    # The check page lists each recipient and what becomes fixed; nothing is sent until confirmed.
    expect(page.get_by_role("heading", name="Check pack version 1 before you issue it")).to_be_visible()
    recipients = page.get_by_test_id("issue-recipients")
    expect(recipients).to_contain_text("Dana Reid")
    expect(recipients).to_contain_text("dana.reid@community.example")
    expect(recipients).to_contain_text("Riverton Community Health NHS Trust")
    expect(recipients).to_contain_text("No account: external partner")
    expect(recipients).to_contain_text(world.users["a_approver"].email)
    expect(page.get_by_test_id("issue-fixed")).to_contain_text("The commentary is fixed")
    assert ReviewPack.objects.get(meeting=meeting).issued_at is None and not mail.outbox
    assert serious_violations(page) == []
    page.screenshot(path="test-results/review-pack-check.png", full_page=True)
    page.get_by_role("button", name="Confirm and issue").click()
    expect(page.get_by_text(re.compile("issued", re.IGNORECASE)).first).to_be_visible()
    page.screenshot(path="test-results/review-pack-issued.png", full_page=True)
    pack = ReviewPack.objects.get(meeting=meeting)
    assert pack.issued_at is not None and pack.sha256
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PACK_ISSUED
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted(["dana.reid@community.example", world.users["a_approver"].email])
