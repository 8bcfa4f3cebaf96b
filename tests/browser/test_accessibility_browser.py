"""An automated accessibility scan in Debian's Chromium: axe-core (vendored in tests/vendor/axe-core,
never fetched from a network) runs the WCAG 2.0, 2.1 and 2.2 A and AA rules on the pages of a return
as a provider uploads it (the form, a rejected file's report, the scorecard). A serious or critical
violation fails the test, with the rule, the element and the page. Every page of the service, as every
kind of demo person, is scanned by tests/browser/test_every_page_browser.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import serious_violations
from tests.factories import PASSWORD, contract, stored_result, target
from tests.outcomes.return_files import episode, episodes_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-organisation")).to_be_visible()


def _result(t, period_id: str, numerator: int, denominator: int, rag: str) -> None:
    stored_result(t, period_id, numerator, denominator, rag)


def test_main_pages_have_no_serious_or_critical_violations(
    page: Page, live_server, world, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    deal = contract(world.council, world.provider_a, reference="AX-1")
    at_home = target(deal, "AT_HOME_91D", "90")
    independent = target(deal, "INDEPENDENT_WITHIN", "66")
    _result(at_home, "2025-26-Q1", 551, 648, "red")
    _result(at_home, "2025-26-Q2", 590, 648, "amber")
    _result(independent, "2025-26-Q2", 70, 100, "green")
    other = target(contract(world.council, world.provider_b, reference="AX-2"), "AT_HOME_91D", "90")
    _result(other, "2025-26-Q2", 80, 100, "red")
    bad = tmp_path / "may.csv"
    bad.write_bytes(episodes_csv(episode("EP-1"), episode("EP-2", person_ref="9434765919")))
    problems: list[str] = []

    # The scan finds what it should: an image without a text alternative is a critical violation.
    page.goto(f"{live_server.url}/account/sign-in/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=\"/static/none.png\">')")
    assert any("image-alt" in problem for problem in serious_violations(page))

    # The provider's upload page, and the validation report of a rejected file.
    _sign_in(page, live_server.url, world.users["a_submitter"].email)
    page.goto(f"{live_server.url}/returns/{deal.pk}/2025-05/")
    problems += serious_violations(page)
    page.get_by_label("Return file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check the file").click()
    expect(page.get_by_text("This return was rejected")).to_be_visible(timeout=15000)
    problems += serious_violations(page)
    page.goto(f"{live_server.url}/results/contracts/{deal.pk}/")
    problems += serious_violations(page)
    page.goto(f"{live_server.url}/returns/{deal.pk}/2025-05/edit/")  # the return filled in the browser
    problems += serious_violations(page)
    page.goto(f"{live_server.url}/account/")
    problems += serious_violations(page)
    assert not problems, "\n".join(problems)
