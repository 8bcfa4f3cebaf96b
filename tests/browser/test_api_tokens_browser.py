"""API tokens in Debian's Chromium: an admin makes a token, a plain HTTP client uses it against the
running service, the admin revokes it and the next request is refused; the pages pass the axe scan."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from accounts.models import ApiToken
from tests.browser.axe import serious_violations
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-organisation")).to_be_visible()


def _me(base: str, token: str) -> tuple[int, dict]:
    """GET /api/v1/me/ with the token, as any HTTP client would: (status, JSON body)."""
    request = urllib.request.Request(
        f"{base}/api/v1/me/", headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_admin_makes_a_token_uses_it_over_http_then_revokes_it(page: Page, live_server, world):
    base = live_server.url
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    _sign_in(page, base, world.users["a_admin"].email)
    problems: list[str] = []

    page.get_by_role("link", name="Team", exact=True).click()
    page.get_by_role("link", name="Manage API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    expect(page.get_by_text("Acme Homecare Ltd has no API tokens yet.")).to_be_visible()
    problems += serious_violations(page)

    page.get_by_role("link", name="Create an API token").click()
    problems += serious_violations(page)
    page.get_by_role("button", name="Create the token").click()  # nothing filled in: the error summary
    expect(page.get_by_role("alert")).to_contain_text("Enter a name that says what will use the token")
    problems += serious_violations(page)
    page.get_by_label("Name", exact=True).fill("Care planning system")
    page.get_by_label("Submit returns").check()
    expect(page.get_by_label("90 days")).to_be_checked()
    page.get_by_role("button", name="Create the token").click()

    expect(page.get_by_role("heading", name="API token created")).to_be_visible()
    expect(page.get_by_text("It will not be shown again")).to_be_visible()
    field = page.get_by_label("Your new API token")
    token = field.input_value()
    assert re.fullmatch(r"hco_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", token)
    page.get_by_role("button", name="Copy the token").click()
    expect(page.get_by_role("status")).to_have_text("The token is copied.")
    assert page.evaluate("navigator.clipboard.readText()") == token
    problems += serious_violations(page)
    page.screenshot(path="test-results/api-token-created.png", full_page=True)

    status, body = _me(base, token)
    assert status == 200
    assert body["organisation"]["name"] == "Acme Homecare Ltd"
    assert body["token"]["scopes"] == ["read", "submit"]

    page.get_by_role("link", name="Back to API tokens").click()
    row = page.get_by_test_id(f"api-token-{ApiToken.objects.get().pk}")
    expect(row).to_contain_text("Care planning system")
    expect(row).to_contain_text("Active")
    assert token not in page.content()
    problems += serious_violations(page)
    row.get_by_role("link", name=re.compile("Revoke")).click()
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.get_by_text(re.compile(r"Token 'Care planning system' \(hco_\w+…\) revoked"))).to_be_visible()
    expect(page.get_by_test_id(f"api-token-{ApiToken.objects.get().pk}")).to_contain_text("Revoked")
    page.screenshot(path="test-results/api-tokens.png", full_page=True)

    status, body = _me(base, token)
    assert status == 401
    assert body["status"] == 401
    assert not problems, "\n".join(problems)
