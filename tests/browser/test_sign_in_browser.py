"""Signing in with Debian's Chromium, as a person would: the role's home page, working GOV.UK scripts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("role", "organisation", "heading_text", "nav_item"),
    [
        ("a_submitter", "Acme Homecare Ltd", "Your organisation", "Our organisation"),
        ("commissioner", "Riverton City Council", "Providers", "Providers"),
    ],
)
def test_sign_in_lands_on_the_roles_home_page(
    page: Page, live_server, world, role, organisation, heading_text, nav_item
):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/account/sign-in/\?next=/$"))
    page.get_by_label("Email address").fill(world.users[role].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("current-organisation")).to_have_text(organisation)
    expect(page.get_by_role("heading", name=heading_text)).to_be_visible()
    page.screenshot(path=f"test-results/home-{role}.png", full_page=True)
    expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name=nav_item)).to_be_visible()
    # GOV.UK Frontend's scripts loaded and initialised without errors.
    expect(page.locator("body")).to_have_class(re.compile(r"govuk-frontend-supported"))
    assert errors == []


def test_wrong_password_shows_the_error_summary_first(page: Page, live_server, world):
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Email address").fill(world.users["a_viewer"].email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("The email address or password is not right")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
