"""SPC in Debian's Chromium: the trend page shows the XmR chart and both icons with their sentences,
the table beside the chart holds the same numbers as the analysis, the page never scrolls sideways
at 1280 or 375 px, and axe finds nothing serious there or on the scorecard's SPC column."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from outcomes.periods import add_months
from outcomes.statistics.spc import fixed, spc_analyse
from tests.browser.axe import serious_violations_at_both_widths
from tests.factories import PASSWORD, contract, stored_result, target

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VALUES = [50, 51, 49, 50, 52, 48, 50, 51, 49, 50, 51, 49, 50, 60, 59, 61, 60, 60, 61, 59]
TYPE_NAMES = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Special cause improvement",
    "special_cause_concern": "Special cause concern",
}


def test_the_trend_page_shows_the_spc_chart_icons_and_table(page: Page, live_server, world):
    agreement = contract(world.council, world.provider_a, reference="SPC-B", start_date=date(2023, 4, 1))
    goal = target(agreement, "AT_HOME_91D", "55")
    months = [add_months(date(2024, 1, 1), n) for n in range(len(VALUES))]
    for month, value in zip(months, VALUES, strict=True):
        stored_result(goal, f"{month:%Y-%m}", value, 100)
    analysis = spc_analyse(
        [(f"{m:%Y-%m}", v) for m, v in zip(months, VALUES, strict=True)], higher_is_better=True, target="55"
    )

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Email address").fill(world.users["commissioner"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-organisation")).to_be_visible()

    page.goto(f"{live_server.url}/portfolio/contracts/{agreement.pk}/targets/{goal.pk}/trend/")
    expect(page.get_by_role("heading", name="Statistical process control")).to_be_visible()
    chart = page.get_by_role("img", name="SPC chart of", exact=False)
    expect(chart).to_be_visible()
    variation, assurance = page.get_by_test_id("spc-variation"), page.get_by_test_id("spc-assurance")
    expect(variation).to_contain_text(f"Special cause improvement (high): {analysis.variation_reason}.")
    expect(assurance).to_contain_text(f"Hit and miss: {analysis.assurance_reason}.")

    limits = analysis.limits
    expect(page.get_by_test_id("spc-mean")).to_have_text(f"{fixed(limits.mean, 1)}%")
    expect(page.get_by_test_id("spc-limits")).to_have_text(
        f"{fixed(limits.lower, 1)}% to {fixed(limits.upper, 1)}%"
    )
    rows = page.get_by_test_id("spc-table").locator("tbody tr")
    expect(rows).to_have_count(len(VALUES))
    shown = [
        [cell.strip() for cell in rows.nth(index).locator("th, td").all_inner_texts()]
        for index in range(len(VALUES))
    ]
    assert [(row[0], row[1].split(":")[0].strip(), row[2]) for row in shown] == [
        (f"{month:%B %Y}", f"{fixed(point.value, 1)}%", TYPE_NAMES[point.type.value])
        for month, point in zip(months, analysis.points, strict=True)
    ]
    # the chart draws one marker per value, in the same order and of the same kind as the table
    markers = chart.locator(":scope > circle, :scope > rect, :scope > path")
    assert markers.count() == len(VALUES)  # the legend's three sit in groups of their own

    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.evaluate(
            "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth)"
            ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.dataset.testid || ''))"
        )
    assert serious_violations_at_both_widths(page) == []

    page.goto(f"{live_server.url}/results/contracts/{agreement.pk}/?year=2025")
    icons = page.get_by_test_id("spc-icons")
    expect(icons).to_have_attribute("data-variation", "special_cause_improvement_high")
    expect(icons.get_by_test_id("spc-assurance")).to_contain_text("Hit and miss")
    assert serious_violations_at_both_widths(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # at 375 px
