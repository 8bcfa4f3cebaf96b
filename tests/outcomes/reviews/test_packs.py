"""Review packs (outcomes.reviews.packs, pack_figures, pack_benchmark, charts and the pack pages): the
PDF read back as text, figures frozen and restated in the next pack, other providers anonymised,
blank commentary flagged, page 1 rendered to an A4 PNG, the emails to attendees, and who sees what.

The world: Riverton City Council reviews Acme Homecare on contract RCC-HC-101 (joint with the ICB)
for 2025-26 Q2, after a Q1 review whose pack was issued. Five other council providers (Brookside
among them) have Q2 results on the same measure; one provider of another council does too.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from accounts.access import acting_for
from accounts.models import AuditEntry
from commissioning.notices.models import Notice
from commissioning.qaf.models import QafStatus
from config.celery import app
from outcomes.models import ComplianceResult, MonthlyReturn, ReturnAttempt
from outcomes.periods import LONDON, add_months, due_at, parse_period
from outcomes.reviews import pack_documents, packs
from outcomes.reviews.commentary import commentary_progress
from outcomes.reviews.models import (
    MeetingStatus,
    PackStatus,
    ReviewAction,
    ReviewAttendee,
    ReviewCommentary,
    ReviewMeeting,
    ReviewPack,
)
from outcomes.reviews.pack_figures import pack_figures
from outcomes.reviews.reach import WHOLE
from outcomes.reviews.tasks import review_pack_email_send
from outcomes.statistics.spc import spc_analyse
from providers.models import Provider
from tests.factories import CouncilFactory, ProviderFactory, contract, target
from tests.fixtures.pdf import pdf_text

pytestmark = pytest.mark.django_db

DATA_TEXT = "Fewer people were at home after 91 days because of a norovirus outbreak in August."
REVIEW_TEXT = "Discharges on Fridays were not followed up until the Monday."
ACTION_TEXT = "Recruit two more reablement workers for the north patch"
COMPARATORS = {  # name: (numerator, denominator) on AT_HOME_91D in 2025-26 Q2
    "Zephyr Home Support": (184, 200),
    "Oakleaf Care": (88, 100),
    "Brookside Care Services": (80, 100),
    "Meadow Homecare": (172, 200),
    "Kestrel Care at Home": (75, 100),
}


def result(t, period_id: str, numerator: int, denominator: int, rag: str, direction: str = "none"):
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
        direction=direction,
    )


def restate(old: ComplianceResult, numerator: int, denominator: int, rag: str) -> ComplianceResult:
    old.is_latest = False
    old.save(update_fields=["is_latest"])
    new = result(old.target, old.period, numerator, denominator, rag, old.direction)
    new.restated, new.restates = True, old
    new.save(update_fields=["restated", "restates"])
    return new


def meeting(world, deal, quarter: str, held_on: date) -> ReviewMeeting:
    created = ReviewMeeting.objects.create(
        commissioner=world.council,
        provider=world.provider_a,
        quarter=quarter,
        held_on=held_on,
        place="Riverton Civic Centre, room 2",
        chair_name="Sam Chair",
        chair_organisation="Independent",
        created_by_label="commissioner",
    )
    created.contracts.set([deal])
    return created


def comment(review, t, part: str, text: str) -> None:
    ReviewCommentary.objects.create(
        meeting=review,
        target=t,
        part=part,
        text=text,
        version=1,
        written_by_label="Ann Approver",
        by_provider=True,
    )


def returned(deal, month: date, submitted: datetime) -> None:
    slot = MonthlyReturn.objects.create(contract=deal, month=month, due_at=due_at(month, deal.return_due_day))
    ReturnAttempt.objects.create(
        monthly_return=slot,
        status="accepted",
        submitted_at=submitted,
        submitted_by_label="Acme",
        version=1,
        is_current=True,
    )


class Setup:
    def __init__(self, world):
        self.world = world
        self.deal = contract(world.council, world.provider_a, reference="RCC-HC-101", partners=[world.icb])
        self.at_home = target(self.deal, "AT_HOME_91D", "90")
        self.residential = target(self.deal, "RESIDENTIAL_ENTRY", "5")
        self.independent = target(self.deal, "INDEPENDENT_WITHIN", "66")
        self.q1_at_home = result(self.at_home, "2025-26-Q1", 540, 600, "green")
        result(self.at_home, "2025-26-Q2", 551, 648, "red", "worsened")
        result(self.at_home, "2025-26-YTD-03", 1091, 1248, "red")
        result(self.at_home, "2024-25-Q2", 500, 600, "red")
        result(self.residential, "2025-26-Q1", 10, 200, "green")
        result(self.residential, "2025-26-Q2", 11, 200, "amber", "stable")
        result(self.independent, "2025-26-Q2", 65, 99, "amber")
        self.names = list(COMPARATORS)
        for name, (numerator, denominator) in COMPARATORS.items():
            provider = world.provider_b if name == world.provider_b.name else ProviderFactory(name=name)
            other = target(contract(world.council, provider, reference=f"C-{name[:4]}"), "AT_HOME_91D", "90")
            result(other, "2025-26-Q2", numerator, denominator, "red")
        oak = target(contract(world.council, ProviderFactory(name="Oakleaf Two Ltd"), reference="C-OAK2"))
        result(oak, "2025-26-Q2", 70, 100, "green")
        wider = target(
            contract(world.council, ProviderFactory(name="Wide Window Care"), reference="C-WIDE"),
            params={"window_days": 91},
        )
        result(wider, "2025-26-Q2", 10, 100, "red")
        elsewhere = target(
            contract(
                CouncilFactory(name="Elsewhere Council"), ProviderFactory(name="Faraway Care"), reference="X"
            ),
            "AT_HOME_91D",
        )
        result(elsewhere, "2025-26-Q2", 99, 100, "green")
        self.names += ["Oakleaf Two Ltd", "Wide Window Care", "Faraway Care"]

        self.q1 = meeting(world, self.deal, "2025-26-Q1", date(2025, 7, 21))
        self.q2 = meeting(world, self.deal, "2025-26-Q2", date(2025, 10, 20))
        ReviewAttendee.objects.create(
            meeting=self.q1, name="Pat Nurse", organisation="District nursing", email="pat.nurse@nhs.example"
        )
        ReviewAction.objects.create(
            meeting=self.q1,
            contract=self.deal,
            target=self.at_home,
            description=ACTION_TEXT,
            owner_kind="provider",
            owner_organisation=world.provider_a.name,
            owner_name="Registered manager",
            due_on=date(2025, 9, 30),
            status="in_progress",
            status_note="One recruited, one at interview",
            created_by_label="commissioner",
        )
        comment(self.q2, self.at_home, "data", DATA_TEXT)
        comment(self.q2, self.at_home, "review", REVIEW_TEXT)
        ReviewAttendee.objects.create(
            meeting=self.q2,
            user=world.users["a_approver"],
            name="Ann Approver",
            organisation=world.provider_a.name,
            email="approver@acme.example",
        )
        ReviewAttendee.objects.create(
            meeting=self.q2, name="Pat Nurse", organisation="District nursing", email="pat.nurse@nhs.example"
        )
        ReviewAttendee.objects.create(meeting=self.q2, name="No Email", organisation="GP federation")
        Notice.objects.create(
            commissioner=world.council,
            contract=self.deal,
            provider=world.provider_a,
            kind="noc",
            reason="returns",
            noc_category="contractual",
            complexity="low",
            status="issued",
            issued_at=timezone.now(),
            remedy_due_on=date(2025, 11, 30),
            created_by_label="officer",
        )
        QafStatus.objects.create(
            commissioner=world.council,
            provider=world.provider_a,
            status="compliant_actions_open",
            reason="Compliant at the initial evaluation; 2 actions still open.",
        )
        returned(self.deal, date(2025, 7, 1), datetime(2025, 8, 8, 12, tzinfo=LONDON))
        returned(self.deal, date(2025, 8, 1), datetime(2025, 9, 20, 12, tzinfo=LONDON))

    def acting(self, role: str = "commissioner"):
        return acting_for(self.world.users[role], None)


@pytest.fixture
def setup(world, media_root) -> Setup:
    return Setup(world)


def make(setup, review, capture, role: str = "commissioner") -> ReviewPack:
    with capture(execute=True):
        pack = packs.pack_request(acting=setup.acting(role), meeting=review)
    pack.refresh_from_db()
    assert pack.status == PackStatus.READY, pack.error
    return pack


def issue(setup, pack, capture) -> ReviewPack:
    with capture(execute=True):
        packs.pack_issue(acting=setup.acting(), pack=pack)
    pack.refresh_from_db()
    return pack


def pdf_bytes(pack: ReviewPack) -> bytes:
    with pack.file.open("rb") as stored:
        return stored.read()


def test_the_pdf_holds_the_scorecard_commentary_and_actions(
    setup, django_capture_on_commit_callbacks, tmp_path
):
    pack = make(setup, setup.q2, django_capture_on_commit_callbacks)
    content = pdf_bytes(pack)
    assert content.startswith(b"%PDF-")
    assert pack.sha256 == hashlib.sha256(content).hexdigest() and pack.size == len(content)
    assert pack.pages >= 4
    text = pdf_text(content, tmp_path)
    for expected in (
        "Quarterly review pack",
        "Acme Homecare Ltd",
        "Q2 2025-26 (July to September 2025)",
        "Sam Chair, Independent",
        "RCC-HC-101",
        "85.0% (551/648)",  # the quarter reviewed
        "90.0% (540/600)",  # Q1
        "87.4% (1091/1248)",  # year to date
        "90% or more",
        "2.6 pp short",
        "Worsened",
        "Significant worsening (P = 0.008)",  # 85.0% (551/648) against 90.0% (540/600): z = −2.65
        "5.5% (11/200)",
        "5% or less",
        DATA_TEXT,
        REVIEW_TEXT,
        "Not given (flagged)",
        ACTION_TEXT,
        "One recruited, one at interview",
        "Registered manager, Acme Homecare Ltd",
        "Compliant — actions open",
        "Compliant at the initial evaluation; 2 actions still open.",
        "CQC rating Good",
        "Persistent failure to submit returns",
        "Received on time",
        "Received late",
        "Missing",
        "1 on time, 1 late, 1 missing",
        "4th of 6 providers of Riverton City Council on this measure in Q2, on Homecare (long-term) contracts: "
        "third quartile.",
        "Page 1 of",
    ):
        assert expected in text, expected
    summary = pack.figures["summary"]
    assert {item["key"]: item["count"] for item in summary["rag"]} == {
        "green": 0,
        "amber": 2,
        "red": 1,
        "not_rated": 0,
        "no_result": 0,
    }
    assert {item["key"]: item["count"] for item in summary["direction"]}["worsened"] == 1
    assert {item["key"]: item["count"] for item in summary["change"]}["worsened"] == 1
    # The pack's year (2025-26) is over and nothing is pending: there is nothing to forecast.
    assert [row["forecast"] for section in pack.figures["contracts"] for row in section["rows"]] == [None] * 3
    assert AuditEntry.objects.filter(action="review.pack_requested", object_id=str(pack.pk)).exists()


def test_position_rules(setup):
    figures = pack_figures(setup.q2)
    rows = {row["measure_code"]: row for row in figures["contracts"][0]["rows"]}
    at_home = rows["AT_HOME_91D"]["position"]
    assert (at_home["rank"], at_home["of"], at_home["quartile"]) == (4, 6, 3)
    assert [e["label"] for e in at_home["entries"]] == [
        "Provider A",
        "Provider B",
        "Provider C",
        "This provider",
        "Provider D",
        "Provider E",
    ]
    assert at_home["entries"][0]["figures"] == "92.0% (184/200)"  # the best first; other councils left out
    independent = rows["INDEPENDENT_WITHIN"]["position"]  # the 91-day window is another measure
    assert (independent["rank"], independent["of"], independent["quartile"]) == (2, 2, None)
    assert "quartiles are not meaningful" in independent["statement"]
    residential = rows["RESIDENTIAL_ENTRY"]["position"]
    assert not residential["ranked"] and "nothing to compare with" in residential["statement"]


def test_the_position_is_summarised_beside_a_funnel_plot(setup):
    """This provider 551/648 = 85.0% among five others (92.0, 88.0, 86.0, 80.0, 75.0): the rate of
    all six is 1150/1348 = 85.3%, and at 648 episodes Bin(648, 1150/1348) puts 95% of its chance on 535 to
    570 (82.56% to 87.96%) and 99.8% on 524 to 580 (80.86% to 89.51%); no other lies outside its own
    99.8% limits."""
    rows = {row["measure_code"]: row for row in pack_figures(setup.q2)["contracts"][0]["rows"]}
    peers = rows["AT_HOME_91D"]["position"]["peers"]
    assert {key: peers[key] for key in ("count", "mean", "median", "better", "level", "worse")} == {
        "count": 5,
        "mean": "84.2",
        "median": "86.0",
        "better": 3,
        "level": 0,
        "worse": 2,
    }
    assert peers["rate"] == "85.3% (1150/1348)"
    assert (peers["limits_95"], peers["limits_998"]) == (["82.56", "87.96"], ["80.86", "89.51"])
    assert peers["flag_label"] == "Within the expected range" and peers["outliers"] == []
    assert peers["this"] == ["85.0", 648] and len(peers["points"]) == 5 and peers["not_plotted"] == 0
    # Two others only: no summary (it would give their figures away), the list alone.
    assert rows["INDEPENDENT_WITHIN"]["position"]["peers"] is None


def test_a_provider_with_several_contracts_is_pooled(setup):
    """Zephyr's second contract (16/100) pools with its first (184/200): 200/300 = 66.7%, last."""
    zephyr = Provider.objects.get(name="Zephyr Home Support")
    second = target(contract(setup.world.council, zephyr, reference="C-ZEP2"), "AT_HOME_91D", "90")
    result(second, "2025-26-Q2", 16, 100, "red")
    at_home = {row["measure_code"]: row for row in pack_figures(setup.q2)["contracts"][0]["rows"]}[
        "AT_HOME_91D"
    ]
    position = at_home["position"]
    assert (position["rank"], position["of"]) == (3, 6)
    assert position["entries"][-1]["figures"] == "66.7% (200/300)"


def test_another_service_type_is_neither_pooled_nor_compared(setup):
    """Zephyr's reablement contract (16/100) is not pooled with its homecare one, and the homecare
    row is compared only with homecare contracts: the benchmarking page's grouping."""
    zephyr = Provider.objects.get(name="Zephyr Home Support")
    reablement = contract(setup.world.council, zephyr, reference="C-ZEPR", service_type="short_term")
    result(target(reablement, "AT_HOME_91D", "90"), "2025-26-Q2", 16, 100, "red")
    at_home = {row["measure_code"]: row for row in pack_figures(setup.q2)["contracts"][0]["rows"]}[
        "AT_HOME_91D"
    ]
    position = at_home["position"]
    assert (position["rank"], position["of"]) == (4, 6)
    assert position["entries"][0]["figures"] == "92.0% (184/200)"
    assert "16/100" not in str(position) and position["service"] == "Homecare (long-term)"


def test_pack_figures_take_a_bounded_number_of_queries(setup, django_assert_max_num_queries):
    with django_assert_max_num_queries(30) as few:
        pack_figures(setup.q2)
    for extra in ("HELP_48H", "HOSPITAL_ADMISSION", "PACKAGE_REDUCED", "CARER_SUPPORTED"):
        t = target(setup.deal, extra, "50")
        for quarter in ("Q1", "Q2"):
            result(t, f"2025-26-{quarter}", 30, 60, "green")
    with django_assert_max_num_queries(len(few.captured_queries)):
        figures = pack_figures(setup.q2)
    assert len(figures["contracts"][0]["rows"]) == 7
    json.dumps(figures)  # plain JSON all through


def test_figures_are_frozen_and_the_next_pack_says_what_was_restated(
    setup, django_capture_on_commit_callbacks, tmp_path
):
    first = issue(
        setup, make(setup, setup.q1, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks
    )
    frozen, content = json.dumps(first.figures, sort_keys=True), pdf_bytes(first)
    restate(setup.q1_at_home, 531, 600, "red")

    first.refresh_from_db()
    assert json.dumps(first.figures, sort_keys=True) == frozen
    assert pdf_bytes(first) == content and first.sha256 == hashlib.sha256(content).hexdigest()
    assert pack_documents.pack_generate(first.pk) == "done"  # safe to run again: the stored PDF stays
    first.refresh_from_db()
    assert first.sha256 == hashlib.sha256(content).hexdigest()
    assert "90.0% (540/600)" in pdf_text(content, tmp_path)

    second = make(setup, setup.q2, django_capture_on_commit_callbacks)
    assert second.figures["restated"] == [
        {
            "contract": "RCC-HC-101",
            "measure": "At home 91 days after hospital discharge (aged 65 and over)",
            "params": "Age bands: 65 and over",
            "period": "2025-26-Q1",
            "before": "90.0% (540/600)",
            "before_rag": "Green",
            "after": "88.5% (531/600)",
            "after_rag": "Red",
        }
    ]
    text = pdf_text(pdf_bytes(second), tmp_path)
    assert "Figures restated since the last review" in text
    assert "Restated since the last review: was 90.0% (540/600)" in text
    assert "90.0% (540/600) Green 88.5% (531/600) Red" in text


def test_other_providers_are_anonymised(setup, client, django_capture_on_commit_callbacks, tmp_path):
    pack = issue(
        setup, make(setup, setup.q2, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks
    )
    text = pdf_text(pdf_bytes(pack), tmp_path)
    client.force_login(setup.world.users["a_viewer"])
    page = client.get(f"/reviews/packs/{pack.pk}/").content.decode()
    stored = json.dumps(pack.figures)
    for name in setup.names:
        assert name not in text, name
        assert name not in page, name
        assert name not in stored, name
    for label in ("Provider A", "Provider E", "This provider"):
        assert label in text and label in page


def test_blank_commentary_is_flagged(setup, django_capture_on_commit_callbacks, tmp_path):
    pack = make(setup, setup.q2, django_capture_on_commit_callbacks)
    flags = {item["measure"]: item["parts"] for item in pack.figures["commentary_blank"]}
    assert flags == {
        "At home 91 days after hospital discharge (aged 65 and over)": ["Action"],
        "Entered residential or nursing care (rolling 12 months; long-term care)": [
            "Data",
            "Review",
            "Action",
        ],
        "Independent 42 days after first visit (short-term care)": ["Data", "Review", "Action"],
    }
    assert pack.figures["commentary_blank_count"] == 7
    text = pdf_text(pdf_bytes(pack), tmp_path)
    assert "Commentary not given" in text
    assert "Flagged: 7 parts of the provider's DATA / REVIEW / ACTION commentary were blank" in text
    assert text.count("Not given (flagged)") == 7


def test_page_one_renders_to_an_a4_png(setup, django_capture_on_commit_callbacks, tmp_path):
    pack = make(setup, setup.q2, django_capture_on_commit_callbacks)
    (tmp_path / "pack.pdf").write_bytes(pdf_bytes(pack))
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(tmp_path / "pack.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    png = (tmp_path / "page.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 1000
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.getextrema()[0] < 128  # something dark is drawn: not a blank page
    assert abs(image.height / image.width - 1.4142) <= 0.014


def test_issuing_emails_the_attendees(setup, django_capture_on_commit_callbacks):
    pack = issue(
        setup, make(setup, setup.q2, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks
    )
    setup.q2.refresh_from_db()
    assert setup.q2.status == MeetingStatus.PACK_ISSUED and pack.issued_at is not None
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"approver@acme.example", "pat.nurse@nhs.example"}
    user_mail, partner_mail = by_address["approver@acme.example"], by_address["pat.nurse@nhs.example"]
    assert f"http://testserver/reviews/packs/{pack.pk}/" in user_mail.body and not user_mail.attachments
    assert "Acme Homecare Ltd" in user_mail.subject and "Q2 2025-26" in user_mail.subject
    [(filename, content, mimetype)] = partner_mail.attachments
    assert mimetype == "application/pdf" and content.startswith(b"%PDF-") and filename.endswith(".pdf")
    assert "/reviews/packs/" not in partner_mail.body and "attached as a PDF" in partner_mail.body
    assert review_pack_email_send.apply(args=[pack.pk]).get() == 0  # run twice: nobody gets two
    assert len(mail.outbox) == 2
    assert AuditEntry.objects.filter(action="review.pack_issued", object_id=str(pack.pk)).exists()


def test_issuing_needs_a_ready_pack_and_the_commentary_as_frozen(setup, django_capture_on_commit_callbacks):
    pack = packs.pack_request(acting=setup.acting(), meeting=setup.q2)  # its task not run: still queued
    with pytest.raises(ValidationError, match="cannot be issued until its PDF is ready"):
        packs.pack_issue(acting=setup.acting(), pack=pack)
    ready = make(setup, setup.q2, django_capture_on_commit_callbacks)
    ReviewCommentary.objects.filter(meeting=setup.q2, part="data").update(is_current=False)
    comment(setup.q2, setup.at_home, "action", ACTION_TEXT)
    with pytest.raises(ValidationError, match="commentary has changed"):
        packs.pack_issue(acting=setup.acting(), pack=ready)


def test_the_tasks_go_to_their_queues():

    def queue(name: str) -> str:
        return app.amqp.router.route({}, name)["queue"].name

    assert queue(review_pack_email_send.name) == "email"
    assert queue("outcomes.tasks.review_pack_generate") == "documents"


def test_the_page_shows_progress_then_the_pack(setup, client, django_capture_on_commit_callbacks):
    client.force_login(setup.world.users["contract_officer"])
    response = client.post(f"/reviews/{setup.q2.pk}/packs/")  # the task is queued after commit: not run
    pack = ReviewPack.objects.get(meeting=setup.q2)
    assert response.status_code == 302 and response["Location"] == f"/reviews/packs/{pack.pk}/"
    page = client.get(f"/reviews/packs/{pack.pk}/").content.decode()
    assert f'hx-get="/reviews/packs/{pack.pk}/status/"' in page and "is being made" in page
    assert "85.0% (551/648)" in page and 'role="img"' in page and "<title" in page
    assert "The figures in the chart" in page
    assert client.get(f"/reviews/packs/{pack.pk}/pack.pdf").status_code == 404
    pack_documents.pack_generate(pack.pk)
    status = client.get(f"/reviews/packs/{pack.pk}/status/", headers={"HX-Request": "true"})
    assert (
        status.status_code == 200
        and status["HX-Refresh"] == "true"
        and "Download the PDF" in status.content.decode()
    )
    download = client.get(f"/reviews/packs/{pack.pk}/pack.pdf")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert "Issue pack version 1" in client.get(f"/reviews/packs/{pack.pk}/").content.decode()


@pytest.mark.parametrize(
    ("role", "draft", "issued"),
    [
        ("commissioner", 200, 200),
        ("c_viewer", 200, 200),
        ("icb_admin", 404, 200),
        ("a_viewer", 404, 200),
        ("a_approver", 404, 200),
        ("b_admin", 404, 404),
    ],
)
def test_who_sees_draft_and_issued_packs(
    setup, client, django_capture_on_commit_callbacks, role, draft, issued
):
    pack = make(setup, setup.q2, django_capture_on_commit_callbacks)
    client.force_login(setup.world.users[role])
    urls = [
        f"/reviews/packs/{pack.pk}/",
        f"/reviews/packs/{pack.pk}/pack.pdf",
        f"/reviews/packs/{pack.pk}/status/",
    ]
    assert [client.get(url).status_code for url in urls] == [draft] * 3
    issue(setup, pack, django_capture_on_commit_callbacks)
    assert [client.get(url).status_code for url in urls] == [issued] * 3


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("commissioner", 302),
        ("contract_officer", 302),
        ("quality_officer", 403),
        ("c_viewer", 403),
        ("icb_admin", 403),
        ("a_approver", 403),
        ("b_admin", 404),
    ],
)
def test_who_makes_a_pack(setup, client, role, expected):
    client.force_login(setup.world.users[role])
    assert client.post(f"/reviews/{setup.q2.pk}/packs/").status_code == expected
    assert ReviewPack.objects.filter(meeting=setup.q2).count() == (1 if expected == 302 else 0)


def test_a_failed_pdf_is_recorded_and_made_on_a_second_run(setup, client, monkeypatch):
    pack = packs.pack_request(acting=setup.acting(), meeting=setup.q2)  # its task not run here

    def broken(pack):
        raise OSError("no space left on device")

    monkeypatch.setattr(pack_documents, "pack_render", broken)
    assert pack_documents.pack_generate(pack.pk) == "failed"
    pack.refresh_from_db()
    assert pack.status == PackStatus.FAILED and "no space left on device" in pack.error
    client.force_login(setup.world.users["commissioner"])
    assert "could not be made" in client.get(f"/reviews/packs/{pack.pk}/status/").content.decode()
    monkeypatch.undo()
    assert pack_documents.pack_generate(pack.pk) == "done"
    pack.refresh_from_db()
    assert pack.status == PackStatus.READY and pack.error == "" and pack.pages >= 4


def test_no_new_draft_once_a_pack_is_issued(setup, django_capture_on_commit_callbacks):
    issue(
        setup, make(setup, setup.q2, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks
    )
    with pytest.raises(ValidationError, match="has been issued and cannot change"):
        packs.pack_request(acting=setup.acting(), meeting=setup.q2)


# --- The check before issuing -----------------------------------------------------------------------


def test_the_check_page_says_who_is_sent_what_and_writes_nothing(
    setup, client, django_capture_on_commit_callbacks
):
    pack = make(setup, setup.q2, django_capture_on_commit_callbacks)
    client.force_login(setup.world.users["contract_officer"])
    meeting_page = client.get(f"/reviews/{setup.q2.pk}/").content.decode()
    assert f'href="/reviews/packs/{pack.pk}/issue/"' in meeting_page  # a link, not a form that issues
    assert f'action="/reviews/packs/{pack.pk}/issue/"' not in meeting_page
    audited, jobs_before = AuditEntry.objects.count(), len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.get(f"/reviews/packs/{pack.pk}/issue/")
    assert response.status_code == 200 and not callbacks
    page = response.content.decode()
    pack.refresh_from_db()
    setup.q2.refresh_from_db()
    assert pack.issued_at is None and setup.q2.status == MeetingStatus.PLANNED
    assert AuditEntry.objects.count() == audited and len(mail.outbox) == jobs_before
    assert "Check pack version 1 before you issue it" in page
    for expected in ("Ann Approver", "approver@acme.example", "Acme Homecare Ltd", "Uses this service",
                     "Pat Nurse", "pat.nurse@nhs.example", "District nursing", "No account: external partner",
                     "The PDF of the whole pack, attached", "No Email", "GP federation", "Not sent"):  # fmt: skip
        assert expected in page, expected
    assert "The commentary is fixed" in page and "no new draft can be made" in page
    assert "Confirm and issue" in page and "This pack cannot be issued yet" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/reviews/packs/{pack.pk}/issue/")
    assert response.status_code == 302 and response["Location"] == f"/reviews/packs/{pack.pk}/"
    pack.refresh_from_db()
    assert pack.issued_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["approver@acme.example", "pat.nurse@nhs.example"]
    assert client.get(f"/reviews/packs/{pack.pk}/issue/")["Location"] == f"/reviews/packs/{pack.pk}/"


def test_the_check_page_names_what_blocks_issuing(setup, client, django_capture_on_commit_callbacks):
    pack = make(setup, setup.q2, django_capture_on_commit_callbacks)
    setup.q2.attendees.exclude(name="No Email").delete()
    client.force_login(setup.world.users["commissioner"])
    page = client.get(f"/reviews/packs/{pack.pk}/issue/").content.decode()
    assert "This pack cannot be issued yet" in page and "No one would be sent the pack" in page
    assert "Confirm and issue" not in page and "Go to the meeting" in page
    assert packs.pack_issue_problems(pack) == [
        "No one would be sent the pack: add the attendees on the meeting page (at least one with an email "
        "address) before you issue it."
    ]
    response = client.post(f"/reviews/packs/{pack.pk}/issue/")
    assert response["Location"] == f"/reviews/packs/{pack.pk}/issue/"
    pack.refresh_from_db()
    assert pack.issued_at is None and not mail.outbox
    queued = packs.pack_request(acting=setup.acting(), meeting=setup.q2)  # its PDF not made yet
    page = client.get(f"/reviews/packs/{queued.pk}/issue/").content.decode()
    assert "cannot be issued until its PDF is ready" in page


def test_only_the_lead_bodys_managers_open_the_check(setup, client, django_capture_on_commit_callbacks):
    pack = make(setup, setup.q2, django_capture_on_commit_callbacks)
    for role, expected in (
        ("quality_officer", 403),
        ("c_viewer", 403),
        ("a_approver", 404),
        ("b_admin", 404),
    ):
        client.force_login(setup.world.users[role])
        assert client.get(f"/reviews/packs/{pack.pk}/issue/").status_code == expected, role
        assert client.post(f"/reviews/packs/{pack.pk}/issue/").status_code == expected, role
    assert ReviewPack.objects.get(pk=pack.pk).issued_at is None


SPC_VALUES = [92, 91, 93, 92, 90, 92, 91, 93, 92, 91, 92, 93, 85, 84]  # Aug 2024 to Sep 2025: a fall


def test_the_pack_shows_spc_as_at_the_quarters_last_month(
    setup, django_capture_on_commit_callbacks, tmp_path
):
    months = [add_months(date(2024, 8, 1), n) for n in range(len(SPC_VALUES))]
    for month, value in zip(months, SPC_VALUES, strict=True):
        result(setup.at_home, f"{month:%Y-%m}", value, 100, "green")
    result(setup.at_home, "2025-10", 99, 100, "green")  # after the quarter reviewed: not read
    expected = spc_analyse(
        [(f"{m:%Y-%m}", v) for m, v in zip(months, SPC_VALUES, strict=True)],
        higher_is_better=True,
        target="90",
    )
    pack = make(setup, setup.q2, django_capture_on_commit_callbacks)
    row = next(r for r in pack.figures["contracts"][0]["rows"] if r["target_id"] == setup.at_home.pk)
    spc = row["spc"]
    assert (spc["count"], spc["as_at"], spc["variation"]) == (14, "2025-09", expected.variation.value)
    assert spc["variation"] == "special_cause_concern_low" and spc["assurance"] == expected.assurance.value
    others = [r["spc"] for r in pack.figures["contracts"][0]["rows"] if r["target_id"] != setup.at_home.pk]
    assert {o["not_enough"] for o in others} == {"Not enough months for SPC: 0 of 12"}
    summary = {item["key"]: item["count"] for item in pack.figures["summary"]["variation"]}
    assert summary == {
        "special_cause_concern": 1,
        "special_cause_improvement": 0,
        "common_cause": 0,
        "none": 2,
    }

    text = " ".join(pdf_text(pdf_bytes(pack), tmp_path).split())
    assert "By variation of the monthly values (SPC)" in text
    assert "Statistical process control of the monthly values, as at September 2025" in text
    assert f"Special cause concern (low): {expected.variation_reason}." in text
    assert "Every monthly value in the SPC chart (%)" in text
    assert "85.0 C" in text and "84.0 C" in text  # the two low months, marked concern, in the calendar


def test_the_check_page_warns_that_issuing_fixes_commentary_still_open(
    setup, client, django_capture_on_commit_callbacks
):
    pack = make(setup, setup.q2, django_capture_on_commit_callbacks)
    client.force_login(setup.world.users["commissioner"])
    setup.q2.commentary_due_on = timezone.localdate() + timedelta(days=2)
    setup.q2.save(update_fields=["commentary_due_on"])
    page = client.get(f"/reviews/packs/{pack.pk}/issue/").content.decode()
    warning = re.search(r'data-testid="commentary-still-open">(.*?)</div>', page, re.S).group(1)
    assert f"due by {setup.q2.commentary_due_on:%-d %B %Y}" in " ".join(warning.split())
    setup.q2.commentary_due_on = timezone.localdate() - timedelta(days=1)
    setup.q2.save(update_fields=["commentary_due_on"])
    blank = commentary_progress(setup.q2, WHOLE)["provider_blank"]
    page = client.get(f"/reviews/packs/{pack.pk}/issue/").content.decode()
    assert ('data-testid="commentary-still-open"' in page) == bool(blank)
