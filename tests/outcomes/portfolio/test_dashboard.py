"""The portfolio dashboard: the quarter's RAG matrix of contracts × measure columns, its filters,
sorting and totals, its CSV and XLSX exports, and who may see it.

Results are stored rows here (the dashboard never computes a figure): each test builds the rows it
reads. Commissioners see the contracts they lead or partner in; providers get 404.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.access import acting_for
from accounts.models import Role
from commissioning.models import ServiceType
from commissioning.notices.models import Notice
from commissioning.qaf.models import QafStatus
from outcomes.models import ComplianceResult, ResultOverride
from outcomes.periods import parse_period, quarter_period
from outcomes.portfolio.dashboard_facts import returns_outstanding
from outcomes.portfolio.matrix import MatrixFilters, dashboard_default_quarter, portfolio_matrix
from tests.factories import CouncilFactory, ProviderFactory, UserFactory, contract, member, target

pytestmark = pytest.mark.django_db

Q1 = "2025-26-Q1"
URL = "/portfolio/"


def stored(t, period: str = Q1, numerator: int = 4, denominator: int = 6, rag: str = "green", **fields):
    """A stored latest result of target ``t`` for the period."""
    p = parse_period(period)
    value = fields.pop("value", None)
    if value is None and denominator:
        value = (Decimal(100 * numerator) / denominator).quantize(Decimal("0.1"))
    return ComplianceResult.objects.create(
        contract=t.contract,
        target=t,
        target_version=t.versions.get(),
        period=p.identifier,
        period_kind=p.kind,
        period_start=p.start,
        period_end=p.end,
        numerator=numerator,
        denominator=denominator,
        value=value,
        rag=rag,
        **fields,
    )


class Portfolio:
    """The council leads C-001 (provider A) and C-003 (provider B) with the ICB as partner, and
    C-002 (provider B) alone; the ICB leads ICB-001 alone; another council's contract is never shown."""

    def __init__(self, world):
        self.world = world
        w = world
        self.c1 = contract(
            w.council, w.provider_a, reference="C-001", partners=[w.icb], service_type="short_term"
        )
        self.c2 = contract(w.council, w.provider_b, reference="C-002")
        self.c3 = contract(w.council, w.provider_b, reference="C-003", partners=[w.icb])
        self.icb_only = contract(w.icb, w.provider_a, reference="ICB-001")
        self.other = contract(CouncilFactory(name="Elsewhere Council"), w.provider_a, reference="ELSE-001")
        self.iw42 = target(self.c1, "INDEPENDENT_WITHIN", "66")
        self.iw14 = target(self.c1, "INDEPENDENT_WITHIN", "33", {"window_days": 14})
        self.help1 = target(self.c1, "HELP_48H", "90")
        self.help2a = target(self.c2, "HELP_48H", "90")
        self.help2b = target(self.c2, "HELP_48H", "80")  # a second target in the same column: stacked
        self.help3 = target(self.c3, "HELP_48H", "90")
        self.other_help = target(self.other, "HELP_48H", "90")
        self.r_iw42 = stored(self.iw42, numerator=4, denominator=6, rag="green", direction="improved")
        self.r_iw14 = stored(
            self.iw14, numerator=2, denominator=3, rag="not_rated", not_rated_reason="low_numbers", pending=2
        )
        self.r_help1 = stored(self.help1, numerator=551, denominator=648, rag="red", direction="worsened")
        self.r_help2a = stored(
            self.help2a, numerator=85, denominator=100, rag="red", missing_months=["2025-05"]
        )
        self.r_help2b = stored(self.help2b, numerator=79, denominator=100, rag="amber", restated=True)
        # help3 has a target in force but no stored result
        stored(self.other_help, numerator=1, denominator=100, rag="red")
        ResultOverride.objects.create(
            target=self.help2a,
            period=Q1,
            rag="amber",
            reason="Agreed at review",
            computed_rag="red",
            result=self.r_help2a,
            created_by_label="Commissioner",
        )

    def acting(self, role: str = "commissioner"):
        return acting_for(self.world.users[role], None)


@pytest.fixture
def portfolio(world) -> Portfolio:
    return Portfolio(world)


def matrix_for(portfolio, role="commissioner", **filters):
    return portfolio_matrix(portfolio.acting(role), parse_period(Q1), MatrixFilters(**filters))


# --- The matrix ----------------------------------------------------------------------------------


def test_columns_are_measure_and_params_and_cells_hold_stored_results(portfolio):
    matrix = matrix_for(portfolio)
    labels = [column.label for column in matrix.columns]
    assert labels[0] == "Help within 48 hours of referral"
    # Each column is named with its parameters in words; the headers are short and unique.
    assert labels[1:] == [
        "Independent 14 days after first visit (short-term care)",
        "Independent 42 days after first visit (short-term care)",
    ]
    assert [column.short for column in matrix.columns] == [
        "Help in 48 hours",
        "Independent 14 days",
        "Independent 42 days",
    ]
    refs = [row.contract.reference for row in matrix.rows]
    assert refs == ["C-001", "C-002", "C-003"]
    c1, c2, c3 = matrix.rows
    help_cell = c1.entries[0][0]
    assert help_cell.figures == "85.0% (551/648)"
    assert (help_cell.rag_label, help_cell.direction_label) == ("Red", "Worsened")
    low = next(e[0] for e in c1.entries[1:] if e[0].result.pk == portfolio.r_iw14.pk)
    assert low.marks == ["low numbers", "2 pending"]
    stacked = c2.entries[0]
    assert [cell.result.pk for cell in stacked] == [portfolio.r_help2a.pk, portfolio.r_help2b.pk]
    assert stacked[0].rag == "amber" and stacked[0].computed_label == "Red"
    assert stacked[0].marks == ["incomplete", "overridden"]
    assert stacked[1].marks == ["restated"]
    assert c2.entries[1] == [] and c2.entries[2] == []  # not measured
    assert c3.entries[0] == [None]  # a target in force, no stored result


def test_totals_by_rag_across_matrix_and_per_column(portfolio):
    matrix = matrix_for(portfolio)
    # Shown RAG after the override: C-002's red is amber.
    assert matrix.totals == {"green": 1, "amber": 2, "red": 1, "not_rated": 1}
    assert matrix.columns[0].totals == {"red": 1, "amber": 2}
    assert [row.reds for row in matrix.rows] == [1, 0, 0]
    assert matrix.contracts_with_red == 1


def test_filters(portfolio, world):
    assert [r.contract.reference for r in matrix_for(portfolio, provider_id=world.provider_b.pk).rows] == [
        "C-002",
        "C-003",
    ]
    assert [r.contract.reference for r in matrix_for(portfolio, commissioner_id=world.icb.pk).rows] == [
        "C-001",
        "C-003",
    ]
    by_type = matrix_for(portfolio, service_type=ServiceType.SHORT_TERM)
    assert [r.contract.reference for r in by_type.rows] == ["C-001"]
    assert [r.contract.reference for r in matrix_for(portfolio, reds_only=True).rows] == ["C-001"]
    portfolio.c3.status = "ended"
    portfolio.c3.save()
    assert [r.contract.reference for r in matrix_for(portfolio, status="ended").rows] == ["C-003"]


def test_sorting(portfolio, world):
    stored(portfolio.help3, numerator=1, denominator=10, rag="red")
    QafStatus.objects.create(
        commissioner=world.council,
        provider=world.provider_b,
        contract=portfolio.c3,
        status="overdue",
        reason="x",
    )
    QafStatus.objects.create(
        commissioner=world.council, provider=world.provider_a, status="compliant", reason="x"
    )
    Notice.objects.create(
        commissioner=world.council,
        contract=portfolio.c2,
        provider=world.provider_b,
        kind="noc",
        reason="returns",
        status="issued",
        issued_at=timezone.now(),
        clock_start_on=timezone.localdate(),
        created_by_label="Officer",
    )
    order = {
        sort: [r.contract.reference for r in matrix_for(portfolio, sort=sort).rows]
        for sort in ("reference", "provider", "reds", "stage", "qaf")
    }
    assert order["reference"] == ["C-001", "C-002", "C-003"]
    assert order["provider"] == ["C-001", "C-002", "C-003"]  # Acme, then Brookside by reference
    assert order["reds"] == ["C-001", "C-003", "C-002"]
    assert order["stage"] == ["C-002", "C-001", "C-003"]
    assert order["qaf"] == ["C-003", "C-002", "C-001"]  # overdue, not assessed, compliant
    rows = {r.contract.reference: r for r in matrix_for(portfolio).rows}
    assert (rows["C-002"].open_notices, rows["C-002"].stage) == (1, "noc")
    assert rows["C-001"].qaf.status == "compliant"


def test_returns_outstanding_counts_overdue_months_of_active_contracts(portfolio):
    portfolio.c3.status = "ended"
    portfolio.c3.save()
    # In the middle of a month every one of the last twelve months is past its due day (the 10th).
    mid_month = datetime(2026, 12, 20, 12, tzinfo=UTC)
    counts = returns_outstanding([portfolio.c1, portfolio.c3], now=mid_month)
    assert counts[portfolio.c1.pk] == 12  # no return accepted in the last twelve months
    assert counts[portfolio.c3.pk] == 0
    # Early in the month the month just ended is not due yet.
    early = datetime(2026, 12, 4, 12, tzinfo=UTC)
    assert returns_outstanding([portfolio.c1], now=early)[portfolio.c1.pk] == 11
    rows = {r.contract.reference: r for r in matrix_for(portfolio).rows}
    assert rows["C-001"].returns_outstanding == returns_outstanding([portfolio.c1])[portfolio.c1.pk]
    assert rows["C-003"].returns_outstanding == 0


def test_default_quarter_is_latest_ended_quarter_with_results():
    current = quarter_period(timezone.localdate())
    earlier = parse_period(Q1)
    assert dashboard_default_quarter([current, earlier]) == earlier
    assert dashboard_default_quarter([current]) is None  # a quarter still running is never the default
    assert dashboard_default_quarter([]) is None


def _many(world, first: int, count: int) -> None:
    provider = ProviderFactory()
    for index in range(first, first + count):
        c = contract(world.council, provider, reference=f"M-{index:03d}", partners=[world.icb])
        for measure, params in (
            ("HELP_48H", {}),
            ("INDEPENDENT_WITHIN", {}),
            ("INDEPENDENT_WITHIN", {"window_days": 14}),
        ):
            stored(target(c, measure, "50", params), rag="red" if index % 2 else "green")
        QafStatus.objects.create(
            commissioner=world.council, provider=provider, contract=c, status="compliant", reason="x"
        )


def test_page_queries_do_not_grow_with_contracts(world, sign_in, django_assert_max_num_queries):
    client = sign_in(world.users["commissioner"])
    _many(world, 0, 2)
    with CaptureQueriesContext(connection) as two:
        assert client.get(URL, {"quarter": Q1}).status_code == 200
    _many(world, 2, 18)
    with django_assert_max_num_queries(len(two.captured_queries)):
        response = client.get(URL, {"quarter": Q1})
    assert response.content.decode().count('data-testid="row-M-') == 20


# --- The page ------------------------------------------------------------------------------------


def test_page_links_cells_and_marks(portfolio, world, sign_in):
    page = sign_in(world.users["commissioner"]).get(URL).content.decode()  # the default quarter: Q1
    assert f'href="/results/contracts/{portfolio.c1.pk}/"' in page
    assert f'href="/results/{portfolio.r_help1.pk}/"' in page
    # A compact cell: value and RAG word; the figures, period, direction and marks in its tip (the
    # link's name), shown on hover and focus.
    assert "85.0% (551/648), 2025-26-Q1, Worsened" in page and ">Red</strong>" in page
    assert "66.7% (4/6), 2025-26-Q1, Improved" in page
    assert "Amber, overridden (computed Red), incomplete" in page and "restated" in page
    assert "incomplete" in page and "low numbers" in page and "2 pending" in page
    assert 'role="region"' in page and 'tabindex="0"' in page and 'scope="row"' in page
    assert "ELSE-001" not in page and "ICB-001" not in page  # contracts the council is no party to
    assert "No result" in page and "Not measured" in page
    # The key names each short column header in full.
    assert "Independent 42 days after first visit (short-term care)" in page
    # The key says what the figures count: episodes (measures.md v1.1), never people.
    assert "The value, then the episodes counted: 551 of 648." in page
    assert "Fewer episodes than the target's minimum, so not rated." in page
    assert "Episodes whose judging day is not yet covered by a return" in page


def test_page_empty_states(world, sign_in, portfolio):
    client = sign_in(world.users["commissioner"])
    page = client.get(URL, {"quarter": Q1, "service_type": "extra_care"}).content.decode()
    assert "No contracts running in 2025-26-Q1 match these filters" in page
    page = client.get(URL, {"quarter": "1999-00-Q1"}).content.decode()
    assert "Choose a quarter with results from the list" in page


def test_page_with_no_results_at_all(world, sign_in):
    page = sign_in(world.users["icb_admin"]).get(URL).content.decode()
    assert "No results are stored yet" in page


# --- Exports -------------------------------------------------------------------------------------


def test_csv_matches_matrix_and_neutralises_formulas(portfolio, world, sign_in):
    portfolio.c1.title = '=HYPERLINK("http://evil")'
    portfolio.c1.save()
    portfolio.world.provider_a.name = "@Acme"
    portfolio.world.provider_a.save()
    response = sign_in(world.users["commissioner"]).get(
        "/portfolio/matrix.csv", {"quarter": Q1, "sort": "reds"}
    )
    assert response["Content-Disposition"] == 'attachment; filename="portfolio-2025-26-Q1.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, first = rows[0], rows[1]
    assert header[:3] == ["Contract reference", "Contract title", "Provider"]
    assert [row[0] for row in rows[1:]] == ["C-001", "C-002", "C-003"]
    assert first[1] == '\'=HYPERLINK("http://evil")' and first[2] == "'@Acme"
    line = dict(zip(header, rows[2], strict=True))
    help_label = "Help within 48 hours of referral"
    assert line[help_label] == "85.0% (85/100) | 79.0% (79/100)"
    assert line[f"{help_label}: RAG"] == "Amber (overridden; computed Red) | Amber"
    assert line[f"{help_label}: marks"] == "incomplete; overridden | restated"
    assert "ELSE-001" not in response.content.decode()


def test_xlsx_matches_matrix_and_neutralises_formulas(portfolio, world, sign_in):
    portfolio.c2.title = "-2+3"
    portfolio.c2.save()
    response = sign_in(world.users["c_viewer"]).get("/portfolio/matrix.xlsx", {"quarter": Q1})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Contract reference"
    assert [row[0] for row in rows[1:]] == ["C-001", "C-002", "C-003"]
    assert rows[2][1] == "'-2+3" and sheet.cell(row=3, column=2).data_type == "s"
    header = rows[0]
    assert rows[1][header.index("Help within 48 hours of referral")] == "85.0% (551/648)"
    assert rows[1][header.index("Reds")] == 1  # counts stay numbers
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


# --- Who may see it ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [URL, "/portfolio/matrix.csv", "/portfolio/matrix.xlsx"])
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("a_submitter", 404),
        ("a_approver", 404),
        ("a_viewer", 404),
        ("a_admin", 404),
        ("b_admin", 404),
        ("commissioner", 200),
        ("contract_officer", 200),
        ("quality_officer", 200),
        ("c_viewer", 200),
        ("c_admin", 200),
        ("icb_admin", 200),
    ],
)
def test_who_may_see_it(portfolio, world, sign_in, path, role, status):
    assert sign_in(world.users[role]).get(path).status_code == status


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/account/sign-in/" in response["Location"]


def test_icb_sees_its_own_and_joint_contracts_only(portfolio, world, sign_in):
    page = sign_in(world.users["icb_admin"]).get(URL, {"quarter": Q1}).content.decode()
    assert "C-001" in page and "C-003" in page and "ICB-001" in page
    assert "C-002" not in page and "ELSE-001" not in page


@pytest.mark.parametrize("path", [URL, "/portfolio/matrix.csv", "/portfolio/matrix.xlsx"])
def test_commissioner_without_portfolio_capability_is_refused(world, sign_in, path):
    odd = member(
        world.council, Role.SUBMITTER, email="odd@riverton.example"
    )  # a role with no council capability
    assert sign_in(odd).get(path).status_code == 403


def test_person_with_no_organisation_is_refused(sign_in, db):
    assert sign_in(UserFactory()).get(URL).status_code == 403


# --- Exceptions first and the heat map ------------------------------------------------------------


def test_needs_attention_lists_reds_enforcement_qaf_and_returns_with_reasons(portfolio, world):
    QafStatus.objects.create(
        commissioner=world.council, provider=world.provider_b, status="non_compliant_past_window", reason="x"
    )
    Notice.objects.create(
        commissioner=world.council,
        contract=portfolio.c3,
        provider=world.provider_b,
        kind="breach",
        reason="returns",
        status="issued",
        issued_at=timezone.now(),
        clock_start_on=timezone.localdate(),
        created_by_label="Officer",
    )
    matrix = matrix_for(portfolio)
    urgent, returns_only = matrix.attention_parts()
    reasons = {row.contract.reference: row.reasons for row in urgent}
    assert [row.contract.reference for row in matrix.attention] == ["C-001", "C-003", "C-002"]
    assert reasons["C-001"][0] == "Red on Help in 48 hours"
    assert reasons["C-003"][:2] == ["Breach notice open", "QAF non-compliant, past its window"]
    assert reasons["C-002"][0] == "QAF non-compliant, past its window"  # its red is overridden to amber
    assert [row.contract.reference for row in urgent] == ["C-001", "C-003", "C-002"] and returns_only == []


def test_heat_map_counts_each_measure_column_by_rag(portfolio):
    matrix = matrix_for(portfolio)
    assert [(c.short, [count for _, _, count in c.heat]) for c in matrix.columns] == [
        ("Help in 48 hours", [0, 2, 1, 0]),
        ("Independent 14 days", [0, 0, 0, 1]),
        ("Independent 42 days", [1, 0, 0, 0]),
    ]


def test_page_puts_exceptions_and_heat_map_before_the_matrix(portfolio, world, sign_in):
    page = sign_in(world.users["commissioner"]).get(URL).content.decode()
    attention, heat, matrix = (
        page.index('data-testid="needs-attention"'),
        page.index('data-testid="dashboard-heatmap"'),
        page.index('data-testid="dashboard-matrix"'),
    )
    assert attention < heat < matrix
    assert "Red on Help in 48 hours" in page[attention:heat]


def test_scorecard_trend_and_result_pages_name_the_target_with_its_parameters(portfolio, world, sign_in):
    client = sign_in(world.users["commissioner"])
    name = "Independent 14 days after first visit (short-term care)"
    scorecard = client.get(f"/results/contracts/{portfolio.c1.pk}/").content.decode()
    assert name in scorecard and "No further help needed" not in scorecard
    trend = client.get(f"/portfolio/contracts/{portfolio.c1.pk}/targets/{portfolio.iw14.pk}/trend/")
    assert f"Trend: {name}" in trend.content.decode()
    detail = client.get(f"/results/{portfolio.r_iw14.pk}/").content.decode()
    assert f'<h1 class="govuk-heading-l">{name}</h1>' in detail


# --- Paging --------------------------------------------------------------------------------------


def _rows_shown(page: str) -> list[str]:
    return re.findall(r'data-testid="row-([^"]+)"', page)


def test_matrix_pages_fifty_contracts_keeping_filters_and_sort(world, sign_in):
    _many(world, 0, 55)
    client = sign_in(world.users["commissioner"])
    first = client.get(URL, {"quarter": Q1, "sort": "reds"}).content.decode()
    reds_first = [f"M-{i:03d}" for i in range(1, 55, 2)] + [f"M-{i:03d}" for i in range(0, 55, 2)]
    assert _rows_shown(first) == reds_first[:50]
    assert "Showing 1 to 50 of 55 contracts" in first
    assert '<nav class="govuk-pagination" aria-label="Pages of the portfolio matrix"' in first
    assert 'href="?quarter=2025-26-Q1&amp;sort=reds&amp;page=2#dashboard-matrix" rel="next"' in first
    assert 'aria-label="Page 1" aria-current="page"' in first
    # the counts, totals and heat map are over every contract, not the page
    assert (
        "<strong>55</strong> contracts shown" in first
        and "<strong>27</strong> with at least one red" in first
    )
    assert "<strong>81</strong> Red" in first

    second = client.get(URL, {"quarter": Q1, "sort": "reds", "page": "2"}).content.decode()
    assert _rows_shown(second) == reds_first[50:]
    assert "Showing 51 to 55 of 55 contracts" in second
    assert 'href="?quarter=2025-26-Q1&amp;sort=reds&amp;page=1#dashboard-matrix" rel="prev"' in second
    # past the last page is the last page; not a number is the first
    assert (
        _rows_shown(client.get(URL, {"quarter": Q1, "sort": "reds", "page": "9"}).content.decode())
        == (reds_first[50:])
    )
    assert _rows_shown(client.get(URL, {"quarter": Q1, "page": "x"}).content.decode())[0] == "M-000"


def test_a_portfolio_of_fifty_or_fewer_has_no_pages(portfolio, world, sign_in):
    page = sign_in(world.users["commissioner"]).get(URL, {"quarter": Q1}).content.decode()
    assert _rows_shown(page) == ["C-001", "C-002", "C-003"]
    assert "govuk-pagination" not in page and "Showing" not in page


def test_page_matrix_totals_equal_the_whole_matrix(world, portfolio):
    _many(world, 0, 55)
    acting, quarter = portfolio.acting(), parse_period(Q1)
    whole = portfolio_matrix(acting, quarter, MatrixFilters(sort="qaf"))
    paged = portfolio_matrix(acting, quarter, MatrixFilters(sort="qaf"), page="2")
    assert len(whole.rows) == 58 and [r.contract.reference for r in paged.rows] == [
        r.contract.reference for r in whole.rows[50:]
    ]
    assert paged.totals == whole.totals and [c.totals for c in paged.columns] == [
        c.totals for c in whole.columns
    ]
    assert [r.entries for r in paged.rows] == [r.entries for r in whole.rows[50:]]


def test_downloads_give_every_contract_matching_the_filters_not_the_page(world, sign_in):
    _many(world, 0, 55)
    client = sign_in(world.users["commissioner"])
    response = client.get("/portfolio/matrix.csv", {"quarter": Q1, "reds": "on", "page": "2"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [f"M-{i:03d}" for i in range(1, 55, 2)]
    response = client.get("/portfolio/matrix.xlsx", {"quarter": Q1, "page": "1"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 1 + 55


def test_needs_attention_lists_the_ten_most_urgent_and_links_to_them_all(world, sign_in):
    _many(world, 0, 55)  # the odd ones have three reds each; every one has its returns overdue
    client = sign_in(world.users["commissioner"])
    page = client.get(URL, {"quarter": Q1}).content.decode()
    attention = page[page.index('id="needs-attention"') : page.index('data-testid="dashboard-filters"')]
    assert "Needs attention: 55 contracts" in attention
    odd, even = [f"M-{i:03d}" for i in range(1, 55, 2)], [f"M-{i:03d}" for i in range(0, 55, 2)]
    assert re.findall(r'data-testid="attention-(M-[^"]+)"', attention) == odd[:10] + even[:10]
    assert "The 10 most urgent of 27 with a red" in attention
    assert "28 more contracts with only monthly returns overdue" in attention
    link = re.search(r'href="\?([^"]+)#dashboard-matrix">See all 55 contracts that need attention', attention)
    assert link is not None
    query = link.group(1).replace("&amp;", "&")
    assert "attention=on" in query and "sort=attention" in query and "quarter=2025-26-Q1" in query
    everyone = client.get(f"{URL}?{query}").content.decode()
    assert _rows_shown(everyone) == (odd + even)[:50] and "Showing 1 to 50 of 55 contracts" in everyone
    reds_only = client.get(URL, {"quarter": Q1, "reds": "on"}).content.decode()
    assert "Needs attention: 27 contracts" in reds_only
