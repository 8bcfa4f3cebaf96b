"""The QAF portfolio page (commissioning.qaf.portfolio and views_portfolio): the three measures of a
commissioning body for a quarter, each with its baseline, direction and the assessments behind it.

The fixture is built by hand (assessments stored directly): in 2025-26 Q2 (July to September 2025)
32 providers had their initial evaluation completed, 27 of them compliant → 84.4% (27/32).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from accounts.access import acting_for
from commissioning.qaf import frameworks
from commissioning.qaf.models import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    DelayReason,
    Outcome,
)
from commissioning.qaf.portfolio import portfolio_default_quarter, portfolio_for
from outcomes.periods import parse_period
from tests.factories import CouncilFactory, ProviderFactory, contract
from tests.pages import error_summary, page_text

pytestmark = pytest.mark.django_db

URL = "/qaf/portfolio/"
Q2 = "2025-26-Q2"
AT_ASSESSMENT = "QAF_COMPLIANT_AT_ASSESSMENT"
WITHIN_WINDOW = "QAF_COMPLIANT_WITHIN_WINDOW"
WITHIN_13_WEEKS = "QAF_COMPLETED_WITHIN_13_WEEKS"


def _assessment(body, provider, *, started, finalised, outcome="", kind=AssessmentKind.INITIAL, **fields):
    version = frameworks.framework_version_current(frameworks.framework_default_get_or_create(owner=body))
    return Assessment.objects.create(
        framework_version=version,
        commissioner=body,
        provider=provider,
        kind=kind,
        status=fields.pop("status", AssessmentStatus.FINALISED if finalised else AssessmentStatus.STARTED),
        started_on=started,
        finalised_on=finalised,
        outcome=outcome,
        created_by_label="test",
        **fields,
    )


@pytest.fixture
def portfolio(world):
    """32 initial evaluations completed on 15 August 2025 (27 compliant); 20 of them started on
    1 July (45 days), 12 on 1 April (136 days; the first with a delay reason). Two more providers,
    X and Y, were found non-compliant on 1 May 2025 (window to 24 July): X compliant at a
    reassessment on 10 July, Y only on 1 September. Plus a cancelled assessment, one in progress,
    and another council's assessment, none of which count."""
    council = world.council
    world.q2 = []
    for i in range(32):
        provider = ProviderFactory(name=f"Provider {i:02d} Homecare")
        contract(council, provider, reference=f"P-{i:02d}")
        world.q2.append(
            _assessment(
                council,
                provider,
                started=date(2025, 7, 1) if i < 20 else date(2025, 4, 1),
                finalised=date(2025, 8, 15),
                outcome=Outcome.COMPLIANT if i < 27 else Outcome.NON_COMPLIANT,
                delay_reason=DelayReason.OFFICER_CAPACITY if i == 20 else "",
            )
        )
    world.x = ProviderFactory(name="Xavier Care")
    world.y = ProviderFactory(name="Yew Tree Homecare")
    for provider in (world.x, world.y):
        contract(council, provider, reference=f"W-{provider.pk}")
        first = _assessment(
            council,
            provider,
            started=date(2025, 3, 1),
            finalised=date(2025, 5, 1),
            outcome=Outcome.NON_COMPLIANT,
        )
        _assessment(
            council,
            provider,
            kind=AssessmentKind.REASSESSMENT,
            reassessment_of=first,
            started=date(2025, 6, 20),
            finalised=date(2025, 7, 10) if provider == world.x else date(2025, 9, 1),
            outcome=Outcome.COMPLIANT,
        )
        setattr(world, f"{provider.name[0].lower()}_first", first)
    _assessment(
        council,
        world.q2[0].provider,
        started=date(2025, 7, 1),
        finalised=date(2025, 8, 1),
        outcome=Outcome.NON_COMPLIANT,
        status=AssessmentStatus.CANCELLED,
    )
    _assessment(council, world.q2[1].provider, started=date(2025, 8, 1), finalised=None)
    elsewhere = CouncilFactory(name="Elsewhere Council")
    other = ProviderFactory(name="Elsewhere Homecare")
    contract(elsewhere, other, reference="E-1")
    _assessment(
        elsewhere, other, started=date(2025, 7, 1), finalised=date(2025, 8, 1), outcome=Outcome.COMPLIANT
    )
    return world


def _table(response, code: str) -> str:
    found = re.search(rf'data-testid="rows-{code}".*?</table>', response.content.decode(), re.S)
    assert found, f"no table for {code}"
    return found.group(0)


def test_the_three_figures_for_the_quarter(portfolio):
    acting = acting_for(portfolio.users["c_viewer"], None)

    result = portfolio_for(acting, parse_period(Q2))

    figures = {m.figure.code: m for m in result.measures}
    at = figures[AT_ASSESSMENT]
    assert (at.figure.numerator, at.figure.denominator, str(at.figure.value)) == (27, 32, "84.4")
    assert at.text == "84.4% (27/32)"
    assert at.previous_text == "0.0% (0/2)"  # X and Y, found non-compliant in Q1
    assert at.baseline_text == "No data (0/0)"
    assert at.direction_label == "Improved"  # 27/32 against 0/2: significant (Fisher, P = 0.037)
    window = figures[WITHIN_WINDOW]
    assert window.text == "50.0% (1/2)"
    weeks = figures[WITHIN_13_WEEKS]
    assert weeks.text == "64.7% (22/34)"  # 20 initials + both reassessments of 34 completed
    assert result.providers_assessed == 34


def test_the_list_behind_each_figure_says_why(portfolio):
    result = portfolio_for(acting_for(portfolio.users["quality_officer"], None), parse_period(Q2))
    figures = {m.figure.code: m for m in result.measures}

    at_rows = figures[AT_ASSESSMENT].rows
    assert len(at_rows) == 32
    assert sum(row.in_numerator for row in at_rows) == 27
    assert {row.assessment_id for row in at_rows} == {a.pk for a in portfolio.q2}
    assert at_rows[27].why == "Found non-compliant at this initial evaluation."

    window_rows = {row.provider_name: row for row in figures[WITHIN_WINDOW].rows}
    assert window_rows["Xavier Care"].in_numerator
    assert window_rows["Xavier Care"].why == (
        "Compliant at the reassessment completed on 10 July 2025, within the 12-week window that ended on 24 July 2025."
    )
    assert window_rows["Yew Tree Homecare"].why == (
        "No compliant assessment was completed by the end of the 12-week window on 24 July 2025."
    )
    slow = {row.assessment_id: row for row in figures[WITHIN_13_WEEKS].rows}
    assert slow[portfolio.q2[20].pk].why == (
        "Took 136 days, 45 more than 13 weeks. Reason for the delay: Officer capacity."
    )
    assert slow[portfolio.q2[21].pk].why.endswith("No reason for the delay was recorded.")
    assert slow[portfolio.q2[0].pk].why == "Completed in 45 days (13 weeks is 91)."


def test_the_page_shows_the_figure_and_every_assessment_counted(portfolio, sign_in):
    response = sign_in(portfolio.users["c_viewer"]).get(URL, {"quarter": Q2})

    assert response.status_code == 200
    text = page_text(response)
    assert "QAF portfolio: 2025-26 Q2 (July to September 2025)" in text
    assert "84.4% (27/32)" in text
    assert "27 of 32 counted" in text
    table = _table(response, AT_ASSESSMENT)
    body = table.split("<tbody", 1)[1]
    assert body.count('<tr class="govuk-table__row">') == 32
    assert table.count(">Yes</strong>") == 27 and table.count(">No</strong>") == 5
    for assessment in portfolio.q2:
        assert reverse("qaf:assessment", args=[assessment.pk]) in table
        assert assessment.provider.name in table
    assert "15 August 2025" in table
    window = _table(response, WITHIN_WINDOW)
    assert "Xavier Care" in window and "Yew Tree Homecare" in window
    assert "50.0% (1/2)" in text and "64.7% (22/34)" in text
    assert "Improved" in text


def test_the_default_is_the_latest_quarter_that_has_ended(portfolio, sign_in):
    assert portfolio_default_quarter(date(2025, 11, 3)).identifier == Q2
    assert portfolio_default_quarter(date(2025, 10, 1)).identifier == Q2
    assert portfolio_default_quarter(date(2025, 9, 30)).identifier == "2025-26-Q1"

    response = sign_in(portfolio.users["commissioner"]).get(URL)

    assert response.status_code == 200
    assert f"QAF portfolio: {portfolio_default_quarter().identifier[:7]}" in page_text(response)


def test_a_quarter_not_in_the_list_is_an_error(portfolio, sign_in):
    response = sign_in(portfolio.users["commissioner"]).get(URL, {"quarter": "2025-26-Q9"})

    assert response.status_code == 200
    assert error_summary(response) == [("id_quarter", "Choose a quarter from the list")]


def test_the_shortest_contract_window_applies(world):
    """A provider with a 4-week and a 12-week contract: its window is 4 weeks, so a non-compliant
    finding on 10 April 2025 has its window end on 8 May (Q1), not 3 July (Q2)."""
    provider = ProviderFactory(name="Short Window Care")
    contract(world.council, provider, reference="S-1", qaf_compliance_window_weeks=4)
    contract(world.council, provider, reference="S-2", qaf_compliance_window_weeks=12)
    _assessment(
        world.council,
        provider,
        started=date(2025, 3, 1),
        finalised=date(2025, 4, 10),
        outcome=Outcome.NON_COMPLIANT,
    )
    acting = acting_for(world.users["c_viewer"], None)

    q1 = {m.figure.code: m for m in portfolio_for(acting, parse_period("2025-26-Q1")).measures}
    q2 = {m.figure.code: m for m in portfolio_for(acting, parse_period(Q2)).measures}

    assert q1[WITHIN_WINDOW].text == "0.0% (0/1)"
    assert "4-week window on 8 May 2025" in q1[WITHIN_WINDOW].rows[0].why
    assert q2[WITHIN_WINDOW].text == "No data (0/0)"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("a_admin", 404),
        ("a_submitter", 404),
        ("a_viewer", 404),
        ("b_admin", 404),
        ("commissioner", 200),
        ("contract_officer", 200),
        ("quality_officer", 200),
        ("c_viewer", 200),
        ("c_admin", 200),
        ("icb_admin", 200),
    ],
)
def test_who_may_see_the_portfolio(world, sign_in, role, status):
    assert sign_in(world.users[role]).get(URL).status_code == status


def test_another_body_sees_only_its_own_assessments(portfolio, sign_in):
    response = sign_in(portfolio.users["icb_admin"]).get(URL, {"quarter": Q2})

    assert response.status_code == 200
    assert "No data (0/0)" in page_text(response)
    assert "Provider 00 Homecare" not in page_text(response)
