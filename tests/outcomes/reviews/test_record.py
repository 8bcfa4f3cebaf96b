"""The meeting record: minutes and attendance, agreed RAG overrides, actions and their updates, the
record panel, the action tracker and its CSV, and who may do what (404 outside the meeting's reach,
403 inside it without the right)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from accounts.access import acting_for
from accounts.models import AuditEntry, Role
from outcomes.models import ComplianceResult, ResultOverride
from outcomes.periods import parse_period
from outcomes.results.selectors import scorecard
from outcomes.reviews import record, selectors
from outcomes.reviews.models import (
    ActionOwner,
    ActionStatus,
    MeetingStatus,
    ReviewAction,
    ReviewAttendee,
    ReviewMeeting,
)
from outcomes.reviews.reach import WHOLE
from tests.factories import CouncilFactory, UserFactory, contract, member, target

pytestmark = pytest.mark.django_db
QUARTER = "2025-26-Q2"
HELD_ON = date(2025, 10, 20)


def meeting_for(commissioner, provider, contracts, *, held_on=HELD_ON, quarter=QUARTER, **fields):
    meeting = ReviewMeeting.objects.create(
        commissioner=commissioner,
        provider=provider,
        quarter=quarter,
        held_on=held_on,
        status=fields.pop("status", MeetingStatus.PACK_ISSUED),
        created_by_label="test",
        **fields,
    )
    meeting.contracts.set(contracts)
    return meeting


def stored_result(t, period: str = QUARTER, rag: str = "red") -> ComplianceResult:
    p = parse_period(period)
    return ComplianceResult.objects.create(
        contract=t.contract,
        target=t,
        target_version=t.versions.first(),
        period=p.identifier,
        period_kind=p.kind,
        period_start=p.start,
        period_end=p.end,
        numerator=30,
        denominator=50,
        value=Decimal("60.0"),
        rag=rag,
    )


class Setup:
    """A joint contract the council leads with Acme (the ICB a partner), reviewed on 20 October 2025;
    Brookside's own meeting; and another council's meeting with Acme."""

    def __init__(self, world):
        self.world = world
        self.contract = contract(
            world.council, world.provider_a, reference="RCC-HC-001", partners=[world.icb]
        )
        self.target = target(self.contract, "INDEPENDENT_WITHIN", "66")
        self.other_target = target(self.contract, "HELP_48H", "90")
        self.result = stored_result(self.target)
        self.meeting = meeting_for(world.council, world.provider_a, [self.contract])
        self.nurse = ReviewAttendee.objects.create(
            meeting=self.meeting, name="Sam Patel", organisation="Riverton Community Nursing"
        )
        self.manager = ReviewAttendee.objects.create(
            meeting=self.meeting, name="Jo Reid", organisation="Acme Homecare Ltd", role="Registered manager"
        )
        b_contract = contract(world.council, world.provider_b, reference="RCC-HC-002")
        self.meeting_b = meeting_for(world.council, world.provider_b, [b_contract])
        elsewhere = CouncilFactory(name="Elsewhere Borough Council")
        world.users["elsewhere"] = member(
            elsewhere, Role.COMMISSIONER, is_admin=True, email="admin@else.example"
        )
        world.users["no_organisation"] = UserFactory(email="nobody@example.org")
        self.meeting_elsewhere = meeting_for(
            elsewhere, world.provider_a, [contract(elsewhere, world.provider_a, reference="EBC-1")]
        )

    def acting(self, name: str):
        return acting_for(self.world.users[name], None)

    def action(self, meeting=None, owner_kind=ActionOwner.PROVIDER, **fields) -> ReviewAction:
        return record.action_add(
            acting=self.acting("commissioner")
            if meeting is not self.meeting_elsewhere
            else self.acting("elsewhere"),
            meeting=meeting or self.meeting,
            description=fields.pop("description", "Review every package over 20 hours"),
            owner_kind=owner_kind,
            owner_organisation=fields.pop("owner_organisation", ""),
            owner_name=fields.pop("owner_name", "Registered manager"),
            due_on=fields.pop("due_on", HELD_ON + timedelta(days=30)),
            **fields,
        )


@pytest.fixture
def setup(world) -> Setup:
    return Setup(world)


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Recording the meeting ------------------------------------------------------------------------


def test_recording_sets_the_status_attendance_and_audit(setup):
    meeting = record.meeting_record(
        acting=setup.acting("contract_officer"),
        meeting=setup.meeting,
        minutes="  Discussed reablement.  ",
        decisions="Keep the target.",
        attended={setup.nurse.pk: True, setup.manager.pk: False},
    )
    assert meeting.status == MeetingStatus.RECORDED and meeting.recorded_at is not None
    assert meeting.minutes == "Discussed reablement." and meeting.recorded_by_label
    setup.nurse.refresh_from_db(), setup.manager.refresh_from_db()
    assert (setup.nurse.attended, setup.manager.attended) == (True, False)
    entry = AuditEntry.objects.get(action="review.record")
    assert entry.organisation_id == setup.world.council.pk


def test_a_correction_is_audited_with_what_changed_and_no_change_is_refused(setup):
    kwargs = {"meeting": setup.meeting, "decisions": "", "attended": {setup.nurse.pk: True}}
    record.meeting_record(acting=setup.acting("commissioner"), minutes="First", **kwargs)
    first_at = ReviewMeeting.objects.get(pk=setup.meeting.pk).recorded_at
    record.meeting_record(acting=setup.acting("commissioner"), minutes="Second", **kwargs)
    entry = AuditEntry.objects.get(action="review.record_correct")
    assert entry.details["changed"] == {"minutes": {"before": "First", "after": "Second"}}
    assert ReviewMeeting.objects.get(pk=setup.meeting.pk).recorded_at == first_at
    with pytest.raises(ValidationError, match="Nothing has changed"):
        record.meeting_record(acting=setup.acting("commissioner"), minutes="Second", **kwargs)
    assert selectors.record_corrections(setup.meeting)[0].pk == entry.pk


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"held_on": date.today() + timedelta(days=3)}, "on or after that day"),
        ({"status": MeetingStatus.CANCELLED}, "was cancelled"),
    ],
)
def test_recording_waits_for_the_meeting_day_and_never_a_cancelled_meeting(setup, change, message):
    ReviewMeeting.objects.filter(pk=setup.meeting.pk).update(**change)
    meeting = ReviewMeeting.objects.get(pk=setup.meeting.pk)
    with pytest.raises(ValidationError, match=message):
        record.meeting_record(
            acting=setup.acting("commissioner"), meeting=meeting, minutes="x", decisions="", attended={}
        )
    with pytest.raises(ValidationError, match=message):
        setup.action(meeting=meeting)


def test_recording_needs_minutes_and_invited_people_only(setup):
    with pytest.raises(ValidationError) as error:
        record.meeting_record(
            acting=setup.acting("commissioner"),
            meeting=setup.meeting,
            minutes=" ",
            decisions="",
            attended={999999: True},
        )
    assert error.value.message_dict == {
        "minutes": ["Write the minutes: what was discussed"],
        "attended": ["Tick only people invited to this meeting"],
    }


@pytest.mark.parametrize("role", ["quality_officer", "c_viewer", "icb_admin", "a_approver"])
def test_only_the_lead_bodys_managers_record(setup, role):
    with pytest.raises(PermissionDenied):
        record.meeting_record(
            acting=setup.acting(role), meeting=setup.meeting, minutes="x", decisions="", attended={}
        )


# --- Agreed overrides -----------------------------------------------------------------------------


def test_an_agreed_override_reaches_the_scorecard_and_the_record(setup):
    override = record.override_agree(
        acting=setup.acting("commissioner"),
        meeting=setup.meeting,
        target=setup.target,
        rag="amber",
        reason="Two hospital discharges delayed by equipment, not the provider",
    )
    cell = next(row for row in scorecard(setup.contract, 2025).rows if row.target == setup.target).quarters[1]
    assert (cell.rag, cell.result.rag, cell.override.pk) == ("amber", "red", override.pk)
    assert list(setup.meeting.agreed_overrides.all()) == [override]
    assert {"result.override", "review.override_agree"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )
    rows = selectors.agreed_overrides(setup.meeting, WHOLE)
    assert rows[0]["rag_label"] == "Amber" and rows[0]["in_force"]


def test_agreeing_again_replaces_the_meetings_override_and_keeps_the_history(setup):
    kwargs = {"acting": setup.acting("c_admin"), "meeting": setup.meeting, "target": setup.target}
    first = record.override_agree(rag="amber", reason="First view", **kwargs)
    second = record.override_agree(rag="green", reason="On reflection", **kwargs)
    assert list(setup.meeting.agreed_overrides.all()) == [second]
    assert set(ResultOverride.objects.filter(target=setup.target).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"target": "other"}, "target", f"no result for {QUARTER}"),
        ({"reason": "  "}, "reason", "Give the reason"),
        ({"rag": "purple"}, "rag", "Choose green, amber or red"),
        ({"rag": "red"}, "rag", "already red"),
        ({"target": "b"}, "target", "a contract this meeting reviews"),
    ],
)
def test_override_rules(setup, kwargs, field, message):
    targets = {"other": setup.other_target, "b": target(setup.meeting_b.contracts.get(), "HELP_48H", "90")}
    with pytest.raises(ValidationError) as error:
        record.override_agree(
            acting=setup.acting("commissioner"),
            meeting=setup.meeting,
            target=targets.get(kwargs.get("target"), setup.target),
            rag=kwargs.get("rag", "amber"),
            reason=kwargs.get("reason", "Agreed"),
        )
    assert message in " ".join(error.value.message_dict[field])


def test_contract_officers_record_but_do_not_override(setup):
    with pytest.raises(PermissionDenied, match="does not let you do this: override a rag rating"):
        record.override_agree(
            acting=setup.acting("contract_officer"),
            meeting=setup.meeting,
            target=setup.target,
            rag="amber",
            reason="x",
        )


# --- Actions --------------------------------------------------------------------------------------


def test_owner_organisation_defaults_and_the_first_history_row(setup):
    provider_action = setup.action()
    commissioner_action = setup.action(owner_kind=ActionOwner.COMMISSIONER, target=setup.target)
    partner = setup.action(owner_kind=ActionOwner.PARTNER, owner_organisation="Riverton Community Nursing")
    assert provider_action.owner_organisation == "Acme Homecare Ltd"
    assert commissioner_action.owner_organisation == "Riverton City Council"
    assert partner.owner_organisation == "Riverton Community Nursing"
    assert provider_action.contract == setup.contract  # the meeting's only contract
    assert list(provider_action.updates.values_list("status_before", "status_after")) == [("", "open")]
    assert AuditEntry.objects.filter(action="review.action_add").count() == 3


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"owner_kind": ActionOwner.PARTNER}, "owner_organisation", "Name the partner organisation"),
        ({"due_on": HELD_ON - timedelta(days=1)}, "due_on", "cannot be before the meeting"),
        ({"owner_name": " "}, "owner_name", "Name the person or role"),
        ({"description": ""}, "description", "Say what will be done"),
        ({"contract": "b"}, "contract", "contracts this meeting reviews"),
        ({"target": "b"}, "target", "a contract this meeting reviews"),
    ],
)
def test_action_rules(setup, fields, field, message):
    b_contract = setup.meeting_b.contracts.get()
    swap = {"b": b_contract if field == "contract" else target(b_contract)}
    fields = {
        key: swap.get(value, value) if isinstance(value, str) else value for key, value in fields.items()
    }
    with pytest.raises(ValidationError) as error:
        setup.action(**fields)
    assert message in " ".join(error.value.message_dict[field])


def test_the_provider_updates_its_own_actions_within_limits(setup):
    action = setup.action()
    approver = setup.acting("a_approver")
    record.action_update(acting=approver, action=action, status=ActionStatus.IN_PROGRESS, note="")
    with pytest.raises(ValidationError, match="Say what was done"):
        record.action_update(acting=approver, action=action, status=ActionStatus.DONE, note="")
    with pytest.raises(ValidationError, match="Only Riverton City Council can mark"):
        record.action_update(acting=approver, action=action, status=ActionStatus.DROPPED, note="Not needed")
    with pytest.raises(ValidationError, match="Choose a new status, or write a note"):
        record.action_update(acting=approver, action=action, status=ActionStatus.IN_PROGRESS, note="")
    record.action_update(
        acting=approver, action=action, status=ActionStatus.IN_PROGRESS, note="Half reviewed"
    )
    done = record.action_update(acting=approver, action=action, status=ActionStatus.DONE, note="All reviewed")
    assert (done.status, done.status_note, done.updated_by_label) == (
        "done",
        "All reviewed",
        str(approver.user),
    )
    with pytest.raises(ValidationError, match="Only Riverton City Council can reopen"):
        record.action_update(acting=approver, action=done, status=ActionStatus.OPEN, note="Oops")
    reopened = record.action_update(
        acting=setup.acting("contract_officer"), action=done, status="open", note="Evidence missing"
    )
    assert reopened.status == "open"
    history = list(action.updates.values_list("status_after", "by_provider"))
    assert history == [
        ("open", False),
        ("in_progress", True),
        ("in_progress", True),
        ("done", True),
        ("open", False),
    ]
    assert AuditEntry.objects.filter(action="review.action_update").count() == 4


@pytest.mark.parametrize("role", ["a_viewer", "b_admin", "icb_admin", "quality_officer"])
def test_others_cannot_update_a_provider_action(setup, role):
    with pytest.raises(PermissionDenied):
        record.action_update(acting=setup.acting(role), action=setup.action(), status="done", note="x")


def test_the_provider_cannot_update_the_commissioners_action(setup):
    action = setup.action(owner_kind=ActionOwner.COMMISSIONER)
    with pytest.raises(PermissionDenied, match="only Riverton City Council can update it"):
        record.action_update(acting=setup.acting("a_submitter"), action=action, status="done", note="x")
    dropped = record.action_update(
        acting=setup.acting("commissioner"), action=action, status="dropped", note="Superseded"
    )
    assert dropped.status == "dropped"


def test_actions_are_carried_forward_until_closed(setup):
    world = setup.world
    first = setup.meeting
    second = meeting_for(
        world.council, world.provider_a, [setup.contract], held_on=date(2026, 1, 20), quarter="2025-26-Q3"
    )
    third = meeting_for(
        world.council, world.provider_a, [setup.contract], held_on=date(2026, 4, 20), quarter="2025-26-Q4"
    )
    setup.action(description="Still open")
    done = setup.action(description="Done between the meetings")
    record.action_update(acting=setup.acting("commissioner"), action=done, status="done", note="Finished")
    closed_at = timezone.make_aware(timezone.datetime(2025, 12, 1, 12))
    ReviewAction.objects.filter(pk=done.pk).update(updated_at=closed_at)
    done.updates.filter(status_after="done").update(at=closed_at)
    assert {a.description for a in selectors.actions_carried_forward(second, WHOLE)} == {
        "Still open",
        "Done between the meetings",
    }
    assert {a.description for a in selectors.actions_carried_forward(third, WHOLE)} == {"Still open"}
    assert selectors.actions_carried_forward(first, WHOLE) == []
    # A later progress note on the closed action does not bring it back.
    record.action_update(
        acting=setup.acting("commissioner"), action=done, status="done", note="Checked again"
    )
    assert {a.description for a in selectors.actions_carried_forward(third, WHOLE)} == {"Still open"}


def test_a_separate_contract_keeps_its_own_history(setup):
    """Two contracts of one provider reviewed at separate meetings: neither carries the other's actions."""
    world = setup.world
    setup.action(description="On the first contract")
    elsewhere = contract(world.council, world.provider_a, reference="RV-OTHER")
    later = meeting_for(
        world.council, world.provider_a, [elsewhere], held_on=date(2026, 1, 20), quarter="2025-26-Q3"
    )
    assert selectors.previous_meeting(later) is None
    assert selectors.actions_carried_forward(later, WHOLE) == []
    both = meeting_for(
        world.council,
        world.provider_a,
        [setup.contract, elsewhere],
        held_on=date(2026, 4, 20),
        quarter="2025-26-Q4",
    )
    assert selectors.previous_meeting(both) == later
    assert {a.description for a in selectors.actions_carried_forward(both, WHOLE)} == {
        "On the first contract"
    }


# --- Pages ----------------------------------------------------------------------------------------


def test_the_record_page_records_and_goes_back_to_the_meeting(client, setup):
    client.force_login(setup.world.users["contract_officer"])
    url = f"/reviews/{setup.meeting.pk}/record/"
    page = client.get(url).content.decode()
    assert "Minutes and decisions" in page and "Sam Patel (Riverton Community Nursing)" in page
    assert "Agree the override" not in page  # a contract officer has no override right
    typed = {"minutes": "Discussed", "decisions": "", "attended": [str(setup.nurse.pk)]}
    response = client.post(url, typed)
    assert response.status_code == 200 and "Check the record before you close the meeting" in str(
        response.content
    )
    response = client.post(url, {**typed, "confirm": "close"})
    assert response.status_code == 302 and response["Location"] == f"/reviews/{setup.meeting.pk}/#record"
    response = client.post(url, {"minutes": "", "decisions": ""})
    assert (
        response.status_code == 400 and "Write the minutes: what was discussed" in response.content.decode()
    )


def test_closing_the_meeting_is_checked_first_and_the_check_writes_nothing(client, setup):
    ReviewMeeting.objects.filter(pk=setup.meeting.pk).update(status=MeetingStatus.PLANNED)
    client.force_login(setup.world.users["commissioner"])
    url = f"/reviews/{setup.meeting.pk}/record/"
    typed = {"minutes": "Line one\nLine two", "decisions": "Escalate", "attended": [str(setup.nurse.pk)]}
    audited = AuditEntry.objects.count()
    response = client.post(url, typed)
    page = response.content.decode()
    assert response.status_code == 200
    meeting = ReviewMeeting.objects.get(pk=setup.meeting.pk)
    assert meeting.status == MeetingStatus.PLANNED and meeting.minutes == "" and meeting.recorded_at is None
    assert AuditEntry.objects.count() == audited
    assert "Line one<br>Line two" in page and "Escalate" in page
    assert "Sam Patel (Riverton Community Nursing)" in page  # attended
    assert "Jo Reid (Acme Homecare Ltd)" in page  # recorded as absent
    assert "can no longer be cancelled" in page and "No pack has been issued for this meeting" in page
    assert "does not read the minutes" not in page  # the ICB is party to every contract reviewed
    assert 'name="confirm" value="close"' in page and f'name="attended" value="{setup.nurse.pk}"' in page
    changed = client.post(url, {**typed, "change": "yes"}).content.decode()
    assert "Line one" in changed and 'name="minutes"' in changed and "Continue" in changed
    assert ReviewMeeting.objects.get(pk=setup.meeting.pk).status == MeetingStatus.PLANNED
    response = client.post(url, {**typed, "confirm": "close"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.RECORDED and meeting.decisions == "Escalate"
    assert [a.attended for a in meeting.attendees.order_by("pk")] == [True, False]
    # A correction is not a closing: it is saved as before, without a check.
    response = client.post(url, {**typed, "minutes": "Corrected"})
    assert response.status_code == 302 and ReviewMeeting.objects.get(pk=meeting.pk).minutes == "Corrected"


def test_the_close_check_goes_back_with_a_clear_message_on_bad_input(client, setup):
    client.force_login(setup.world.users["commissioner"])
    response = client.post(f"/reviews/{setup.meeting.pk}/record/", {"minutes": "  ", "decisions": ""})
    assert response.status_code == 400 and "Write the minutes" in response.content.decode()
    assert ReviewMeeting.objects.get(pk=setup.meeting.pk).recorded_at is None


def test_the_record_page_waits_for_the_meeting_day(client, setup):
    ReviewMeeting.objects.filter(pk=setup.meeting.pk).update(held_on=date.today() + timedelta(days=7))
    client.force_login(setup.world.users["commissioner"])
    page = client.get(f"/reviews/{setup.meeting.pk}/record/").content.decode()
    assert "on or after that day" in page and 'name="minutes"' not in page


def test_override_and_action_forms_post_back_with_errors_or_on(client, setup):
    client.force_login(setup.world.users["commissioner"])
    base = f"/reviews/{setup.meeting.pk}"
    response = client.post(
        f"{base}/overrides/", {"target": setup.target.pk, "rag": "amber", "reason": "", "next": "record"}
    )
    assert (
        response.status_code == 400
        and "Give the reason the meeting agreed the override" in response.content.decode()
    )
    response = client.post(
        f"{base}/overrides/", {"target": setup.target.pk, "rag": "amber", "reason": "Agreed"}
    )
    assert response.status_code == 302 and response["Location"] == f"{base}/#overrides"
    action = {"description": "Chase the equipment service", "owner_kind": "partner", "owner_organisation": "",
              "owner_name": "Team lead", "due_on": "2025-11-30", "next": "record"}  # fmt: skip
    response = client.post(f"{base}/actions/", action)
    assert response.status_code == 400 and "Name the partner organisation" in response.content.decode()
    response = client.post(f"{base}/actions/", {**action, "owner_organisation": "Riverton Equipment Service"})
    assert response.status_code == 302 and response["Location"] == f"{base}/record/#actions"
    assert client.get(f"{base}/actions/")["Location"] == f"{base}/record/#add-action"


def panel(setup, role: str) -> str:
    request = RequestFactory().get("/")
    request.user = setup.world.users[role]
    request.acting = setup.acting(role)
    return render_to_string(
        "outcomes/reviews/includes/record_panel.html",
        record.record_context(request, ReviewMeeting.objects.get(pk=setup.meeting.pk)),
        request=request,
    )


def test_the_record_panel_shows_the_record_and_forms_for_managers(setup):
    earlier = meeting_for(
        setup.world.council, setup.world.provider_a, [setup.contract], held_on=date(2025, 7, 20)
    )
    setup.action(meeting=earlier, description="From the summer meeting")
    setup.action(description="Agreed today")
    record.override_agree(
        acting=setup.acting("commissioner"),
        meeting=setup.meeting,
        target=setup.target,
        rag="amber",
        reason="Equipment delays",
    )
    record.meeting_record(
        acting=setup.acting("commissioner"),
        meeting=setup.meeting,
        minutes="We discussed reablement.",
        decisions="",
        attended={},
    )
    manager = panel(setup, "commissioner")
    for text in (
        "We discussed reablement.",
        "Equipment delays",
        "Agreed today",
        "From the summer meeting",
        "Correct the record",
    ):
        assert text in manager
    assert "Agree the override" in manager and "Add the action" in manager
    provider = panel(setup, "a_viewer")
    assert "We discussed reablement." in provider and "From the summer meeting" in provider
    assert "Add the action" not in provider and "Correct the record" not in provider


def test_the_meeting_page_includes_the_record_panel(client, setup):
    setup.action(description="Agreed on the day")
    client.force_login(setup.world.users["commissioner"])
    page = client.get(f"/reviews/{setup.meeting.pk}/").content.decode()
    assert 'data-testid="record-panel"' in page and "Agreed on the day" in page and "Add the action" in page
    client.force_login(setup.world.users["a_viewer"])
    page = client.get(f"/reviews/{setup.meeting.pk}/").content.decode()
    assert "Agreed on the day" in page and "Add the action" not in page


# --- The tracker ----------------------------------------------------------------------------------


def tracker(client, setup, role: str, query: str = "") -> str:
    client.force_login(setup.world.users[role])
    response = client.get(f"/reviews/actions/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_tracker_filters_and_isolation(client, setup):
    overdue = setup.action(description="Overdue provider action", due_on=HELD_ON + timedelta(days=5))
    later = setup.action(
        description="Commissioner action", owner_kind="commissioner", due_on=date.today() + timedelta(days=9)
    )
    record.action_update(acting=setup.acting("commissioner"), action=later, status="in_progress", note="")
    closed = setup.action(description="Closed action")
    record.action_update(acting=setup.acting("commissioner"), action=closed, status="done", note="Done")
    setup.action(meeting=setup.meeting_b, description="Brookside action")
    setup.action(meeting=setup.meeting_elsewhere, description="Elsewhere action")
    page = tracker(client, setup, "commissioner")
    assert "Overdue provider action" in page and "Brookside action" in page and "Closed action" not in page
    assert "Elsewhere action" not in page and ">Overdue</strong>" in page
    page = tracker(client, setup, "commissioner", f"?provider={setup.world.provider_a.pk}&status=")
    assert "Closed action" in page and "Brookside action" not in page
    page = tracker(client, setup, "commissioner", "?status=not_started")
    assert "Overdue provider action" in page and "Commissioner action" not in page
    assert "Commissioner action" in tracker(client, setup, "commissioner", "?status=in_progress")
    page = tracker(client, setup, "commissioner", "?status=&overdue=yes")
    assert "Overdue provider action" in page and "Commissioner action" not in page
    page = tracker(client, setup, "commissioner", "?owner=commissioner&quarter=2025-26-Q2")
    assert "Commissioner action" in page and "Overdue provider action" not in page
    assert "Choose a status from the list" in tracker(client, setup, "commissioner", "?status=nonsense")
    page = tracker(client, setup, "a_viewer")
    assert "Overdue provider action" in page and "Elsewhere action" in page and "Brookside action" not in page
    assert 'name="provider"' not in page and f"/reviews/actions/{overdue.pk}/update/" not in page
    page = tracker(client, setup, "a_submitter")
    assert (
        f"/reviews/actions/{overdue.pk}/update/" in page
        and f"/reviews/actions/{later.pk}/update/" not in page
    )
    page = tracker(client, setup, "icb_admin")
    assert "Overdue provider action" in page and "Brookside action" not in page and "/update/" not in page
    page = tracker(client, setup, "b_admin")
    assert "Brookside action" in page and "Overdue provider action" not in page


def test_tracker_csv_uses_the_same_filters(client, setup):
    setup.action(
        description="=HYPERLINK(1)", owner_kind="partner", owner_organisation="Riverton Community Nursing"
    )
    setup.action(description="Provider action")
    client.force_login(setup.world.users["c_viewer"])
    response = client.get("/reviews/actions.csv?owner=partner&status=open")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith(
        "Action,What will be done,Owned by,Owner's organisation,Owner,Due,Overdue,Status"
    )
    assert len(lines) == 2 and "'=HYPERLINK(1)" in lines[1] and "Riverton Community Nursing" in lines[1]
    assert "RCC-HC-001" in lines[1] and "2025-26-Q2" in lines[1]
    assert client.get("/reviews/actions.csv?status=bad")["Location"] == "/reviews/actions/?status=bad"


def test_updating_from_the_tracker(client, setup):
    action = setup.action()
    client.force_login(setup.world.users["a_submitter"])
    url = f"/reviews/actions/{action.pk}/update/?status=&page=1"
    assert client.get(url)["Location"] == "/reviews/actions/?status=&page=1"
    response = client.post(url, {"status": "done", "note": ""})
    assert response.status_code == 400 and "Say what was done" in response.content.decode()
    response = client.post(url, {"status": "done", "note": "Every package reviewed"})
    assert response["Location"] == f"/reviews/actions/?status=&page=1#action-{action.pk}"
    assert ReviewAction.objects.get(pk=action.pk).status == "done"


# --- Who may do what ------------------------------------------------------------------------------

ROLES = (
    "anonymous", "no_organisation", "a_submitter", "a_approver", "a_viewer", "a_admin", "b_admin",
    "commissioner", "contract_officer", "quality_officer", "c_viewer", "c_admin", "icb_admin", "elsewhere",
)  # fmt: skip
MANAGERS = {"commissioner": 1, "contract_officer": 1, "c_admin": 1}
OUTSIDE = {"b_admin": 404, "elsewhere": 404, "anonymous": 302, "no_organisation": 403}


def expected(url: str, role: str) -> int:
    if role in OUTSIDE and not (url in ("actions", "actions-csv") and role in ("b_admin", "elsewhere")):
        return OUTSIDE[role]
    if url in ("actions", "actions-csv"):
        return 200
    if url == "record-get":
        return 200 if role in MANAGERS else 403
    if url == "override":
        return 302 if role in ("commissioner", "c_admin") else 403
    if url == "update-provider" and role in ("a_submitter", "a_approver", "a_admin"):
        return 302
    return 302 if role in MANAGERS else 403


@pytest.mark.parametrize("url", ["record-get", "record", "override", "action-add", "actions", "actions-csv",
                                 "update-provider", "update-commissioner"])  # fmt: skip
@pytest.mark.parametrize("role", ROLES)
def test_permission_table(client, setup, url, role):
    if role != "anonymous":
        client.force_login(setup.world.users[role])
    provider_action, commissioner_action = setup.action(), setup.action(owner_kind="commissioner")
    base = f"/reviews/{setup.meeting.pk}"
    requests = {
        "record-get": ("get", f"{base}/record/", {}),
        "record": ("post", f"{base}/record/", {"minutes": "Discussed", "attended": [str(setup.nurse.pk)],
                                               "confirm": "close"}),
        "override": ("post", f"{base}/overrides/", {"target": setup.target.pk, "rag": "amber", "reason": "Agreed"}),
        "action-add": ("post", f"{base}/actions/", {"description": "Do it", "owner_kind": "provider",
                                                    "owner_name": "Manager", "due_on": "2025-12-01"}),
        "actions": ("get", "/reviews/actions/", {}),
        "actions-csv": ("get", "/reviews/actions.csv", {}),
        "update-provider": ("post", f"/reviews/actions/{provider_action.pk}/update/", {"status": "done", "note": "Done"}),
        "update-commissioner": ("post", f"/reviews/actions/{commissioner_action.pk}/update/",
                                {"status": "done", "note": "Done"}),
    }  # fmt: skip
    method, path, data = requests[url]
    response = getattr(client, method)(path, data)
    assert response.status_code == expected(url, role), response.content.decode()[:500]
