"""The year-end forecast on the scorecard, in the review pack's figures and in the scrutiny report,
always labelled as a forecast (outcomes.results.forecasts; the method: docs/statistics.md)."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from django.utils import timezone

from outcomes.models import ComplianceResult
from outcomes.periods import financial_year_start, latest_ended_month, parse_period, year_to_date_shown
from outcomes.portfolio.scrutiny import scrutiny_report
from outcomes.results.forecasts import months_ended
from outcomes.statistics.forecast import episodes_to_come, year_end_forecast
from tests.factories import acting, contract, stored_result, target

pytestmark = pytest.mark.django_db

# The scorecard shows the year to date to the latest month ended, as at today: the current year's.
YEAR = financial_year_start(latest_ended_month(timezone.localdate()))
SHOWN = year_to_date_shown(YEAR, timezone.localdate())
ENDED = months_ended(SHOWN)
LABEL = SHOWN.identifier[:7]


def text_of(response) -> str:
    assert response.status_code == 200
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def ytd(goal, period: str, numerator: int, denominator: int, pending: int) -> ComplianceResult:
    stored = stored_result(goal, period, numerator, denominator)
    ComplianceResult.objects.filter(pk=stored.pk).update(pending=pending)
    stored.pending = pending
    return stored


@pytest.fixture
def deal(world):
    agreement = contract(world.council, world.provider_a, reference="FC-1", start_date=date(2024, 4, 1))
    goal = target(agreement, "AT_HOME_91D", "90")  # 90% or more, within 0.5 pp amber
    if ENDED > 1:
        ytd(goal, f"{LABEL}-YTD-04", 50, 60, 10)  # April: a cohort of 70
    ytd(goal, SHOWN.identifier, 340, 400, 20)  # to the latest month ended: 85.0%, a cohort of 420
    return agreement, goal


def test_the_scorecard_shows_the_forecast_beside_the_year_to_date(world, deal, sign_in, settings):
    agreement, goal = deal
    # In December: 420 − 70 = 350 joined in the 7 months after April, 50 a month: 200 in the 4 to come.
    to_come = episodes_to_come(
        cohort=420,
        cohort_after_first_month=70 if ENDED > 1 else 420,
        months_covered=ENDED,
        months_to_come=12 - ENDED,
    )
    expected = year_end_forecast(met=340, judged=400, pending=20, to_come=to_come, months_covered=ENDED)
    assert expected is not None and expected.value.to_eng_string() == "85.0"
    text = text_of(
        sign_in(world.users["commissioner"]).get(f"/results/contracts/{agreement.pk}/?year={YEAR}")
    )
    assert "Year-end forecast a forecast, not a result" in text
    assert f"85.0% Forecast: Red 95% interval {expected.interval_text}" in text
    assert "It is a forecast, not a result; the year to date is the figure achieved." in text


def test_a_year_that_is_over_has_no_forecast(world, deal, sign_in):
    agreement, goal = deal
    ytd(goal, f"{YEAR - 1}-{YEAR % 100:02d}-YTD-03", 700, 800, 0)
    text = text_of(
        sign_in(world.users["commissioner"]).get(f"/results/contracts/{agreement.pk}/?year={YEAR - 1}")
    )
    assert "Year-end forecast" not in text


def test_the_scrutiny_report_forecasts_each_measures_portfolio_rate(world):
    goal = target(
        contract(world.council, world.provider_a, reference="FC-1", start_date=date(2024, 4, 1)),
        "AT_HOME_91D",
        "90",
    )
    second = target(
        contract(world.council, world.provider_b, reference="FC-2", start_date=date(2024, 4, 1)),
        "AT_HOME_91D",
        "90",
    )
    stored_result(goal, "2025-26-Q2", 120, 140)
    stored_result(second, "2025-26-Q2", 100, 110)
    ytd(goal, "2025-26-YTD-04", 50, 60, 10)
    ytd(goal, "2025-26-YTD-09", 250, 290, 10)
    ytd(second, "2025-26-YTD-09", 200, 220, 5)
    ytd(second, "2025-26-YTD-04", 30, 35, 5)
    # As at the quarter's end, whenever it is read.
    report = scrutiny_report(acting(world.users["commissioner"]), parse_period("2025-26-Q2"))
    [line] = report.measures
    # The two contracts added up: 450 of 510 judged, 15 pending; after April 70 + 40 = 110 in the cohort.
    # Each contract's cohort grows at its own rate: (300 − 70) ÷ 5 = 46 and (225 − 40) ÷ 5 = 37 a month,
    # so 276 + 222 = 498 episodes to come in October to March.
    expected = year_end_forecast(met=450, judged=510, pending=15, to_come=498, months_covered=6)
    assert line.forecast is not None and line.forecast.forecast == expected
    assert (line.forecast.rag, line.forecast.forecast.text) == ("red", expected.text)


def test_a_pack_freezes_the_forecast_as_at_its_day_and_prints_it_labelled(world):
    from django.template.loader import render_to_string

    from outcomes.reviews.models import ReviewMeeting, ReviewPack
    from outcomes.reviews.pack_documents import WHOLE, pack_document
    from outcomes.reviews.pack_figures import pack_figures

    deal = contract(world.council, world.provider_a, reference="FC-3", start_date=date(2024, 4, 1))
    goal = target(deal, "AT_HOME_91D", "90")
    stored_result(goal, "2025-26-Q2", 120, 140)
    ytd(goal, "2025-26-YTD-04", 50, 60, 10)
    ytd(goal, "2025-26-YTD-09", 250, 290, 10)
    meeting = ReviewMeeting.objects.create(
        commissioner=world.council,
        provider=world.provider_a,
        quarter="2025-26-Q2",
        held_on=date(2025, 10, 28),
        created_by_label="commissioner",
    )
    meeting.contracts.set([deal])
    figures = pack_figures(meeting, today=date(2025, 10, 20))  # the year to date runs to September
    [row] = figures["contracts"][0]["rows"]
    expected = year_end_forecast(met=250, judged=290, pending=10, to_come=276, months_covered=6)
    assert expected is not None
    assert row["forecast"]["text"] == expected.text and row["forecast"]["rag"] == "red"
    pack = ReviewPack(meeting=meeting, version=1, figures=figures, requested_by_label="test")
    page = " ".join(
        re.sub(
            r"<[^>]+>",
            " ",
            render_to_string(
                "outcomes/reviews/pack_scorecard.html",
                {"figures": figures, "section": pack_document(pack, WHOLE)["contracts"][0]},
            ),
        ).split()
    )
    assert (
        "Year-end forecast" in page
        and f"{expected.value}% Forecast: Red 95% interval {expected.low}% to {expected.high}%" in page
    )
