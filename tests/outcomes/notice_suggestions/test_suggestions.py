"""Notice suggestions: the four rules at their boundaries (outcomes.notice_suggestions), the
refresh job (dedupe, never raising a decided key again, lapsing), what an officer does with one
(commissioning.notices.suggestions) and the pages, with who may see and act on them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEntry, Role
from commissioning.notices import suggestions as services
from commissioning.notices.models import (
    Notice,
    NoticeEvidenceLink,
    NoticeKind,
    NoticeStatus,
    NoticeSuggestion,
    SuggestionRule,
    SuggestionStatus,
)
from commissioning.notices.working_days import add_working_days
from commissioning.qaf import frameworks
from commissioning.qaf.models import (
    ActionStatus,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Outcome,
    QafStandard,
    RemedialAction,
)
from commissioning.qaf.status import qaf_status_store
from outcomes.models import AttemptStatus, ComplianceResult, MonthlyReturn, ResultOverride, ReturnAttempt
from outcomes.notice_suggestions.refresh import suggestions_refresh, two_months_after
from outcomes.periods import due_at, quarter_period
from tests.factories import PASSWORD, CouncilFactory, UserFactory, acting, contract, member, target
from tests.pages import error_summary, page_text

pytestmark = pytest.mark.django_db

Q1, Q2, Q3 = date(2025, 4, 1), date(2025, 7, 1), date(2025, 10, 1)
LIST = "/notices/suggestions/"


class Setup:
    def __init__(self, world):
        self.world = world
        # Returns owed from June 2025: June's is due on 10 July 2025.
        self.deal = contract(
            world.council,
            world.provider_a,
            reference="S-1",
            start_date=date(2025, 6, 1),
            partners=[world.icb],
        )
        self.officer = acting(world.users["contract_officer"])
        self.viewer = acting(world.users["c_viewer"])


@pytest.fixture
def s(world):
    return Setup(world)


def of_rule(rule: str) -> list[NoticeSuggestion]:
    return list(NoticeSuggestion.objects.filter(rule=rule).order_by("id"))


def client_for(user) -> Client:
    client = Client()
    response = client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


# --- Builders ------------------------------------------------------------------------------------


def returned(deal, month: date, status: str = AttemptStatus.ACCEPTED) -> ReturnAttempt:
    slot, _ = MonthlyReturn.objects.get_or_create(
        contract=deal, month=month, defaults={"due_at": due_at(month, deal.return_due_day)}
    )
    accepted = status == AttemptStatus.ACCEPTED
    return ReturnAttempt.objects.create(
        monthly_return=slot,
        status=status,
        is_current=accepted,
        version=1 if accepted else None,
        accepted_at=timezone.now() if accepted else None,
        submitted_by_label="Provider",
    )


def all_returned(deal, until: date) -> None:
    month = deal.start_date
    while month <= until:
        returned(deal, month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


def finalised(world, deal, on: date, outcome: str = Outcome.NON_COMPLIANT, **fields) -> Assessment:
    version = frameworks.framework_version_current(
        frameworks.framework_default_get_or_create(owner=world.council)
    )
    return Assessment.objects.create(
        framework_version=version,
        commissioner=world.council,
        provider=world.provider_a,
        contract=fields.pop("contract", deal),
        kind=fields.pop("kind", AssessmentKind.INITIAL),
        status=AssessmentStatus.FINALISED,
        started_on=on - timedelta(days=40),
        finalised_on=on,
        outcome=outcome,
        judgement="requires_improvement" if outcome == Outcome.NON_COMPLIANT else "good",
        score=Decimal("2.10") if outcome == Outcome.NON_COMPLIANT else Decimal("3.00"),
        created_by_label="Quality officer",
        **fields,
    )


def action(assessment: Assessment, due_on: date, status: str = ActionStatus.OPEN) -> RemedialAction:
    standard = QafStandard.objects.filter(domain__version=assessment.framework_version).order_by("id").first()
    return RemedialAction.objects.create(
        assessment=assessment,
        standard=standard,
        description="Supervise every care worker monthly.",
        owner="Registered manager",
        due_on=due_on,
        status=status,
    )


def result(t, quarter_start: date, rag: str) -> ComplianceResult:
    period = quarter_period(quarter_start)
    return ComplianceResult.objects.create(
        contract=t.contract,
        target=t,
        target_version=t.versions.first(),
        period=period.identifier,
        period_kind="quarter",
        period_start=period.start,
        period_end=period.end,
        numerator=26,
        denominator=50,
        value=Decimal("52.0"),
        rag=rag,
    )


def override(t, quarter_start: date, rag: str) -> ResultOverride:
    return ResultOverride.objects.create(
        target=t,
        period=quarter_period(quarter_start).identifier,
        rag=rag,
        reason="Agreed at the review",
        computed_rag="amber",
        created_by_label="Commissioner",
    )


# --- 1. Returns two or more months overdue --------------------------------------------------------


def test_two_months_after_keeps_the_day_and_clamps_to_the_month_end():
    assert two_months_after(date(2025, 7, 10)) == date(2025, 9, 10)
    assert two_months_after(date(2025, 12, 31)) == date(2026, 2, 28)
    assert two_months_after(date(2023, 12, 30)) == date(2024, 2, 29)


def test_a_return_is_flagged_from_the_same_day_two_months_after_its_due_date(s):
    # June 2025's return was due on 10 July 2025.
    suggestions_refresh(date(2025, 9, 9))
    assert of_rule(SuggestionRule.RETURNS_OVERDUE) == []
    suggestions_refresh(date(2025, 9, 10))
    [found] = of_rule(SuggestionRule.RETURNS_OVERDUE)
    assert found.key == "returns_overdue:2025-06"
    assert found.summary == "The monthly return for June 2025 is two or more months overdue."
    assert (found.suggested_kind, found.suggested_reason) == (NoticeKind.BREACH, "returns")
    assert (found.commissioner, found.provider, found.status) == (
        s.world.council,
        s.world.provider_a,
        SuggestionStatus.OPEN,
    )
    # July's (due 10 August) is overdue too, by less than two months: a fact, not the trigger.
    assert (
        found.details["facts"][-1] == "Also overdue, by less than two months: July 2025 (due 10 August 2025)."
    )


def test_the_summary_names_every_outstanding_month_and_the_key_the_earliest(s):
    returned(s.deal, date(2025, 7, 1))
    returned(s.deal, date(2025, 8, 1), status=AttemptStatus.REJECTED)
    suggestions_refresh(date(2025, 11, 12))  # August's was due 10 September
    [found] = of_rule(SuggestionRule.RETURNS_OVERDUE)
    assert found.key == "returns_overdue:2025-06"
    assert (
        found.summary == "The monthly returns for June 2025 and August 2025 are two or more months overdue."
    )
    assert found.details["facts"][:2] == [
        "June 2025: due 10 July 2025, still not received (not submitted).",
        "August 2025: due 10 September 2025, still not received (rejected: needs a corrected file).",
    ]
    # Only a month with a return on record can be linked as evidence.
    [evidence] = found.details["evidence"]
    assert (evidence["model"], evidence["label"]) == ("monthlyreturn", "Monthly return August 2025 for S-1")


def test_returns_are_not_flagged_on_contracts_that_are_not_live(s):
    s.deal.status = "draft"
    s.deal.save()
    suggestions_refresh(date(2025, 12, 1))
    assert of_rule(SuggestionRule.RETURNS_OVERDUE) == []


# --- 2. QAF non-compliant past its window ---------------------------------------------------------


def _qaf_refresh(s, today: date) -> None:
    qaf_status_store(provider_id=s.world.provider_a.pk, commissioner_id=s.world.council.pk, today=today)
    suggestions_refresh(today)


def test_qaf_past_the_window_is_flagged_from_day_85_of_a_12_week_window(s):
    initial = finalised(s.world, s.deal, date(2025, 9, 1))
    again = finalised(s.world, s.deal, date(2025, 10, 20), kind=AssessmentKind.REASSESSMENT)
    _qaf_refresh(s, date(2025, 9, 1) + timedelta(days=84))  # the window's last day
    assert of_rule(SuggestionRule.QAF_PAST_WINDOW) == []
    _qaf_refresh(s, date(2025, 9, 1) + timedelta(days=85))
    [found] = of_rule(SuggestionRule.QAF_PAST_WINDOW)
    # The key is the assessment that started the non-compliant spell; both are evidence.
    assert found.key == f"qaf_past_window:{initial.pk}"
    assert [e["object_id"] for e in found.details["evidence"]] == [initial.pk, again.pk]
    assert (found.suggested_kind, found.suggested_reason) == (NoticeKind.BREACH, "qaf_actions")
    assert "12-week compliance window ended on 24 November 2025" in found.details["facts"][0]


def test_a_compliant_reassessment_lapses_the_qaf_suggestion(s):
    finalised(s.world, s.deal, date(2025, 5, 1))
    _qaf_refresh(s, date(2025, 9, 1))
    [found] = of_rule(SuggestionRule.QAF_PAST_WINDOW)
    finalised(s.world, s.deal, date(2025, 9, 2), outcome=Outcome.COMPLIANT, kind=AssessmentKind.REASSESSMENT)
    _qaf_refresh(s, date(2025, 9, 3))
    found.refresh_from_db()
    assert found.status == SuggestionStatus.LAPSED


# --- 3. Action-plan items overdue -----------------------------------------------------------------


def test_an_action_due_today_is_not_overdue_and_one_due_yesterday_is(s):
    today = date(2025, 10, 15)
    assessment = finalised(s.world, s.deal, date(2025, 9, 1))
    action(assessment, today)
    action(assessment, today - timedelta(days=3), status=ActionStatus.DONE)
    action(assessment, today - timedelta(days=3), status=ActionStatus.VERIFIED)
    suggestions_refresh(today)
    assert of_rule(SuggestionRule.ACTIONS_OVERDUE) == []
    action(assessment, today - timedelta(days=1), status=ActionStatus.REOPENED)
    suggestions_refresh(today)
    [found] = of_rule(SuggestionRule.ACTIONS_OVERDUE)
    assert found.key == f"actions_overdue:{assessment.pk}"
    assert (
        found.summary
        == "1 remedial action from the QAF initial evaluation completed 1 September 2025 is overdue."
    )
    assert "due 14 October 2025; reopened" in found.details["facts"][0]
    assert [e["object_id"] for e in found.details["evidence"]] == [assessment.pk]


def test_actions_of_another_contracts_assessment_or_another_body_are_left_out(s, world):
    other_deal = contract(world.council, world.provider_a, reference="S-2")
    scoped_elsewhere = finalised(world, s.deal, date(2025, 9, 1), contract=other_deal)
    action(scoped_elsewhere, date(2025, 10, 1))
    suggestions_refresh(date(2025, 10, 15))
    assert [(f.contract, f.key) for f in of_rule(SuggestionRule.ACTIONS_OVERDUE)] == [
        (other_deal, f"actions_overdue:{scoped_elsewhere.pk}")
    ]


# --- 4. A target red two quarters running ---------------------------------------------------------


def test_two_consecutive_ended_red_quarters_suggest_a_review(s):
    t = target(s.deal)
    result(t, Q1, "red")
    result(t, Q2, "red")
    suggestions_refresh(date(2025, 9, 30))  # Q2 has not ended yet
    assert of_rule(SuggestionRule.TARGET_RED) == []
    suggestions_refresh(date(2025, 10, 1))
    [found] = of_rule(SuggestionRule.TARGET_RED)
    assert found.key == f"target_red:{t.pk}:2025-26-Q1"
    assert "red in Q1 2025-26 and Q2 2025-26" in found.summary
    assert (found.suggested_kind, found.suggested_reason) == (NoticeKind.NOC, "under_performance")
    assert len(found.details["evidence"]) == 2


@pytest.mark.parametrize(
    "rags",
    [("red", "amber", "red"), ("amber", "amber", "red"), ("red", "not_rated", "red")],
    ids=["red-amber-red", "red-only-in-the-latest", "not-rated-breaks-the-run"],
)
def test_no_review_suggested_without_two_reds_in_a_row(s, rags):
    t = target(s.deal)
    for quarter, rag in zip((Q1, Q2, Q3), rags, strict=True):
        result(t, quarter, rag)
    suggestions_refresh(date(2026, 1, 5))
    assert of_rule(SuggestionRule.TARGET_RED) == []


def test_a_missing_quarter_breaks_the_run(s):
    t = target(s.deal)
    result(t, Q1, "red")
    result(t, Q3, "red")
    suggestions_refresh(date(2026, 1, 5))
    assert of_rule(SuggestionRule.TARGET_RED) == []


def test_the_rag_shown_counts_an_override_in_force(s):
    t = target(s.deal)
    result(t, Q1, "red")
    result(t, Q2, "amber")
    override(t, Q2, "red")
    suggestions_refresh(date(2025, 10, 1))
    [found] = of_rule(SuggestionRule.TARGET_RED)
    assert "(set by Commissioner: Agreed at the review)" in found.details["facts"][1]
    # A later override back to amber lapses it; setting red again opens it again.
    override(t, Q2, "amber")
    suggestions_refresh(date(2025, 10, 2))
    found.refresh_from_db()
    assert found.status == SuggestionStatus.LAPSED
    override(t, Q2, "red")
    counts = suggestions_refresh(date(2025, 10, 3))
    found.refresh_from_db()
    assert (found.status, counts["reopened"]) == (SuggestionStatus.OPEN, 1)


def test_a_withdrawn_override_gives_the_computed_rag_back(s):
    t = target(s.deal)
    result(t, Q1, "red")
    result(t, Q2, "red")
    override(t, Q2, "amber")
    suggestions_refresh(date(2025, 10, 1))
    assert of_rule(SuggestionRule.TARGET_RED) == []
    override(t, Q2, "")
    suggestions_refresh(date(2025, 10, 1))
    assert len(of_rule(SuggestionRule.TARGET_RED)) == 1


# --- The job: dedupe, decided keys, lapsing, efficiency --------------------------------------------


def test_running_twice_keeps_one_suggestion_and_refreshes_it(s):
    first = suggestions_refresh(date(2025, 9, 10))
    [found] = of_rule(SuggestionRule.RETURNS_OVERDUE)
    second = suggestions_refresh(date(2025, 10, 10))
    assert (first["created"], second["created"], second["updated"]) == (1, 0, 1)
    [again] = of_rule(SuggestionRule.RETURNS_OVERDUE)
    assert again.pk == found.pk
    assert again.summary == "The monthly returns for June 2025 and July 2025 are two or more months overdue."
    assert again.last_seen_at >= found.last_seen_at


def test_a_dismissed_key_is_never_raised_again_but_a_new_occurrence_is(s):
    suggestions_refresh(date(2025, 9, 10))
    [found] = of_rule(SuggestionRule.RETURNS_OVERDUE)
    services.suggestion_dismiss(
        acting=s.officer, suggestion=found, reason="The provider sends June on Friday."
    )
    suggestions_refresh(date(2025, 10, 10))
    assert [(f.key, f.status) for f in of_rule(SuggestionRule.RETURNS_OVERDUE)] == [
        ("returns_overdue:2025-06", SuggestionStatus.DISMISSED)
    ]
    # June arrives; July is now the earliest month two months overdue: a new occurrence.
    returned(s.deal, date(2025, 6, 1))
    suggestions_refresh(date(2025, 10, 10))
    assert [(f.key, f.status) for f in of_rule(SuggestionRule.RETURNS_OVERDUE)] == [
        ("returns_overdue:2025-06", SuggestionStatus.DISMISSED),
        ("returns_overdue:2025-07", SuggestionStatus.OPEN),
    ]


def test_an_open_suggestion_lapses_when_the_returns_arrive(s):
    suggestions_refresh(date(2025, 9, 10))
    [found] = of_rule(SuggestionRule.RETURNS_OVERDUE)
    returned(s.deal, date(2025, 6, 1))
    counts = suggestions_refresh(date(2025, 9, 11))
    found.refresh_from_db()
    assert (found.status, counts["lapsed"]) == (SuggestionStatus.LAPSED, 1)


def test_the_job_reads_the_portfolio_in_a_fixed_number_of_queries(s, world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            suggestions_refresh(date(2026, 1, 5))
        return len(captured)

    def add_contract(n: int) -> None:
        deal = contract(world.council, world.provider_b, reference=f"P-{n}")
        assessment = finalised(world, deal, date(2025, 6, 1))
        assessment.provider = world.provider_b
        assessment.save()
        action(assessment, date(2025, 7, 1))
        t = target(deal)
        result(t, Q1, "red")
        result(t, Q2, "red")

    add_contract(1)
    one = queries()
    for n in range(2, 6):
        add_contract(n)
    assert queries() <= one + 1  # one more for the new suggestions' insert, whatever their number


# --- What an officer does with a suggestion -------------------------------------------------------


def test_a_draft_from_an_overdue_return_is_a_breach_notice_with_its_evidence(s):
    returned(s.deal, date(2025, 6, 1), status=AttemptStatus.REJECTED)
    suggestions_refresh(date(2025, 9, 10))
    [found] = of_rule(SuggestionRule.RETURNS_OVERDUE)
    notice = services.suggestion_draft(acting=s.officer, suggestion=found)
    assert (notice.status, notice.kind, notice.reason, notice.contract, notice.provider) == (
        NoticeStatus.DRAFT,
        NoticeKind.BREACH,
        "returns",
        s.deal,
        s.world.provider_a,
    )
    assert notice.facts.startswith("The monthly return for June 2025 is two or more months overdue.")
    assert "- June 2025: due 10 July 2025" in notice.facts
    assert "Submit the outstanding monthly return for June 2025" in notice.remedy
    assert notice.remedy_due_on == add_working_days(timezone.localdate(), 10)
    [link] = NoticeEvidenceLink.objects.filter(notice=notice)
    assert (link.app_label, link.model, link.object_id) == (
        "outcomes",
        "monthlyreturn",
        found.details["evidence"][0]["object_id"],
    )
    assert link.key_fields["State"] == "Rejected: needs a corrected file"
    found.refresh_from_db()
    assert (found.status, found.notice, found.decided_by) == (
        SuggestionStatus.DRAFTED,
        notice,
        s.world.users["contract_officer"],
    )
    assert AuditEntry.objects.filter(action="notice_suggestion.drafted", object_id=str(found.pk)).exists()
    # Asking again gives the same draft back; the next run does not raise the key again.
    assert services.suggestion_draft(acting=s.officer, suggestion=found) == notice
    suggestions_refresh(date(2025, 9, 11))
    assert [f.status for f in of_rule(SuggestionRule.RETURNS_OVERDUE)] == [SuggestionStatus.DRAFTED]
    assert Notice.objects.count() == 1


def test_a_draft_from_a_red_target_is_a_medium_quality_notice_of_concern(s):
    t = target(s.deal)
    results = [result(t, Q1, "red"), result(t, Q2, "red")]
    suggestions_refresh(date(2025, 10, 1))
    [found] = of_rule(SuggestionRule.TARGET_RED)
    services.suggestion_note(acting=s.officer, suggestion=found, note="On the agenda for November.")
    notice = services.suggestion_draft(acting=s.officer, suggestion=found)
    assert (notice.kind, notice.noc_category, notice.complexity, notice.reason) == (
        NoticeKind.NOC,
        "quality",
        "medium",
        "under_performance",
    )
    assert sorted(notice.evidence_links.values_list("object_id", flat=True)) == [r.pk for r in results]


def test_a_draft_from_overdue_actions_links_the_assessment(s):
    assessment = finalised(s.world, s.deal, date(2025, 9, 1))
    action(assessment, date(2025, 10, 1))
    suggestions_refresh(date(2025, 10, 15))
    [found] = of_rule(SuggestionRule.ACTIONS_OVERDUE)
    notice = services.suggestion_draft(acting=s.officer, suggestion=found)
    assert (notice.kind, notice.reason) == (NoticeKind.BREACH, "qaf_actions")
    assert list(notice.evidence_links.values_list("model", "object_id")) == [("assessment", assessment.pk)]


def test_dismissing_needs_a_reason_and_an_open_suggestion(s):
    suggestions_refresh(date(2025, 9, 10))
    [found] = of_rule(SuggestionRule.RETURNS_OVERDUE)
    with pytest.raises(ValidationError) as caught:
        services.suggestion_dismiss(acting=s.officer, suggestion=found, reason="  ")
    assert "Say why no notice is needed" in caught.value.message_dict["reason"][0]
    services.suggestion_dismiss(acting=s.officer, suggestion=found, reason="Agreed a date with the provider.")
    found.refresh_from_db()
    assert (found.status, found.decision_reason, found.decided_by_label) == (
        SuggestionStatus.DISMISSED,
        "Agreed a date with the provider.",
        str(s.world.users["contract_officer"]),
    )
    assert AuditEntry.objects.filter(action="notice_suggestion.dismissed").count() == 1
    with pytest.raises(ValidationError, match="This suggestion is dismissed, so it cannot be dismissed"):
        services.suggestion_dismiss(acting=s.officer, suggestion=found, reason="Again")
    with pytest.raises(ValidationError, match="cannot be opened as a draft notice"):
        services.suggestion_draft(acting=s.officer, suggestion=found)


def test_only_a_red_target_is_taken_to_the_review(s):
    suggestions_refresh(date(2025, 9, 10))
    [found] = of_rule(SuggestionRule.RETURNS_OVERDUE)
    with pytest.raises(ValidationError, match="Only a target red for two quarters running"):
        services.suggestion_note(acting=s.officer, suggestion=found)


def test_only_officers_of_the_lead_body_act_and_see_suggestions(s, world):
    suggestions_refresh(date(2025, 9, 10))
    [found] = of_rule(SuggestionRule.RETURNS_OVERDUE)
    for role in ("c_viewer", "commissioner", "quality_officer"):
        with pytest.raises(PermissionDenied):
            services.suggestion_dismiss(acting=acting(world.users[role]), suggestion=found, reason="No")
    assert list(services.suggestions_for(s.viewer)) == [found]
    for outsider in (acting(world.users["a_admin"]), acting(world.users["icb_admin"])):
        assert not services.suggestions_for(outsider).exists()
        with pytest.raises(Http404):
            services.suggestion_get_for(outsider, found.pk)


# --- Pages and access -----------------------------------------------------------------------------


@pytest.fixture
def open_one(s) -> NoticeSuggestion:
    return NoticeSuggestion.objects.create(
        commissioner=s.world.council,
        contract=s.deal,
        provider=s.world.provider_a,
        rule=SuggestionRule.TARGET_RED,
        key="target_red:1:2025-26-Q1",
        summary="Independence within 6 weeks was red in Q1 2025-26 and Q2 2025-26.",
        details={
            "facts": ["Q1 2025-26: 52.0% (26/50): red."],
            "remedy": "An improvement plan.",
            "evidence": [],
        },
        suggested_kind=NoticeKind.NOC,
        suggested_reason="under_performance",
    )


def _urls(suggestion_id: int) -> list[str]:
    return [LIST, *(f"{LIST}{suggestion_id}/{step}/" for step in ("draft", "dismiss", "note"))]


@pytest.mark.parametrize("role", ["a_submitter", "a_approver", "a_viewer", "a_admin", "b_admin"])
def test_providers_get_404_on_every_suggestion_address(world, open_one, role):
    client = client_for(world.users[role])
    for url in _urls(open_one.pk):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": "x"}).status_code == 404, url


def test_another_body_gets_404_on_the_council_suggestion_and_an_empty_list(world, open_one):
    stranger = member(CouncilFactory(name="Elsewhere Council"), Role.CONTRACT_OFFICER)
    for user in (stranger, world.users["icb_admin"]):
        client = client_for(user)
        listing = client.get(LIST)
        assert listing.status_code == 200
        assert "No open suggestions" in page_text(listing)
        for url in _urls(open_one.pk)[1:]:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"reason": "x"}).status_code == 404, url
    # The partner ICB's admin (a commissioner, not a contract officer) cannot ask for a refresh.
    assert client_for(world.users["icb_admin"]).post(LIST).status_code == 403


def test_people_in_no_organisation_are_refused(open_one):
    client = client_for(UserFactory())
    for url in _urls(open_one.pk):
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code == 403, url


@pytest.mark.parametrize("role", ["commissioner", "quality_officer", "c_viewer", "c_admin"])
def test_council_people_without_notice_rights_see_the_list_but_cannot_act(world, open_one, role):
    client = client_for(world.users[role])
    listing = client.get(LIST)
    assert listing.status_code == 200
    assert open_one.summary in page_text(listing)
    assert "Raise a notice" not in page_text(listing)
    assert "Dismiss selected" not in page_text(listing) and 'name="suggestions"' not in page_text(listing)
    assert client.post(LIST).status_code == 403
    assert client.post(f"{LIST}dismiss/", {"suggestions": open_one.pk, "reason": "x"}).status_code == 403
    for url in _urls(open_one.pk)[1:]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"reason": "x"}).status_code == 403, url
    open_one.refresh_from_db()
    assert open_one.status == SuggestionStatus.OPEN


def test_anonymous_people_are_sent_to_sign_in(open_one):
    for url in _urls(open_one.pk):
        response = Client().get(url)
        assert response.status_code == 302 and "/account/sign-in/" in response["Location"]


def test_the_list_is_a_table_row_with_the_contract_and_the_actions(world, open_one):
    response = client_for(world.users["contract_officer"]).get(LIST)
    text = page_text(response)
    assert 'data-testid="suggestion-worklist"' in text and "1 suggestion open" in text
    assert "A target red for two quarters running" in text
    assert f'href="/contracts/{open_one.contract_id}/"' in response.content.decode()
    assert "Acme Homecare Ltd" in text
    assert "Raise a notice" in text and "Suggests: the quarterly review, then Notice of Concern" in text
    assert "Take it to the quarterly review" in text
    assert f"/notices/suggestions/{open_one.pk}/dismiss/" in text
    assert f'id="select-{open_one.pk}"' in text and "Dismiss selected" in text


def test_officer_dismisses_through_the_confirm_page(world, open_one):
    client = client_for(world.users["contract_officer"])
    url = f"{LIST}{open_one.pk}/dismiss/"
    page = client.get(url)
    assert page.status_code == 200 and "Dismiss this suggestion?" in page_text(page)
    blank = client.post(url, {"reason": ""})
    assert blank.status_code == 200
    assert error_summary(blank) == [("id_reason", "Say why no notice is needed")]
    done = client.post(url, {"reason": "Discussed at the October review."})
    assert done.status_code == 302 and done["Location"] == LIST
    # The dismissed filter shows who dismissed it and why.
    shown = page_text(client.get(LIST, {"status": "dismissed"}))
    assert f"By {world.users['contract_officer']}" in shown
    assert "Discussed at the October review." in shown
    # Dismissed is gone from the default (open) view; asking again shows the problem.
    assert open_one.summary not in page_text(client.get(LIST))
    again = client.post(url, {"reason": "Twice"})
    assert "This suggestion is dismissed, so it cannot be dismissed" in page_text(again)


def test_officer_opens_a_draft_and_is_taken_to_it(world, s):
    suggestions_refresh(date(2025, 9, 10))
    [found] = of_rule(SuggestionRule.RETURNS_OVERDUE)
    client = client_for(world.users["contract_officer"])
    assert client.get(f"{LIST}{found.pk}/draft/")["Location"] == f"{LIST}#suggestion-{found.pk}"
    response = client.post(f"{LIST}{found.pk}/draft/")
    notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/notices/{notice.pk}/edit/"
    # Twice goes to the same draft.
    assert client.post(f"{LIST}{found.pk}/draft/")["Location"] == f"/notices/{notice.pk}/edit/"
    assert Notice.objects.count() == 1


def test_officer_notes_a_red_target_for_the_review(world, open_one):
    client = client_for(world.users["contract_officer"])
    response = client.post(f"{LIST}{open_one.pk}/note/", {"note": "November agenda"})
    assert response.status_code == 302
    open_one.refresh_from_db()
    assert (open_one.status, open_one.decision_reason) == (SuggestionStatus.NOTED, "November agenda")
    noted = page_text(client.get(LIST, {"status": "noted"}))
    assert "November agenda" in noted and "Raise a notice" in noted


def test_refresh_now_runs_the_job_for_the_body(world, s, django_capture_on_commit_callbacks):
    client = client_for(world.users["contract_officer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST)
    assert response.status_code == 302
    # The contract started in June 2025 and no return has come: today, that is overdue.
    assert of_rule(SuggestionRule.RETURNS_OVERDUE)[0].key == "returns_overdue:2025-06"


def test_a_body_with_no_suggestions_sees_the_empty_state(world):
    response = client_for(world.users["c_viewer"]).get(LIST)
    assert response.status_code == 200
    assert "No open suggestions" in page_text(response)
    assert "Refresh suggestions now" not in page_text(response)
