"""The demo notices (commissioning.demo.notices, a step of seed_demo): a realistic year of breach
notices with one spike and the quarter a year before the figures page's default, Notices of Concern
of every complexity, the ladder up to a suspension, a correction, something for the demo provider
people to do, complete histories, and letters.

The demo is loaded once for the module, inside a transaction rolled back at the end."""

from __future__ import annotations

import subprocess
from collections import Counter
from datetime import date, datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.access import acting_for
from accounts.models import User
from commissioning.demo.notices import notice_seed
from commissioning.demo.organisations import demo_seed
from commissioning.demo.qaf import qaf_seed
from commissioning.notices import services
from commissioning.notices.emails import notice_recipients
from commissioning.notices.figures import notice_figures, within_target
from commissioning.notices.models import (
    OPEN_STATUSES,
    Notice,
    NoticeEvent,
    NoticeKind,
    NoticeLetter,
    NoticeReason,
    NoticeStatus,
)
from commissioning.notices.register import figures_default_quarter
from commissioning.notices.selectors import notices_for
from commissioning.notices.working_days import add_working_days
from outcomes.periods import Period, add_months, quarter_period
from tests.fixtures.world import kept_for_the_module

pytestmark = pytest.mark.django_db
A = NoticeEvent.Action
TARGET_DAYS = {"low": 20, "medium": 40, "high": 60}


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media), kept_for_the_module(django_db_blocker):
        # The seeding steps the notices (and the packs' QAF and notice figures) rest on.
        demo_seed()
        qaf_seed()
        notice_seed()
        yield


def _officer():
    return acting_for(User.objects.get(email="contracts@riverton.example"), None)


def _figures(quarter: Period | None = None):
    """The register's figures for a quarter (this one unless given), with the trend over five."""
    return notice_figures(notices_for(_officer()), quarter or quarter_period(timezone.localdate()))


def _issued_on(notice: Notice) -> date:
    return timezone.localdate(notice.issued_at)


def _issued():
    return Notice.objects.exclude(status=NoticeStatus.DRAFT).select_related("provider", "contract")


def test_breach_notices_run_at_about_four_a_quarter_with_one_spike():
    trend = [count for _, count in _figures().trend]  # the last four quarters and this one
    *past, current = [count.count for count in trend]
    assert sorted(past) == [4, 4, 4, 16], [c.count for c in trend]
    assert 1 <= current <= 5
    breaches = list(_issued().filter(kind=NoticeKind.BREACH))
    baseline = _figures(figures_default_quarter()).breach.baseline  # the quarter before those
    assert sum(c.count for c in trend) + baseline.count == len(breaches), (
        "every breach notice is in those quarters or the baseline quarter"
    )

    # Count notices, not providers: one provider got two from one incident.
    same_day = Counter((n.provider_id, _issued_on(n)) for n in breaches)
    assert max(same_day.values()) >= 2
    assert len({n.provider_id for n in breaches}) >= 8
    assert {
        NoticeReason.QAF_ACTIONS,
        NoticeReason.HEALTH_AND_SAFETY,
        NoticeReason.SUBCONTRACTING,
        NoticeReason.DATA_PROTECTION,
        NoticeReason.RETURNS,
        NoticeReason.MISSED_CALLS,
        NoticeReason.STAFFING,
    } <= {n.reason for n in breaches}


def test_the_default_figures_quarter_has_a_real_baseline_a_year_earlier():
    """The figures page opens on the latest ended quarter and compares it with the same quarter a
    year earlier (five quarters back): about four breach notices, all remedied, and Notices of
    Concern that ended in it."""
    quarter = figures_default_quarter()
    figures = _figures(quarter)
    five_back = quarter_period(add_months(quarter_period(timezone.localdate()).start, -15))
    assert figures.baseline_quarter == five_back
    breach = figures.breach
    assert 3 <= breach.baseline.count <= 5, breach.baseline.count
    assert breach.baseline.providers >= 4
    assert len({n.reason for n in breach.baseline.notices}) >= 4
    assert breach.current.count == 4
    assert breach.difference == breach.current.count - breach.baseline.count != 0
    assert figures.trend[0] == (five_back, breach.baseline), "the trend starts at the baseline"
    for notice in breach.baseline.notices:
        assert notice.status == NoticeStatus.CLOSED and notice.closed_reason == "remedied", notice.pk
    late = [n for n in breach.baseline.notices if timezone.localdate(n.closed_at) > n.remedy_due_on]
    assert len(late) == 1, "one was remedied after its remedy date"

    # Notices of Concern ended in the baseline quarter: remedied within target, late and escalated.
    ended = figures.within_target_baseline[-1]
    assert 2 <= ended.denominator <= 3 and ended.numerator >= 1, ended.text
    assert {e.notice.closed_reason for e in ended.counted} == {"remedied", "escalated"}
    assert any(e.remedied and not e.within_target for e in ended.counted)


def test_notices_of_concern_cover_every_grade_and_about_two_fifths_close_within_target():
    today = timezone.localdate()
    concerns = [n for n in _issued().filter(kind=NoticeKind.NOC) if n.status != NoticeStatus.SUPERSEDED]
    assert {n.complexity for n in concerns} == {"low", "medium", "high"}
    assert {n.noc_category for n in concerns} == {"contractual", "quality", "safeguarding"}
    for notice in concerns:
        assert notice.target_close_on == add_working_days(
            notice.clock_start_on, TARGET_DAYS[notice.complexity]
        )
        if notice.supersedes_id is None:
            assert notice.clock_start_on == _issued_on(notice)

    # The register's measure (remedied within target, of those remedied or escalated), over the year.
    figures = _figures()
    year = [within_target(concerns, quarter)[-1] for quarter, _ in figures.trend]
    within, ended = sum(w.numerator for w in year), sum(w.denominator for w in year)
    assert 0.33 <= within / ended <= 0.43, (within, ended)
    assert any(
        n.status == NoticeStatus.CLOSED and timezone.localdate(n.closed_at) > n.target_close_on
        for n in concerns
    )
    assert any(n.status == NoticeStatus.ESCALATED for n in concerns)
    still_open = [n for n in concerns if n.is_open]
    assert len(still_open) >= 3
    assert [p.notice.pk for p in figures.past_target] == [
        n.pk for n in still_open if n.target_close_on < today
    ]
    assert len(figures.past_target) == 1, "one open concern is past its target"


def test_the_ladder_runs_from_a_concern_to_a_breach_notice_to_a_suspension_in_force_now():
    suspension = _issued().get(kind=NoticeKind.SUSPENSION)
    assert suspension.is_open
    breach = suspension.escalated_from
    concern = breach.escalated_from
    assert (concern.kind, breach.kind) == (NoticeKind.NOC, NoticeKind.BREACH)
    assert concern.contract_id == breach.contract_id == suspension.contract_id
    for earlier, later in ((concern, breach), (breach, suspension)):
        assert earlier.status == NoticeStatus.ESCALATED
        assert earlier.closed_reason == "escalated"
        assert earlier.closed_at == later.issued_at
        closing = earlier.events.get(action=A.ESCALATED)
        assert (closing.at, closing.details) == (later.issued_at, {"by_notice": later.pk})
        assert earlier.events.get(action=A.ESCALATION_DRAFTED).details["draft"] == later.pk
        assert later.events.get(action=A.DRAFTED).details["escalated_from"] == earlier.pk


def test_a_correction_supersedes_the_notice_it_corrects():
    old = _issued().get(status=NoticeStatus.SUPERSEDED)
    correction = old.corrections.get()
    assert correction.is_open
    assert (old.closed_reason, old.closed_at) == ("superseded", correction.issued_at)
    assert correction.clock_start_on == old.clock_start_on
    assert correction.clause != old.clause
    assert correction.remedy_due_on == old.remedy_due_on
    assert old.events.get(action=A.SUPERSEDED).details == {"by_notice": correction.pk}
    assert correction.events.get(action=A.DRAFTED).details["supersedes"] == old.pk


def test_the_demo_provider_people_can_acknowledge_and_respond_and_the_officer_can_issue_the_drafts():
    approver = User.objects.get(email="approver@acme.example")
    acting = acting_for(approver, None)
    visible = list(notices_for(acting))
    statuses = Counter(n.status for n in visible)
    assert statuses[NoticeStatus.ISSUED] == 1
    assert statuses[NoticeStatus.ACKNOWLEDGED] == 1
    assert statuses[NoticeStatus.CLOSED] >= 1
    assert {n.provider.name for n in visible} == {"Acme Homecare Ltd"}

    to_acknowledge = next(n for n in visible if n.status == NoticeStatus.ISSUED)
    assert services.notice_acknowledge(acting=acting, notice=to_acknowledge).status == "acknowledged"
    to_answer = next(n for n in visible if n.status == NoticeStatus.ACKNOWLEDGED)
    services.notice_respond(acting=acting, notice=to_answer, text="The runs are re-planned from Monday.")

    officer = _officer()
    drafts = list(Notice.objects.filter(status=NoticeStatus.DRAFT))
    assert 1 <= len(drafts) <= 2
    for draft in drafts:
        # A provider with no one in the service is sent the letter by post, and the officer says when.
        posted = None if notice_recipients(draft) else timezone.localdate()
        issued = services.notice_issue(acting=officer, notice=draft, posted_on=posted)
        assert issued.status == NoticeStatus.ISSUED and issued.posted_on == posted


def test_every_notice_has_a_complete_history_in_order():
    now = timezone.now()
    officer = str(User.objects.get(email="contracts@riverton.example"))
    for notice in Notice.objects.prefetch_related("events"):
        events = sorted(notice.events.all(), key=lambda e: e.id)
        assert [e.at for e in events] == sorted(e.at for e in events), notice.pk
        assert len({e.at for e in events}) == len(events), notice.pk
        assert events[0].action == A.DRAFTED and events[0].at == notice.created_at
        assert events[-1].status_after == notice.status, notice.pk
        for before, after in zip(events, events[1:], strict=False):
            assert after.status_before == before.status_after, (notice.pk, after.action)
        assert all(e.at <= now for e in events)
        for event in events:
            if event.by_provider:
                assert event.by_label and event.by_label != officer
                assert event.action in (A.ACKNOWLEDGED, A.RESPONDED)
            else:
                assert event.by_label == officer
            if event.action == A.RESPONDED:
                assert len(event.note) > 20
            if event.action == A.EXTENDED:
                assert event.details["new_due_on"] > event.details["old_due_on"] and event.note
        actions = [e.action for e in events]
        if notice.status != NoticeStatus.DRAFT:
            assert notice.issued_at == next(e.at for e in events if e.action == A.ISSUED)
        if notice.acknowledged_at:
            assert notice.acknowledged_at == next(e.at for e in events if e.action == A.ACKNOWLEDGED)
            assert notice.acknowledged_by_label
        if notice.status in (NoticeStatus.CLOSED, NoticeStatus.ESCALATED, NoticeStatus.SUPERSEDED):
            assert notice.closed_at == events[-1].at and notice.closed_reason
            if notice.status == NoticeStatus.CLOSED:
                assert events[-1].note and events[-1].details == {"reason": notice.closed_reason}
        if A.EXTENDED in actions:
            last = next(e for e in reversed(events) if e.action == A.EXTENDED)
            assert str(notice.remedy_due_on) == last.details["new_due_on"]


def test_issued_notices_carry_their_content_and_evidence_snapshot():
    linked = 0
    for notice in _issued().prefetch_related("evidence_links", "events"):
        assert notice.clause and notice.facts and notice.remedy, notice.pk
        assert "{" not in notice.facts + notice.remedy
        assert notice.issued_by_label and notice.remedy_due_on > _issued_on(notice)
        snapshot = notice.evidence_snapshot
        assert set(snapshot) == {"taken_at", "links", "files"}, notice.pk
        assert datetime.fromisoformat(snapshot["taken_at"]) == notice.issued_at
        assert len(snapshot["links"]) == notice.evidence_links.count()
        for link in snapshot["links"]:
            assert link["record"] and link["label"] and link["key_fields"]["outcome"]
            linked += 1
        issued = notice.events.get(action=A.ISSUED)
        assert issued.details["kind"] == notice.kind
        target = str(notice.target_close_on) if notice.target_close_on else None
        assert issued.details["target_close_on"] == target
    assert linked >= 3
    today = timezone.localdate()
    for notice in _issued().filter(status__in=["closed", "escalated"], kind=NoticeKind.NOC):
        assert notice.target_close_on <= today


def test_every_open_notice_has_a_letter_addressed_to_the_provider_and_signed(tmp_path):
    open_notices = list(_issued().filter(status__in=OPEN_STATUSES))
    assert 5 <= len(open_notices) <= 12
    assert NoticeLetter.objects.count() == len(open_notices)
    for notice in open_notices:
        letter = NoticeLetter.objects.get(notice=notice)
        assert letter.generated_at is not None and letter.error == ""
        path = tmp_path / f"letter-{notice.pk}.pdf"
        with letter.file.open("rb") as stored:
            path.write_bytes(stored.read())
        done = subprocess.run(
            ["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, timeout=60
        )
        text = " ".join(done.stdout.decode("utf-8").split())
        provider = notice.provider
        assert provider.has_registered_address, provider.name
        assert " ".join([provider.registered_name, *provider.registered_address_lines]) in text, notice.pk
        assert notice.contract.reference in text
        assert notice.clause in text
        assert f"{notice.signatory} {notice.signatory_job_title} For and on behalf of" in text, notice.pk
        assert notice.signatory_job_title == "Contracts and Compliance Manager"


def test_seeding_again_replaces_the_notices_without_duplicating_them(settings):
    settings.DEBUG = True

    def shape():
        return (
            Counter(Notice.objects.values_list("kind", "status")),
            NoticeEvent.objects.count(),
            NoticeLetter.objects.count(),
        )

    before = shape()
    notice_seed()
    assert shape() == before
