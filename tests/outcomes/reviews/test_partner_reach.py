"""A partner body sees only the contracts it is party to, on every surface of a meeting that reviews
several of a provider's contracts (the permission-matrix world).

The world: Riverton City Council reviews Acme Homecare on J-1 (joint with the Riverton ICB) and J-2
(the council's alone) at one meeting for 2025-26 Q1, after an earlier meeting on both. Every piece of
J-2's content, and of the meeting as a whole, carries a marker word; the ICB must never read one,
while the council and Acme read them all (so the markers are really on the pages). Every page of
the reviews namespace is either read here as the ICB or is one the ICB cannot open at all.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import get_resolver
from django.utils import timezone

from accounts.models import Membership, Role
from outcomes.periods import parse_period
from outcomes.results.compute import results_compute
from outcomes.reviews import pack_documents
from outcomes.reviews.models import (
    ActionOwner,
    CommentaryPart,
    MeetingStatus,
    PackStatus,
    ReviewAction,
    ReviewAttendee,
    ReviewCommentary,
    ReviewMeeting,
    ReviewPack,
)
from outcomes.reviews.pack_figures import pack_figures
from tests.factories import contract, target
from tests.fixtures import matrix as make
from tests.fixtures.pdf import pdf_text
from tests.fixtures.world import build_world, kept_for_the_module

pytestmark = pytest.mark.django_db

# Markers of what the ICB must not read: J-2's content, and the parts of the meeting as a whole.
SECRET = (
    "J-2",
    "Southern patch",
    "J2COMMENTARYMARK",
    "J2NOTEMARK",
    "J2ACTIONMARK",
    "J2EARLIERMARK",
    "MINUTESMARK",
    "DECISIONSMARK",
    "WHOLEMEETINGMARK",
)
# What the ICB must read: J-1's content.
SHOWN = ("J-1", "J1COMMENTARYMARK", "J1ACTIONMARK")


@pytest.fixture(scope="module")
def reach_world(django_db_setup, django_db_blocker):
    with kept_for_the_module(django_db_blocker):
        w = build_world()
        j1 = contract(w.council, w.provider_a, reference="J-1", title="Northern patch", partners=[w.icb])
        j2 = contract(w.council, w.provider_a, reference="J-2", title="Southern patch")
        targets = {"J-1": target(j1), "J-2": target(j2)}
        for deal in (j1, j2):
            results_compute(contract=deal, period=parse_period("2025-26-Q1"))
        council = w.users["commissioner"]
        earlier = _meeting(w, [j1, j2], "2024-25-Q4", date(2025, 4, 20), MeetingStatus.RECORDED)
        ReviewAction.objects.create(
            meeting=earlier,
            contract=j2,
            description="J2EARLIERMARK: audit the rota",
            owner_kind=ActionOwner.PROVIDER,
            owner_organisation=w.provider_a.name,
            owner_name="Registered manager",
            due_on=date(2025, 9, 30),
            created_by_label="Commissioner",
        )
        meeting = _meeting(w, [j1, j2], "2025-26-Q1", date(2025, 7, 20), MeetingStatus.PLANNED)
        for reference, part, text in (
            ("J-1", CommentaryPart.DATA, "J1COMMENTARYMARK: steady"),
            ("J-2", CommentaryPart.DATA, "J2COMMENTARYMARK: a bad month"),
            ("J-2", CommentaryPart.COMMISSIONER, "J2NOTEMARK: ask about the rota"),
        ):
            ReviewCommentary.objects.create(
                meeting=meeting,
                target=targets[reference],
                part=part,
                text=text,
                version=1,
                written_by_label="Writer",
            )
        for attendee in ("icb_admin", "commissioner", "a_approver"):
            user = w.users[attendee]
            ReviewAttendee.objects.create(
                meeting=meeting, user=user, name=user.full_name, organisation="", email=user.email
            )
        ReviewAttendee.objects.create(
            meeting=meeting, name="Jo Bloggs", organisation="Community Health", email="jo@health.example"
        )
        # The pack, made and issued as the service does (its PDFs really rendered).
        pack = ReviewPack.objects.create(
            meeting=meeting, version=1, figures=pack_figures(meeting), requested_by_label=str(council)
        )
        assert pack_documents.pack_generate(pack.pk) == "done"
        ReviewPack.objects.filter(pk=pack.pk).update(issued_at=timezone.now())
        # Then the meeting is held and recorded, with actions on each contract and on both.
        for deal, text in ((j1, "J1ACTIONMARK"), (j2, "J2ACTIONMARK"), (None, "WHOLEMEETINGMARK")):
            ReviewAction.objects.create(
                meeting=meeting,
                contract=deal,
                description=f"{text}: follow up",
                owner_kind=ActionOwner.PROVIDER,
                owner_organisation=w.provider_a.name,
                owner_name="Registered manager",
                due_on=meeting.held_on + timedelta(days=30),
                created_by_label="Commissioner",
            )
        ReviewMeeting.objects.filter(pk=meeting.pk).update(
            status=MeetingStatus.RECORDED,
            minutes="MINUTESMARK: J-2 discussed at length",
            decisions="DECISIONSMARK: escalate",
            recorded_at=timezone.now(),
            recorded_by_label="Commissioner",
        )
        w.contracts = {"J-1": j1, "J-2": j2}
        w.meeting, w.pack = meeting, ReviewPack.objects.get(pk=pack.pk)
        yield w


def _meeting(w, contracts, quarter: str, held_on: date, status: str) -> ReviewMeeting:
    meeting = ReviewMeeting.objects.create(
        commissioner=w.council,
        provider=w.provider_a,
        quarter=quarter,
        held_on=held_on,
        status=status,
        created_by_label="Commissioner",
    )
    meeting.contracts.set(contracts)
    return meeting


# Every page that shows a meeting's content, as the ICB reads it (a path from the world).
SURFACES = {
    "reviews:list": lambda w: "/reviews/",
    "reviews:new": lambda w: "/reviews/new/",  # the ICB plans its own meetings: its contracts alone
    "reviews:detail": lambda w: f"/reviews/{w.meeting.pk}/",
    "reviews:commentary": lambda w: f"/reviews/{w.meeting.pk}/commentary/",
    "reviews:actions": lambda w: "/reviews/actions/?status=",
    "reviews:actions-csv": lambda w: "/reviews/actions.csv?status=",
    "reviews:pack": lambda w: f"/reviews/packs/{w.pack.pk}/",
    "reviews:pack-pdf": lambda w: f"/reviews/packs/{w.pack.pk}/pack.pdf",
    "reviews:pack-status": lambda w: f"/reviews/packs/{w.pack.pk}/status/",
    "api:review-actions-list": lambda w: "/api/v1/review-actions/",
    "home": lambda w: "/",
    "contract page": lambda w: f"/contracts/{w.contracts['J-1'].pk}/",
}
# The pages only the lead body's managers open: the ICB is refused (403) before anything is shown
# (a GET on a form-only address goes back to the meeting, or is not allowed).
MANAGERS_ONLY = {
    "reviews:edit": lambda w: f"/reviews/{w.meeting.pk}/edit/",
    "reviews:cancel": lambda w: f"/reviews/{w.meeting.pk}/cancel/",
    "reviews:record": lambda w: f"/reviews/{w.meeting.pk}/record/",
    "reviews:attendee-add": lambda w: f"/reviews/{w.meeting.pk}/attendees/",
    "reviews:attendee-remove": lambda w: f"/reviews/attendees/{w.meeting.attendees.first().pk}/remove/",
    "reviews:override": lambda w: f"/reviews/{w.meeting.pk}/overrides/",
    "reviews:action-add": lambda w: f"/reviews/{w.meeting.pk}/actions/",
    "reviews:action-update": lambda w: (
        f"/reviews/actions/{w.meeting.actions.get(contract__reference='J-1').pk}/update/"
    ),
    "reviews:pack-request": lambda w: f"/reviews/{w.meeting.pk}/packs/",
    "reviews:pack-issue": lambda w: f"/reviews/packs/{w.pack.pk}/issue/",
}


def _read(client, w, path: str, tmp_path) -> str:
    response = client.get(path, HTTP_ACCEPT="application/json" if path.startswith("/api/") else "*/*")
    assert response.status_code == 200, f"{path}: {response.status_code}"
    if path.endswith(".pdf"):
        return pdf_text(b"".join(response.streaming_content), tmp_path)
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def test_every_reviews_page_is_a_surface_or_for_managers_only():
    """A new reviews page fails here until it is read as a partner below, or refused to partners."""
    names = {name for name in make.url_names(get_resolver().url_patterns) if name.startswith("reviews:")}
    assert names == {n for n in [*SURFACES, *MANAGERS_ONLY] if n.startswith("reviews:")}


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_a_partner_reads_only_its_own_contracts(client, reach_world, name, tmp_path):
    client.force_login(reach_world.users["icb_admin"])
    text = _read(client, reach_world, SURFACES[name](reach_world), tmp_path)
    leaked = [marker for marker in SECRET if marker in text]
    assert not leaked, f"{name} shows the ICB {leaked}"
    if name in ("reviews:detail", "reviews:pack", "reviews:pack-pdf", "reviews:commentary"):
        assert "J-1" in text and ("J1COMMENTARYMARK" in text or name == "reviews:detail")
    if name in ("reviews:actions", "reviews:actions-csv", "api:review-actions-list"):
        assert "J1ACTIONMARK" in text


@pytest.mark.parametrize("role", ["commissioner", "a_approver"])
@pytest.mark.parametrize("name", ["reviews:detail", "reviews:pack", "reviews:pack-pdf", "reviews:actions"])
def test_the_lead_body_and_the_provider_read_every_contract(client, reach_world, name, role, tmp_path):
    """The markers are really there for those who see the whole meeting (the test above has teeth)."""
    client.force_login(reach_world.users[role])
    text = _read(client, reach_world, SURFACES[name](reach_world), tmp_path)
    assert "J-2" in text and "J-1" in text
    if name == "reviews:detail":
        assert "MINUTESMARK" in text and "WHOLEMEETINGMARK" in text
    if name in ("reviews:pack", "reviews:pack-pdf"):
        assert "J2COMMENTARYMARK" in text and "J2EARLIERMARK" in text


@pytest.mark.parametrize("name", sorted(MANAGERS_ONLY))
def test_pages_for_the_lead_body_refuse_a_partner(client, reach_world, name):
    client.force_login(reach_world.users["icb_admin"])
    assert client.get(MANAGERS_ONLY[name](reach_world)).status_code in (302, 403, 405)
    assert client.post(MANAGERS_ONLY[name](reach_world), {}).status_code == 403


def test_the_api_hides_a_partners_other_actions(client, reach_world):
    client.force_login(reach_world.users["icb_admin"])
    actions = {a.description.split(":")[0]: a.pk for a in ReviewAction.objects.all()}
    assert client.get(f"/api/v1/review-actions/{actions['J1ACTIONMARK']}/").status_code == 200
    for hidden in ("J2ACTIONMARK", "WHOLEMEETINGMARK", "J2EARLIERMARK"):
        assert client.get(f"/api/v1/review-actions/{actions[hidden]}/").status_code == 404
    listed = client.get(f"/api/v1/review-actions/?contract={reach_world.contracts['J-2'].pk}").json()
    assert listed["results"] == []


def test_the_tracker_csv_lists_a_partners_actions_alone(client, reach_world):
    client.force_login(reach_world.users["icb_admin"])
    rows = list(csv.DictReader(io.StringIO(_read(client, reach_world, "/reviews/actions.csv?status=", None))))
    assert [row["Contract reference"] for row in rows] == ["J-1"]


def test_the_partners_pdf_is_its_own_copy(reach_world, tmp_path):
    pack = reach_world.pack
    assert pack.status == PackStatus.READY
    (copy,) = pack.copies.all()
    assert copy.contracts == str(reach_world.contracts["J-1"].pk)
    assert copy.sha256 and copy.pages >= 2 and copy.pages < pack.pages
    with copy.file.open("rb") as stored:
        text = pdf_text(stored.read(), tmp_path)
    assert "Holds only J-1" in text and "of the 2 contracts this meeting reviews" in text


def test_the_lead_body_is_told_who_sees_what(client, reach_world):
    client.force_login(reach_world.users["commissioner"])
    page = client.get(f"/reviews/{reach_world.meeting.pk}/").content.decode()
    assert "Riverton ICB is party to J-1 only" in page
    pack_page = client.get(f"/reviews/packs/{reach_world.pack.pk}/").content.decode()
    sends = {r.attendee.email or r.email: r.sends for r in pack_documents.pack_recipients(reach_world.pack)}
    assert sends["admin@icb.example"] == "A link to a copy holding only J-1"
    assert sends["commissioner@riverton.example"] == "A link to the whole pack (J-1, J-2)"
    assert sends["jo@health.example"] == "The PDF of the whole pack, attached (J-1, J-2)"
    for line in sends.values():
        assert line in pack_page


def test_the_check_before_issuing_says_which_copy_each_is_sent(client, reach_world):
    draft = ReviewPack.objects.create(
        meeting=reach_world.meeting,
        version=2,
        figures=reach_world.pack.figures,
        status=PackStatus.READY,
        requested_by_label="Commissioner",
    )
    client.force_login(reach_world.users["commissioner"])
    page = client.get(f"/reviews/packs/{draft.pk}/issue/").content.decode()
    assert "A partner&#x27;s copy limited to J-1" in page or "A partner's copy limited to J-1" in page
    assert "Riverton ICB is party to J-1 only" in page and "jo@health.example" in page
    assert "This pack cannot be issued yet" in page and "Confirm and issue" not in page  # recorded already
    client.force_login(reach_world.users["icb_admin"])
    assert client.get(f"/reviews/packs/{draft.pk}/issue/").status_code == 404  # a draft: not in its reach


def test_the_partners_email_lists_its_contracts_alone(reach_world):
    mail.outbox.clear()
    sent = pack_documents.pack_email_send(reach_world.pack.pk)
    assert sent == 4
    by_address = {message.to[0]: message for message in mail.outbox}
    icb = by_address["admin@icb.example"]
    assert "J-1" in icb.body and "J-2" not in icb.body and not icb.attachments
    assert "Your copy holds only J-1" in icb.body
    assert "J-2" in by_address["commissioner@riverton.example"].body


def test_a_partner_party_to_every_contract_sees_the_whole_meeting(client, reach_world):
    reach_world.contracts["J-2"].partner_commissioners.add(reach_world.icb)
    client.force_login(reach_world.users["icb_admin"])
    page = client.get(f"/reviews/{reach_world.meeting.pk}/").content.decode()
    assert "MINUTESMARK" in page and "J-2" in page and "WHOLEMEETINGMARK" in page


def test_an_icb_person_in_two_organisations_is_sent_the_widest_reach(reach_world):
    user = reach_world.users["icb_admin"]
    Membership.objects.create(user=user, organisation=reach_world.council, role=Role.VIEWER)
    (recipient,) = [
        r for r in pack_documents.pack_recipients(reach_world.pack) if r.email == "admin@icb.example"
    ]
    assert recipient.reach.whole
