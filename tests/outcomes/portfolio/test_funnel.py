"""Fair benchmarking and trends (outcomes.portfolio.funnel, funnel_chart, trend, trend_chart and the
benchmarks and trend pages): control limits against hand-computed values, clipping, special-cause
flags both ways and for a "lower is better" measure, pooling across a provider's contracts,
anonymisation, the trend table, and who may see what.

The world: Riverton City Council has five providers on AT_HOME_91D (default parameters) in
2025-26 Q2, 400 of 500 people in all (p = 0.8, each provider n = 100). Acme holds two contracts
(J-1, joint with the ICB, and A-2), pooled to 80/100. Another council's provider, a target with
other parameters and a "low numbers" result are never compared.
"""

from __future__ import annotations

import html
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from accounts.access import acting_for
from accounts.models import Role
from outcomes.measures import Direction
from outcomes.models import ComplianceResult
from outcomes.periods import parse_period, quarter_period
from outcomes.portfolio import funnel as benchmarking
from outcomes.portfolio import funnel_chart
from outcomes.portfolio.funnel import (
    SPECIAL_CAUSE,
    WITHIN,
    WORTH_A_LOOK,
    Z_95,
    Z_998,
    Point,
    classify,
    control_limits,
    funnel,
)
from providers.models import Provider
from tests.factories import CouncilFactory, ProviderFactory, UserFactory, contract, member, target

pytestmark = pytest.mark.django_db
QUARTER = "2025-26-Q2"
OTHERS = {  # name: (numerator, denominator) on AT_HOME_91D in 2025-26 Q2
    # the rate is 80%: at n = 100 the 95% limits are 72 to 88, the 99.8% limits 67 to 91 (exact binomial)
    "Brookside Care Services": (95, 100),  # 95 > 91: special cause, better
    "Cedar Lodge Care": (60, 100),  # 60 < 67: special cause, worse
    "Dale Home Support": (89, 100),  # 88 < 89 ≤ 91: worth a look, better side
    "Elm Tree Homecare": (76, 100),  # within 72 to 88
}


# --- Pure functions: hand-computed limits ------------------------------------------------------


def test_limits_for_p_0_8_and_n_100():
    # Bin(100, 0.8): P(X ≤ 71) = 0.0200 < 0.025 ≤ P(X ≤ 72) = 0.0342, P(X ≤ 87) = 0.9747 < 0.975 ≤
    # P(X ≤ 88) = 0.9874: the 95% limits are 72 to 88 of 100. P(X ≤ 66) = 0.0007 < 0.001 ≤ P(X ≤ 67)
    # = 0.0016, P(X ≤ 90) = 0.9977 < 0.999 ≤ P(X ≤ 91) = 0.9991: the 99.8% limits are 67 to 91.
    assert control_limits(Decimal("0.8"), 100, Z_95) == (Decimal("0.72"), Decimal("0.88"))
    assert control_limits(Decimal("0.8"), 100, Z_998) == (Decimal("0.67"), Decimal("0.91"))


def test_limits_for_p_0_5_and_n_25():
    # Bin(25, 0.5) is symmetric: P(X ≤ 7) = 0.0216 < 0.025 ≤ P(X ≤ 8) = 0.0539 → 8 to 17 of 25;
    # P(X ≤ 4) = 0.0005 < 0.001 ≤ P(X ≤ 5) = 0.0020 → 5 to 20.
    assert control_limits(Decimal("0.5"), 25, Z_95) == (Decimal("0.32"), Decimal("0.68"))
    assert control_limits(Decimal("0.5"), 25, Z_998) == (Decimal("0.2"), Decimal("0.8"))


def test_limits_stay_within_0_and_100_percent():
    # The normal approximation ran past 100% here (0.9 + 0.1959964); whole counts cannot.
    assert control_limits(Decimal("0.9"), 9, Z_95) == (Decimal(6) / 9, Decimal(1))
    assert control_limits(Decimal("0.1"), 9, Z_95) == (Decimal(0), Decimal(3) / 9)


def test_limits_at_0_of_n_and_n_of_n():
    # A rate of 1%: 0 of 50 happens with probability 0.99^50 = 0.605, so it lies within the limits
    # (0 to 2 of 50 at 95%); a rate of 99%: 50 of 50 likewise (48 to 50). The normal approximation
    # put 0 of 50 below 1% − 2.76 pp = 0%, and Wilson-type limits put its lower limit above 0.
    assert control_limits(Decimal("0.01"), 50, Z_95) == (Decimal(0), Decimal("0.04"))
    assert control_limits(Decimal("0.99"), 50, Z_95) == (Decimal("0.96"), Decimal(1))
    assert classify(0, Decimal("0.01"), 50, True) == (WITHIN, "")
    assert classify(50, Decimal("0.99"), 50, True) == (WITHIN, "")
    # every provider at 0 of n, or at n of n: the rate is 0% (100%) and every one lies on it
    nobody = funnel([Point(1, 0, 50, Decimal("0.0")), Point(2, 0, 20, Decimal("0.0"))], Direction.LOWER)
    assert [(row.flag, row.limits_998) for row in nobody.rows] == [
        (WITHIN, (Decimal("0.00"), Decimal("0.00"))),
        (WITHIN, (Decimal("0.00"), Decimal("0.00"))),
    ]
    everyone = funnel(
        [Point(1, 50, 50, Decimal("100.0")), Point(2, 40, 40, Decimal("100.0"))], Direction.HIGHER
    )
    assert [row.flag for row in everyone.rows] == [WITHIN, WITHIN]
    # one of fifty against a rate of 1/70: within (a count of 1 is the likeliest after 0)
    one = funnel([Point(1, 0, 20, Decimal("0.0")), Point(2, 1, 50, Decimal("2.0"))], Direction.LOWER)
    assert [row.flag for row in one.rows] == [WITHIN, WITHIN]


def test_a_small_provider_is_not_an_outlier_on_noise():
    # 6 of 10 (60.0%) against p = 0.8: P(X ≤ 4) = 0.0064 < 0.025 ≤ P(X ≤ 5) = 0.0328, so the 95% limits
    # for n = 10 are 5 to 10 → within.
    # 60 of 100: the 99.8% limits are 67 to 91 → special cause, worse.
    assert classify(6, Decimal("0.8"), 10, True) == (WITHIN, "")
    assert classify(60, Decimal("0.8"), 100, True) == (SPECIAL_CAUSE, "worse")


def test_flags_both_ways_ranks_and_quartiles_for_higher_is_better():
    points = [
        Point(1, 80, 100, Decimal("80.0")),
        Point(2, 95, 100, Decimal("95.0")),
        Point(3, 60, 100, Decimal("60.0")),
        Point(4, 89, 100, Decimal("89.0")),
        Point(5, 76, 100, Decimal("76.0")),
    ]
    result = funnel(points, Direction.HIGHER)
    assert (result.rate, result.rate_text) == (Decimal("0.8"), "80.0% (400/500)")
    rows = {row.point.key: row for row in result.rows}
    assert [row.point.key for row in result.rows] == [2, 4, 1, 5, 3]  # best first
    assert (rows[2].flag, rows[2].side, rows[2].flag_label) == (
        SPECIAL_CAUSE,
        "better",
        "Special cause: better than expected",
    )
    assert (rows[3].flag, rows[3].flag_label) == (SPECIAL_CAUSE, "Special cause: worse than expected")
    assert (rows[4].flag, rows[4].side) == (WORTH_A_LOOK, "better")
    assert rows[1].flag == rows[5].flag == WITHIN
    assert rows[1].limits_95 == (Decimal("72.00"), Decimal("88.00"))
    assert rows[1].limits_998 == (Decimal("67.00"), Decimal("91.00"))
    # Five ranked: quartile = ceil(4 × rank ÷ 5): ranks 1..5 → 1, 2, 3, 4, 4
    assert [(r.rank, r.quartile) for r in result.rows] == [(1, 1), (2, 2), (3, 3), (4, 4), (5, 4)]


def test_ties_share_the_better_rank_and_few_comparators_have_no_quartile():
    points = [
        Point(1, 8, 10, Decimal("80.0")),
        Point(2, 16, 20, Decimal("80.0")),
        Point(3, 5, 10, Decimal("50.0")),
    ]
    result = funnel(points, Direction.HIGHER)
    assert [(r.point.key, r.rank, r.quartile) for r in result.rows] == [
        (1, 1, None),
        (2, 1, None),
        (3, 3, None),
    ]
    assert [(r.rank_short, r.rank_words) for r in result.rows] == [
        ("1=", "joint 1st of 3"),
        ("1=", "joint 1st of 3"),
        ("3", "3rd of 3"),
    ]


def test_flags_for_a_lower_is_better_measure():
    # p = 100 ÷ 2000 = 0.05; n = 1000: Bin(1000, 0.05) puts 99.8% of its chance on 30 to 73 and 95% on
    # 37 to 64: skewed upwards, as a rate near 0% is (the normal approximation gave 2.87%–7.13%).
    points = [Point(1, 20, 1000, Decimal("2.0")), Point(2, 80, 1000, Decimal("8.0"))]
    result = funnel(points, Direction.LOWER)
    rows = {row.point.key: row for row in result.rows}
    assert rows[1].limits_998 == (Decimal("3.00"), Decimal("7.30"))
    assert rows[1].limits_95 == (Decimal("3.70"), Decimal("6.40"))
    assert (rows[1].flag, rows[1].side, rows[1].rank) == (SPECIAL_CAUSE, "better", 1)  # low is good
    assert (rows[2].flag, rows[2].side, rows[2].rank) == (SPECIAL_CAUSE, "worse", 2)


# --- The world ---------------------------------------------------------------------------------


def result(t, period_id: str, numerator: int, denominator: int, rag: str = "green", **fields):
    period = parse_period(period_id)
    value = (Decimal(100 * numerator) / denominator).quantize(Decimal("0.1"), ROUND_HALF_UP)
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
        value=value,
        rag=rag,
        **fields,
    )


class Setup:
    def __init__(self, world):
        self.world = world
        council, icb = world.council, world.icb
        self.joint = contract(council, world.provider_a, reference="J-1", partners=[icb])
        self.second = contract(council, world.provider_a, reference="A-2")
        self.at_home = target(self.joint, "AT_HOME_91D", "90")
        result(self.at_home, QUARTER, 40, 50)
        result(target(self.second, "AT_HOME_91D", "90"), QUARTER, 40, 50)
        self.b_contract = None
        for name, (numerator, denominator) in OTHERS.items():
            provider = world.provider_b if name == "Brookside Care Services" else ProviderFactory(name=name)
            deal = contract(council, provider, reference=f"C-{name[:4]}")
            result(target(deal, "AT_HOME_91D", "90"), QUARTER, numerator, denominator)
            if provider == world.provider_b:
                self.b_contract = deal
        # Never compared: another parameter set, a low-numbers result, another council's provider.
        odd = contract(council, ProviderFactory(name="Oddparam Care"), reference="C-ODD")
        result(target(odd, "AT_HOME_91D", "90", params={"age_bands": ["18-64"]}), QUARTER, 1, 100)
        small = contract(council, ProviderFactory(name="Tiny Care"), reference="C-TINY")
        result(target(small, "AT_HOME_91D", "90"), QUARTER, 2, 3, "not_rated", not_rated_reason="low_numbers")
        self.elsewhere = contract(
            CouncilFactory(name="Farshire Council"), ProviderFactory(name="Far Care"), reference="F-1"
        )
        self.elsewhere_target = target(self.elsewhere, "AT_HOME_91D", "90")
        result(self.elsewhere_target, QUARTER, 1, 100)

    def acting(self, name: str):
        return acting_for(self.world.users[name], None)


@pytest.fixture
def setup(world):
    return Setup(world)


def page(response) -> str:
    return html.unescape(response.content.decode())


def test_commissioners_see_every_comparator_named_with_pooling(setup):
    options = benchmarking.benchmark_options(setup.acting("commissioner"))
    assert [m.key for m in options.measures] == [
        "AT_HOME_91D",
        next(m.key for m in options.measures if "." in m.key),
    ]
    assert [q.identifier for q in options.quarters] == [QUARTER]
    benchmark = benchmarking.benchmarks_for(
        setup.acting("commissioner"), "AT_HOME_91D", parse_period(QUARTER)
    )[0]
    rows = {row.label: row for row in benchmark.funnel.rows}
    assert set(rows) == {"Acme Homecare Ltd", *OTHERS}  # not Oddparam, Tiny or Far Care
    assert benchmark.funnel.rate_text == "80.0% (400/500)"
    acme = rows["Acme Homecare Ltd"]
    assert (acme.figures, acme.contracts, acme.flag) == ("80.0% (80/100)", 2, WITHIN)  # 40/50 + 40/50
    assert rows["Brookside Care Services"].flag_label == "Special cause: better than expected"
    assert rows["Cedar Lodge Care"].flag_label == "Special cause: worse than expected"
    assert rows["Dale Home Support"].flag_label == "Worth a look (better side)"


def test_a_partner_body_compares_within_its_own_contracts(setup):
    benchmark = benchmarking.benchmarks_for(setup.acting("icb_admin"), "AT_HOME_91D", parse_period(QUARTER))[
        0
    ]
    assert [(row.label, row.figures) for row in benchmark.funnel.rows] == [
        ("Acme Homecare Ltd", "80.0% (40/50)")
    ]


def test_the_commissioner_page_names_providers(setup, sign_in):
    response = sign_in(setup.world.users["commissioner"]).get("/portfolio/benchmarks/")
    text = page(response)
    assert response.status_code == 200
    for name in ("Acme Homecare Ltd", *OTHERS):
        assert name in text
    assert "<svg" in text and "Special cause: better than expected" in text
    assert "72.00% to 88.00%" in text and "67.00% to 91.00%" in text
    assert "Episodes counted (the denominator)" in text and "For a provider that counted n episodes" in text
    assert "people counted" not in text.lower()


def test_providers_see_themselves_and_others_anonymised(setup, sign_in):
    response = sign_in(setup.world.users["a_viewer"]).get(
        f"/portfolio/benchmarks/?measure=AT_HOME_91D&quarter={QUARTER}"
    )
    text = page(response)
    assert response.status_code == 200
    for name in (*OTHERS, "Oddparam", "Tiny Care", "Far Care", "C-Broo", "C-Ceda"):
        assert name not in text
    assert re.search(r"Your position</dt><dd[^>]*>80\.0% \(80/100\): ranked 3rd of 5, third quartile", text)
    table = text[text.index('data-testid="benchmark-table"') :]
    assert ["Provider A", "Provider B", "You", "Provider C", "Provider D"] == re.findall(
        r'<th scope="row" class="govuk-table__header">(?:<strong>)?([^<]+)', table
    )
    svg = text[text.index("<svg") : text.index("</svg>")]
    labels = re.findall(r'class="app-funnel-label"[^>]*>([^<]+)<', svg)
    assert labels == ["1", "2", "3 You", "4", "5"]  # numbered as in the table, the key


def test_provider_b_sees_only_its_own_name(setup, sign_in):
    text = page(sign_in(setup.world.users["b_admin"]).get("/portfolio/benchmarks/"))
    assert "Acme Homecare Ltd" not in text and "Cedar Lodge Care" not in text
    assert "Special cause: better than expected" in text  # Brookside, shown as "You"


def test_a_provider_with_two_commissioners_picks_the_body(setup, sign_in):
    client = sign_in(setup.world.users["a_admin"])
    text = page(client.get(f"/portfolio/benchmarks/?body={setup.world.icb.pk}"))
    assert "Commissioning body" in text and "80.0% (40/50): ranked 1st of 1" in text


def test_equal_figures_share_the_best_rank_on_the_page(world, sign_in):
    """Five providers all at 100%: each is "1=" in the table and "joint 1st of 5, top quartile"."""
    result(target(contract(world.council, world.provider_a, reference="A-1"), "AT_HOME_91D"), QUARTER, 50, 50)
    for name in ("Ash Care", "Birch Care", "Cherry Care", "Damson Care"):
        deal = contract(world.council, ProviderFactory(name=name), reference=f"C-{name[:3]}")
        result(target(deal, "AT_HOME_91D"), QUARTER, 100, 100)
    text = page(
        sign_in(world.users["a_viewer"]).get(f"/portfolio/benchmarks/?measure=AT_HOME_91D&quarter={QUARTER}")
    )
    assert re.search(
        r"Your position</dt><dd[^>]*>100\.0% \(50/50\): ranked joint 1st of 5, top quartile", text
    )
    table = text[text.index('data-testid="benchmark-table"') :]
    assert (
        re.findall(
            r'<tr class="govuk-table__row"[^>]*>\s*<td class="govuk-table__cell">\d+</td>\s*'
            r'<td class="govuk-table__cell">([^<]+)<',
            table,
        )
        == ["1="] * 5
    )


def test_bad_choices_are_shown_in_an_error_summary(setup, sign_in):
    response = sign_in(setup.world.users["commissioner"]).get(
        "/portfolio/benchmarks/?measure=NOPE&quarter=2020-21-Q1"
    )
    text = page(response)
    assert response.status_code == 200
    assert "govuk-error-summary" in text
    assert "Choose a measure from the list" in text and "Choose a quarter from the list" in text


# --- One plot per service type -----------------------------------------------------------------


def test_pool_groups_a_providers_contracts_within_a_service_type_only():
    rows = [
        {
            "contract__provider_id": 1,
            "contract__service_type": "homecare",
            "numerator": 70,
            "denominator": 100,
            "value": Decimal("70.0"),
            "contract__reference": "H-1",
        },
        {
            "contract__provider_id": 1,
            "contract__service_type": "short_term",
            "numerator": 190,
            "denominator": 200,
            "value": Decimal("95.0"),
            "contract__reference": "R-1",
        },
        {
            "contract__provider_id": 1,
            "contract__service_type": "homecare",
            "numerator": 30,
            "denominator": 50,
            "value": Decimal("60.0"),
            "contract__reference": "H-2",
        },
    ]
    by_type = benchmarking.pool(rows)
    assert set(by_type) == {("homecare", 1), ("short_term", 1)}
    homecare = by_type[("homecare", 1)]
    assert (homecare.numerator, homecare.denominator, homecare.value) == (100, 150, Decimal("66.7"))
    assert homecare.references == ["H-1", "H-2"]
    assert by_type[("short_term", 1)].value == Decimal("95.0")  # one contract: its stored value
    pooled = benchmarking.pool(rows, across_service_types=True)
    assert list(pooled) == [(benchmarking.POOLED, 1)]
    assert (pooled[(benchmarking.POOLED, 1)].numerator, pooled[(benchmarking.POOLED, 1)].denominator) == (
        290,
        350,
    )


class TwoServiceTypes:
    """Harbour holds a red homecare contract (70/100) and a reablement one (190/200); four other
    providers have 90/100 on homecare, and Kestrel 180/200 on reablement.

    Homecare: p = 430/500 = 0.86; n = 100: √(0.86 × 0.14 ÷ 100) = 0.034699; 99.8% lower limit
    0.86 − 3.090232 × 0.034699 = 0.75277 (75.28%), so 70.0% is special cause, worse.
    Pooled: Harbour 260/300 = 86.7% against p = 800/900 = 0.8889; n = 300: √(0.8889 × 0.1111 ÷ 300)
    = 0.018144, 95% limits 85.33%–92.45%, so the red contract reads as within the expected range.
    """

    def __init__(self, world):
        council = world.council
        self.world = world
        harbour = ProviderFactory(name="Harbour Care")
        result(
            target(contract(council, harbour, reference="HC-H"), "AT_HOME_91D", "90"), QUARTER, 70, 100, "red"
        )
        reablement = contract(council, harbour, reference="RE-H", service_type="short_term")
        result(target(reablement, "AT_HOME_91D", "90"), QUARTER, 190, 200)
        for name in ("Dale Care", "Greenlane Care", "Kestrel Care", "Oak Care"):
            provider = ProviderFactory(name=name)
            result(
                target(contract(council, provider, reference=f"HC-{name[:3]}"), "AT_HOME_91D", "90"),
                QUARTER,
                90,
                100,
            )
            if name == "Kestrel Care":
                other = contract(council, provider, reference="RE-K", service_type="short_term")
                result(target(other, "AT_HOME_91D", "90"), QUARTER, 180, 200)


def test_a_red_homecare_contract_is_its_own_point_in_the_homecare_plot(world):
    TwoServiceTypes(world)
    acting = acting_for(world.users["commissioner"], None)
    plots = benchmarking.benchmarks_for(acting, "AT_HOME_91D", parse_period(QUARTER))
    assert [(b.service_type, b.service_label) for b in plots] == [
        ("homecare", "Homecare (long-term)"),
        ("short_term", "Reablement / short-term"),
    ]
    homecare = {row.label: row for row in plots[0].funnel.rows}
    harbour = homecare["Harbour Care"]
    assert (harbour.figures, harbour.contracts, harbour.references) == ("70.0% (70/100)", 1, ("HC-H",))
    assert (harbour.flag, harbour.flag_label) == (SPECIAL_CAUSE, "Special cause: worse than expected")
    assert plots[0].funnel.rate_text == "86.0% (430/500)"
    assert [row.number for row in plots[0].funnel.rows] == [1, 2, 3, 4, 5]
    reablement = {row.label: row for row in plots[1].funnel.rows}
    assert set(reablement) == {"Harbour Care", "Kestrel Care"}
    assert reablement["Harbour Care"].figures == "95.0% (190/200)"
    # Pooled only when asked: the red contract then disappears inside Harbour's 86.7%.
    (pooled,) = benchmarking.benchmarks_for(acting, "AT_HOME_91D", parse_period(QUARTER), pooled=True)
    assert pooled.pooled and pooled.service_label == "All service types pooled"
    row = next(row for row in pooled.funnel.rows if row.label == "Harbour Care")
    assert (row.figures, row.contracts, row.flag) == ("86.7% (260/300)", 2, WITHIN)


def test_the_page_shows_a_plot_per_service_type_and_says_when_it_pools(world, sign_in):
    TwoServiceTypes(world)
    client = sign_in(world.users["commissioner"])
    text = page(client.get(f"/portfolio/benchmarks/?measure=AT_HOME_91D&quarter={QUARTER}"))
    assert text.count("<svg") == 2 and text.count('data-testid="benchmark-table"') == 2
    assert "One plot for each service type (2 below)" in text and "pools service types" not in text
    homecare = text[
        text.index('data-testid="funnel-homecare"') : text.index('data-testid="funnel-short-term"')
    ]
    assert "Homecare (long-term)</h3>" in homecare and "Harbour Care" in homecare
    assert "Special cause: worse than expected" in homecare
    assert re.search(r'<td class="govuk-table__cell govuk-table__cell--numeric">70\.0%</td>', homecare)
    assert homecare.count("<caption") == 1 and "Key to the funnel plot for Homecare (long-term)" in homecare
    form = text[text.index('<form method="get"') :]
    form = form[: form.index("</form>")]
    assert 'name="pool"' in form and "csrfmiddlewaretoken" not in form  # a GET form, no token

    pooled = page(client.get(f"/portfolio/benchmarks/?measure=AT_HOME_91D&quarter={QUARTER}&pool=on"))
    assert pooled.count("<svg") == 1 and 'data-testid="pooled-warning"' in pooled
    assert "This plot pools service types" in pooled and "All service types pooled</h3>" in pooled
    assert "Key to the funnel plot (all service types pooled)" in pooled


def test_a_provider_sees_only_its_own_service_types(world, sign_in):
    TwoServiceTypes(world)
    dale = member(Provider.objects.get(name="Dale Care"), Role.VIEWER)
    text = page(sign_in(dale).get(f"/portfolio/benchmarks/?measure=AT_HOME_91D&quarter={QUARTER}"))
    assert text.count("<svg") == 1 and "Homecare (long-term)</h3>" in text
    assert "Reablement / short-term</h3>" not in text and "Harbour" not in text


def test_a_provider_with_two_service_types_is_you_in_each_plot(world, sign_in):
    TwoServiceTypes(world)
    harbour = member(Provider.objects.get(name="Harbour Care"), Role.VIEWER)
    text = page(sign_in(harbour).get(f"/portfolio/benchmarks/?measure=AT_HOME_91D&quarter={QUARTER}"))
    main = text[
        text.index("<main") :
    ]  # the header names the person signed in, whose made-up name may be "Dale …"
    assert main.count("<svg") == 2 and "Kestrel" not in main and "Dale" not in main
    positions = re.findall(r'data-testid="your-position">([^<]+)<', text)
    assert positions == [
        "70.0% (70/100): ranked 5th of 5, bottom quartile. Special cause: worse than expected.",
        "95.0% (190/200): ranked 1st of 2. Within the expected range.",  # p = 370/400, n = 200
    ]


def test_numbered_labels_never_overlap_however_close_the_points():
    centres = [(300.0, 200.0)] * 6 + [(305.0, 203.0), (900.0, 30.0), (70.0, 390.0)]
    texts = [str(n) for n in range(1, 9)] + ["10 You"]
    boxes = funnel_chart.place_labels(centres, texts)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert funnel_chart._overlap(a, b, gap=0) == 0, (a, b)
        assert funnel_chart.LEFT <= a[0] and a[0] + a[2] <= funnel_chart.LEFT + funnel_chart.PLOT_W
        assert funnel_chart.TOP <= a[1] and a[1] + a[3] <= funnel_chart.TOP + funnel_chart.PLOT_H


# --- Trend -------------------------------------------------------------------------------------


def test_the_trend_table_lists_every_value(setup, sign_in):
    for month, (numerator, denominator) in {"2025-07": (180, 200), "2025-08": (551, 648)}.items():
        result(setup.at_home, month, numerator, denominator, "red" if numerator == 551 else "green")
    response = sign_in(setup.world.users["a_viewer"]).get(
        f"/portfolio/contracts/{setup.joint.pk}/targets/{setup.at_home.pk}/trend/"
    )
    text = page(response)
    assert response.status_code == 200
    table = text[text.index('data-testid="trend-table"') :]
    periods = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', table)
    assert periods == ["July 2025", "August 2025", "2025-26-Q2 (Jul–Sep 2025)"]
    assert "85.0% (551/648)" in table and "80.0% (40/50)" in table and "90.0% (180/200)" in table
    assert "90% or more" in table or "90% or more" in text
    assert "Green: 90% or more" in text and "Amber: 89.5% to under 90%" in text and "Red: under 89.5%" in text
    assert "October 2023 to September 2025" in text
    assert "so far" not in text and 'data-testid="trend-so-far"' not in text


def test_a_quarter_still_running_is_marked_so_far_in_the_table_the_chart_and_its_key(setup, sign_in):
    running = quarter_period(timezone.localdate())
    result(setup.at_home, running.identifier, 30, 40, "red")
    text = page(
        sign_in(setup.world.users["a_viewer"]).get(
            f"/portfolio/contracts/{setup.joint.pk}/targets/{setup.at_home.pk}/trend/"
        )
    )
    table = text[text.index('data-testid="trend-table"') :]
    periods = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', table)
    assert periods[-1] == f"{running.identifier} ({running.start:%b}–{running.end:%b %Y}), so far"
    assert f"{running.identifier} is still running: its figure is the quarter so far, not final" in text
    chart = text[text.index('data-testid="trend-chart"') : text.index("</svg>")]
    assert chart.count('stroke-dasharray="2 3"') == 2  # the quarter's bar and its key
    assert ">Quarter so far</text>" in chart


@pytest.mark.parametrize(
    ("who", "benchmarks", "trend"),
    [
        (None, 302, 302),
        ("nobody", 403, 403),
        ("a_submitter", 200, 200),
        ("a_approver", 200, 200),
        ("a_viewer", 200, 200),
        ("a_admin", 200, 200),
        ("b_admin", 200, 404),
        ("commissioner", 200, 200),
        ("contract_officer", 200, 200),
        ("quality_officer", 200, 200),
        ("c_viewer", 200, 200),
        ("c_admin", 200, 200),
        ("icb_admin", 200, 200),
    ],
)
def test_who_sees_what(setup, client, sign_in, who, benchmarks, trend):
    if who == "nobody":
        client = sign_in(UserFactory())
    elif who:
        client = sign_in(setup.world.users[who])
    trend_url = f"/portfolio/contracts/{setup.joint.pk}/targets/{setup.at_home.pk}/trend/"
    assert client.get("/portfolio/benchmarks/").status_code == benchmarks
    assert client.get(trend_url).status_code == trend


def test_trend_isolation(setup, sign_in):
    client = sign_in(setup.world.users["commissioner"])
    elsewhere = f"/portfolio/contracts/{setup.elsewhere.pk}/targets/{setup.elsewhere_target.pk}/trend/"
    assert client.get(elsewhere).status_code == 404  # another council's contract
    mismatched = f"/portfolio/contracts/{setup.joint.pk}/targets/{setup.elsewhere_target.pk}/trend/"
    assert client.get(mismatched).status_code == 404  # a target of another contract
    client.logout()
    b_client = sign_in(setup.world.users["b_admin"])
    url = f"/portfolio/contracts/{setup.joint.pk}/targets/{setup.at_home.pk}/trend/"
    assert b_client.get(url).status_code == 404


def test_a_provider_member_without_contracts_sees_nothing_to_benchmark(setup, sign_in):
    stranger = member(ProviderFactory(name="Lone Care"), Role.VIEWER)
    text = page(sign_in(stranger).get("/portfolio/benchmarks/"))
    assert "There is nothing to benchmark yet" in text and "Acme" not in text


def test_a_provider_reads_others_small_numbers_suppressed_and_unplotted(setup, sign_in):
    """The scrutiny report's small-number rule on a provider-facing page: a comparator whose figures
    would give away 1 to 4 people is listed as suppressed and left off the chart."""
    few_left_out = contract(setup.world.council, ProviderFactory(name="Few Out Care"), reference="C-FEW")
    result(target(few_left_out, "AT_HOME_91D", "90"), QUARTER, 38, 40)  # 2 not at home
    text = page(
        sign_in(setup.world.users["a_viewer"]).get(
            f"/portfolio/benchmarks/?measure=AT_HOME_91D&quarter={QUARTER}"
        )
    )
    table = text[text.index('data-testid="benchmark-table"') :]
    assert "95.0% (38/40)" not in text
    row = re.search(
        r'data-point="">.*?header">(Provider [A-Z])</th>\s*<td class="govuk-table__cell[^"]*">suppressed</td>'
        r"\s*<td[^>]*>suppressed</td>\s*<td[^>]*>40</td>",
        table,
        re.S,
    )
    assert row is not None
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert row.group(1) not in svg and "You" in svg
    assert re.findall(r'class="app-funnel-label"[^>]*>([^<]+)<', svg) == ["1", "2", "3 You", "4", "5"]
    assert "not plotted, as in the scrutiny report" in text
    # The commissioner still reads every figure.
    benchmark = benchmarking.benchmarks_for(
        setup.acting("commissioner"), "AT_HOME_91D", parse_period(QUARTER)
    )[0]
    assert "95.0% (38/40)" in [row.figures for row in benchmark.funnel.rows]


def test_the_page_checks_for_over_dispersion_and_allows_for_it_when_asked(setup, sign_in):
    """Six providers at 80.0% (400/500) spread far wider than chance: the page says so, and on request
    widens the limits by √φ, so that fewer providers are flagged."""
    client = sign_in(setup.world.users["commissioner"])
    query = f"/portfolio/benchmarks/?measure=AT_HOME_91D&quarter={QUARTER}"
    benchmark = benchmarking.benchmarks_for(
        setup.acting("commissioner"), "AT_HOME_91D", parse_period(QUARTER)
    )[0]
    spread = benchmark.funnel.dispersion
    assert spread is not None and spread.over_dispersed

    def words(response) -> str:
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())

    plain = words(client.get(query))
    assert f"The providers' figures vary more than chance alone explains (φ = {spread.phi:.2f}" in plain
    assert 'tick "Allow for over-dispersion" above' in plain
    flagged = plain.count("Special cause:")
    allowed = words(client.get(query + "&dispersion=on"))
    assert f"each is {spread.factor:.2f} times as far from the portfolio rate" in allowed
    assert f"widened by {spread.factor:.2f} for over-dispersion" in allowed  # the chart's description
    assert allowed.count("Special cause:") < flagged
