"""The scrutiny report in Debian's Chromium: a commissioner chooses the quarter and names providers
with a GET form, reads the report on the page (public facts shown, small counts of people
suppressed), and follows a PDF link that carries the choices and no token."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import serious_violations
from tests.factories import PASSWORD, contract, stored_result, target

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
QUARTER = "2025-26-Q2"


def _result(t, numerator: int, denominator: int, rag: str) -> None:
    stored_result(t, QUARTER, numerator, denominator, rag)


def test_the_scrutiny_report_on_its_page_and_the_pdf_link(page: Page, live_server, world):
    _result(
        target(contract(world.council, world.provider_a, reference="SC-A"), "AT_HOME_91D", "90"), 3, 4, "red"
    )
    _result(target(contract(world.council, world.provider_b, reference="SC-B"), "AT_HOME_91D", "90"), 95, 100, "green")  # fmt: skip
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Email address").fill(world.users["commissioner"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/portfolio/scrutiny/")
    page.get_by_label("Name providers in the report").check()
    page.get_by_role("button", name="Show the report").click()
    assert "csrfmiddlewaretoken" not in page.url and f"quarter={QUARTER}" in page.url
    portfolio = page.get_by_test_id("scrutiny-portfolio")
    expect(portfolio.get_by_role("row", name="Contracts in force in the quarter")).to_contain_text("2")
    expect(portfolio).not_to_contain_text("fewer than 5")  # two contracts and two providers: public facts
    measures = page.get_by_test_id("scrutiny-measures")
    expect(measures).to_contain_text("Green: 1")  # a count of contracts, shown
    expect(measures).to_contain_text("94.2% (98 of 104)")  # the portfolio's rate: no small count of people
    expect(page.get_by_test_id("scrutiny-providers")).to_contain_text("Acme Homecare Ltd")
    link = page.get_by_test_id("scrutiny-pdf").get_attribute("href") or ""
    assert "csrfmiddlewaretoken" not in link and "name_providers=on" in link
    assert serious_violations(page) == []
