"""The scorecard in Debian's Chromium: a commissioner recomputes the year and sees the new figures."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from outcomes.returns.services import return_import
from tests.factories import PASSWORD, contract, target
from tests.outcomes.return_files import episode, episodes_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_commissioner_recomputes_the_year_and_sees_the_results(
    page: Page, live_server, world, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    deal = contract(world.council, world.provider_a, reference="BR-RES-1")
    target(deal, "HOSPITAL_ADMISSION", "10", min_denominator=1)
    rows = episodes_csv(episode("EP-1"), episode("EP-2"))
    for period in ("2025-04", "2025-05", "2025-06"):
        return_import(contract=deal, period=period, file_bytes=rows, filename=f"{period}.csv", accept=True)

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Email address").fill(world.users["commissioner"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/results/contracts/{deal.pk}/?year=2025")
    page.get_by_role("button", name=re.compile("Recompute now")).click()

    status = page.get_by_test_id("recompute-status")
    expect(status).to_contain_text(re.compile(r"Results recomputed at \d\d:\d\d"), timeout=15000)
    scorecard = page.get_by_test_id("scorecard")
    expect(scorecard).to_contain_text("Admitted to hospital")
    expect(scorecard).to_contain_text("(0/2)")
    page.screenshot(path="test-results/results-recomputed.png", full_page=True)
