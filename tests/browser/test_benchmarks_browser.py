"""The benchmarking page in Debian's Chromium at 1280 px and on a 375 px phone: one funnel plot per
service type across the column, no sideways scroll of the page, numbered labels that never overprint
each other (even for providers with the same figures), and nothing serious for axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import serious_violations
from tests.factories import PASSWORD, ProviderFactory, contract, stored_result, target

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
QUARTER = "2025-26-Q2"
HOMECARE = {  # name: (numerator, denominator): a crowd of close figures, two of them identical
    "Harbour Care": (70, 100),
    "Dale Care": (88, 100),
    "Dale Two Care": (88, 100),
    "Greenlane Care": (89, 102),
    "Kestrel Care": (90, 104),
    "Oak Care": (87, 98),
    "Ash Care": (91, 100),
    "Birch Care": (86, 101),
    "Larch Care": (150, 160),
}


def _result(t, numerator: int, denominator: int) -> None:
    stored_result(t, QUARTER, numerator, denominator, "green")


def _overlapping(boxes: list[dict]) -> list[tuple[dict, dict]]:
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            wide = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
            tall = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
            if wide > 0.5 and tall > 0.5:
                found.append((a, b))
    return found


def test_benchmarks_read_at_1280_and_375_px(page: Page, live_server, world):
    for number, (name, (numerator, denominator)) in enumerate(HOMECARE.items()):
        provider = ProviderFactory(name=name)
        _result(
            target(contract(world.council, provider, reference=f"H-{number}"), "AT_HOME_91D", "90"),
            numerator,
            denominator,
        )
        if name == "Harbour Care":
            reablement = contract(world.council, provider, reference="R-Harb", service_type="short_term")
            _result(target(reablement, "AT_HOME_91D", "90"), 190, 200)
    _result(
        target(
            contract(world.council, world.provider_a, reference="R-Acme", service_type="short_term"),
            "AT_HOME_91D",
            "90",
        ),
        170,
        200,
    )

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Email address").fill(world.users["commissioner"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-organisation")).to_be_visible()

    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/portfolio/benchmarks/?measure=AT_HOME_91D&quarter={QUARTER}")
        expect(page.get_by_role("heading", name="Homecare (long-term)")).to_be_visible()
        expect(page.get_by_role("heading", name="Reablement / short-term")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        charts = page.locator("svg.app-chart--funnel")
        expect(charts).to_have_count(2)
        if width == 1280:  # the column's full width, not a 440 px picture
            column = page.locator("main").bounding_box()
            chart = charts.first.bounding_box()
            assert column and chart and chart["width"] >= column["width"] - 40, (chart, column)
        for index in range(2):
            labels = charts.nth(index).locator("text.app-funnel-label")
            boxes = [labels.nth(i).bounding_box() for i in range(labels.count())]
            assert all(boxes) and len(boxes) == (len(HOMECARE) if index == 0 else 2)
            assert not _overlapping(boxes), (width, index, _overlapping(boxes))
        homecare = page.get_by_test_id("funnel-homecare")
        expect(homecare.get_by_test_id("benchmark-table")).to_contain_text(
            "Special cause: worse than expected"
        )
        assert serious_violations(page) == []

    page.get_by_label("Pool service types into one plot").check()
    page.get_by_role("button", name="Show benchmark").click()
    expect(page.get_by_test_id("pooled-warning")).to_contain_text("This plot pools service types")
    assert "csrfmiddlewaretoken" not in page.url
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert serious_violations(page) == []
