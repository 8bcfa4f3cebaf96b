"""The portfolio dashboard in Debian's Chromium: a commissioner filters the matrix to one provider,
opens a red cell's result, and downloads the matrix as an Excel workbook; with fifty contracts,
every red one is in the first screen and the page never scrolls sideways, at 1280 px or 375 px;
with sixty, the matrix pages fifty at a time."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from outcomes.measures import MEASURES as MEASURE_LIBRARY
from outcomes.models import ComplianceResult
from outcomes.periods import parse_period
from tests.browser.axe import serious_violations
from tests.factories import PASSWORD, contract, target

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
QUARTER = "2025-26-Q2"


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-organisation")).to_be_visible()


def _result(t, numerator: int, denominator: int, rag: str) -> ComplianceResult:
    period = parse_period(QUARTER)
    return ComplianceResult.objects.create(
        contract=t.contract,
        target=t,
        target_version=t.versions.first(),
        period=period.identifier,
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        numerator=numerator,
        denominator=denominator,
        value=(Decimal(100 * numerator) / denominator).quantize(Decimal("0.1")),
        rag=rag,
    )


def test_commissioner_filters_opens_a_red_cell_and_exports(page: Page, live_server, world):
    red = _result(
        target(contract(world.council, world.provider_a, reference="PF-A"), "AT_HOME_91D", "90"),
        551,
        648,
        "red",
    )
    _result(
        target(contract(world.council, world.provider_b, reference="PF-B"), "AT_HOME_91D", "90"),
        95,
        100,
        "green",
    )

    _sign_in(page, live_server.url, world.users["commissioner"].email)
    page.get_by_role("link", name="Portfolio", exact=True).click()
    page.get_by_label("Quarter").select_option(value=QUARTER)
    page.get_by_label("Provider").select_option(label=world.provider_a.name)
    page.get_by_role("button", name="Show").click()
    matrix = page.get_by_test_id("dashboard-matrix")
    expect(matrix).to_contain_text("85.0%")
    expect(matrix.get_by_role("link", name="85.0% (551/648), 2025-26-Q2")).to_be_attached()
    expect(page.locator("body")).not_to_contain_text("PF-B")

    with page.expect_download() as download:
        page.get_by_test_id("matrix-xlsx").click()
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    cells = [
        str(value)
        for row in workbook.active.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert "PF-A" in cells and "PF-B" not in cells
    assert any("85.0% (551/648)" in value for value in cells)

    matrix.get_by_role("link", name="85.0% (551/648), 2025-26-Q2").click()
    expect(page).to_have_url(re.compile(rf"/results/{red.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("91 days")


# --- Read at a glance: exceptions first, no sideways page scroll -----------------------------------

RED = {3, 11, 19, 24, 31, 38, 46}  # the contracts (by number) with a red: none of them first by reference
MEASURES = (
    ("HELP_48H", "90"),
    ("INDEPENDENT_WITHIN", "66"),
    ("AT_HOME_91D", "90"),
    ("RETURNS_ON_TIME", "95"),
)


def _fifty_contracts(world) -> list[str]:
    """A commissioner's fifty contracts with four measures each (the first with all twelve), seven
    of them with a red."""
    reds = []
    for number in range(50):
        reference = f"PF-{number:02d}"
        c = contract(world.council, world.provider_a if number % 2 else world.provider_b, reference=reference)
        for position, (code, value) in enumerate(MEASURES):
            red = number in RED and position == number % len(MEASURES)
            _result(target(c, code, value), 40 if red else 95, 100, "red" if red else "green")
        if number in RED:
            reds.append(reference)
        if number == 0:  # every other measure too, so that the matrix is far wider than the page
            for code in MEASURE_LIBRARY:
                if code not in dict(MEASURES):
                    _result(target(c, code, "50"), 60, 100, "green")
    return reds


def _no_page_scroll(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths[0]} px in a {widths[1]} px window"


def test_every_red_contract_is_in_the_first_screen_and_the_page_never_scrolls_sideways(
    page: Page, live_server, world
):
    reds = _fifty_contracts(world)
    page.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(page, live_server.url, world.users["commissioner"].email)
    page.goto(f"{live_server.url}/portfolio/?quarter={QUARTER}")

    attention = page.get_by_test_id("needs-attention")
    for reference in reds:
        row = attention.get_by_test_id(f"attention-{reference}")
        expect(row).to_contain_text("Red on")
        box = row.bounding_box()
        assert box is not None
        assert box["y"] >= 0 and box["y"] + box["height"] <= 800, f"{reference} is below the first screen"
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280
    _no_page_scroll(page)
    matrix = page.get_by_test_id("dashboard-matrix")
    assert matrix.evaluate("box => box.scrollWidth > box.clientWidth"), "the matrix should scroll in its box"
    # Scrolled inside its box, the matrix keeps its header row and contract column in view.
    box = matrix.bounding_box()
    matrix.evaluate("box => { box.scrollLeft = 600; box.scrollTop = 400; }")
    corner = matrix.get_by_role("columnheader", name="Contract").bounding_box()
    first = matrix.get_by_role("rowheader", name=re.compile("PF-10")).bounding_box()
    assert box and corner and first
    assert abs(corner["x"] - box["x"]) < 2 and abs(corner["y"] - box["y"]) < 2
    assert abs(first["x"] - box["x"]) < 2
    assert serious_violations(page) == []

    # A compact cell: the value and its RAG in words; the figures shown on keyboard focus.
    cell = matrix.get_by_role("link", name="40.0% (40/100), 2025-26-Q2")
    cell.first.focus()
    tip = cell.first.locator(".dashboard-cell__tip")
    box = tip.bounding_box()
    assert box is not None and box["width"] > 50, "the figures are not shown on focus"
    expect(tip).to_contain_text("40.0% (40/100)")
    # The heat map: each measure (named with its parameters) against its RAG counts.
    heat = page.get_by_test_id("dashboard-heatmap")
    expect(heat).to_contain_text("Independent 42 days after first visit (short-term care)")
    expect(heat.get_by_role("row", name=re.compile("At home 91 days"))).to_contain_text("48")

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    _no_page_scroll(page)
    assert serious_violations(page) == []


def test_a_portfolio_of_more_than_fifty_contracts_pages_the_matrix(page: Page, live_server, world):
    reds = _fifty_contracts(world)
    for number in range(50, 60):
        c = contract(world.council, world.provider_a, reference=f"PF-{number:02d}")
        _result(target(c, "HELP_48H", "90"), 95, 100, "green")
    page.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(page, live_server.url, world.users["commissioner"].email)
    page.goto(f"{live_server.url}/portfolio/?quarter={QUARTER}&sort=reds")

    for reference in reds:  # Needs attention still lists every red contract in the first screen
        box = page.get_by_test_id(f"attention-{reference}").bounding_box()
        assert box is not None and box["y"] + box["height"] <= 800, f"{reference} is below the first screen"
    expect(page.get_by_text("Showing 1 to 50 of 60 contracts")).to_be_visible()
    matrix = page.get_by_test_id("dashboard-matrix")
    expect(matrix.get_by_role("rowheader", name=re.compile(reds[0]))).to_be_attached()
    expect(matrix.get_by_role("rowheader", name=re.compile("PF-59"))).to_have_count(0)
    pages = page.get_by_role("navigation", name="Pages of the portfolio matrix")
    expect(pages.get_by_role("link", name="Page 1")).to_have_attribute("aria-current", "page")
    _no_page_scroll(page)
    assert serious_violations(page) == []

    pages.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"sort=reds&page=2"))
    expect(page.get_by_text("Showing 51 to 60 of 60 contracts")).to_be_visible()
    expect(matrix.get_by_role("rowheader", name=re.compile("PF-59"))).to_be_attached()
    expect(page.get_by_label("Sort by")).to_have_value("reds")
    expect(page.get_by_test_id("dashboard-summary")).to_contain_text("60 contracts shown")
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    _no_page_scroll(page)
    assert serious_violations(page) == []
