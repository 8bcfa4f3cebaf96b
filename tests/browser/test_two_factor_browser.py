"""Two-step verification in Debian's Chromium, as a commissioner meets it: setting the app up from the
QR code's key, saving the recovery codes, then signing in with a code; every page passes the axe scan."""

from __future__ import annotations

from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.browser.axe import serious_violations
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(key_base32: str, later: int = 0) -> str:
    key = b32decode(key_base32 + "=" * (-len(key_base32) % 8))
    return f"{totp(key, drift=later):06d}"


def _password(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_commissioner_sets_the_app_up_then_signs_in_with_a_code(page: Page, live_server, world, settings):
    settings.TWO_FACTOR_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    base = live_server.url
    problems: list[str] = []
    _password(page, base, "commissioner@riverton.example")
    expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
    expect(page.get_by_test_id("qr-code")).to_be_visible()
    problems += serious_violations(page)
    key = page.get_by_test_id("setup-key").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.get_by_role("alert")).to_contain_text("This code is not right")
    problems += serious_violations(page)
    page.get_by_label("Code from the app").fill(_code(key))
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    problems += serious_violations(page)
    page.get_by_role("link", name="I have saved my recovery codes: continue").click()
    expect(page.get_by_test_id("current-organisation")).to_have_text("Riverton City Council")

    page.get_by_role("button", name="Sign out").click()
    _password(page, base, "commissioner@riverton.example")
    expect(page.get_by_role("heading", name="Enter the code from your authenticator app")).to_be_visible()
    problems += serious_violations(page)
    page.get_by_label("Code", exact=True).fill(_code(key, later=1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("current-organisation")).to_have_text("Riverton City Council")
    page.goto(f"{base}/account/")
    expect(page.get_by_test_id("two-factor-on")).to_contain_text("10 recovery codes left")
    problems += serious_violations(page)
    assert not problems, problems
