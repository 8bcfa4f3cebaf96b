"""A month's return in Debian's Chromium: errors named by row and column, a fixed file, sign-off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, contract
from tests.outcomes.return_files import episode, episodes_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-organisation")).to_be_visible()


def test_submitter_fixes_a_rejected_file_and_the_approver_signs_it_off(
    page: Page, live_server, world, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    deal = contract(world.council, world.provider_a, reference="BR-1")
    bad = tmp_path / "may.csv"
    bad.write_bytes(episodes_csv(episode("EP-1"), episode("EP-2", person_ref="9434765919")))
    good = tmp_path / "may-fixed.csv"
    good.write_bytes(episodes_csv(episode("EP-1"), episode("EP-2")))

    _sign_in(page, live_server.url, world.users["a_submitter"].email)
    page.goto(f"{live_server.url}/returns/{deal.pk}/2025-05/")
    page.get_by_label("Return file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check the file").click()

    # The page follows the check as it runs, then shows what to fix, by row and column.
    expect(page.get_by_text("This return was rejected")).to_be_visible(timeout=15000)
    errors = page.locator("table").filter(has_text="What is wrong")
    expect(errors.first).to_contain_text("person_ref")
    expect(errors.first).to_contain_text("NHS number")
    expect(errors.first.locator("tbody tr").first).to_contain_text("3")

    page.goto(f"{live_server.url}/returns/{deal.pk}/2025-05/")
    page.get_by_label("Return file").set_input_files(str(good))
    page.get_by_role("button", name="Upload and check the file").click()
    expect(page.get_by_text(re.compile("approver", re.I)).first).to_be_visible(timeout=15000)
    attempt_url = page.url

    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, live_server.url, world.users["a_approver"].email)
    page.goto(attempt_url)
    page.get_by_label("I confirm this return is complete and accurate to the best of my knowledge").check()
    page.get_by_role("button", name=re.compile("Sign off", re.I)).click()

    expect(page.get_by_text(re.compile(r"Version 1 of the May 2025 return is accepted"))).to_be_visible()
    page.goto(f"{live_server.url}/returns/{deal.pk}/2025-05/")
    attempts = page.locator("table").filter(has_text="may-fixed.csv")
    expect(attempts.first.locator("tr").filter(has_text="may-fixed.csv")).to_contain_text("Accepted")
    expect(attempts.first.locator("tr").filter(has_text="may.csv").last).to_contain_text("Rejected")
    page.screenshot(path="test-results/returns-accepted.png", full_page=True)
