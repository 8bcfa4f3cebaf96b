"""Notices (commissioning.notices): the lifecycle and its transitions table, who may act, target
closure dates in working days, the evidence snapshot, the escalation ladder, corrections and the
contract's enforcement stage."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import Http404
from django.utils import timezone

from accounts.access import acting_for
from accounts.models import AuditEntry, Role
from commissioning.notices import drafts, rules, services
from commissioning.notices.drafts import NoticeInput
from commissioning.notices.models import (
    Notice,
    NoticeEvent,
    NoticeEvidenceLink,
    NoticeFile,
    NoticeKind,
    NoticeLetter,
    NoticeStatus,
)
from commissioning.notices.rules import STATUS_WORDS, TRANSITIONS
from commissioning.notices.selectors import (
    contract_enforcement_stage,
    contract_enforcement_stages,
    notice_events,
    notice_get_for,
    notices_for,
)
from outcomes.models import MonthlyReturn
from outcomes.periods import LONDON
from tests.factories import CouncilFactory, contract, member

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% evidence\n"


@pytest.fixture
def n(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"

    class Setup:
        deal = contract(world.council, world.provider_a, reference="N-1")
        officer = acting_for(world.users["contract_officer"], None)
        commissioner = acting_for(world.users["commissioner"], None)
        approver = acting_for(world.users["a_approver"], None)
        a_admin = acting_for(world.users["a_admin"], None)
        viewer = acting_for(world.users["a_viewer"], None)
        other_provider = acting_for(world.users["b_admin"], None)

    Setup.world = world
    return Setup


@pytest.fixture
def today(monkeypatch):
    """Freeze the clock the services read at 10:00 London time on a given day."""

    def _set(day: date) -> None:
        moment = datetime(day.year, day.month, day.day, 10, 0, tzinfo=LONDON)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return _set


def noc_input(**overrides) -> NoticeInput:
    values = {
        "kind": NoticeKind.NOC,
        "reason": "missed_calls",
        "clause": "Schedule 2, clause 4.3",
        "facts": "31 missed calls in October, 12 of them for people living alone.",
        "remedy": "A call monitoring plan and weekly missed-call figures.",
        "remedy_due_on": timezone.localdate() + timedelta(days=30),
        "noc_category": "quality",
        "complexity": "low",
    }
    values.update(overrides)
    return NoticeInput(**values)


def breach_input(**overrides) -> NoticeInput:
    values = {"kind": NoticeKind.BREACH, "reason": "qaf_actions", "noc_category": "", "complexity": ""}
    return noc_input(**(values | overrides))


def issued(n, data: NoticeInput | None = None) -> Notice:
    draft = drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=data or noc_input())
    return services.notice_issue(acting=n.officer, notice=draft)


def refreshed(notice: Notice) -> Notice:
    return Notice.objects.get(pk=notice.pk)


# --- Drafts and who may act ------------------------------------------------------------------------


def test_officer_drafts_a_notice_for_the_prime_provider(n):
    draft = drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=noc_input())
    assert (draft.status, draft.provider, draft.commissioner) == (
        NoticeStatus.DRAFT,
        n.world.provider_a,
        n.world.council,
    )
    assert list(draft.events.values_list("action", flat=True)) == ["drafted"]
    assert AuditEntry.objects.filter(action="notice.drafted", object_id=str(draft.pk)).exists()


def test_people_without_the_capability_or_outside_the_lead_body_cannot_draft(n):
    for acting in (n.commissioner, n.approver):
        with pytest.raises(PermissionDenied):
            drafts.notice_draft_create(acting=acting, contract=n.deal, data=noc_input())
    other_council = CouncilFactory(name="Elsewhere Council")
    stranger = acting_for(member(other_council, Role.CONTRACT_OFFICER), None)
    with pytest.raises(PermissionDenied, match="the lead commissioner, can raise or manage notices"):
        drafts.notice_draft_create(acting=stranger, contract=n.deal, data=noc_input())
    # A partner commissioner sees the contract but does not manage its notices.
    n.deal.partner_commissioners.add(n.world.icb)
    icb_officer = acting_for(member(n.world.icb, Role.CONTRACT_OFFICER), None)
    with pytest.raises(PermissionDenied):
        drafts.notice_draft_create(acting=icb_officer, contract=n.deal, data=noc_input())
    assert not Notice.objects.exists()


def test_noc_fields_belong_to_nocs_only(n):
    with pytest.raises(ValidationError) as caught:
        drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=breach_input(complexity="high"))
    assert "Only a Notice of Concern has a category" in str(caught.value)
    with pytest.raises(ValidationError, match="reason category"):
        drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=noc_input(reason="nonsense"))


def test_a_draft_changes_until_it_is_issued(n):
    draft = drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=noc_input())
    drafts.notice_draft_update(acting=n.officer, notice=draft, data=noc_input(facts="Corrected facts."))
    assert refreshed(draft).facts == "Corrected facts."
    services.notice_issue(acting=n.officer, notice=draft)
    with pytest.raises(ValidationError) as caught:
        drafts.notice_draft_update(acting=n.officer, notice=draft, data=noc_input(facts="Again."))
    assert caught.value.messages == [
        "This notice is issued, so it cannot be changed. That can be done only when it is a draft."
    ]
    assert refreshed(draft).facts == "Corrected facts."


def test_an_incomplete_draft_is_not_issued(n):
    draft = drafts.notice_draft_create(
        acting=n.officer,
        contract=n.deal,
        data=noc_input(clause="", remedy_due_on=None, complexity="", noc_category=""),
    )
    with pytest.raises(ValidationError) as caught:
        services.notice_issue(acting=n.officer, notice=draft)
    assert set(caught.value.message_dict) == {"clause", "remedy_due_on", "complexity", "noc_category"}
    assert refreshed(draft).status == NoticeStatus.DRAFT


# --- The lifecycle -------------------------------------------------------------------------------


def test_every_legal_step_from_issue_to_remedied(n):
    notice = issued(n)
    assert notice.status == NoticeStatus.ISSUED and notice.issued_by_label
    notice = services.notice_acknowledge(acting=n.approver, notice=notice)
    assert notice.status == NoticeStatus.ACKNOWLEDGED and notice.acknowledged_by == n.approver.user
    event = services.notice_respond(
        acting=n.a_admin, notice=notice, text="Rotas changed.", files=[ContentFile(PDF, name="plan.pdf")]
    )
    assert refreshed(notice).status == NoticeStatus.RESPONDED
    assert [f.original_name for f in event.files.all()] == ["plan.pdf"]
    assert event.files.get().uploaded_by_provider
    new_due = notice.remedy_due_on + timedelta(days=14)
    notice = services.notice_extend(acting=n.officer, notice=notice, new_due_on=new_due, reason="Recruiting.")
    assert (notice.status, notice.remedy_due_on) == (NoticeStatus.EXTENDED, new_due)
    services.notice_respond(acting=n.approver, notice=notice, text="Two carers recruited.")
    notice = services.notice_close(
        acting=n.officer, notice=notice, reason="remedied", note="Figures back on track."
    )
    assert (notice.status, notice.closed_reason) == (NoticeStatus.CLOSED, "remedied")
    assert notice.closed_at is not None
    history = list(notice_events(notice).values_list("action", "status_before", "status_after"))
    assert history == [
        ("drafted", "draft", "draft"),
        ("issued", "draft", "issued"),
        ("acknowledged", "issued", "acknowledged"),
        ("responded", "acknowledged", "responded"),
        ("extended", "responded", "extended"),
        ("responded", "extended", "responded"),
        ("closed", "responded", "closed"),
    ]
    extension = notice.events.get(action="extended")
    assert extension.note == "Recruiting." and extension.details["new_due_on"] == str(new_due)
    assert set(AuditEntry.objects.filter(object_id=str(notice.pk)).values_list("action", flat=True)) == {
        "notice.drafted",
        "notice.issued",
        "notice.acknowledged",
        "notice.responded",
        "notice.extended",
        "notice.closed",
    }


def test_an_officer_can_extend_or_withdraw_before_the_provider_acts(n):
    notice = issued(n)
    notice = services.notice_extend(
        acting=n.officer,
        notice=notice,
        new_due_on=notice.remedy_due_on + timedelta(days=1),
        reason="Holidays.",
    )
    notice = services.notice_acknowledge(acting=n.approver, notice=notice)
    services.notice_respond(acting=n.approver, notice=notice, text="Done.")
    other = issued(n, breach_input())
    other = services.notice_close(acting=n.officer, notice=other, reason="withdrawn", note="Issued in error.")
    assert (other.status, other.closed_reason) == (NoticeStatus.CLOSED, "withdrawn")


def test_a_draft_can_only_be_withdrawn(n):
    draft = drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=noc_input())
    with pytest.raises(ValidationError, match="only be withdrawn"):
        services.notice_close(acting=n.officer, notice=draft, reason="remedied", note="x")
    draft = services.notice_close(acting=n.officer, notice=draft, reason="withdrawn", note="Not needed.")
    assert draft.status == NoticeStatus.CLOSED


@pytest.mark.parametrize(
    ("setup", "step", "message"),
    [
        (
            "issued",
            "respond",
            "This notice is issued, so it cannot be responded to. "
            "That can be done only when it is acknowledged, responded to or extended.",
        ),
        (
            "closed",
            "acknowledge",
            "This notice is closed, so it cannot be acknowledged. That can be done only when it is issued or "
            "extended.",
        ),
        ("acknowledged", "acknowledge", "This notice is acknowledged, so it cannot be acknowledged."),
        ("closed", "extend", "This notice is closed, so it cannot be extended."),
        ("closed", "close", "This notice is closed, so it cannot be closed."),
        (
            "issued",
            "issue",
            "This notice is issued, so it cannot be issued. That can be done only when it is a draft.",
        ),
        ("draft", "escalate", "This notice is a draft, so it cannot be escalated."),
        ("closed", "correct", "This notice is closed, so it cannot be corrected."),
    ],
)
def test_illegal_transitions_are_refused_with_the_status_and_what_is_allowed(n, setup, step, message):
    if setup == "draft":
        notice = drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=noc_input())
    else:
        notice = issued(n)
    if setup == "acknowledged":
        notice = services.notice_acknowledge(acting=n.approver, notice=notice)
    if setup == "closed":
        notice = services.notice_close(acting=n.officer, notice=notice, reason="remedied", note="Done.")
    calls = {
        "respond": lambda: services.notice_respond(acting=n.approver, notice=notice, text="Hello"),
        "acknowledge": lambda: services.notice_acknowledge(acting=n.approver, notice=notice),
        "extend": lambda: services.notice_extend(
            acting=n.officer, notice=notice, new_due_on=date(2099, 1, 1), reason="x"
        ),
        "close": lambda: services.notice_close(acting=n.officer, notice=notice, reason="remedied", note="x"),
        "issue": lambda: services.notice_issue(acting=n.officer, notice=notice),
        "escalate": lambda: services.notice_escalate(acting=n.officer, notice=notice),
        "correct": lambda: services.notice_correct(acting=n.officer, notice=notice),
    }
    events_before = NoticeEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        calls[step]()
    assert caught.value.messages[0].startswith(message)
    assert NoticeEvent.objects.count() == events_before


def test_the_transitions_table_is_the_only_gate(n):
    # Every action refuses every status the table does not list for it.
    for action, (allowed, _after) in TRANSITIONS.items():
        for status in NoticeStatus.values:
            probe = Notice(status=status)
            if status in allowed:
                rules.check_transition(probe, action)
            else:
                with pytest.raises(ValidationError, match=f"This notice is {STATUS_WORDS[status]}, "):
                    rules.check_transition(probe, action)


def test_extension_needs_a_later_date_and_a_reason(n):
    notice = issued(n)
    with pytest.raises(ValidationError) as caught:
        services.notice_extend(acting=n.officer, notice=notice, new_due_on=notice.remedy_due_on, reason=" ")
    assert set(caught.value.message_dict) == {"new_due_on", "reason"}
    assert refreshed(notice).status == NoticeStatus.ISSUED


# --- The provider's side ---------------------------------------------------------------------------


def test_another_provider_a_viewer_and_the_commissioner_cannot_act_for_the_provider(n):
    notice = issued(n)
    with pytest.raises(PermissionDenied, match="issued to"):
        services.notice_acknowledge(acting=n.other_provider, notice=notice)
    with pytest.raises(PermissionDenied, match="respond to notices"):
        services.notice_acknowledge(acting=n.viewer, notice=notice)
    with pytest.raises(PermissionDenied):
        services.notice_acknowledge(acting=n.officer, notice=notice)
    services.notice_acknowledge(acting=n.approver, notice=notice)
    with pytest.raises(PermissionDenied):
        services.notice_respond(acting=n.viewer, notice=notice, text="x")
    with pytest.raises(PermissionDenied):
        services.notice_respond(acting=n.other_provider, notice=notice, text="x")
    # Nor can a provider act on the officer's steps.
    with pytest.raises(PermissionDenied):
        services.notice_close(acting=n.approver, notice=notice, reason="remedied", note="We fixed it.")
    assert refreshed(notice).status == NoticeStatus.ACKNOWLEDGED


def test_a_provider_never_reaches_a_draft(n):
    draft = drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=noc_input())
    with pytest.raises(PermissionDenied):
        services.notice_acknowledge(acting=n.approver, notice=draft)
    assert not notices_for(n.approver).exists()
    with pytest.raises(Http404):
        notice_get_for(n.approver, draft.pk)


def test_who_sees_which_notices(n):
    notice = issued(n)
    draft = drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=breach_input())
    assert set(notices_for(n.officer)) == {notice, draft}
    assert set(notices_for(n.commissioner)) == {notice, draft}
    assert list(notices_for(n.approver)) == [notice]
    assert list(notices_for(n.viewer)) == [notice]
    with pytest.raises(Http404):
        notice_get_for(n.other_provider, notice.pk)
    icb = acting_for(n.world.users["icb_admin"], None)
    assert not notices_for(icb).exists()
    n.deal.partner_commissioners.add(n.world.icb)
    assert notice_get_for(icb, notice.pk) == notice
    assert list(notices_for(icb)) == [notice]  # the lead body's drafts are its own


def test_a_bad_file_in_a_response_keeps_nothing(n):
    notice = services.notice_acknowledge(acting=n.approver, notice=issued(n))
    with pytest.raises(ValidationError, match="not a real PDF"):
        services.notice_respond(
            acting=n.approver,
            notice=notice,
            text="See files.",
            files=[ContentFile(PDF, name="ok.pdf"), ContentFile(b"hello", name="fake.pdf")],
        )
    with pytest.raises(ValidationError, match="must be one of"):
        services.notice_respond(
            acting=n.approver, notice=notice, text="See files.", files=[ContentFile(b"MZ", name="run.exe")]
        )
    assert not NoticeFile.objects.exists()
    assert refreshed(notice).status == NoticeStatus.ACKNOWLEDGED


# --- Target closure dates ----------------------------------------------------------------------------


def test_noc_target_closure_across_christmas(n, today):
    today(date(2025, 12, 19))
    notice = issued(n, noc_input(remedy_due_on=date(2026, 1, 30)))
    assert notice.clock_start_on == date(2025, 12, 19)
    # 20 working days after Friday 19 December, skipping 25 and 26 December and 1 January.
    assert notice.target_close_on == date(2026, 1, 21)
    assert notice.events.get(action="issued").details["target_close_on"] == "2026-01-21"


def test_noc_target_closure_by_complexity_and_body_settings(n, today):
    today(date(2025, 4, 17))
    due = date(2025, 9, 1)
    assert issued(n, noc_input(complexity="low", remedy_due_on=due)).target_close_on == date(2025, 5, 20)
    assert issued(n, noc_input(complexity="medium", remedy_due_on=due)).target_close_on == date(2025, 6, 18)
    assert issued(n, noc_input(complexity="high", remedy_due_on=due)).target_close_on == date(2025, 7, 16)
    drafts.notice_settings_update(acting=n.officer, low=10, medium=30, high=50)
    # 10 working days after Thursday 17 April 2025: Good Friday and Easter Monday skipped.
    assert issued(n, noc_input(complexity="low", remedy_due_on=due)).target_close_on == date(2025, 5, 6)
    assert issued(n, breach_input(remedy_due_on=due)).target_close_on is None
    with pytest.raises(ValidationError):
        drafts.notice_settings_update(acting=n.officer, low=30, medium=20, high=50)
    with pytest.raises(PermissionDenied):
        drafts.notice_settings_update(acting=n.approver, low=10, medium=30, high=50)


# --- Evidence snapshot ---------------------------------------------------------------------------


def test_the_snapshot_is_fixed_at_issue_while_a_drafts_links_can_change(n):
    month = MonthlyReturn.objects.create(
        contract=n.deal, month=date(2025, 10, 1), due_at=datetime(2025, 11, 10, 23, 59, tzinfo=LONDON)
    )
    draft = drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=noc_input())
    drafts.notice_evidence_link(
        acting=n.officer,
        notice=draft,
        app_label="outcomes",
        model="MonthlyReturn",
        object_id=month.pk,
        label="Oct",
    )
    # A draft's link can change: linking the same record again replaces its label and figures.
    link = drafts.notice_evidence_link(
        acting=n.officer,
        notice=draft,
        app_label="outcomes",
        model="MonthlyReturn",
        object_id=month.pk,
        label="October 2025 return, received late",
        key_fields={"days late": 6},
    )
    assert NoticeEvidenceLink.objects.filter(notice=draft).count() == 1
    drafts.notice_file_add(
        acting=n.officer, notice=draft, file=ContentFile(b"date,missed\n", name="call-log.csv")
    )
    notice = services.notice_issue(acting=n.officer, notice=draft)
    snapshot = refreshed(notice).evidence_snapshot
    assert snapshot["links"] == [
        {
            "app_label": "outcomes",
            "model": "monthlyreturn",
            "object_id": month.pk,
            "label": "October 2025 return, received late",
            "key_fields": {"days late": "6"},
            "record": "N-1 2025-10",
        }
    ]
    assert [(f["name"], len(f["sha256"])) for f in snapshot["files"]] == [("call-log.csv", 64)]

    # Whatever happens to the linked things afterwards, the issued notice says what it said.
    NoticeEvidenceLink.objects.filter(pk=link.pk).update(label="Changed later")
    n.deal.reference = "N-1-RENAMED"
    n.deal.save()
    assert refreshed(notice).evidence_snapshot == snapshot
    with pytest.raises(ValidationError, match="cannot be changed"):
        drafts.notice_evidence_link(
            acting=n.officer,
            notice=notice,
            app_label="outcomes",
            model="monthlyreturn",
            object_id=month.pk,
            label="x",
        )
    with pytest.raises(ValidationError, match="cannot be changed"):
        drafts.notice_file_add(acting=n.officer, notice=notice, file=ContentFile(PDF, name="more.pdf"))
    stored = refreshed(notice)
    stored.facts = "Rewritten after issue"
    with pytest.raises(ValidationError, match="Correct it with a new notice"):
        stored.save()


def test_evidence_must_belong_to_the_notices_contract(n):
    elsewhere = contract(n.world.council, n.world.provider_b, reference="N-2")
    month = MonthlyReturn.objects.create(
        contract=elsewhere, month=date(2025, 10, 1), due_at=datetime(2025, 11, 10, 23, 59, tzinfo=LONDON)
    )
    draft = drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=noc_input())
    with pytest.raises(ValidationError, match="not found for this notice"):
        drafts.notice_evidence_link(
            acting=n.officer,
            notice=draft,
            app_label="outcomes",
            model="monthlyreturn",
            object_id=month.pk,
            label="x",
        )
    with pytest.raises(ValidationError, match="compliance result"):
        drafts.notice_evidence_link(
            acting=n.officer, notice=draft, app_label="accounts", model="user", object_id=1, label="x"
        )


# --- Escalation, correction and the enforcement stage -------------------------------------------


def _complete_and_issue(n, draft: Notice) -> Notice:
    data = NoticeInput(
        kind=draft.kind,
        reason=draft.reason,
        clause=draft.clause,
        facts=draft.facts,
        remedy="" if draft.kind == NoticeKind.TERMINATION else "Put it right.",
        remedy_due_on=None
        if draft.kind == NoticeKind.TERMINATION
        else timezone.localdate() + timedelta(days=20),
    )
    drafts.notice_draft_update(acting=n.officer, notice=draft, data=data)
    return services.notice_issue(acting=n.officer, notice=draft)


def test_the_escalation_ladder_in_order(n):
    noc = issued(n)
    assert contract_enforcement_stage(n.deal) == NoticeKind.NOC
    current = noc
    for expected in (NoticeKind.BREACH, NoticeKind.SUSPENSION, NoticeKind.TERMINATION):
        draft = services.notice_escalate(acting=n.officer, notice=current)
        assert (draft.kind, draft.status, draft.escalated_from) == (expected, NoticeStatus.DRAFT, current)
        assert (draft.clause, draft.facts, draft.remedy, draft.complexity) == (
            current.clause,
            current.facts,
            "",
            "",
        )
        # The notice escalated stays open, and the stage stays where it was, until the next step is issued.
        assert refreshed(current).status == NoticeStatus.ISSUED
        assert contract_enforcement_stage(n.deal) == current.kind
        issued_next = _complete_and_issue(n, draft)
        previous = refreshed(current)
        assert (previous.status, previous.closed_reason) == (NoticeStatus.ESCALATED, "escalated")
        assert previous.events.filter(action="escalated", details__by_notice=issued_next.pk).exists()
        assert contract_enforcement_stage(n.deal) == expected
        current = issued_next
    with pytest.raises(ValidationError, match="last step"):
        services.notice_escalate(acting=n.officer, notice=current)
    assert [x.kind for x in (current.escalated_from.escalated_from.escalated_from, noc)] == ["noc", "noc"]


def test_one_draft_escalation_at_a_time_and_a_stale_one_is_not_issued(n):
    noc = issued(n)
    draft = services.notice_escalate(acting=n.officer, notice=noc)
    with pytest.raises(ValidationError, match=f"Notice {draft.pk} is already a draft escalation"):
        services.notice_escalate(acting=n.officer, notice=noc)
    services.notice_close(acting=n.officer, notice=noc, reason="remedied", note="Put right after all.")
    with pytest.raises(ValidationError, match="can no longer be issued as its escalation"):
        _complete_and_issue(n, draft)
    assert refreshed(draft).status == NoticeStatus.DRAFT
    assert refreshed(noc).closed_reason == "remedied"


def test_a_correction_supersedes_the_issued_notice_which_stays_as_sent(n, today):
    today(date(2025, 12, 19))
    original = issued(n, noc_input(remedy_due_on=date(2026, 2, 27)))
    services.notice_acknowledge(acting=n.approver, notice=original)
    today(date(2026, 1, 5))
    correction = services.notice_correct(acting=n.officer, notice=original)
    assert (correction.status, correction.supersedes, correction.kind) == (
        NoticeStatus.DRAFT,
        original,
        "noc",
    )
    with pytest.raises(ValidationError, match="keeps its type"):
        drafts.notice_draft_update(acting=n.officer, notice=correction, data=breach_input())
    drafts.notice_draft_update(
        acting=n.officer,
        notice=correction,
        data=noc_input(
            facts="29 missed calls in October (not 31).", complexity="medium", remedy_due_on=date(2026, 2, 27)
        ),
    )
    assert (
        refreshed(original).status == NoticeStatus.ACKNOWLEDGED
    )  # still open until the correction is issued
    correction = services.notice_issue(acting=n.officer, notice=correction)
    old = refreshed(original)
    assert (old.status, old.closed_reason) == (NoticeStatus.SUPERSEDED, "superseded")
    assert old.facts.startswith("31 missed calls")
    assert correction.facts.startswith("29 missed calls")
    # The clock runs from the original issue: 40 working days after 19 December 2025.
    assert correction.clock_start_on == date(2025, 12, 19)
    assert correction.target_close_on == date(2026, 2, 18)
    assert contract_enforcement_stage(n.deal) == NoticeKind.NOC
    assert list(notices_for(n.approver).filter(status__in=["superseded", "issued"]).order_by("id")) == [
        old,
        correction,
    ]
    with pytest.raises(ValidationError, match="This notice is superseded, so it cannot be corrected"):
        services.notice_correct(acting=n.officer, notice=old)


def test_enforcement_stage_counts_open_notices_only(n):
    assert contract_enforcement_stage(n.deal) is None
    drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=breach_input())
    assert contract_enforcement_stage(n.deal) is None  # a draft is not enforcement
    noc = issued(n)
    breach = issued(n, breach_input())
    assert contract_enforcement_stage(n.deal) == NoticeKind.BREACH
    services.notice_close(acting=n.officer, notice=breach, reason="remedied", note="Done.")
    assert contract_enforcement_stage(n.deal) == NoticeKind.NOC
    other = contract(n.world.council, n.world.provider_b, reference="N-3")
    assert contract_enforcement_stages([n.deal.pk, other.pk]) == {n.deal.pk: NoticeKind.NOC}
    services.notice_close(acting=n.officer, notice=noc, reason="withdrawn", note="Raised in error.")
    assert contract_enforcement_stage(n.deal) is None


def test_a_drafts_link_can_be_removed_but_not_an_issued_ones(n):
    month = MonthlyReturn.objects.create(
        contract=n.deal, month=date(2025, 9, 1), due_at=datetime(2025, 10, 10, 23, 59, tzinfo=LONDON)
    )
    draft = drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=noc_input())
    link = drafts.notice_evidence_link(
        acting=n.officer,
        notice=draft,
        app_label="outcomes",
        model="monthlyreturn",
        object_id=month.pk,
        label="Sep",
    )
    drafts.notice_evidence_unlink(acting=n.officer, link=link)
    assert not draft.evidence_links.exists()
    link = drafts.notice_evidence_link(
        acting=n.officer,
        notice=draft,
        app_label="outcomes",
        model="monthlyreturn",
        object_id=month.pk,
        label="Sep",
    )
    services.notice_issue(acting=n.officer, notice=draft)
    with pytest.raises(ValidationError, match="cannot be changed"):
        drafts.notice_evidence_unlink(acting=n.officer, link=link)
    assert draft.evidence_links.count() == 1


def test_an_extension_before_acknowledgement_can_still_be_acknowledged(n):
    notice = issued(n)
    notice = services.notice_extend(
        acting=n.officer, notice=notice, new_due_on=notice.remedy_due_on + timedelta(days=7), reason="Leave"
    )
    with pytest.raises(ValidationError, match="Acknowledge the notice first"):
        services.notice_respond(acting=n.approver, notice=notice, text="Done")
    notice = services.notice_acknowledge(acting=n.approver, notice=notice)
    assert notice.status == NoticeStatus.EXTENDED and notice.acknowledged_at is not None
    with pytest.raises(ValidationError, match="This notice was acknowledged on"):
        services.notice_acknowledge(acting=n.approver, notice=notice)
    assert services.notice_respond(acting=n.approver, notice=notice, text="Done").notice.status == "responded"


def test_escalation_keeps_the_evidence_links(n):
    draft = drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=noc_input())
    month = MonthlyReturn.objects.create(contract=n.deal, month=date(2025, 6, 1), due_at=timezone.now())
    drafts.notice_evidence_link(
        acting=n.officer,
        notice=draft,
        app_label="outcomes",
        model="monthlyreturn",
        object_id=month.pk,
        label="June",
    )
    notice = services.notice_issue(acting=n.officer, notice=draft)
    escalation = services.notice_escalate(acting=n.officer, notice=notice)
    assert list(escalation.evidence_links.values_list("object_id", "label")) == [(month.pk, "June")]


def test_a_new_draft_without_a_clause_takes_the_one_used_before_for_the_same_reason(world):
    from commissioning.notices.drafts import NoticeInput, notice_draft_create
    from tests.factories import contract as make_contract

    officer = acting_for(world.users["contract_officer"], None)
    first = make_contract(world.council, world.provider_a, reference="CL-1")
    second = make_contract(world.council, world.provider_b, reference="CL-2")

    def draft(on, reason, clause=""):
        return notice_draft_create(
            acting=officer, contract=on, data=NoticeInput(kind="breach", reason=reason, clause=clause)
        )

    assert draft(first, "returns").clause == ""  # nothing to go on
    draft(first, "returns", "Clause 14.2 (Information and returns)")
    draft(second, "returns", "Clause 9.1 (Returns)")
    assert draft(first, "returns").clause == "Clause 14.2 (Information and returns)"  # this contract's
    assert draft(second, "returns").clause == "Clause 9.1 (Returns)"
    third = make_contract(world.council, world.provider_a, reference="CL-3")
    assert draft(third, "returns").clause == "Clause 9.1 (Returns)"  # the body's latest
    assert draft(third, "missed_calls").clause == ""  # another reason: none
    assert draft(third, "returns", " Clause 1 ").clause == "Clause 1"  # one given is kept


def test_issuing_to_a_provider_with_no_registered_address_is_refused_and_nothing_changes(n):
    provider = n.world.provider_a
    provider.address_postcode = ""
    provider.save()
    draft = drafts.notice_draft_create(acting=n.officer, contract=n.deal, data=noc_input())
    with pytest.raises(ValidationError) as refused:
        services.notice_issue(acting=n.officer, notice=draft)
    (message,) = refused.value.message_dict["registered_address"]
    assert message.startswith("Acme Homecare Ltd has no registered address recorded")
    draft = refreshed(draft)
    assert (draft.status, draft.addressee, draft.signatory) == (NoticeStatus.DRAFT, "", "")
    assert not NoticeLetter.objects.filter(notice=draft).exists()
    provider.address_postcode = "RV1 2AB"
    provider.save()
    notice = refreshed(services.notice_issue(acting=n.officer, notice=draft))
    assert notice.addressee.splitlines() == [
        "Acme Homecare Ltd",
        provider.address_line_1,
        "Riverton",
        "RV1 2AB",
    ]
    with pytest.raises(ValidationError, match="addressee"):  # fixed once issued
        notice.addressee = "Elsewhere"
        notice.save()
