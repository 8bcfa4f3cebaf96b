"""The demo review meetings (outcomes.demo.reviews, a step of seed_demo): four quarters of meetings
for two contracts, three recorded with their packs issued and one coming with its commentary partly
written; attendees from the NHS, actions of every owner with their history, an agreed override,
and a figure restated since the last review.

The demo is loaded once for the module, inside a transaction rolled back at the end: first without
returns (no results, so no meetings), then with the two contracts' returns and the demo correction,
reviewed as on a day in the quarter after the returns end."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.access import acting_for
from accounts.models import User
from commissioning.demo.notices import notice_seed
from commissioning.demo.organisations import demo_seed
from commissioning.demo.qaf import qaf_seed
from commissioning.models import CommissioningBody, Contract
from outcomes.demo.returns import correction_seed, demo_calendar, month_file, results_seed, simulate
from outcomes.demo.reviews import review_seed
from outcomes.measures import MEASURES, target_measure_name
from outcomes.models import ComplianceResult, RecomputeRequest, ResultOverride, ReturnAttempt
from outcomes.periods import add_months, due_at, parse_period, quarter_period
from outcomes.portfolio.funnel import benchmark_options
from outcomes.results.overrides import overrides_in_force
from outcomes.results.requests import recompute_deferred
from outcomes.returns.services import return_import
from outcomes.reviews.commentary import commentary_progress, commentary_save
from outcomes.reviews.models import (
    ActionOwner,
    ActionStatus,
    MeetingStatus,
    PackStatus,
    ReviewAction,
    ReviewActionUpdate,
    ReviewAttendee,
    ReviewCommentary,
    ReviewMeeting,
    ReviewPack,
)
from outcomes.reviews.pack_documents import pack_generate
from outcomes.reviews.pack_figures import pack_figures
from outcomes.reviews.packs import pack_issue, pack_request
from outcomes.reviews.reach import WHOLE
from outcomes.reviews.selectors import actions_carried_forward
from tests.fixtures.api import make_token
from tests.fixtures.world import kept_for_the_module
from tests.outcomes.results.invariant import assert_stored_equals_fresh

pytestmark = pytest.mark.django_db
ACME, JOINT = "RCC-RB-003", "RCC-RB-001"
# The demo as loaded on 22 November 2026: returns from April 2025 to October 2026.
TODAY = date(2026, 11, 22)
CALENDAR = demo_calendar(TODAY)
SEEN: dict[str, int] = {}


def _returns(references: list[str]) -> None:
    """The demo returns of just these contracts, on time, with their quarterly results."""
    for contract in Contract.objects.filter(reference__in=references):
        episodes = simulate(contract, CALENDAR.last)
        with recompute_deferred():
            for step, month in enumerate(CALENDAR.months(contract)):
                return_import(
                    contract=contract,
                    period=f"{month:%Y-%m}",
                    file_bytes=month_file(episodes, month),
                    filename=f"{contract.reference}-{month:%Y-%m}.csv",
                    accept=True,
                    submitted_at=due_at(month, contract.return_due_day) - timedelta(days=3),
                    label="Demo data",
                )
                if step == 1:
                    # Fresh tables inside the test's transaction have no planner statistics: without
                    # them, keeping the latest-row flags can take minutes instead of seconds.
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE outcomes_episoderecord, outcomes_returnattempt")
        results_seed([contract])
    correction_seed(CALENDAR)  # the joint contract's February 2026 return, corrected in March
    RecomputeRequest.objects.all().delete()


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media), kept_for_the_module(django_db_blocker):
        # The seeding steps the notices (and the packs' QAF and notice figures) rest on.
        demo_seed(today=TODAY)
        qaf_seed()
        notice_seed()
        SEEN["without_results"] = review_seed(today=TODAY)  # no results yet: no meetings
        _returns([ACME, JOINT])
        SEEN["made"] = review_seed(today=TODAY)
        yield


def _meetings(reference: str) -> list[ReviewMeeting]:
    return list(ReviewMeeting.objects.filter(contracts__reference=reference).order_by("held_on"))


def _council():
    return CommissioningBody.objects.get(name="Riverton City Council")


def _acting(email: str, organisation=None):
    return acting_for(User.objects.get(email=email), getattr(organisation, "pk", None))


def test_without_results_there_are_no_meetings_and_with_them_four_a_contract():
    assert SEEN["without_results"] == 0
    assert SEEN["made"] == 8 == ReviewMeeting.objects.count()
    latest = quarter_period(add_months(quarter_period(TODAY).start, -3))
    quarters = [quarter_period(add_months(latest.start, -3 * back)).identifier for back in (3, 2, 1, 0)]
    assert quarters == ["2025-26-Q3", "2025-26-Q4", "2026-27-Q1", "2026-27-Q2"]
    for reference in (ACME, JOINT):
        meetings = _meetings(reference)
        assert [m.quarter for m in meetings] == quarters
        assert [m.status for m in meetings] == [MeetingStatus.RECORDED] * 3 + [MeetingStatus.PLANNED]
        for meeting in meetings[:3]:
            weeks_after = (meeting.held_on - parse_period(meeting.quarter).end).days / 7
            assert 3 <= weeks_after <= 6.5, (meeting.quarter, meeting.held_on)
            assert meeting.held_on.weekday() in (1, 2, 3)
            assert meeting.minutes and meeting.decisions and "{" not in meeting.minutes + meeting.decisions
            assert meeting.recorded_at.date() > meeting.held_on
        coming = meetings[3]
        assert TODAY < coming.held_on <= TODAY + timedelta(days=14)
        assert coming.commentary_due_on < coming.held_on and not coming.minutes


def test_recorded_meetings_each_have_one_issued_pack_with_its_pdf():
    for reference in (ACME, JOINT):
        for meeting in _meetings(reference)[:3]:
            packs = list(meeting.packs.all())
            assert len(packs) == 1
            pack = packs[0]
            assert pack.issued_at is not None and pack.status == PackStatus.READY
            assert pack.file and len(pack.sha256) == 64 and pack.pages >= 2 and pack.size > 0
            assert pack.requested_at < pack.generated_at < pack.issued_at
            assert timezone.localdate(pack.issued_at) < meeting.held_on
            figures = pack.figures
            assert figures["quarter"] == meeting.quarter
            assert figures["commentary_blank_count"] == 0
            # Frozen as on its day: no later quarter, and made on the day it was asked for.
            index = figures["quarter_index"]
            for row in figures["contracts"][0]["rows"]:
                assert row["quarters"][index] is not None
                assert all(cell is None for cell in row["quarters"][index + 1 :])
            day = timezone.localdate(pack.requested_at)
            assert figures["made_at"].startswith(f"{day.day} {day:%B %Y}")


def test_attendees_include_the_lead_body_the_provider_nhs_partners_and_an_independent_chair():
    chaired = 0
    for reference in (ACME, JOINT):
        for index, meeting in enumerate(_meetings(reference)):
            attendees = list(meeting.attendees.select_related("user"))
            users = {a.user.email for a in attendees if a.user}
            assert {"commissioner@riverton.example", "contracts@riverton.example"} <= users
            assert any(a.organisation == meeting.provider.name for a in attendees)
            external = [a for a in attendees if a.is_external and a.organisation != meeting.provider.name]
            assert len(external) >= 2 and all(a.role for a in external)
            attended = {a.attended for a in attendees}
            if index < 3:
                assert None not in attended
            else:
                assert attended == {None}
            chaired += bool(meeting.chair_name and meeting.chair_organisation)
    organisations = set(ReviewAttendee.objects.filter(user=None).values_list("organisation", "role"))
    roles = " ".join(f"{o} {r}" for o, r in organisations).lower()
    for expected in ("district nursing", "occupational therapy", "gp federation", "discharge"):
        assert expected in roles
    assert chaired >= 1
    assert ReviewAttendee.objects.filter(attended=False).exists(), "someone sent apologies"
    icb = ReviewAttendee.objects.filter(user__email="commissioner@riverton-icb.example")
    assert {a.meeting.contracts.get().reference for a in icb} == {JOINT}


def test_recorded_commentary_is_complete_with_versions_and_review_notes():
    for reference in (ACME, JOINT):
        for meeting in _meetings(reference)[:3]:
            progress = commentary_progress(meeting, WHOLE)
            assert progress["targets"] == 5 and progress["provider_blank"] == 0
            current = meeting.commentary.filter(is_current=True)
            assert current.filter(part="commissioner").exists()
            assert not current.filter(text__contains="{").exists()
            assert meeting.commentary.filter(is_current=False, version=1).exists()
            assert all(c.written_at.date() < meeting.held_on for c in meeting.commentary.all())
    data = ReviewCommentary.objects.filter(part="data").first()
    assert "%" in data.text and " of " in data.text
    acme = ReviewCommentary.objects.filter(meeting__provider__name="Acme Homecare Ltd", by_provider=True)
    assert {c.written_by.email for c in acme} == {"submitter@acme.example", "approver@acme.example"}


def test_the_coming_meetings_commentary_is_partly_written_and_the_blanks_are_flagged():
    acme_coming = _meetings(ACME)[3]
    progress = commentary_progress(acme_coming, WHOLE)
    written = {p["part"]: p["written"] for p in progress["parts"]}
    assert written["data"] == progress["targets"] == 5
    assert 0 < written["review"] < 5 and 0 < written["action"] <= written["review"]
    assert progress["provider_blank"] >= 5 and written["commissioner"] == 0
    assert not acme_coming.packs.exists()

    joint_coming = _meetings(JOINT)[3]
    draft = joint_coming.packs.get()
    assert draft.issued_at is None and draft.status == PackStatus.READY and draft.file
    assert (
        draft.figures["commentary_blank_count"]
        == commentary_progress(joint_coming, WHOLE)["provider_blank"]
        > 0
    )

    # Acme's people can write the rest; the council's commissioner can make and issue the pack.
    with transaction.atomic():
        approver = _acting("approver@acme.example")
        blank = next(t for t, part in progress["blanks"] if part == "review")
        commentary_save(acting=approver, meeting=acme_coming, target=blank, part="review", text="Explained.")
        commissioner = _acting("commissioner@riverton.example", _council())
        pack = pack_request(acting=commissioner, meeting=acme_coming)
        assert pack_generate(pack.pk) == "done"
        pack.refresh_from_db()
        assert pack_issue(acting=commissioner, pack=pack).issued_at is not None
        transaction.set_rollback(True)


def test_actions_of_every_owner_kind_change_status_over_the_year():
    actions = list(ReviewAction.objects.select_related("meeting"))
    assert {a.owner_kind for a in actions} == set(ActionOwner.values)
    partners = [a for a in actions if a.owner_kind == ActionOwner.PARTNER]
    nhs = {a.owner_organisation for a in partners}
    assert {"Riverton Community Health NHS Trust", "Riverton GP Federation", "Riverton ICB"} <= nhs
    assert all(a.owner_name for a in actions)
    statuses = Counter(a.status for a in actions)
    assert statuses[ActionStatus.DONE] >= 6 and statuses[ActionStatus.DROPPED] == 1
    assert statuses[ActionStatus.IN_PROGRESS] + statuses[ActionStatus.OPEN] >= 3
    now = timezone.now()
    for action in actions:
        updates = list(action.updates.order_by("at", "id"))
        assert updates[0].status_before == "" and updates[0].status_after == ActionStatus.OPEN
        assert (
            updates[0].at == action.created_at
            and timezone.localdate(action.created_at) > action.meeting.held_on
        )
        for before, after in zip(updates, updates[1:], strict=False):
            assert after.status_before == before.status_after and before.at < after.at
        assert updates[-1].status_after == action.status and updates[-1].at == action.updated_at <= now
        if action.status in (ActionStatus.DONE, ActionStatus.DROPPED):
            assert updates[-1].note
        assert action.due_on >= action.meeting.held_on
    by_provider = ReviewActionUpdate.objects.filter(by_provider=True)
    assert by_provider.exists() and {u.by.email for u in by_provider} == {"approver@acme.example"}

    # Some closed before the next meeting; others still open and carried forward, some overdue.
    for reference in (ACME, JOINT):
        meetings = _meetings(reference)
        earlier = [a for a in actions if a.meeting_id == meetings[0].pk]
        closed_before_next = [
            a for a in earlier if a.status == ActionStatus.DONE and a.updated_at.date() < meetings[1].held_on
        ]
        assert closed_before_next, reference
        carried = actions_carried_forward(meetings[3], WHOLE)
        assert any(a.is_open and a.meeting_id != meetings[2].pk for a in carried), reference
        assert any(a.is_open and a.due_on < TODAY for a in carried), reference


def test_an_override_agreed_at_a_meeting_shows_on_the_scorecard():
    overrides = list(ResultOverride.objects.select_related("result", "target"))
    assert len(overrides) == 2
    for override in overrides:
        meeting = ReviewMeeting.objects.get(agreed_overrides=override)
        assert meeting.status == MeetingStatus.RECORDED and override.period == meeting.quarter
        assert override.reason and override.rag != override.computed_rag == override.result.rag
        assert override.result.is_latest and override.created_at.date() > meeting.held_on
        assert overrides_in_force([override.target_id], [override.period])[
            (override.target_id, override.period)
        ]
    # The coming meeting's pack, once made, shows the agreed RAG of the quarter before.
    override = next(o for o in overrides if o.period == "2026-27-Q1")
    figures = pack_figures(_meetings(override.result.contract.reference)[3])
    row = next(r for s in figures["contracts"] for r in s["rows"] if r["target_id"] == override.target_id)
    cell = next(c for c in row["quarters"] if c and c["period"] == override.period)
    assert (cell["rag"], row["quarters"][0] is not None) == (override.rag, True)


def test_a_figure_restated_after_an_issued_pack_is_listed_in_the_next_pack(tmp_path):
    q3, q4 = _meetings(JOINT)[:2]
    before, after = q3.packs.get(), q4.packs.get()
    restated = after.figures["restated"]
    assert restated and after.figures["restated_compared_with"]["quarter"] == q3.quarter
    item = next(r for r in restated if r["period"] == q3.quarter)
    assert item["before"] != item["after"]
    row = next(
        r
        for s in before.figures["contracts"]
        for r in s["rows"]
        if (r["measure"], r["params"]) == (item["measure"], item["params"])
    )
    assert row["quarters"][before.figures["quarter_index"]]["figures"] == item["before"]
    stored = ComplianceResult.objects.get(target_id=row["target_id"], period=q3.quarter, is_latest=True)
    assert stored.restated and stored.restates is not None and "2026-02 version 2" in stored.restated_because
    corrected = ReturnAttempt.objects.get(monthly_return__contract__reference=JOINT, version=2)
    assert before.issued_at < corrected.submitted_at < after.requested_at
    correction = next(a for a in ReviewAction.objects.filter(meeting=q3) if "Version 2" in a.status_note)
    assert correction.status == ActionStatus.DONE and correction.updated_at < after.requested_at
    assert not _meetings(ACME)[1].packs.get().figures["restated"]

    path = tmp_path / "pack.pdf"
    with after.file.open("rb") as stored_file:
        path.write_bytes(stored_file.read())
    done = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, timeout=60)
    text = " ".join(done.stdout.decode("utf-8").split())
    assert item["before"] in text and item["after"] in text


def _shape() -> tuple:
    issued = {}
    for pack in ReviewPack.objects.filter(issued_at__isnull=False).select_related("meeting"):
        figures = {k: v for k, v in pack.figures.items() if k not in ("meeting", "commentary_versions")}
        issued[(pack.meeting.provider_id, pack.meeting.quarter)] = json.dumps(figures, sort_keys=True)
    counts = tuple(
        model.objects.count()
        for model in (
            ReviewMeeting,
            ReviewAttendee,
            ReviewCommentary,
            ReviewPack,
            ReviewAction,
            ReviewActionUpdate,
        )
    )
    return counts, ResultOverride.objects.count(), ComplianceResult.objects.count(), issued


def test_seeding_again_replaces_the_meetings_without_duplicating_them():
    before = _shape()
    assert review_seed(today=TODAY) == 8
    assert _shape() == before


# --- One figure, one source ----------------------------------------------------------------------


def row_params(result: ComplianceResult) -> str:
    measure = MEASURES[result.target.measure]
    return measure.describe_params(result.target.params) if measure.parameters else ""


def test_one_figure_on_every_surface(client):
    """For a demo contract, the value, numerator, denominator and RAG of one target and quarter are
    the same on the scorecard, the result page, the trend, the pack, the portfolio matrix, the
    benchmarking page, the results export and the API: each shows the one stored result."""
    deal = Contract.objects.get(reference=ACME)
    council = _council()
    quarter = quarter_period(add_months(CALENDAR.last, -3))  # the last quarter of the demo returns
    result = (
        ComplianceResult.objects.filter(
            contract=deal, period=quarter.identifier, is_latest=True, not_rated_reason__isnull=True
        )
        .exclude(target__measure="RETURNS_ON_TIME")
        .select_related("target", "target_version")
        .order_by("target__measure")
        .first()
    )
    assert result is not None
    override = overrides_in_force([result.target_id], [quarter.identifier]).get(
        (result.target_id, quarter.identifier)
    )
    rag = override.rag if override else result.rag
    label = {"green": "Green", "amber": "Amber", "red": "Red"}[rag]
    figure = f"{result.value:.1f}% ({result.numerator}/{result.denominator})"
    value = f"{result.value:.1f}"
    commissioner = User.objects.filter(
        memberships__organisation=council, memberships__role="commissioner", is_active=True
    ).first()
    client.force_login(commissioner)

    def shown(url: str, params: dict | None = None) -> str:
        response = client.get(url, params or {})
        assert response.status_code == 200, url
        return response.content.decode()

    def near(page: str, text: str, also: str, within: int = 1500) -> bool:
        at = page.find(text)
        return at >= 0 and also in page[at : at + within]

    year = quarter.start.year if quarter.start.month >= 4 else quarter.start.year - 1
    scorecard = shown(f"/results/contracts/{deal.pk}/", {"year": year})
    assert near(scorecard, figure, f">{label}<"), "scorecard"
    detail = shown(f"/results/{result.pk}/")
    assert figure in detail and f">{label}<" in detail, "result page"
    trend = shown(f"/portfolio/contracts/{deal.pk}/targets/{result.target_id}/trend/")
    assert figure in trend or (
        f"{value}%" in trend and f"{result.numerator}/{result.denominator}" in trend
    ), "trend"
    matrix = shown("/portfolio/", {"quarter": quarter.identifier})
    assert figure in matrix or f"{value}% ({result.numerator}/{result.denominator})" in matrix, "portfolio"

    export = list(
        csv.reader(io.StringIO(shown("/portfolio/exports/results.csv", {"period": quarter.identifier})))
    )
    header = export[0]
    row = next(
        dict(zip(header, r, strict=True))
        for r in export[1:]
        if r[0] == ACME
        and r[3] == target_measure_name(MEASURES[result.target.measure], result.target.params)
        and r[4] == row_params(result)
    )
    assert (row["Numerator"], row["Denominator"], row["Value (%)"], row["RAG shown"]) == (
        str(result.numerator),
        str(result.denominator),
        value,
        label,
    ), "export"

    token = make_token(council, ["read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    listed = api.get("/api/v1/results/", {"contract": deal.pk, "period": quarter.identifier}).json()[
        "results"
    ]
    item = next(r for r in listed if r["id"] == result.pk)
    assert (item["numerator"], item["denominator"], f"{item['value']:.1f}", item["rag"]) == (
        result.numerator,
        result.denominator,
        value,
        rag,
    ), "API"

    meeting = ReviewMeeting.objects.filter(contracts=deal, quarter=quarter.identifier).first()
    assert meeting is not None
    figures = pack_figures(meeting)
    rows = [row for section in figures["contracts"] for row in section["rows"]]
    cell = next(row for row in rows if row["target_id"] == result.target_id)["quarters"][
        (quarter.start.month - 4) % 12 // 3
    ]
    assert (cell["numerator"], cell["denominator"], cell["value"], cell["rag"]) == (
        result.numerator,
        result.denominator,
        value,
        rag,
    ), "pack"

    options = benchmark_options(acting_for(commissioner, council.pk))
    option = next(
        o
        for o in options.measures
        if o.code == result.target.measure and o.params == MEASURES[o.code].clean_params(result.target.params)
    )
    benchmarks = shown("/portfolio/benchmarks/", {"measure": option.key, "quarter": quarter.identifier})
    assert f"{value}% ({result.numerator}/{result.denominator})" in benchmarks, "benchmarks"


def test_the_demo_results_equal_a_fresh_computation():
    for deal in Contract.objects.filter(reference__in=[ACME, JOINT]):
        assert_stored_equals_fresh(deal)
