"""Review meetings and commentary: planning (one contract or several of one provider's), the quarter
rule, attendees, versioned commentary fixed once the pack is issued, and the pages with their access
rules. The full per-URL access table lives in the permission matrix."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEntry, Role
from outcomes.periods import add_months, parse_period, quarter_period
from outcomes.results.compute import results_compute
from outcomes.reviews import meetings as services
from outcomes.reviews.commentary import CommentaryInput
from outcomes.reviews.models import MeetingStatus, ReviewAttendee, ReviewCommentary, ReviewMeeting
from outcomes.reviews.pack_figures import pack_figures
from outcomes.reviews.reach import WHOLE
from tests.factories import CouncilFactory, ProviderFactory, acting, contract, member, target
from tests.pages import error_summary, page_text

pytestmark = pytest.mark.django_db

HELD_ON = date(2026, 11, 12)
QUARTER = "2026-27-Q2"


@pytest.fixture
def r(world):
    class Setup:
        joint = contract(world.council, world.provider_a, reference="J-1", partners=[world.icb])
        second = contract(world.council, world.provider_a, reference="C-5")
        b_deal = contract(world.council, world.provider_b, reference="B-1")
        elsewhere = contract(CouncilFactory(name="Elsewhere Council"), ProviderFactory(), reference="X-3")
        independent = target(joint)
        help_48h = target(joint, measure="HELP_48H", value="80")
        other_target = target(second, measure="HOSPITAL_ADMISSION", value="10")

    Setup.world = world
    Setup.as_ = staticmethod(lambda role: acting(world.users[role]))
    return Setup


def _meeting(r, *, contracts=None, quarter=QUARTER, held_on=HELD_ON, **fields) -> ReviewMeeting:
    values = {"place": "Riverton Civic Centre, room 2"} | fields
    return services.meeting_create(
        acting=r.as_("contract_officer"),
        contracts=contracts or [r.joint],
        quarter=quarter,
        held_on=held_on,
        **values,
    )


def _problems(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


# --- Planning ------------------------------------------------------------------------------------


def test_a_meeting_of_one_providers_two_contracts_is_planned_and_audited(r):
    meeting = _meeting(r, contracts=[r.joint, r.second], starts_at=time(14, 30), chair_name="Dr Ann Lee")
    assert meeting.provider_id == r.world.provider_a.pk
    assert meeting.commissioner_id == r.world.council.pk
    assert set(meeting.contracts.all()) == {r.joint, r.second}
    assert meeting.status == MeetingStatus.PLANNED and meeting.commentary_open
    entry = AuditEntry.objects.get(action="review.create")
    assert entry.organisation_id == r.world.council.pk
    assert entry.details["contracts"] == ["C-5", "J-1"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"contracts": []}, "contracts", "Choose at least one contract to review."),
        (
            {"place": "", "link": ""},
            "place",
            "Enter where the meeting is held, or a video call link, or both.",
        ),
        ({"link": "not a link"}, "link", "Enter the video call link as a full web address"),
        ({"quarter": "2026-Q2"}, "quarter", "Choose the quarter the meeting reviews."),
        ({"quarter": "2026-09"}, "quarter", "Choose a quarter, not a month or a year."),
        (
            {"quarter": "2026-27-Q3"},
            "quarter",
            "2026-27-Q3 has not ended by the meeting date, 12 November 2026.",
        ),
        ({"quarter": "2025-26-Q4"}, "quarter", "2025-26-Q4 ended more than two quarters before the meeting"),
        ({"chair_organisation": "Healthwatch"}, "chair_name", "Enter the independent chair's name"),
        ({"commentary_due_on": HELD_ON}, "commentary_due_on", "must be before the meeting date"),
    ],
)
def test_planning_problems_are_explained_on_the_field(r, overrides, field, message):
    values = {"contracts": [r.joint], "quarter": QUARTER, "held_on": HELD_ON, "place": "Room 2"} | overrides
    problems = _problems(lambda: services.meeting_create(acting=r.as_("commissioner"), **values))
    assert any(message in text for text in problems[field]), problems


def test_the_quarter_just_before_or_the_one_before_that_is_accepted(r):
    assert _meeting(r, quarter="2026-27-Q1").quarter == "2026-27-Q1"  # a meeting that slipped
    # The usual case, with the quarter's last day the day before the meeting.
    assert _meeting(r, contracts=[r.second], held_on=date(2026, 10, 1)).quarter == QUARTER


def test_contracts_with_two_providers_are_refused_naming_both(r):
    problems = _problems(lambda: _meeting(r, contracts=[r.joint, r.b_deal]))
    assert problems["contracts"] == [
        "The contracts chosen are with different providers (Acme Homecare Ltd, Brookside Care Services). "
        "A meeting reviews one provider: plan a meeting for each."
    ]


def test_only_the_lead_body_plans_and_only_its_managers(r):
    problems = _problems(
        lambda: services.meeting_create(
            acting=r.as_("icb_admin"), contracts=[r.joint], quarter=QUARTER, held_on=HELD_ON, place="Room 2"
        )
    )
    assert "Riverton ICB does not lead J-1" in problems["contracts"][0]
    for role in ("quality_officer", "c_viewer", "a_approver"):
        with pytest.raises(PermissionDenied):
            services.meeting_create(
                acting=r.as_(role), contracts=[r.joint], quarter=QUARTER, held_on=HELD_ON, place="Room 2"
            )


def test_a_contract_is_reviewed_once_a_quarter_until_the_meeting_is_cancelled(r):
    first = _meeting(r)
    problems = _problems(lambda: _meeting(r, contracts=[r.second, r.joint]))
    assert problems["contracts"] == [
        "J-1 already has a review of 2026-27-Q2 on 12 November 2026. Change that meeting, or cancel it first."
    ]
    services.meeting_cancel(acting=r.as_("commissioner"), meeting=first, reason="Moved to a joint session")
    assert _meeting(r).pk != first.pk


def test_changes_to_a_meeting_and_what_stays_fixed(r):
    meeting = _meeting(r)
    officer = r.as_("contract_officer")
    base = {"contracts": [r.joint], "quarter": QUARTER, "held_on": HELD_ON, "place": "Room 2"}
    services.meeting_update(acting=officer, meeting=meeting, **(base | {"contracts": [r.joint, r.second]}))
    assert meeting.contracts.count() == 2
    services.commentary_save(
        acting=r.as_("a_submitter"), meeting=meeting, target=r.independent, part="data", text="Up 3 points."
    )
    problems = _problems(
        lambda: services.meeting_update(acting=officer, meeting=meeting, **(base | {"quarter": "2026-27-Q1"}))
    )
    assert "Commentary has been written on the 2026-27-Q2 figures" in problems["quarter"][0]
    problems = _problems(
        lambda: services.meeting_update(acting=officer, meeting=meeting, **(base | {"contracts": [r.second]}))
    )
    assert problems["contracts"] == ["Commentary has been written on J-1, so it stays in this meeting."]
    ReviewMeeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.PACK_ISSUED)
    problems = _problems(lambda: services.meeting_update(acting=officer, meeting=meeting, **base))
    assert "The pack has been issued, so the contracts and the quarter are fixed." in problems["contracts"][0]
    later = base | {"contracts": [r.joint, r.second], "held_on": HELD_ON + timedelta(days=7)}
    assert services.meeting_update(acting=officer, meeting=meeting, **later).held_on == date(2026, 11, 19)
    with pytest.raises(PermissionDenied):
        services.meeting_update(acting=r.as_("icb_admin"), meeting=meeting, **later)


def test_cancelling_needs_a_reason_and_fixes_the_meeting(r):
    meeting = _meeting(r)
    problems = _problems(
        lambda: services.meeting_cancel(acting=r.as_("commissioner"), meeting=meeting, reason=" ")
    )
    assert problems["reason"] == ["Say why the meeting is cancelled."]
    services.meeting_cancel(
        acting=r.as_("commissioner"), meeting=meeting, reason="The provider's manager is ill"
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert services.meeting_cancellation(meeting).details["reason"] == "The provider's manager is ill"
    with pytest.raises(ValidationError, match="cancelled, so it cannot be changed"):
        services.meeting_cancel(acting=r.as_("commissioner"), meeting=meeting, reason="Again")


# --- Attendees -----------------------------------------------------------------------------------


def test_users_of_the_lead_body_provider_and_partners_attend_others_are_refused(r):
    meeting = _meeting(r)
    officer = r.as_("contract_officer")
    approver = services.attendee_add(acting=officer, meeting=meeting, user=r.world.users["a_approver"])
    assert (approver.organisation, approver.email) == ("Acme Homecare Ltd", "approver@acme.example")
    assert approver.role == "Approver (registered manager)" and not approver.is_external
    partner = services.attendee_add(
        acting=officer, meeting=meeting, user=r.world.users["icb_admin"], role="Continuing healthcare lead"
    )
    assert (partner.organisation, partner.role) == ("Riverton ICB", "Continuing healthcare lead")
    problems = _problems(
        lambda: services.attendee_add(acting=officer, meeting=meeting, user=r.world.users["b_admin"])
    )
    assert problems["user"] == [
        f"{r.world.users['b_admin']} is not a member of Riverton City Council, Acme Homecare Ltd or "
        "Riverton ICB. Add them as an external partner by name and organisation instead."
    ]
    problems = _problems(
        lambda: services.attendee_add(acting=officer, meeting=meeting, user=r.world.users["a_approver"])
    )
    assert "is already on the attendee list" in problems["user"][0]
    assert AuditEntry.objects.filter(action="review.attendee_add").count() == 2


def test_external_partners_need_a_name_and_organisation_and_come_once(r):
    meeting = _meeting(r)
    officer = r.as_("commissioner")
    problems = _problems(
        lambda: services.attendee_add(acting=officer, meeting=meeting, role="District nurse")
    )
    assert problems == {
        "name": ["Enter the partner's name."],
        "organisation": ["Enter the partner's organisation, like Riverton GP Federation."],
    }
    nurse = services.attendee_add(
        acting=officer,
        meeting=meeting,
        name="Sam Okafor",
        organisation="Riverton Community Health",
        role="District nursing lead",
        email="Sam.Okafor@nhs.example",
    )
    assert nurse.is_external and nurse.email == "sam.okafor@nhs.example"
    problems = _problems(
        lambda: services.attendee_add(
            acting=officer, meeting=meeting, name="sam okafor", organisation="RIVERTON COMMUNITY HEALTH"
        )
    )
    assert problems["name"] == ["sam okafor of RIVERTON COMMUNITY HEALTH is already on the attendee list."]
    with pytest.raises(PermissionDenied):
        services.attendee_add(acting=r.as_("a_admin"), meeting=meeting, name="X", organisation="Y")
    services.attendee_remove(acting=officer, attendee=nurse)
    assert not meeting.attendees.exists()
    assert AuditEntry.objects.get(action="review.attendee_remove").details["attendee"] == (
        "Sam Okafor (Riverton Community Health)"
    )


# --- Commentary ----------------------------------------------------------------------------------


def test_commentary_is_versioned_and_identical_text_changes_nothing(r):
    meeting = _meeting(r)
    submitter = r.as_("a_submitter")

    def save(text, who=submitter, part="data"):
        return services.commentary_save(
            acting=who, meeting=meeting, target=r.independent, part=part, text=text
        )

    first = save("Independence rose to 68%.")
    assert (first.version, first.is_current, first.by_provider) == (1, True, True)
    assert save("Independence rose to 68%.\r\n").pk == first.pk  # the same text, as a browser sends it
    assert save("").version == 2  # clearing a part is a change too
    third = save("Independence rose to 68.2%.", who=r.as_("a_approver"))
    assert third.version == 3
    history = services.commentary_history(meeting, r.independent)
    assert [row.version for row in history["data"]] == [3, 2, 1]
    assert [row.is_current for row in history["data"]] == [True, False, False]
    assert ReviewCommentary.objects.filter(meeting=meeting, is_current=True).count() == 1
    entries = AuditEntry.objects.filter(action="review.commentary_save").order_by("id")
    assert [e.details["version"] for e in entries] == [1, 2, 3]
    assert entries[0].organisation_id == r.world.council.pk


def test_who_writes_which_part(r):
    meeting = _meeting(r)
    note = services.commentary_save(
        acting=r.as_("contract_officer"),
        meeting=meeting,
        target=r.independent,
        part="commissioner",
        text="Noted.",
    )
    assert note.by_provider is False
    refused = [
        ("a_viewer", "data"),
        ("b_admin", "data"),
        ("commissioner", "action"),
        ("a_submitter", "commissioner"),
        ("icb_admin", "commissioner"),
        ("quality_officer", "commissioner"),
    ]
    for role, part in refused:
        with pytest.raises(PermissionDenied):
            services.commentary_save(
                acting=r.as_(role), meeting=meeting, target=r.independent, part=part, text="x"
            )
    problems = _problems(
        lambda: services.commentary_save(
            acting=r.as_("a_submitter"), meeting=meeting, target=r.other_target, part="data", text="x"
        )
    )
    assert problems["target"] == ["That target is not on the contracts this meeting reviews."]


def test_commentary_is_fixed_once_the_pack_is_issued(r):
    meeting = _meeting(r)
    ReviewMeeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.PACK_ISSUED)
    meeting.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.commentary_save(
            acting=r.as_("a_submitter"), meeting=meeting, target=r.independent, part="data", text="Late"
        )
    assert caught.value.messages == [
        "The pack for this meeting has been issued, so its commentary is fixed as sent. "
        "Raise anything new at the meeting."
    ]
    assert not ReviewCommentary.objects.exists()


def test_a_page_of_parts_saves_all_or_nothing_and_never_overwrites_unseen(r):
    meeting = _meeting(r)
    submitter, approver = r.as_("a_submitter"), r.as_("a_approver")
    too_long = "x" * 5001
    with pytest.raises(ValidationError) as caught:
        services.commentary_save_all(
            acting=submitter,
            meeting=meeting,
            entries=[
                CommentaryInput(r.independent, "data", "Fine", 0),
                CommentaryInput(r.help_48h, "review", too_long, 0),
            ],
        )
    assert caught.value.message_dict == {
        f"{r.help_48h.pk}:review": ["Keep each part to 5,000 characters or fewer (this has 5,001)."]
    }
    assert not ReviewCommentary.objects.exists()
    # Both open the page (nothing written: version 0); the approver saves first.
    services.commentary_save_all(
        acting=approver,
        meeting=meeting,
        entries=[CommentaryInput(r.independent, "data", "Approver's view", 0)],
    )
    stale = [
        CommentaryInput(r.independent, "data", "Submitter's view", 0),
        CommentaryInput(r.independent, "review", "Staff shortage in August", 0),
    ]
    with pytest.raises(ValidationError) as caught:
        services.commentary_save_all(acting=submitter, meeting=meeting, entries=stale)
    assert "changed this part at" in caught.value.message_dict[f"{r.independent.pk}:data"][0]
    assert not ReviewCommentary.objects.filter(part="review").exists()  # all or nothing
    # An untouched box (still the text the writer saw) keeps the newer version.
    untouched = [CommentaryInput(r.independent, "data", "", 0), stale[1]]
    assert services.commentary_save_all(acting=submitter, meeting=meeting, entries=untouched) == 1
    current = ReviewCommentary.objects.get(target=r.independent, part="data", is_current=True)
    assert current.text == "Approver's view"


def test_blank_parts_are_listed_for_the_quarters_targets(r):
    meeting = _meeting(r)
    later = target(r.joint, measure="RESIDENTIAL_ENTRY", value="5")
    later.versions.update(effective_from=date(2027, 1, 1))  # starts after the quarter: no commentary
    services.commentary_save(
        acting=r.as_("a_submitter"), meeting=meeting, target=r.independent, part="data", text="Up."
    )
    blanks = services.commentary_blanks(meeting)
    assert (r.independent, "data") not in blanks
    assert (r.independent, "commissioner") in blanks
    assert {t for t, _ in blanks} == {r.independent, r.help_48h}
    assert len(blanks) == 7
    progress = services.commentary_progress(meeting, WHOLE)
    assert progress["targets"] == 2 and progress["provider_blank"] == 5
    assert progress["commissioner_blank"] == 2


def test_the_list_home_page_and_pack_count_the_same_blank_parts(client, r):
    """The council's meetings list, its home page and the pack flag the provider's blank parts alike;
    the council's own review notes are counted apart."""
    meeting = _today_meeting(r)
    services.commentary_save(
        acting=r.as_("a_submitter"), meeting=meeting, target=r.independent, part="data", text="Up."
    )
    progress = services.commentary_progress(meeting, WHOLE)
    blank, notes = progress["provider_blank"], progress["commissioner_blank"]
    assert (blank, notes) == (3 * progress["targets"] - 1, progress["targets"])
    _login(client, r, "commissioner")
    listed = page_text(client.get("/reviews/"))
    cell = re.search(rf'data-testid="commentary-{meeting.pk}">(.*?)</td>', listed, re.S).group(1)
    assert f"{blank} of the provider's parts blank" in cell
    assert f"{notes} commissioner's review notes still to write" in cell
    home = page_text(client.get("/"))
    assert f"{blank} of {3 * progress['targets']} commentary parts blank" in home
    assert pack_figures(meeting)["commentary_blank_count"] == blank


# --- Pages ---------------------------------------------------------------------------------------


def _today_meeting(r, **fields) -> ReviewMeeting:
    """A meeting two weeks from today reviewing the last quarter that has ended."""
    today = timezone.localdate()
    quarter = quarter_period(add_months(quarter_period(today).start, -3)).identifier
    return _meeting(r, quarter=quarter, held_on=today + timedelta(days=14), **fields)


def _login(client, r, role):
    client.force_login(r.world.users[role])


def test_the_list_for_commissioners_and_for_providers(client, r):
    meeting = _today_meeting(r)
    _login(client, r, "commissioner")
    page = page_text(client.get("/reviews/"))
    assert "Plan a review meeting" in page and "Acme Homecare Ltd" in page
    _login(client, r, "c_viewer")
    assert "Plan a review meeting" not in page_text(client.get("/reviews/"))
    _login(client, r, "a_viewer")
    response = client.get("/reviews/")
    assert response.status_code == 200
    assert "Due" in page_text(response) and f"meeting-row-{meeting.pk}" in page_text(response)
    _login(client, r, "b_admin")
    assert f"meeting-row-{meeting.pk}" not in page_text(client.get("/reviews/"))
    _login(client, r, "commissioner")
    assert client.get("/reviews/?status=nonsense").status_code == 200


def test_the_list_puts_upcoming_meetings_first_soonest_first_then_past_ones_latest_first(client, r):
    today = timezone.localdate()
    # (days from today, start time): two meetings share a coming day and two a past one, the later-made
    # first and one with no time, so the order is the time's, not the order they were made in.
    held = {
        "past_recent_afternoon": (-10, time(14)),
        "past_recent_morning": (-10, time(9, 30)),
        "past_recent_untimed": (-10, None),
        "soon_afternoon": (3, time(14)),
        "soon_untimed": (3, None),
        "soon_morning": (3, time(10)),
        "past_old": (-100, time(10)),
        "later": (40, None),
    }
    ids = {}
    for name, (days, starts_at) in held.items():
        meeting = ReviewMeeting.objects.create(
            commissioner=r.world.council,
            provider=r.world.provider_a,
            quarter=QUARTER,
            held_on=today + timedelta(days=days),
            starts_at=starts_at,
            place="Room 2",
            created_by_label="test",
        )
        meeting.contracts.set([r.joint])
        ids[name] = meeting.pk
    _login(client, r, "c_viewer")
    content = page_text(client.get("/reviews/"))
    order = sorted(ids, key=lambda name: content.index(f"meeting-row-{ids[name]}"))
    assert order == [
        "soon_morning",
        "soon_afternoon",
        "soon_untimed",
        "later",
        "past_recent_afternoon",
        "past_recent_morning",
        "past_recent_untimed",
        "past_old",
    ]


def test_planning_a_meeting_through_the_form(client, r):
    _login(client, r, "contract_officer")
    page = client.get(f"/reviews/new/?contract={r.joint.pk}")
    assert page.status_code == 200
    assert re.search(rf'value="{r.joint.pk}"\s*checked', page.content.decode())
    assert client.post("/reviews/new/", {}).status_code == 400  # an empty post shows what is missing
    response = client.post("/reviews/new/", {"quarter": "", "held_on": ""})
    assert response.status_code == 400
    summary = error_summary(response)
    assert ("id_contracts_1", "Choose at least one contract to review") in summary
    assert ("meeting-held_on", "Enter the meeting date") in summary
    today = timezone.localdate()
    quarter = quarter_period(add_months(quarter_period(today).start, -3)).identifier
    data = {
        "contracts": [r.joint.pk],
        "quarter": quarter,
        "held_on": (today + timedelta(days=14)).isoformat(),
    }
    response = client.post("/reviews/new/", data)
    assert response.status_code == 400
    assert (
        "meeting-place",
        "Enter where the meeting is held, or a video call link, or both.",
    ) in error_summary(response)
    response = client.post(
        "/reviews/new/", data | {"link": "https://meet.example.org/q2", "starts_at": "10:00"}
    )
    meeting = ReviewMeeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reviews/{meeting.pk}/"
    assert meeting.starts_at == time(10, 0)


def test_planning_is_for_the_lead_bodys_managers(client, r):
    for role, status in [
        ("a_approver", 404),
        ("quality_officer", 403),
        ("c_viewer", 403),
        ("commissioner", 200),
    ]:
        _login(client, r, role)
        assert client.get("/reviews/new/").status_code == status, role


def test_the_meeting_page_attendees_and_progress(client, r):
    meeting = _today_meeting(r, chair_name="Dr Ann Lee", chair_organisation="Healthwatch Riverton")
    _login(client, r, "contract_officer")
    response = client.get(f"/reviews/{meeting.pk}/")
    text = page_text(response)
    assert response.status_code == 200
    assert "Dr Ann Lee (Healthwatch Riverton), independent chair" in text
    assert "Blank parts are flagged in the pack" in text and "0 of 2" in text
    bad = client.post(f"/reviews/{meeting.pk}/attendees/", {"kind": "external", "name": "Sam Okafor"})
    assert bad.status_code == 400
    assert ("attendee-external-organisation", "Enter the partner's organisation") in error_summary(bad)
    added = client.post(
        f"/reviews/{meeting.pk}/attendees/",
        {
            "kind": "external",
            "name": "Sam Okafor",
            "organisation": "Riverton GP Federation",
            "role": "Clinical lead",
        },
    )
    assert added.status_code == 302
    user = client.post(
        f"/reviews/{meeting.pk}/attendees/", {"kind": "user", "user": r.world.users["a_approver"].pk}
    )
    assert user.status_code == 302
    stranger = client.post(
        f"/reviews/{meeting.pk}/attendees/", {"kind": "user", "user": r.world.users["b_admin"].pk}
    )
    assert stranger.status_code == 400
    assert ("attendee-user-user", "Choose a person from the list") in error_summary(stranger)
    text = page_text(client.get(f"/reviews/{meeting.pk}/"))
    assert "Riverton GP Federation" in text and "External partner" in text and "User of this service" in text
    nurse = ReviewAttendee.objects.get(name="Sam Okafor")
    assert (
        client.get(f"/reviews/attendees/{nurse.pk}/remove/")["Location"]
        == f"/reviews/{meeting.pk}/#attendees"
    )
    assert client.post(f"/reviews/attendees/{nurse.pk}/remove/").status_code == 302
    assert meeting.attendees.count() == 1
    assert client.get(f"/reviews/{meeting.pk}/attendees/").status_code == 302
    _login(client, r, "a_approver")
    page = page_text(client.get(f"/reviews/{meeting.pk}/"))
    assert "Write your commentary" in page and "Add an external partner" not in page
    assert client.post(f"/reviews/attendees/{meeting.attendees.get().pk}/remove/").status_code == 403


def test_changing_and_cancelling_through_the_pages(client, r):
    meeting = _today_meeting(r)
    _login(client, r, "commissioner")
    assert client.get(f"/reviews/{meeting.pk}/edit/").status_code == 200
    data = {
        "contracts": [r.joint.pk],
        "quarter": meeting.quarter,
        "held_on": (meeting.held_on + timedelta(days=1)).isoformat(),
        "place": "Room 4",
    }
    assert client.post(f"/reviews/{meeting.pk}/edit/", data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.place == "Room 4"
    response = client.post(f"/reviews/{meeting.pk}/cancel/", {"reason": ""})
    assert response.status_code == 400
    assert ("cancel-reason", "Say why the meeting is cancelled") in error_summary(response)
    assert (
        client.post(f"/reviews/{meeting.pk}/cancel/", {"reason": "Provider asked to move it"}).status_code
        == 302
    )
    text = page_text(client.get(f"/reviews/{meeting.pk}/"))
    assert "This meeting was cancelled" in text and "Provider asked to move it" in text
    assert client.get(f"/reviews/{meeting.pk}/edit/").status_code == 302


def test_the_commentary_page_shows_figures_and_saves_the_writers_parts(client, r):
    meeting = _today_meeting(r)
    results_compute(contract=r.joint, period=parse_period(meeting.quarter))
    _login(client, r, "a_submitter")
    response = client.get(f"/reviews/{meeting.pk}/commentary/")
    text = page_text(response)
    assert response.status_code == 200
    assert f"Figure for {meeting.quarter}" in text and "— (0/0)" in text and "Not rated" in text
    assert "66% or more" in text
    assert (
        f'name="c{r.independent.pk}-data"' in text and f'name="c{r.independent.pk}-commissioner"' not in text
    )
    field = f"c{r.independent.pk}-data"
    saved = client.post(
        f"/reviews/{meeting.pk}/commentary/", {field: "Up 2 points.", f"{field}-seen": "0"}, follow=True
    )
    assert "1 part of the commentary saved." in page_text(saved)
    assert "Version 1, written by" in page_text(saved)
    again = client.post(
        f"/reviews/{meeting.pk}/commentary/", {field: "Up 2.5 points.", f"{field}-seen": "1"}, follow=True
    )
    assert "Earlier versions (1)" in page_text(again)
    too_long = client.post(f"/reviews/{meeting.pk}/commentary/", {field: "x" * 5001, f"{field}-seen": "2"})
    assert too_long.status_code == 400
    assert (
        f"commentary-{field}",
        "Keep each part to 5,000 characters or fewer (this has 5,001).",
    ) in error_summary(too_long)
    _login(client, r, "contract_officer")
    page = page_text(client.get(f"/reviews/{meeting.pk}/commentary/"))
    assert f'name="c{r.independent.pk}-commissioner"' in page and f'name="{field}"' not in page
    assert "Up 2.5 points." in page


def test_commentary_readers_and_the_fixed_pack(client, r):
    meeting = _today_meeting(r)
    field = f"c{r.independent.pk}-data"
    for role, status in [("a_viewer", 403), ("quality_officer", 403), ("icb_admin", 403), ("b_admin", 404)]:
        _login(client, r, role)
        assert client.post(f"/reviews/{meeting.pk}/commentary/", {field: "x"}).status_code == status, role
    _login(client, r, "icb_admin")
    assert client.get(f"/reviews/{meeting.pk}/commentary/").status_code == 200
    ReviewMeeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.PACK_ISSUED)
    _login(client, r, "a_submitter")
    page = page_text(client.get(f"/reviews/{meeting.pk}/commentary/"))
    assert "the commentary is fixed as it was sent" in page and f'name="{field}"' not in page
    response = client.post(f"/reviews/{meeting.pk}/commentary/", {field: "Late", f"{field}-seen": "0"})
    assert response.status_code == 302
    assert not ReviewCommentary.objects.exists()


def test_another_provider_and_another_council_get_404(client, r):
    meeting = _today_meeting(r)
    stranger = member(r.elsewhere.lead_commissioner, Role.COMMISSIONER, email="c@elsewhere.example")
    paths = ["", "edit/", "cancel/", "commentary/", "attendees/"]
    for user in (r.world.users["b_admin"], stranger):
        client.force_login(user)
        for path in paths:
            assert client.get(f"/reviews/{meeting.pk}/{path}").status_code == 404, (user, path)
        assert client.post(f"/reviews/{meeting.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert ReviewMeeting.objects.get().status == MeetingStatus.PLANNED
