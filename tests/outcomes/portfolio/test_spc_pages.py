"""SPC on the pages: the trend page's XmR chart, its table of the same numbers and both icons with their
sentences, from the stored monthly results (spec/spc.md)."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from accounts.models import AuditEntry
from outcomes.periods import add_months
from outcomes.results.baselines import spc_baseline_set
from outcomes.results.spc import contracts_spc_icons, target_spc
from outcomes.statistics.spc import spc_analyse
from tests.factories import acting, contract, stored_result, target

pytestmark = pytest.mark.django_db

EXAMPLE_3 = [50, 51, 49, 50, 52, 48, 50, 51, 49, 50, 51, 49, 50, 60, 59, 61, 60, 60, 61, 59]
FIRST = date(2024, 1, 1)


def months(count: int) -> list[str]:
    return [f"{add_months(FIRST, n):%Y-%m}" for n in range(count)]


@pytest.fixture
def homecare(world):
    agreement = contract(world.council, world.provider_a, reference="SPC-1", start_date=date(2023, 4, 1))
    return agreement, target(agreement, "AT_HOME_91D", "55")


def page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def trend_url(agreement, goal) -> str:
    return f"/portfolio/contracts/{agreement.pk}/targets/{goal.pk}/trend/"


def test_the_trend_page_shows_the_chart_the_icons_and_a_table_of_the_same_numbers(world, homecare, sign_in):
    agreement, goal = homecare
    for month, value in zip(months(20), EXAMPLE_3, strict=True):
        stored_result(goal, month, value, 100)
    stored_result(goal, "2024-25-Q1", 150, 300)  # a quarter is not a point of the monthly series
    text = page(sign_in(world.users["commissioner"]).get(trend_url(agreement, goal)))
    section = text[text.index('id="spc"') :]
    icons = section[section.index('data-testid="spc-icons"') :]
    assert 'data-variation="special_cause_improvement_high"' in icons
    assert 'data-assurance="hit_and_miss"' in icons
    variation = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", "", icons[icons.index('data-testid="spc-variation"') :])
    )
    assert (
        "Special cause improvement (high): the latest month (59.0%) is above the upper process limit (57.5%); "
        "seven months in a row above the average." in variation
    )
    assert (
        "Hit and miss: the target (55.0%) lies inside the normal range (49.5% to 57.5%), so it will be met some "
        "months and missed in others without a change in the service." in variation
    )
    chart = section[section.index('data-testid="spc-chart"') :]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in chart and 'role="img"' in chart
    assert (
        "SPC chart of " in chart
        and "20 monthly values from January 2024 to August 2025; mean 53.5%, process limits 49.5% to 57.5%; "
        "20 special cause values."
        in chart
    )
    assert chart.count("<circle") == 1  # the legend's only: every value is special cause
    assert chart[: chart.index("</svg>")].count("<rect") == 7 + 1  # seven improvements and the legend's
    assert re.search(r'data-testid="spc-mean">53\.5%<', section)
    assert re.search(r'data-testid="spc-limits">49\.5% to 57\.5%<', section)
    assert re.search(r'data-testid="spc-near-limits">50\.8% to 56\.2%<', section)
    assert "1.50 pp, from 18 of the 19 month-to-month changes (1 screened out" in section
    table = section[section.index('data-testid="spc-table"') :]
    rows = re.findall(
        r'data-type="([a-z_]+)">\s*<th scope="row" class="govuk-table__header">([^<]+)</th>\s*'
        r"<td[^>]*><a[^>]*>([0-9.]+%)<span",
        table,
    )
    assert [(month, value) for _, month, value in rows] == [
        (f"{add_months(FIRST, n):%B %Y}", f"{v:.1f}%") for n, v in enumerate(EXAMPLE_3)
    ]
    assert [kind for kind, _, _ in rows] == ["special_cause_concern"] * 13 + ["special_cause_improvement"] * 7
    assert (
        "1, outside the process limits; 2, a shift: seven or more in a row on one side of the mean" in table
    )


def test_fewer_than_twelve_values_says_so_and_not_rated_months_are_left_out(world, homecare, sign_in):
    agreement, goal = homecare
    for month, value in zip(months(11), EXAMPLE_3, strict=False):
        stored_result(goal, month, value, 100)
    low = stored_result(goal, "2024-12", 3, 4, rag="not_rated")
    low.not_rated_reason = "low_numbers"
    low.save()
    text = page(sign_in(world.users["commissioner"]).get(trend_url(agreement, goal)))
    section = text[text.index('id="spc"') :]
    assert "Not enough months for SPC: 11 of 12." in section
    assert "Left out, with no value (not rated): December 2024." in section
    assert 'data-testid="spc-chart"' not in section and 'data-testid="spc-icons"' not in section
    # the twelfth value brings the chart
    stored_result(goal, "2025-01", 50, 100)
    text = page(sign_in(world.users["commissioner"]).get(trend_url(agreement, goal)))
    assert 'data-testid="spc-chart"' in text and 'data-variation="common_cause"' in text


def test_the_scorecard_shows_both_icons_as_at_the_years_last_month_with_a_value(world, homecare, sign_in):
    agreement, goal = homecare
    for month, value in zip(months(20), EXAMPLE_3, strict=True):
        stored_result(goal, month, value, 100)
    client = sign_in(world.users["commissioner"])
    latest = page(client.get(f"/results/contracts/{agreement.pk}/?year=2025"))
    cell = latest[latest.index('data-testid="spc-icons"') :]
    assert (
        'data-variation="special_cause_improvement_high"' in cell and 'data-assurance="hit_and_miss"' in cell
    )
    assert "As at August 2025." in cell
    assert "seven months in a row above the average" in cell
    # a past year is judged on its months only: January 2024 to March 2025
    earlier = spc_analyse(
        [(month, value) for month, value in zip(months(15), EXAMPLE_3, strict=False)],
        higher_is_better=True,
        target="55",
    )
    past = page(client.get(f"/results/contracts/{agreement.pk}/?year=2024"))
    cell = past[past.index('data-testid="spc-icons"') :]
    assert f'data-variation="{earlier.variation.value}"' in cell and "As at March 2025." in cell
    assert earlier.variation_reason in re.sub(r"\s+", " ", cell)


# --- A fixed baseline ------------------------------------------------------------------------


EXAMPLE_1 = [10, 12, 11, 13, 12, 11, 12, 13, 11, 12, 12, 11]


def baseline_url(agreement, goal) -> str:
    return f"/portfolio/contracts/{agreement.pk}/targets/{goal.pk}/spc-baseline/"


def test_a_commissioner_fixes_a_baseline_with_a_reason_and_later_months_are_judged_against_it(
    world, homecare, sign_in
):
    agreement, goal = homecare
    for month, value in zip(months(13), [*EXAMPLE_1, 16], strict=True):
        stored_result(goal, month, value, 100)
    client = sign_in(world.users["commissioner"])
    before = page(client.get(trend_url(agreement, goal)))
    assert "Every value (13)" in before and "Fix a baseline" in before
    form = page(client.get(baseline_url(agreement, goal)))
    assert "The first 12 values (January 2024 to December 2024)" in form
    assert "The first 14 values" not in form  # never more than there are

    refused = client.post(baseline_url(agreement, goal), {"points": "12", "reason": " "})
    text = page(refused)
    assert "govuk-error-summary" in text and "Give the reason" in text
    assert not goal.spc_baselines.exists()

    done = client.post(
        baseline_url(agreement, goal), {"points": "12", "reason": "New rota from January 2025"}
    )
    assert done.status_code == 302 and done["Location"].endswith("/trend/#spc")
    trend = page(client.get(trend_url(agreement, goal)))
    assert (
        "The process limits now come from the first 12 values (January 2024 to December 2024); later months are "
        "judged against them." in trend
    )
    assert re.search(r'data-testid="spc-limits">8\.5% to 14\.8%<', trend)  # example 2: the baseline's limits
    assert 'data-variation="special_cause_improvement_high"' in trend
    baseline = re.sub(r"<[^>]+>", "", trend[trend.index('data-testid="spc-baseline"') :])
    assert "The first 12 values (January 2024 to December 2024), fixed by" in baseline
    assert "New rota from January 2025" in baseline

    entry = AuditEntry.objects.get(action="target.spc_baseline")
    assert entry.details["points"] == 12 and entry.details["months"] == ["2024-01", "2024-12"]
    assert entry.details["reason"] == "New rota from January 2025"

    # back to every value: the limits widen to take in the 13th month
    client.post(baseline_url(agreement, goal), {"points": "every", "reason": "Rota change reviewed"})
    trend = page(client.get(trend_url(agreement, goal)))
    assert "Every value (13)" in trend
    assert AuditEntry.objects.filter(action="target.spc_baseline_withdraw").count() == 1
    history = page(client.get(baseline_url(agreement, goal)))
    rows = re.findall(
        r"<tr class=\"govuk-table__row\">\s*<td[^>]*>[^<]+</td>\s*<td[^>]*>([^<]+)</td>", history
    )
    assert rows == ["Every value (baseline removed)", "The first 12 values (January 2024 to December 2024)"]


def test_the_baseline_service_refuses_what_cannot_be(world, homecare):
    agreement, goal = homecare
    month_list = [add_months(FIRST, n) for n in range(13)]
    commissioner = acting(world.users["commissioner"], world.council)
    with pytest.raises(ValidationError) as refused:
        spc_baseline_set(acting=commissioner, target=goal, points=11, months=month_list, reason="x")
    assert refused.value.message_dict["points"] == ["Choose a baseline of 12 to 13 values"]
    with pytest.raises(ValidationError) as refused:
        spc_baseline_set(acting=commissioner, target=goal, points=None, months=month_list, reason="x")
    assert "there is no fixed baseline to remove" in refused.value.message_dict["points"][0]
    with pytest.raises(ValidationError) as refused:
        spc_baseline_set(acting=commissioner, target=goal, points=12, months=month_list[:5], reason="x")
    assert refused.value.message_dict["points"] == ["A baseline needs 12 monthly values; this target has 5"]
    spc_baseline_set(acting=commissioner, target=goal, points=12, months=month_list, reason="x")
    with pytest.raises(ValidationError, match="already the first 12 values"):
        spc_baseline_set(acting=commissioner, target=goal, points=12, months=month_list, reason="y")
    officer = acting(world.users["contract_officer"], world.council)
    with pytest.raises(PermissionDenied):
        spc_baseline_set(acting=officer, target=goal, points=13, months=month_list, reason="y")


def test_a_baseline_longer_than_the_values_of_an_earlier_year_judges_on_every_value(world, homecare, sign_in):
    agreement, goal = homecare
    for month, value in zip(months(20), EXAMPLE_3, strict=True):
        stored_result(goal, month, value, 100)
    commissioner = acting(world.users["commissioner"], world.council)
    spc_baseline_set(
        acting=commissioner,
        target=goal,
        points=16,
        months=[add_months(FIRST, n) for n in range(20)],
        reason="Before the new contract manager",
    )
    short = target_spc(goal, until=date(2025, 3, 1))  # fifteen values
    assert short.baseline_short and not short.analysis.fixed_baseline
    assert short.analysis.limits.baseline == 15
    full = target_spc(goal)
    assert full.analysis.fixed_baseline and full.analysis.limits.baseline == 16


# --- The portfolio matrix ----------------------------------------------------------------------


def test_the_portfolio_cell_shows_both_icons_and_its_tip_the_sentences(world, homecare, sign_in):
    agreement, goal = homecare
    for month, value in zip(months(20), EXAMPLE_3, strict=True):
        stored_result(goal, month, value, 100)
    stored_result(goal, "2025-26-Q2", 180, 300)
    text = page(sign_in(world.users["commissioner"]).get("/portfolio/?quarter=2025-26-Q2"))
    cell = text[text.index('class="dashboard-cell__spc"') - 2000 :]
    assert 'data-variation="special_cause_improvement_high" data-assurance="hit_and_miss"' in cell
    expected = target_spc(goal, until=date(2025, 9, 1)).frozen()
    tip = re.sub(r"\s+", " ", cell[cell.index('class="dashboard-cell__tip"') :])
    assert (
        f"SPC as at August 2025: Special cause improvement (high): {expected['variation_reason']}. "
        f"Hit and miss: {expected['assurance_reason']}." in tip
    )
    assert 'data-testid="dashboard-key-spc"' in text


def test_the_matrix_icons_are_the_one_method_and_follow_a_restated_month(world, homecare):
    agreement, goal = homecare
    results = [
        stored_result(goal, month, value, 100) for month, value in zip(months(20), EXAMPLE_3, strict=True)
    ]
    icons = contracts_spc_icons([agreement.pk], until=date(2025, 9, 1))[goal.pk]
    frozen = target_spc(goal, until=date(2025, 9, 1)).frozen()
    assert icons == {key: frozen[key] for key in icons}
    assert icons["variation"] == "special_cause_improvement_high"
    # the latest month restated far below: a new figure, a new answer (never the one kept before)
    results[-1].is_latest = False
    results[-1].save()
    stored_result(goal, months(20)[-1], 20, 100)
    again = contracts_spc_icons([agreement.pk], until=date(2025, 9, 1))[goal.pk]
    assert again["variation"] == "special_cause_concern_low"
    assert again == {
        key: value for key, value in target_spc(goal, until=date(2025, 9, 1)).frozen().items() if key in again
    }


def test_the_embedded_database_works_the_icons_out_directly_to_the_same_answer(world, homecare, monkeypatch):
    agreement, goal = homecare
    for month, value in zip(months(20), EXAMPLE_3, strict=True):
        stored_result(goal, month, value, 100)
    on_postgresql = contracts_spc_icons([agreement.pk], until=date(2025, 9, 1))
    monkeypatch.setattr(connection, "vendor", "sqlite")  # the path make demo's SQLite takes
    assert contracts_spc_icons([agreement.pk], until=date(2025, 9, 1)) == on_postgresql
