"""The portfolio dashboard in Debian's Chromium: a commissioner filters the matrix to one provider,
opens a red cell's result, and downloads the matrix as an Excel workbook."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from outcomes.models import ComplianceResult
from outcomes.periods import parse_period
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
    matrix = page.locator("table").filter(has_text="PF-A")
    expect(matrix).to_contain_text("85.0% (551/648)")
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

    matrix.get_by_role("link", name="85.0% (551/648)").click()
    expect(page).to_have_url(re.compile(rf"/results/{red.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("91 days")
