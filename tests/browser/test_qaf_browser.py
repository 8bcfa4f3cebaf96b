"""QAF in Debian's Chromium: an officer finalises a non-compliant assessment and adds an action;
the provider's approver uploads evidence against it and marks it done."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.access import acting_for
from commissioning.qaf import services
from commissioning.qaf.models import Assessment, StandardRating
from tests.factories import PASSWORD, contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-organisation")).to_be_visible()


def _draft_with_the_window_ended(world) -> Assessment:
    """Started 40 days ago, 3.1 Safeguarding rated Poor, the draft shared and its 14 days over."""
    officer = acting_for(world.users["quality_officer"], None)
    today = timezone.localdate()
    deal = contract(world.council, world.provider_a, reference="QAF-BR-1")
    assessment = services.assessment_schedule(
        acting=officer, provider=world.provider_a, scheduled_for=today - timedelta(days=45), contract=deal
    )
    services.assessment_start(acting=officer, assessment=assessment, started_on=today - timedelta(days=40))
    services.ratings_record(
        acting=officer,
        assessment=assessment,
        ratings={
            row.standard_id: (
                StandardRating.POOR if row.standard.code == "3.1" else StandardRating.GOOD,
                f"Seen on visit ({row.standard.code})",
            )
            for row in assessment.ratings.select_related("standard")
        },
    )
    services.draft_share(acting=officer, assessment=assessment)
    Assessment.objects.filter(pk=assessment.pk).update(comments_due_on=today - timedelta(days=1))
    return assessment


def test_officer_finalises_non_compliant_and_the_approver_sends_evidence(
    page: Page, live_server, world, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    assessment = _draft_with_the_window_ended(world)
    today = timezone.localdate()
    evidence = tmp_path / "safeguarding-certificates.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% training certificates\n%%EOF\n")

    # The officer finalises: the ratings make it non-compliant.
    _sign_in(page, live_server.url, world.users["quality_officer"].email)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Quality", exact=True).click()
    expect(page.get_by_test_id("qaf-tracker")).to_contain_text("Acme Homecare Ltd")
    page.get_by_role("link", name="Acme Homecare Ltd").click()
    page.get_by_role("link", name=re.compile("Initial evaluation")).click()
    page.get_by_label("Completion date", exact=True).fill(f"{today:%Y-%m-%d}")
    page.get_by_label("Summary of findings", exact=True).fill(
        "Safeguarding training has lapsed for most staff."
    )
    page.get_by_role("button", name="Finalise the assessment").click()
    expect(page.get_by_text(re.compile("The assessment is finalised: non-compliant"))).to_be_visible()
    expect(page.get_by_test_id("outcome")).to_contain_text("Non-compliant")

    # ... and adds an action on the Poor standard.
    page.get_by_role("link", name="See the remedial action plan").click()
    page.get_by_label("Standard", exact=True).select_option(label="3.1 Safeguarding (rated poor)")
    page.get_by_label("What must be done").fill("Train every care worker in safeguarding adults level 2.")
    page.get_by_label("Owner at the provider").fill("Registered manager")
    page.get_by_label("Due date").fill(f"{today + timedelta(days=14):%Y-%m-%d}")
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text(re.compile("Action added for standard 3.1"))).to_be_visible()

    # The provider's approver uploads evidence and marks the action done.
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, live_server.url, world.users["a_approver"].email)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Quality", exact=True).click()
    page.get_by_role("link", name=re.compile("actions? open")).click()
    page.get_by_label("Evidence file").set_input_files(str(evidence))
    page.get_by_label("What the file shows (optional)").fill("Certificates for all 23 care workers")
    page.get_by_role("button", name=re.compile("Upload evidence")).click()
    expect(page.get_by_text("safeguarding-certificates.pdf is uploaded.")).to_be_visible()
    actions = page.get_by_test_id("actions")
    expect(actions.get_by_role("link", name="safeguarding-certificates.pdf")).to_be_visible()
    page.get_by_label("What was done").fill("Everyone trained by the local safeguarding partnership.")
    page.get_by_role("button", name=re.compile("Mark action 1 done")).click()
    expect(page.get_by_text(re.compile("is marked done"))).to_be_visible()
    expect(actions).to_contain_text("Marked done by the provider")
    page.screenshot(path="test-results/qaf-action-done.png", full_page=True)
    assert assessment.actions.get().files.count() == 1
