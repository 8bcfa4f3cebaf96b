"""Whether a change is significant, beside the direction of travel on the scorecard, a result's page
and the trend page, and instead of it in the scrutiny report (docs/statistics.md)."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from outcomes.periods import parse_period
from outcomes.portfolio.scrutiny import scrutiny_report
from tests.factories import acting, contract, stored_result, target

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    assert response.status_code == 200
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def deal(world):
    agreement = contract(world.council, world.provider_a, reference="SIG-1", start_date=date(2024, 4, 1))
    big = target(agreement, "AT_HOME_91D", "80")
    small = target(agreement, "INDEPENDENT_WITHIN", "66")
    stored_result(big, "2025-26-Q1", 520, 650)  # 80.0%
    stored_result(big, "2025-26-Q2", 551, 648)  # 85.0%: z = 2.385, P = 0.017
    stored_result(small, "2025-26-Q1", 80, 100)  # 80.0%
    stored_result(small, "2025-26-Q2", 81, 100)  # 81.0%: z = 0.18, P = 0.858
    return agreement, big, small


def test_the_scorecard_says_under_each_direction_whether_the_change_is_significant(world, deal, sign_in):
    agreement, big, small = deal
    text = text_of(sign_in(world.users["commissioner"]).get(f"/results/contracts/{agreement.pk}/?year=2025"))
    assert "Significant improvement (P = 0.017)" in text
    assert "No significant change (P = 0.858)" in text
    assert "more than chance would explain, at the 95% level" in text


def test_a_results_page_gives_the_test_and_its_p_value(world, deal, sign_in):
    agreement, big, small = deal
    result = big.results.get(period="2025-26-Q2")
    text = text_of(sign_in(world.users["commissioner"]).get(f"/results/{result.pk}/"))
    assert (
        "Significance of the change Significant improvement: the change is more than chance would explain "
        "(two-proportion z-test, P = 0.017; significant when P < 0.05)." in text
    )
    first = big.results.get(period="2025-26-Q1")  # the quarter before it has no result
    text = text_of(sign_in(world.users["commissioner"]).get(f"/results/{first.pk}/"))
    assert "Significance of the change Not compared: the period before has no rated result." in text


def test_the_trend_table_judges_each_period_against_the_one_before(world, deal, sign_in):
    agreement, big, small = deal
    text = text_of(
        sign_in(world.users["commissioner"]).get(
            f"/portfolio/contracts/{agreement.pk}/targets/{small.pk}/trend/"
        )
    )
    assert "No significant change (P = 0.858)" in text


def test_the_scrutiny_report_compares_with_the_same_quarter_a_year_earlier_by_significance(world, deal):
    agreement, big, small = deal
    stored_result(big, "2024-25-Q2", 520, 650)  # a year earlier: 80.0% against 85.0% now
    stored_result(small, "2024-25-Q2", 50, 100)  # 50.0% against 81.0%: P < 0.001
    report = scrutiny_report(acting(world.users["commissioner"]), parse_period("2025-26-Q2"))
    lines = {line.name: line.direction for line in report.measures}
    assert sorted(lines.values()) == [
        "Significant improvement (P < 0.001)",
        "Significant improvement (P = 0.017)",
    ]
