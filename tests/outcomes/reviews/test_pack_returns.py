"""The pack's monthly returns summary (outcomes.reviews.pack_returns) says what the scorecard's
"Returns on time" row says, for the same periods: on time = the stored numerator, on time + late +
missing = the stored denominator (the months due), whenever the result was worked out.

The world: Acme's contract RCC-HC-101 with a RETURNS_ON_TIME target, reviewed for 2025-26 Q2. Every
month's return from April 2025 to March 2026 is on time, but August's (missing) and September's (late).
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta

import pytest
from django.template.loader import render_to_string

from outcomes.models import MonthlyReturn, ReturnAttempt
from outcomes.periods import LONDON, add_months, due_at, parse_period
from outcomes.results.compute import results_compute_periods
from outcomes.reviews.models import ReviewMeeting
from outcomes.reviews.pack_figures import pack_figures
from tests.factories import contract, target

pytestmark = pytest.mark.django_db
MISSING, LATE = date(2025, 8, 1), date(2025, 9, 1)


def returned(deal, month: date, submitted: datetime) -> None:
    slot = MonthlyReturn.objects.create(contract=deal, month=month, due_at=due_at(month, deal.return_due_day))
    ReturnAttempt.objects.create(
        monthly_return=slot,
        status="accepted",
        submitted_at=submitted,
        submitted_by_label="Acme",
        accepted_at=submitted,
        version=1,
        is_current=True,
    )


@pytest.fixture
def deal(world):
    deal = contract(world.council, world.provider_a, reference="RCC-HC-101")
    target(deal, "RETURNS_ON_TIME", "100", min_denominator=1)
    month = date(2025, 4, 1)
    while month <= date(2026, 3, 1):
        due = due_at(month, deal.return_due_day)
        if month == LATE:
            returned(deal, month, due + timedelta(days=5))
        elif month != MISSING:
            returned(deal, month, due - timedelta(days=2))
        month = add_months(month, 1)
    return deal


def review(world, deal) -> ReviewMeeting:
    meeting = ReviewMeeting.objects.create(
        commissioner=world.council,
        provider=world.provider_a,
        quarter="2025-26-Q2",
        held_on=date(2025, 10, 20),
        place="Riverton Civic Centre, room 2",
        created_by_label="commissioner",
    )
    meeting.contracts.set([deal])
    return meeting


def shown(world, deal) -> tuple[dict, dict, dict]:
    """The pack's figures, its contract section and the scorecard's returns-on-time row."""
    figures = pack_figures(review(world, deal))
    section = figures["contracts"][0]
    row = next(row for row in section["rows"] if row["measure_code"] == "RETURNS_ON_TIME")
    return figures, section, row


def text(template: str, figures: dict, section: dict) -> str:
    rendered = render_to_string(f"outcomes/reviews/{template}.html", {"figures": figures, "section": section})
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(rendered)).split())


def assert_agrees(summary: dict, cell: dict) -> None:
    assert summary["period"] == cell["period"]
    assert summary["figures"] == cell["figures"]
    assert summary["on_time"] == cell["numerator"]
    assert summary["on_time"] + summary["late"] + summary["missing"] == summary["due"] == cell["denominator"]


def test_the_summary_and_the_scorecard_row_agree_with_a_late_and_a_missing_month(world, deal):
    results_compute_periods(
        contract=deal, periods=[parse_period("2025-26-Q2"), parse_period("2025-26-YTD-03")]
    )
    figures, section, row = shown(world, deal)
    returns = section["returns"]
    quarter, ytd = row["quarters"][figures["quarter_index"]], row["ytd"]

    assert quarter["figures"] == "33.3% (1/3)"
    assert_agrees(returns["quarter"], quarter)
    assert (returns["quarter"]["late"], returns["quarter"]["missing"], returns["quarter"]["not_due"]) == (
        1,
        1,
        0,
    )

    assert (
        ytd["period"] == "2025-26-YTD-03"
    )  # the year to date the scorecard shows: to the latest ended month
    assert ytd["figures"] == "83.3% (10/12)"
    assert_agrees(returns["ytd"], ytd)
    assert (returns["ytd"]["late"], returns["ytd"]["missing"], returns["ytd"]["not_due"]) == (1, 1, 0)

    states = {month["month"]: month["state"] for month in returns["months"]}
    assert len(states) == 12 and (states["August 2025"], states["September 2025"]) == ("missing", "late")
    assert list(states.values()).count("on_time") == 10

    card, quality = text("pack_scorecard", figures, section), text("pack_quality", figures, section)
    assert "33.3% (1/3)" in card and "83.3% (10/12)" in card and "To 31 March 2026" in card
    assert "Monthly returns, Q2 (July to September 2025) 1 on time, 1 late, 1 missing" in quality
    assert "Returns on time 33.3% (1/3), as on the scorecard" in quality
    assert "Monthly returns, year to date to 31 March 2026 10 on time, 1 late, 1 missing" in quality
    assert "Returns on time 83.3% (10/12), as on the scorecard" in quality
    assert "Monthly returns, April 2025 to March 2026" in quality


def test_a_result_worked_out_before_a_month_was_due_is_summarised_as_it_was(world, deal):
    """Worked out on 5 October 2025, before September's return was due (10 October): the stored
    figures have two months due in Q2, and the pack, made much later, still agrees with them."""
    worked_out = datetime(2025, 10, 5, 12, tzinfo=LONDON)
    periods = [parse_period("2025-26-Q2"), parse_period("2025-26-YTD-03")]
    results_compute_periods(contract=deal, periods=periods, now=worked_out)
    figures, section, row = shown(world, deal)
    returns = section["returns"]
    quarter, ytd = row["quarters"][figures["quarter_index"]], row["ytd"]

    assert quarter["figures"] == "50.0% (1/2)"  # July on time, August missing; September not yet due
    assert_agrees(returns["quarter"], quarter)
    assert (returns["quarter"]["late"], returns["quarter"]["missing"], returns["quarter"]["not_due"]) == (
        0,
        1,
        1,
    )
    assert ytd["figures"] == "80.0% (4/5)"
    assert_agrees(returns["ytd"], ytd)
    assert (returns["ytd"]["late"], returns["ytd"]["missing"], returns["ytd"]["not_due"]) == (0, 1, 7)
    assert "worked out on 5 October 2025" in returns["quarter"]["note"]
    quality = text("pack_quality", figures, section)
    assert "1 on time, 0 late, 1 missing, 1 not yet due" in quality


def test_without_a_returns_on_time_target_the_months_are_counted_by_the_same_rule(world):
    deal = contract(world.council, world.provider_a, reference="RCC-HC-102")
    target(deal, "AT_HOME_91D", "90")
    returned(deal, date(2025, 7, 1), due_at(date(2025, 7, 1), deal.return_due_day) - timedelta(days=1))
    returned(deal, date(2025, 9, 1), due_at(date(2025, 9, 1), deal.return_due_day) + timedelta(days=1))
    figures = pack_figures(review(world, deal))
    counts = figures["contracts"][0]["returns"]["quarter"]
    assert (counts["on_time"], counts["late"], counts["missing"], counts["due"]) == (1, 1, 1, 3)
    assert counts["period"] == "2025-26-Q2" and not counts["stored"]
    assert counts["note"].startswith("This contract has no returns-on-time target")
