"""The home pages' "what needs attention" lists (outcomes.portfolio.attention): each list's rule and
boundaries, who sees what, a query count that does not grow with the portfolio, and both pages.

The world: Riverton City Council leads RCC-1 with Acme (joint with the ICB) and RCC-2 with
Brookside; another council holds OTH-1 with Brookside. "Today" is Thursday 20 November 2025, so the
October return (due 10 November) is 10 days overdue and 2025-26 Q2 is the newest quarter.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.access import acting_for
from commissioning.notices.models import Notice, NoticeSuggestion
from commissioning.qaf import frameworks
from commissioning.qaf.models import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Outcome,
    QafStandard,
    RemedialAction,
)
from outcomes.home.attention import commissioner_attention, provider_attention
from outcomes.models import ComplianceResult, MonthlyReturn, ResultOverride, ReturnAttempt
from outcomes.periods import LONDON, due_at, parse_period
from outcomes.reviews.models import ReviewAction, ReviewCommentary, ReviewMeeting
from tests.factories import CouncilFactory, contract, target

pytestmark = pytest.mark.django_db

TODAY = date(2025, 11, 20)


def acting(world, name: str):
    user = world.users[name]
    return acting_for(user, user.memberships.first().organisation_id)


def result(t, period_id: str, rag: str) -> ComplianceResult:
    period = parse_period(period_id)
    return ComplianceResult.objects.create(
        contract=t.contract,
        target=t,
        target_version=t.versions.first(),
        period=period.identifier,
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        numerator=60,
        denominator=100,
        value=Decimal("60.0"),
        rag=rag,
    )


def override(t, period_id: str, rag: str) -> ResultOverride:
    return ResultOverride.objects.create(
        target=t,
        period=period_id,
        rag=rag,
        reason="Agreed at review.",
        computed_rag="red",
        created_by_label="C",
    )


def accepted(deal, month: date, **fields) -> ReturnAttempt:
    slot = MonthlyReturn.objects.create(contract=deal, month=month, due_at=due_at(month, deal.return_due_day))
    return ReturnAttempt.objects.create(
        monthly_return=slot,
        status=fields.pop("status", "accepted"),
        submitted_at=datetime(month.year, month.month, 28, 9, tzinfo=LONDON),
        submitted_by_label="Acme",
        version=fields.pop("version", 1),
        is_current=fields.pop("is_current", True),
        **fields,
    )


def meeting(commissioner, provider, deal, held_on: date, quarter: str = "2025-26-Q2") -> ReviewMeeting:
    created = ReviewMeeting.objects.create(
        commissioner=commissioner, provider=provider, quarter=quarter, held_on=held_on, created_by_label="C"
    )
    created.contracts.set([deal])
    return created


def review_action(review, due_on: date, owner_kind: str = "provider", status: str = "open") -> ReviewAction:
    return ReviewAction.objects.create(
        meeting=review,
        description=f"Action due {due_on}",
        owner_kind=owner_kind,
        owner_organisation="Someone",
        owner_name="Pat",
        due_on=due_on,
        status=status,
        created_by_label="C",
    )


def notice(deal, remedy_due_on: date, status: str = "issued", acknowledged: bool = False) -> Notice:
    now = timezone.now()
    return Notice.objects.create(
        commissioner=deal.lead_commissioner,
        contract=deal,
        provider=deal.provider,
        kind="breach",
        reason="returns",
        facts="Returns missing.",
        remedy="Submit them.",
        remedy_due_on=remedy_due_on,
        status=status,
        issued_at=None if status == "draft" else now,
        issued_by_label="" if status == "draft" else "Officer",
        clock_start_on=None if status == "draft" else remedy_due_on - timedelta(days=20),
        acknowledged_at=now if acknowledged else None,
        acknowledged_by_label="Ann" if acknowledged else "",
        closed_at=now if status == "closed" else None,
        closed_reason="remedied" if status == "closed" else "",
        created_by_label="Officer",
    )


def suggestion(deal, rule: str, key: str, status: str = "open") -> NoticeSuggestion:
    return NoticeSuggestion.objects.create(
        commissioner=deal.lead_commissioner,
        contract=deal,
        provider=deal.provider,
        rule=rule,
        key=key,
        summary="Found.",
        details={"facts": [], "evidence": []},
        suggested_kind="noc",
        suggested_reason="under_performance",
        status=status,
        decision_reason="Not needed." if status == "dismissed" else "",
    )


@pytest.fixture
def deals(world):
    other = CouncilFactory(name="Castleford Council")
    return {
        "acme": contract(world.council, world.provider_a, reference="RCC-1", partners=[world.icb]),
        "brookside": contract(world.council, world.provider_b, reference="RCC-2"),
        "other": contract(other, world.provider_b, reference="OTH-1"),
    }


# --- Returns --------------------------------------------------------------------------------------


def test_overdue_returns_are_listed_worst_first_and_accepted_months_are_not(world, deals):
    for month in (date(2025, m, 1) for m in (5, 6, 7, 8)):
        accepted(deals["acme"], month)
        accepted(deals["brookside"], month)
    accepted(deals["brookside"], date(2025, 10, 1))
    found = commissioner_attention(acting(world, "commissioner"), TODAY).returns_overdue
    assert found.count == 3  # Acme September and October, Brookside September
    first = found.items[0]
    assert (first.status.contract.reference, first.status.period, first.days_overdue) == (
        "RCC-1",
        "2025-09",
        41,
    )
    assert [(r.status.contract.reference, r.status.period) for r in found.items] == [
        ("RCC-1", "2025-09"),
        ("RCC-2", "2025-09"),
        ("RCC-1", "2025-10"),
    ]
    assert found.items[-1].days_overdue == 10


def test_a_return_is_not_overdue_on_its_due_day(world, deals):
    for month in (date(2025, m, 1) for m in (5, 6, 7, 8, 9)):
        accepted(deals["acme"], month)
        accepted(deals["brookside"], month)
    accepted(deals["brookside"], date(2025, 10, 1))
    on_due_day = commissioner_attention(acting(world, "commissioner"), date(2025, 11, 10)).returns_overdue
    assert on_due_day.count == 0
    day_after = commissioner_attention(acting(world, "commissioner"), date(2025, 11, 11)).returns_overdue
    assert ("RCC-1", "2025-10", 1) in {
        (r.status.contract.reference, r.status.period, r.days_overdue) for r in day_after.items
    }


def test_provider_sees_this_months_return_its_overdue_months_and_the_last_check(world, deals):
    for month in (date(2025, m, 1) for m in (5, 6, 7, 8)):
        accepted(deals["acme"], month)
    checked = accepted(
        deals["acme"],
        date(2025, 9, 1),
        status="rejected",
        version=None,
        is_current=False,
        validated_at=datetime(2025, 10, 2, 11, tzinfo=LONDON),
        errors=[{"row": 3, "message": "Bad date"}],
    )
    found = provider_attention(acting(world, "a_submitter"), TODAY)
    (row,) = found.returns
    assert row.contract == deals["acme"]
    assert row.current.status.period == "2025-10" and row.current.days_overdue == 10
    assert [(m.status.period, m.state_label) for m in row.outstanding] == [
        ("2025-09", "Rejected: needs a corrected file")
    ]
    assert row.last_checked == checked
    assert found.returns_to_do == 2  # October and September, both listed above
    assert found.returns_overdue == 2


# --- Results turned red -----------------------------------------------------------------------------


def test_turned_red_is_red_now_and_not_red_the_quarter_before_as_shown(world, deals):
    acme = deals["acme"]
    amber_to_red = target(acme, "AT_HOME_91D", "90")
    red_to_red = target(acme, "RESIDENTIAL_ENTRY", "5")
    overridden_now = target(acme, "INDEPENDENT_WITHIN", "66")
    overridden_before = target(acme, "HELP_48H", "90")
    for t, before, now in (
        (amber_to_red, "amber", "red"),
        (red_to_red, "red", "red"),
        (overridden_now, "green", "red"),
        (overridden_before, "red", "red"),
    ):
        result(t, "2025-26-Q1", before)
        result(t, "2025-26-Q2", now)
    override(overridden_now, "2025-26-Q2", "amber")
    override(overridden_before, "2025-26-Q1", "amber")
    first_red = target(deals["brookside"], "AT_HOME_91D", "90")
    result(first_red, "2025-26-Q2", "red")
    result(target(deals["other"], "AT_HOME_91D", "90"), "2025-26-Q2", "red")

    found = commissioner_attention(acting(world, "commissioner"), TODAY)
    assert found.red_quarter == "2025-26-Q2"
    shown = {(t.cell.result.target_id, t.before) for t in found.turned_red.items}
    assert shown == {(amber_to_red.pk, "Amber"), (overridden_before.pk, "Amber"), (first_red.pk, "No result")}


def test_a_quarter_still_running_raises_no_alert(world, deals):
    t = target(deals["acme"], "AT_HOME_91D", "90")
    result(t, "2025-26-Q2", "amber")
    result(t, "2025-26-Q3", "red")  # October's return alone: Q3 has not ended
    found = commissioner_attention(acting(world, "commissioner"), date(2025, 11, 5))
    assert found.red_quarter == "2025-26-Q2" and found.turned_red.count == 0
    # On the last day of Q2, Q2 is still running too: nothing is raised from it.
    found = commissioner_attention(acting(world, "commissioner"), date(2025, 9, 30))
    assert found.red_quarter == "" and found.turned_red.count == 0


# --- Suggestions, review actions, notices, meetings ---------------------------------------------------


def test_open_suggestions_are_counted_by_rule_for_the_lead_body_only(world, deals):
    suggestion(deals["acme"], "target_red", "a")
    suggestion(deals["brookside"], "target_red", "b")
    suggestion(deals["acme"], "returns_overdue", "c")
    suggestion(deals["acme"], "returns_overdue", "d", status="dismissed")
    suggestion(deals["other"], "returns_overdue", "e")
    found = commissioner_attention(acting(world, "commissioner"), TODAY)
    assert found.suggestion_count == 3
    assert found.suggestions == [
        ("Monthly returns two or more months overdue", 1),
        ("A target red for two quarters running", 2),
    ]
    assert commissioner_attention(acting(world, "icb_admin"), TODAY).suggestion_count == 0


def test_review_actions_due_within_seven_days_or_overdue(world, deals):
    review = meeting(world.council, world.provider_a, deals["acme"], date(2025, 10, 15))
    overdue = review_action(review, TODAY - timedelta(days=3), owner_kind="partner")
    in_seven = review_action(review, TODAY + timedelta(days=7), owner_kind="commissioner")
    review_action(review, TODAY + timedelta(days=8))
    review_action(review, TODAY - timedelta(days=1), status="done")
    provider_owned = review_action(review, TODAY, status="in_progress")
    other_review = meeting(
        deals["other"].lead_commissioner, world.provider_b, deals["other"], date(2025, 10, 15)
    )
    brookside_own = review_action(other_review, TODAY)
    found = commissioner_attention(acting(world, "commissioner"), TODAY).actions_due
    assert found.items == [overdue, provider_owned, in_seven] and found.count == 3
    assert provider_attention(acting(world, "a_viewer"), TODAY).actions_due.items == [provider_owned]
    assert provider_attention(acting(world, "b_admin"), TODAY).actions_due.items == [brookside_own]


def test_open_notices_past_their_remedy_date(world, deals):
    past = notice(deals["acme"], TODAY - timedelta(days=1), status="acknowledged", acknowledged=True)
    notice(deals["acme"], TODAY)  # due today: not yet past
    notice(deals["acme"], TODAY - timedelta(days=5), status="closed")
    notice(deals["other"], TODAY - timedelta(days=5))
    found = commissioner_attention(acting(world, "commissioner"), TODAY).notices_past_remedy
    assert found.items == [past] and found.count == 1


def test_provider_notices_to_acknowledge_or_respond_to(world, deals):
    issued = notice(deals["acme"], TODAY + timedelta(days=5))
    acknowledged = notice(deals["acme"], TODAY + timedelta(days=9), status="acknowledged", acknowledged=True)
    notice(deals["acme"], TODAY + timedelta(days=9), status="responded", acknowledged=True)
    notice(deals["acme"], TODAY + timedelta(days=9), status="draft")
    notice(deals["brookside"], TODAY + timedelta(days=1))
    found = provider_attention(acting(world, "a_viewer"), TODAY).notices
    assert [(n.notice, n.next_step) for n in found.items] == [
        (issued, "Acknowledge"),
        (acknowledged, "Respond"),
    ]


def test_meetings_in_the_next_fortnight_with_commentary_blank(world, deals):
    acme = deals["acme"]
    t1, t2 = target(acme, "AT_HOME_91D", "90"), target(acme, "RESIDENTIAL_ENTRY", "5")
    soon = meeting(world.council, world.provider_a, acme, TODAY + timedelta(days=14))
    meeting(world.council, world.provider_a, acme, TODAY + timedelta(days=15))
    written = meeting(world.council, world.provider_a, acme, TODAY + timedelta(days=3))
    for t in (t1, t2):
        for part in ("data", "review", "action"):
            ReviewCommentary.objects.create(
                meeting=written, target=t, part=part, text="Written.", version=1, written_by_label="Ann"
            )
    ReviewCommentary.objects.create(
        meeting=soon, target=t1, part="data", text="Written.", version=1, written_by_label="Ann"
    )
    found = commissioner_attention(acting(world, "commissioner"), TODAY).meetings_needing_commentary
    assert [(m.meeting, m.blank, m.parts) for m in found.items] == [(soon, 5, 6)]
    assert provider_attention(acting(world, "a_viewer"), TODAY).meetings_needing_commentary.count == 1
    assert provider_attention(acting(world, "b_admin"), TODAY).meetings_needing_commentary.count == 0


def test_provider_qaf_actions_due_and_scorecard_summary(world, deals):
    version = frameworks.framework_version_current(
        frameworks.framework_default_get_or_create(owner=world.council)
    )
    assessment = Assessment.objects.create(
        framework_version=version,
        commissioner=world.council,
        provider=world.provider_a,
        contract=deals["acme"],
        kind=AssessmentKind.INITIAL,
        status=AssessmentStatus.FINALISED,
        started_on=date(2025, 8, 1),
        finalised_on=date(2025, 9, 10),
        outcome=Outcome.NON_COMPLIANT,
        judgement="requires_improvement",
        score=Decimal("2.10"),
        created_by_label="Quality officer",
    )
    standard = QafStandard.objects.filter(domain__version=version).order_by("id").first()
    due = [
        RemedialAction.objects.create(
            assessment=assessment,
            standard=standard,
            description="Do it.",
            owner="RM",
            due_on=on,
            status=status,
        )
        for on, status in (
            (TODAY + timedelta(days=7), "open"),
            (TODAY + timedelta(days=8), "open"),
            (TODAY - timedelta(days=2), "verified"),
            (TODAY - timedelta(days=2), "reopened"),
        )
    ]
    t1, t2, t3 = (target(deals["acme"], m, "50") for m in ("AT_HOME_91D", "RESIDENTIAL_ENTRY", "HELP_48H"))
    result(t1, "2025-26-Q1", "red")
    result(t1, "2025-26-Q2", "red")
    result(t2, "2025-26-Q2", "red")
    result(t3, "2025-26-Q2", "green")
    override(t2, "2025-26-Q2", "amber")
    result(target(deals["brookside"], "AT_HOME_91D", "90"), "2025-26-Q2", "red")

    found = provider_attention(acting(world, "a_viewer"), TODAY)
    assert found.qaf_actions_due.items == [due[3], due[0]]
    (summary,) = found.scorecards
    assert summary.quarter == "2025-26-Q2" and summary.items == [("Red", 1), ("Amber", 1), ("Green", 1)]
    assert provider_attention(acting(world, "b_admin"), TODAY).qaf_actions_due.count == 0


# --- Isolation and query counts ------------------------------------------------------------------------


def test_provider_b_sees_nothing_of_provider_a(world, deals):
    result(target(deals["acme"], "AT_HOME_91D", "90"), "2025-26-Q2", "red")
    notice(deals["acme"], TODAY + timedelta(days=5))
    found = provider_attention(acting(world, "b_admin"), TODAY)
    references = {r.contract.reference for r in found.returns} | {
        s.contract.reference for s in found.scorecards
    }
    assert references <= {"RCC-2", "OTH-1"} and "RCC-1" not in references
    assert found.notices.count == 0


def test_another_councils_items_never_appear(world, deals):
    other = deals["other"]
    result(target(other, "AT_HOME_91D", "90"), "2025-26-Q2", "red")
    notice(other, TODAY - timedelta(days=3))
    suggestion(other, "target_red", "x")
    review_action(meeting(other.lead_commissioner, world.provider_b, other, TODAY), TODAY)
    found = commissioner_attention(acting(world, "commissioner"), TODAY)
    assert "OTH-1" not in {r.status.contract.reference for r in found.returns_overdue.items}
    assert found.returns_overdue.count == 12  # RCC-1 and RCC-2, six months each
    assert (found.turned_red.count, found.notices_past_remedy.count, found.suggestion_count) == (0, 0, 0)
    assert found.actions_due.count == 0


def portfolio(world, size: int, first: int = 0) -> None:
    for n in range(first, first + size):
        deal = contract(world.council, world.provider_a if n % 2 else world.provider_b, reference=f"Q-{n}")
        t = target(deal, "AT_HOME_91D", "90")
        result(t, "2025-26-Q1", "amber")
        result(t, "2025-26-Q2", "red")
        accepted(deal, date(2025, 9, 1))
        review = meeting(world.council, deal.provider, deal, TODAY + timedelta(days=2))
        review_action(review, TODAY)
        notice(deal, TODAY - timedelta(days=1))
        suggestion(deal, "target_red", f"k{n}")


def queries(func, *args) -> int:
    with CaptureQueriesContext(connection) as captured:
        func(*args, TODAY)
    return len(captured)


@pytest.mark.parametrize("size", [2, 10])
def test_query_count_does_not_grow_with_the_portfolio(world, size, django_assert_max_num_queries):
    portfolio(world, size)
    with django_assert_max_num_queries(20):
        found = commissioner_attention(acting(world, "commissioner"), TODAY)
    assert found.turned_red.count == size and found.meetings_needing_commentary.count == size
    with django_assert_max_num_queries(22):
        provider_attention(acting(world, "a_admin"), TODAY)


def test_query_counts_are_the_same_for_2_and_10_contracts(world):
    portfolio(world, 2)
    small = (
        queries(commissioner_attention, acting(world, "commissioner")),
        queries(provider_attention, acting(world, "a_admin")),
    )
    portfolio(world, 8, first=2)
    large = (
        queries(commissioner_attention, acting(world, "commissioner")),
        queries(provider_attention, acting(world, "a_admin")),
    )
    print(f"queries (commissioner, provider): 2 contracts {small}, 10 contracts {large}")
    assert small == large


# --- The pages ---------------------------------------------------------------------------------------


def test_commissioner_home_lists_what_needs_attention(client, world, deals):
    today = timezone.localdate()
    notice(deals["acme"], today - timedelta(days=2))
    client.force_login(world.users["commissioner"])
    page = client.get("/").content.decode()
    assert "What needs attention this week" in page
    assert "1 open notice past the remedy date" in page
    assert "0 notice suggestions awaiting a decision" in page and "Nothing awaiting a decision." in page
    assert "monthly returns overdue" in page and 'href="/returns/outstanding/"' in page
    assert "2 providers registered" in page  # what the page already showed stays


def test_provider_home_lists_what_to_do_next(client, world, deals):
    today = timezone.localdate()
    issued = notice(deals["acme"], today + timedelta(days=4))
    client.force_login(world.users["a_submitter"])
    page = client.get("/").content.decode()
    assert "What to do next" in page
    assert "1 notice to acknowledge or respond to" in page and f'href="/notices/{issued.pk}/"' in page
    assert "RCC-1" in page and "RCC-2" not in page and "OTH-1" not in page
    assert "No results yet for" in page
    assert "0 review actions of yours overdue or due within 7 days" in page


@pytest.mark.parametrize(
    ("name", "told"),
    [
        ("a_viewer", "submitters send the returns and its approvers sign them off; you can read them"),
        ("a_submitter", "approvers sign off the files you send"),
        ("a_approver", None),
    ],
)
def test_the_returns_to_do_say_who_does_them_to_those_who_cannot(client, world, deals, name, told):
    notice(deals["acme"], timezone.localdate() + timedelta(days=4))
    client.force_login(world.users[name])
    page = client.get("/").content.decode()
    assert "to submit or sign off" in page and "nothing to submit or sign off" not in page
    said = re.findall(r'data-testid="returns-(?:submitters|approvers)">([^<]*)<', page)
    assert said == ([] if told is None else [f"Your organisation's {told}."])
    # Notices likewise: only approvers answer them.
    assert ("approvers acknowledge and answer notices" in page) == (name != "a_approver")


@pytest.mark.parametrize("name", ["c_viewer", "quality_officer", "icb_admin", "a_viewer", "b_admin"])
def test_home_renders_for_every_kind_of_person(client, world, deals, name):
    client.force_login(world.users[name])
    assert client.get("/").status_code == 200
