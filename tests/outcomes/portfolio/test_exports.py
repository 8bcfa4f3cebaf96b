"""Portfolio exports (results CSV/XLSX, the notice register and QAF tracker as XLSX) and the scrutiny
report PDF: their content and filters, formula neutralising, who may download what, and the
small-number suppression rule (outcomes.portfolio.scrutiny)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from accounts.downloads import xlsx_bytes
from commissioning.notices.models import Notice, NoticeKind, NoticeReason, NoticeStatus
from outcomes.measures.disclosure import (
    FEWER_THAN_5,
    SUPPRESSED,
    suppress,
    suppress_rate,
    suppress_row,
)
from outcomes.models import ComplianceResult, EpisodeRecord, MonthlyReturn, ResultOverride, ReturnAttempt
from outcomes.periods import parse_period
from tests.factories import UserFactory, contract, target

pytestmark = pytest.mark.django_db

QUARTER, YEAR_BEFORE = "2026-27-Q2", "2025-26-Q2"


# XML reads a carriage return back as a line feed; the leading quote is what matters.
def _in_xlsx(texts):
    return sorted("'" + text.replace("\r", "\n") for text in texts)


NASTY = ['=HYPERLINK("http://x")', "+1+2", "-3-4", "@SUM(A1)", "\tTAB", "\rCR"]


# --- Suppression (pure) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "shown"), [(0, "0"), (1, FEWER_THAN_5), (4, FEWER_THAN_5), (5, "5"), (120, "120"), (None, "—")]
)
def test_suppress_shows_1_to_4_as_fewer_than_5(count, shown):
    assert suppress(count) == shown


def test_secondary_suppression_hides_the_next_smallest_when_one_cell_is_small():
    # Green 3, Amber 0, Red 7, Not rated 12: the 3 alone could be recovered from the total.
    assert suppress_row([3, 0, 7, 12]) == [FEWER_THAN_5, "0", SUPPRESSED, "12"]


def test_no_secondary_suppression_when_two_cells_are_small_or_none_is():
    assert suppress_row([3, 2, 7]) == [FEWER_THAN_5, FEWER_THAN_5, "7"]
    assert suppress_row([5, 0, 9]) == ["5", "0", "9"]
    assert suppress_row([4, 0, 0]) == [FEWER_THAN_5, "0", "0"]  # nothing else to hide behind


def test_secondary_suppression_ties_take_the_first():
    assert suppress_row([8, 2, 8]) == [SUPPRESSED, FEWER_THAN_5, "8"]


def test_suppress_rate():
    assert suppress_rate(551, 648).text == "85.0% (551 of 648)"
    assert suppress_rate(2, 3).text == f"suppressed ({FEWER_THAN_5} of {FEWER_THAN_5})"
    assert suppress_rate(0, 4).text == f"suppressed ({FEWER_THAN_5} of {FEWER_THAN_5})"
    assert suppress_rate(3, 200).text == f"suppressed ({FEWER_THAN_5} of 200)"
    assert suppress_rate(197, 200).text == "suppressed (suppressed of 200)"  # 3 left out
    assert suppress_rate(0, 200).text == "0.0% (0 of 200)"
    assert suppress_rate(0, 0).text == "no data"
    assert suppress_rate(3, 200).value is None


# --- Spreadsheets --------------------------------------------------------------------------------


def _sheet(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).active


def test_xlsx_bytes_neutralises_formulas_and_keeps_numbers():
    content = xlsx_bytes(
        ["Name", "Count", "Day"], [[text, -2, date(2026, 7, 1)] for text in NASTY], title="A/B: t"
    )
    sheet = _sheet(content)
    assert sheet.title == "A B t"
    assert [c.value for c in sheet[1]] == ["Name", "Count", "Day"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    names = [sheet.cell(row=r, column=1).value for r in range(2, 2 + len(NASTY))]
    assert sorted(names) == _in_xlsx(NASTY)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.cell(row=2, column=2).value == -2
    assert sheet.cell(row=2, column=3).value.date() == date(2026, 7, 1)


# --- Fixtures ------------------------------------------------------------------------------------


def _result(deal, tgt, period: str, numerator: int, denominator: int, rag: str, **extra) -> ComplianceResult:
    p = parse_period(period)
    return ComplianceResult.objects.create(
        contract=deal,
        target=tgt,
        target_version=tgt.versions.first(),
        period=p.identifier,
        period_kind=p.kind,
        period_start=p.start,
        period_end=p.end,
        numerator=numerator,
        denominator=denominator,
        value=None if not denominator else (Decimal(100) * numerator / denominator).quantize(Decimal("0.1")),
        rag=rag,
        not_rated_reason=extra.pop("not_rated_reason", None),
        **extra,
    )


class Portfolio:
    """Joint contract A (council lead, ICB partner) with Acme; contract B (council) with Brookside."""

    def __init__(self, world):
        self.world = world
        self.a = contract(world.council, world.provider_a, reference="RCC-A", partners=[world.icb])
        self.b = contract(world.council, world.provider_b, reference="RCC-B")
        self.a_ind = target(self.a, "INDEPENDENT_WITHIN", "66")
        self.a_help = target(self.a, "HELP_48H", "90")
        self.b_ind = target(self.b, "INDEPENDENT_WITHIN", "66")
        self.r_a_ind = _result(self.a, self.a_ind, QUARTER, 70, 100, "green")
        self.r_a_help = _result(
            self.a, self.a_help, QUARTER, 3, 4, "not_rated", not_rated_reason="low_numbers"
        )
        self.r_b_ind = _result(self.b, self.b_ind, QUARTER, 50, 100, "red", restated=True)
        self.r_a_ytd = _result(self.a, self.a_ind, "2026-27-YTD-09", 140, 200, "green")
        _result(self.a, self.a_ind, YEAR_BEFORE, 60, 100, "red")
        _result(self.b, self.b_ind, YEAR_BEFORE, 55, 100, "red")
        ResultOverride.objects.create(
            target=self.b_ind, period=QUARTER, rag="amber", reason="Agreed at review", computed_rag="red"
        )


@pytest.fixture
def portfolio(world) -> Portfolio:
    return Portfolio(world)


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx_rows(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    rows = list(_sheet(response.content).iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# --- Results -------------------------------------------------------------------------------------


def test_results_csv_has_every_latest_result_the_commissioner_may_see(portfolio, sign_in):
    rows = _csv(sign_in(portfolio.world.users["c_viewer"]).get("/portfolio/exports/results.csv"))
    assert len(rows) == 6
    b = next(r for r in rows if r["Contract"] == "RCC-B" and r["Period"] == QUARTER)
    assert b["Provider"] == "Brookside Care Services"
    assert b["Commissioner"] == "Riverton City Council"
    assert (b["Numerator"], b["Denominator"], b["Value (%)"]) == ("50", "100", "50.0")
    assert (b["Computed RAG"], b["RAG shown"], b["Overridden"], b["Restated"]) == (
        "Red",
        "Amber",
        "yes",
        "yes",
    )
    low = next(r for r in rows if r["Measure"].startswith("Help within 48"))
    assert low["Not rated because"] == "low numbers"
    assert low["Period kind"] == "quarter"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("period=2026-27-Q2", {("RCC-A", QUARTER), ("RCC-B", QUARTER)}),
        ("kind=ytd", {("RCC-A", "2026-27-YTD-09")}),
        ("measure=HELP_48H", {("RCC-A", QUARTER)}),
        ("rag=amber", {("RCC-B", QUARTER)}),  # the override, not the computed red
        ("rag=red", {("RCC-A", YEAR_BEFORE), ("RCC-B", YEAR_BEFORE)}),
        ("measure=INDEPENDENT_WITHIN&period=2026-27-Q2&rag=green", {("RCC-A", QUARTER)}),
    ],
)
def test_results_filters(portfolio, sign_in, query, expected):
    client = sign_in(portfolio.world.users["commissioner"])
    rows = _csv(client.get(f"/portfolio/exports/results.csv?{query}"))
    assert {(r["Contract"], r["Period"]) for r in rows} == expected
    xlsx = _xlsx_rows(client.get(f"/portfolio/exports/results.xlsx?{query}"))
    assert {(r["Contract"], r["Period"]) for r in xlsx} == expected


def test_results_contract_filter_and_bad_filters(portfolio, sign_in):
    client = sign_in(portfolio.world.users["commissioner"])
    rows = _csv(client.get(f"/portfolio/exports/results.csv?contract={portfolio.b.pk}"))
    assert {r["Contract"] for r in rows} == {"RCC-B"}
    bad = client.get("/portfolio/exports/results.csv?period=2026-Q9")
    assert bad.status_code == 400
    assert "2026-27-Q2" in bad.content.decode()


def test_results_isolation(portfolio, sign_in, client):
    users = portfolio.world.users
    assert {
        r["Contract"] for r in _csv(sign_in(users["a_viewer"]).get("/portfolio/exports/results.csv"))
    } == {"RCC-A"}
    client.logout()
    b_rows = _xlsx_rows(sign_in(users["b_admin"]).get("/portfolio/exports/results.xlsx"))
    assert {r["Contract"] for r in b_rows} == {"RCC-B"}
    client.logout()
    icb = _csv(sign_in(users["icb_admin"]).get("/portfolio/exports/results.csv"))
    assert {r["Contract"] for r in icb} == {"RCC-A"}
    client.logout()
    # Provider A cannot reach contract B's results by naming it.
    bad = sign_in(users["a_admin"]).get(f"/portfolio/exports/results.csv?contract={portfolio.b.pk}")
    assert bad.status_code == 400


def test_results_exports_neutralise_formulas(world, sign_in):
    for index, text in enumerate(NASTY):
        deal = contract(world.council, world.provider_a, reference=text)
        _result(deal, target(deal), QUARTER, 5 + index, 10, "red")
    client = sign_in(world.users["commissioner"])
    rows = _csv(client.get("/portfolio/exports/results.csv"))
    assert sorted(r["Contract"] for r in rows) == sorted("'" + text for text in NASTY)
    xlsx = _xlsx_rows(client.get("/portfolio/exports/results.xlsx"))
    assert sorted(r["Contract"] for r in xlsx) == _in_xlsx(NASTY)
    assert all(isinstance(r["Numerator"], int) for r in xlsx)


# --- The notice register -------------------------------------------------------------------------


def _notice(deal, *, kind=NoticeKind.BREACH, status=NoticeStatus.ISSUED, on=date(2026, 8, 3), clause=""):
    issued = (
        None
        if status == NoticeStatus.DRAFT
        else timezone.make_aware(datetime.combine(on, datetime.min.time()))
    )
    return Notice.objects.create(
        commissioner=deal.lead_commissioner,
        contract=deal,
        provider=deal.provider,
        kind=kind,
        reason=NoticeReason.MISSED_CALLS,
        clause=clause,
        status=status,
        issued_at=issued,
        clock_start_on=on if issued else None,
        created_by_label="test",
    )


def test_notices_xlsx_same_filters_and_columns_as_the_csv(portfolio, sign_in):
    for text in NASTY:
        _notice(portfolio.a, clause=text)
    _notice(portfolio.b, kind=NoticeKind.NOC)
    _notice(portfolio.a, status=NoticeStatus.DRAFT, clause="draft")
    client = sign_in(portfolio.world.users["contract_officer"])
    query = f"contract={portfolio.a.pk}&type=breach"
    csv_rows = _csv(client.get(f"/notices/register.csv?{query}"))
    xlsx = _xlsx_rows(client.get(f"/portfolio/exports/notices.xlsx?{query}"))
    assert list(xlsx[0]) == list(csv_rows[0])
    assert [r["Notice"] for r in xlsx] == [int(r["Notice"]) for r in csv_rows]
    assert sorted(r["Contract clause"] for r in xlsx if r["Contract clause"] != "draft") == _in_xlsx(NASTY)
    bad = client.get("/portfolio/exports/notices.xlsx?quarter=1999-00-Q1")
    assert bad.status_code == 302 and bad["Location"].startswith("/notices/")


def test_notices_xlsx_for_a_provider_is_its_own_issued_notices(portfolio, sign_in):
    mine = _notice(portfolio.a, clause="mine")
    _notice(portfolio.a, status=NoticeStatus.DRAFT, clause="draft")
    _notice(portfolio.b, clause="theirs")
    rows = _xlsx_rows(sign_in(portfolio.world.users["a_viewer"]).get("/portfolio/exports/notices.xlsx"))
    assert [r["Notice"] for r in rows] == [mine.pk]


# --- The QAF tracker -----------------------------------------------------------------------------


def test_qaf_tracker_xlsx(portfolio, sign_in, client):
    world = portfolio.world
    world.provider_b.name = "=cmd|' /C calc'!A0"
    world.provider_b.save()
    client_c = sign_in(world.users["quality_officer"])
    rows = _xlsx_rows(client_c.get("/portfolio/exports/qaf-tracker.xlsx"))
    assert sorted(r["Provider"] for r in rows) == ["'=cmd|' /C calc'!A0", "Acme Homecare Ltd"]
    assert all(r["QAF status"] for r in rows)
    filtered = _xlsx_rows(client_c.get("/portfolio/exports/qaf-tracker.xlsx?cqc_rating=inadequate"))
    assert filtered == []
    client.logout()
    assert sign_in(world.users["a_admin"]).get("/portfolio/exports/qaf-tracker.xlsx").status_code == 404


# --- The scrutiny report -------------------------------------------------------------------------


def _pdf_text(response, tmp_path) -> str:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "scrutiny.pdf"
    path.write_bytes(response.content)
    done = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, timeout=60)
    return " ".join(done.stdout.decode().split())


def test_scrutiny_form_defaults_to_the_latest_quarter_with_results(portfolio, sign_in):
    page = sign_in(portfolio.world.users["c_viewer"]).get("/portfolio/scrutiny/")
    text = page.content.decode()
    assert page.status_code == 200
    assert f'value="{QUARTER}" selected' in text
    assert "public paper" in text
    assert 'name="name_providers"' in text and "checked" not in text.split('name="name_providers"')[1][:80]


def _people(deal, count: int, quarter: str = QUARTER) -> None:
    """``count`` distinct people receiving care on the contract in the quarter (one episode each)."""
    period = parse_period(quarter)
    month = period.start
    slot = MonthlyReturn.objects.create(contract=deal, month=month, due_at=timezone.now())
    attempt = ReturnAttempt.objects.create(
        monthly_return=slot,
        status="accepted",
        submitted_at=timezone.now(),
        submitted_by_label="test",
        version=1,
        is_current=True,
    )
    start = datetime(month.year, month.month, 2, 10, tzinfo=UTC)
    EpisodeRecord.objects.bulk_create(
        EpisodeRecord(
            attempt=attempt,
            contract=deal,
            month=month,
            row=n + 1,
            episode_ref=f"EP-{n}",
            person_ref=f"P-{n}",
            service_type="reablement",
            referral_source="hospital",
            age_band="85+",
            dementia=False,
            end_of_life=False,
            referred_at=start,
            first_visit_at=start,
            referred_on=start.date(),
            first_visit_on=start.date(),
            weekly_hours_start=Decimal("10"),
            weekly_hours_now=Decimal("10"),
            is_latest=True,
        )
        for n in range(count)
    )


def _scrutiny_page(client, query: str) -> str:
    response = client.get(f"/portfolio/scrutiny/?{query}")
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_scrutiny_pdf_names_no_provider_and_suppresses_only_counts_of_people(portfolio, sign_in, tmp_path):
    portfolio.world.provider_a.cqc_rating = "outstanding"
    portfolio.world.provider_a.save(update_fields=["cqc_rating"])
    _people(portfolio.a, 3)
    _people(portfolio.b, 2)
    client = sign_in(portfolio.world.users["commissioner"])
    text = _pdf_text(client.get(f"/portfolio/scrutiny.pdf?quarter={QUARTER}"), tmp_path)
    assert "Acme" not in text and "Brookside" not in text
    assert "Counts of people below 5 are suppressed to protect privacy." in text
    # Two contracts and two providers, one rated Outstanding and one Good: public facts, shown however small.
    assert "Contracts in force in the quarter 2" in text and "Providers 2" in text
    assert "CQC rating: Outstanding 1" in text and "CQC rating: Good 1" in text
    # Five people in all: a count of people, but not below 5.
    assert "People receiving care in the quarter 5" in text
    # Independence: 120 of 200 this quarter against 115 of 200 a year earlier (up 2.5 pp, but within
    # what chance explains: z = 0.51); HELP_48H 3 of 4 people.
    assert "60.0% (120 of 200)" in text and "57.5% (115 of 200)" in text
    assert "No significant change (P = 0.612)" in text and "Improved" not in text
    assert f"suppressed ({FEWER_THAN_5} of {FEWER_THAN_5})" in text
    # RAG counts of independence are counts of contracts: Green 1, Amber 1 (overridden) shown.
    assert "Green: 1" in text and "Amber: 1" in text and f"Green: {FEWER_THAN_5}" not in text
    assert "Only counts of people are suppressed" in text  # the rule, in the report's own notes
    # The page prints what the PDF prints.
    page = _scrutiny_page(client, f"quarter={QUARTER}")
    for figure in ("Contracts in force in the quarter 2", "People receiving care in the quarter 5",
                   "CQC rating: Outstanding 1", "60.0% (120 of 200)", f"suppressed ({FEWER_THAN_5} of {FEWER_THAN_5})",
                   "Green: 1", "Only counts of people are suppressed"):  # fmt: skip
        assert figure in page, figure


def test_scrutiny_suppresses_a_small_count_of_people_and_the_cell_that_would_give_it_back(
    portfolio, sign_in, tmp_path
):
    _notice(portfolio.a)
    _people(portfolio.a, 3)
    _people(portfolio.b, 40)
    client = sign_in(portfolio.world.users["commissioner"])
    query = f"quarter={QUARTER}&name_providers=on&title=Scrutiny+panel"
    text = _pdf_text(client.get(f"/portfolio/scrutiny.pdf?{query}"), tmp_path)
    assert "Scrutiny panel" in text and "By provider" in text
    # 43 people in all: Acme's 3 is fewer than 5, and Brookside's 40 is suppressed too (43 - 40 = 3).
    assert "People receiving care in the quarter 43" in text
    assert re.search(rf"Acme Homecare Ltd 1 {FEWER_THAN_5} Green: 1", text), text
    assert re.search(rf"Brookside Care Services 1 {SUPPRESSED} Green: 0", text), text
    assert "Brookside Care Services 1 40" not in text
    page = _scrutiny_page(client, query)
    assert "Acme Homecare Ltd 1 fewer than 5 Green: 1" in page
    assert "Brookside Care Services 1 suppressed Green: 0" in page
    assert "People receiving care in the quarter 43" in page


def test_the_pdf_link_carries_the_choices_and_no_token(portfolio, sign_in):
    client = sign_in(portfolio.world.users["commissioner"])
    for query in ("", f"quarter={QUARTER}&name_providers=on&title=Panel&csrfmiddlewaretoken=abc"):
        page = client.get(f"/portfolio/scrutiny/?{query}").content.decode()
        form = page[page.index('data-testid="scrutiny-form"') :].split("</form>")[0]
        assert "csrfmiddlewaretoken" not in form
        (link,) = re.findall(r'href="(/portfolio/scrutiny\.pdf[^"]*)"', page)
        assert "csrfmiddlewaretoken" not in link
    assert link == f"/portfolio/scrutiny.pdf?quarter={QUARTER}&amp;name_providers=on&amp;title=Panel"
    assert '<form method="get" action="/portfolio/scrutiny/"' in page


def test_scrutiny_bad_quarter_goes_back_to_the_form(portfolio, sign_in):
    client = sign_in(portfolio.world.users["commissioner"])
    response = client.get("/portfolio/scrutiny.pdf?quarter=2031-32-Q1")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Choose a quarter from the list" in page.content.decode()


# --- Who may download what -----------------------------------------------------------------------

URLS = [
    "/portfolio/exports/results.csv",
    "/portfolio/exports/results.xlsx",
    "/portfolio/exports/notices.xlsx",
    "/portfolio/exports/qaf-tracker.xlsx",
    "/portfolio/scrutiny/",
    "/portfolio/scrutiny.pdf",
]
PROVIDERS = ["a_submitter", "a_approver", "a_viewer", "a_admin", "b_admin"]
COMMISSIONERS = ["commissioner", "contract_officer", "quality_officer", "c_viewer", "c_admin", "icb_admin"]


@pytest.mark.parametrize("url", URLS)
def test_permissions(portfolio, client, sign_in, url):
    assert client.get(url).status_code == 302  # anonymous → sign in
    nobody = UserFactory(email="nobody@example.org")
    assert sign_in(nobody).get(url).status_code == 403  # no organisation
    client.logout()
    commissioner_only = url.endswith(("qaf-tracker.xlsx", "/scrutiny/", "scrutiny.pdf"))
    for name in PROVIDERS:
        status = sign_in(portfolio.world.users[name]).get(url).status_code
        assert status == (404 if commissioner_only else 200), (name, status)
        client.logout()
    for name in COMMISSIONERS:
        status = sign_in(portfolio.world.users[name]).get(url).status_code
        assert status == 200, (name, status)
        client.logout()
