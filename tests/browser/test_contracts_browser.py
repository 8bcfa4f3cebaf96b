"""A council commissioner creates a contract, sets a target and changes it from a later date, in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEASURE = "No further help needed within N days"
NAMED = "Independent 42 days after first visit"  # the target's measure, named with its parameters


def test_commissioner_creates_a_contract_and_versions_a_target(page: Page, live_server, world):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Email address").fill(world.users["commissioner"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-organisation")).to_have_text("Riverton City Council")

    # The contract.
    page.goto(f"{live_server.url}/contracts/")
    page.get_by_role("link", name="Create a contract").click()
    expect(page.get_by_role("heading", name="Create a contract")).to_be_visible()
    page.get_by_label("Reference", exact=True).fill("RCC-HC-001")
    page.get_by_label("Title", exact=True).fill("Homecare, North locality")
    page.get_by_label("Reablement / short-term").check()
    page.get_by_label("Prime provider").select_option(label="Acme Homecare Ltd")
    page.get_by_label("Brookside Care Services").check()
    page.get_by_label("Riverton ICB").check()
    page.get_by_label("Start date").fill("2025-04-01")
    page.get_by_label("End date").fill("2028-03-31")
    page.get_by_label("Hourly rate (£)").fill("14.30")
    page.get_by_label("Active", exact=True).check()
    page.get_by_role("button", name="Create contract").click()

    expect(page).to_have_url(re.compile(r"/contracts/\d+/$"))
    expect(page.get_by_role("heading", name="Homecare, North locality")).to_be_visible()
    expect(page.get_by_text("Contract RCC-HC-001 has been created")).to_be_visible()

    # A target: choose the measure, then its window and the target.
    page.get_by_role("link", name="Add a target").click()
    page.get_by_label(MEASURE).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=f"Add a target: {MEASURE}")).to_be_visible()
    page.get_by_label("Window", exact=True).fill("42")
    page.get_by_label("Target (%)").fill("66")
    expect(page.get_by_label("Applies from")).to_have_value("2025-04-01")
    page.get_by_role("button", name="Add target").click()
    expect(page.get_by_text(re.compile(rf"Target added: {NAMED}.*, 66%\."))).to_be_visible()

    # Changed to 70 from a later date within the term.
    page.get_by_role("link", name=re.compile(rf"Change {NAMED}.* target")).click()
    expect(page.get_by_role("heading", name=f"Change target: {MEASURE}")).to_be_visible()
    page.get_by_label("Target (%)").fill("70")
    page.get_by_label("Applies from").fill("2026-04-01")
    page.get_by_label("Reason for the change (optional)").fill("Year two uplift")
    page.get_by_role("button", name="Save new version").click()
    expect(page.get_by_text("New version saved: 70% from 1 April 2026")).to_be_visible()

    # Both versions in the target's history.
    summary = page.locator("summary", has_text=re.compile(rf"{NAMED}.*2 versions"))
    summary.click()
    history = page.get_by_test_id("target-history")
    expect(history).to_be_visible()
    rows = history.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("1 April 2025")
    expect(rows.nth(0)).to_contain_text("66%")
    expect(rows.nth(1)).to_contain_text("1 April 2026")
    expect(rows.nth(1)).to_contain_text("70%")
    expect(rows.nth(1)).to_contain_text("Year two uplift")
    page.screenshot(path="test-results/contract-targets.png", full_page=True)
    assert errors == []
