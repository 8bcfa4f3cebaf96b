"""Pages that no other browser test opens, under the Content-Security-Policy in Debian's Chromium:
the API reference pages and the technical admin site (the `page` fixture fails on any refusal)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_reference_pages_work_under_the_policy(page: Page, live_server):
    page.goto(f"{live_server.url}/api/v1/redoc/")
    expect(page.get_by_role("heading", name="Homecare outcomes API", exact=False).first).to_be_visible(
        timeout=20000
    )
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible(timeout=20000)


def test_the_admin_site_works_under_the_policy(page: Page, live_server, world):
    User.objects.create_superuser(email="operator@example.org", password=PASSWORD, full_name="Operator")
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Email address").fill("operator@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto(f"{live_server.url}/admin/accounts/user/{world.users['a_viewer'].pk}/change/")
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_visible()
