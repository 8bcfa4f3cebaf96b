"""The audit log page for organisation admins, and the services that write the log."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.access import acting_for
from accounts.audit_chain import entry_append
from accounts.models import AuditEntry, Invitation, Membership, Role, User
from accounts.selectors import audit_action_choices_for
from outcomes.reviews.commentary import commentary_save
from outcomes.reviews.models import ReviewMeeting
from tests.factories import acting, contract, target
from tests.fixtures import matrix as make

AUDIT = "/account/audit/"


def _at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour))


def _entry(
    organisation, actor, action: str, object_repr: str, at: datetime, object_id: str = "1"
) -> AuditEntry:
    return entry_append(
        AuditEntry(
            at=at,
            actor=actor,
            actor_label=str(actor),
            organisation_id=organisation.pk,
            action=action,
            object_type="tests.Thing",
            object_id=object_id,
            object_repr=object_repr,
        )
    )


@pytest.fixture
def entries(world):
    users = world.users
    return {
        "role_change": _entry(
            world.provider_a, users["a_admin"], "membership.update", "Role change at Acme", _at(2026, 4, 1)
        ),
        "april_return": _entry(
            world.provider_a,
            users["a_submitter"],
            "return.submit",
            "April 2026 return",
            _at(2026, 4, 15),
            "4242",
        ),
        "invitation": _entry(
            world.provider_a, users["a_admin"], "invitation.create", "Invitation to Acme", _at(2026, 5, 2)
        ),
        "brookside": _entry(
            world.provider_b,
            users["b_admin"],
            "membership.update",
            "Brookside private entry",
            _at(2026, 4, 20),
        ),
        "council": _entry(
            world.council, users["c_admin"], "membership.update", "Council private entry", _at(2026, 4, 20)
        ),
    }


def _shown(response, entries) -> set[str]:
    content = response.content.decode()
    return {name for name, entry in entries.items() if entry.object_repr in content}


# --- Who may read it ----------------------------------------------------------------------------


def test_audit_log_is_shown_to_an_organisation_admin(client, world, sign_in, entries):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT)

    assert response.status_code == 200
    assert "Audit log" in response.content.decode()
    assert "3 entries" in response.content.decode()


@pytest.mark.parametrize("who", ["a_approver", "a_submitter", "a_viewer", "commissioner", "c_viewer"])
def test_audit_log_is_refused_to_members_who_are_not_admins(client, world, sign_in, entries, who, page_text):
    sign_in(world.users[who])

    response = client.get(AUDIT)

    assert response.status_code == 403
    assert "does not let you do this: read the audit log of your organisation." in page_text(response)
    assert "April 2026 return" not in page_text(response)


def test_audit_log_needs_sign_in(client, db):
    response = client.get(AUDIT)

    assert response.status_code == 302
    assert response["Location"] == "/account/sign-in/?next=/account/audit/"


def test_provider_admin_sees_only_their_own_organisations_entries(client, world, sign_in, entries):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT)

    assert _shown(response, entries) == {"role_change", "april_return", "invitation"}


def test_council_admin_sees_only_the_councils_entries(client, world, sign_in, entries):
    sign_in(world.users["c_admin"])

    response = client.get(AUDIT)

    assert response.status_code == 200
    assert _shown(response, entries) == {"council"}


def test_other_providers_admin_sees_only_their_entries(client, world, sign_in, entries):
    sign_in(world.users["b_admin"])

    response = client.get(AUDIT)

    assert _shown(response, entries) == {"brookside"}


# --- Entries about an organisation's own people, in another's records ------------------------


@pytest.fixture
def across(world):
    """Provider A's submitter writes commentary for the council's review of J-1 (the council's
    record), and the council's commissioner downloads provider A's return file (provider A's record)."""
    world.contracts = {
        "joint": contract(world.council, world.provider_a, reference="J-1", partners=[world.icb])
    }
    joint_target = target(world.contracts["joint"])
    meeting = ReviewMeeting.objects.get(pk=make.meeting(world))
    commentary_save(
        acting=acting(world.users["a_submitter"], world.provider_a),
        meeting=meeting,
        target=joint_target,
        part="data",
        text="Referrals rose after the hospital's winter scheme.",
    )
    attempt_id = make.return_attempt(world)
    officer = Client()
    officer.force_login(world.users["commissioner"])
    assert officer.get(f"/returns/attempts/{attempt_id}/file").status_code == 200
    return {
        "commentary": AuditEntry.objects.get(action="review.commentary_save"),
        "download": AuditEntry.objects.get(action="view.return_file"),
    }


def _rows(response) -> dict[str, str]:
    """Each entry's row on the page, by its action."""
    rows = response.content.decode().split('<tr class="govuk-table__row">')[2:]
    return {
        action: row
        for row in rows
        for action in ("review.commentary_save", "view.return_file")
        if action in row
    }


def test_a_provider_admin_sees_its_staffs_actions_in_a_councils_records(client, world, sign_in, across):
    assert across["commentary"].organisation_id == world.council.pk
    assert across["commentary"].actor_organisation_id == world.provider_a.pk
    sign_in(world.users["a_admin"])

    rows = _rows(client.get(AUDIT))

    assert set(rows) == {"review.commentary_save", "view.return_file"}
    assert "Record of Riverton City Council" in rows["review.commentary_save"]
    assert "Record of" not in rows["view.return_file"]  # provider A's own record
    assert "for Riverton City Council" in rows["view.return_file"]  # read by the council's officer


def test_a_council_admin_sees_its_officers_reads_of_a_providers_records(client, world, sign_in, across):
    assert across["download"].organisation_id == world.provider_a.pk
    assert across["download"].actor_organisation_id == world.council.pk
    sign_in(world.users["c_admin"])

    rows = _rows(client.get(AUDIT))

    assert set(rows) == {"review.commentary_save", "view.return_file"}
    assert "Record of Acme Homecare Ltd" in rows["view.return_file"]
    assert "for Acme Homecare Ltd" in rows["review.commentary_save"]


@pytest.mark.parametrize("who", ["b_admin", "icb_admin"])
def test_a_third_organisation_sees_neither(client, world, sign_in, across, who):
    sign_in(world.users[who])

    response = client.get(AUDIT)

    assert _rows(response) == {}
    actions = audit_action_choices_for(acting(world.users[who]))
    assert not {"review.commentary_save", "view.return_file"} & set(actions)


def test_person_filter_lists_only_people_in_the_organisations_log(client, world, sign_in, entries):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT)

    content = response.content.decode()
    assert f'value="{world.users["a_submitter"].pk}"' in content
    assert f'value="{world.users["b_admin"].pk}"' not in content
    assert world.users["b_admin"].email not in content


# --- Filters --------------------------------------------------------------------------------


def test_filter_by_person(client, world, sign_in, entries):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT, {"actor": world.users["a_submitter"].pk})

    assert response.status_code == 200
    assert _shown(response, entries) == {"april_return"}
    assert "1 entry" in response.content.decode()
    assert "Clear filters" in response.content.decode()


def test_filter_by_person_from_another_organisation_is_refused(client, world, sign_in, entries, page_text):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT, {"actor": world.users["b_admin"].pk})

    assert response.status_code == 400
    assert "There is a problem" in page_text(response)
    assert "Brookside private entry" not in page_text(response)


def test_filter_by_action(client, world, sign_in, entries):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT, {"action": "invitation.create"})

    assert response.status_code == 200
    assert _shown(response, entries) == {"invitation"}


def test_filter_by_action_shared_with_another_organisation_stays_in_this_one(client, world, sign_in, entries):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT, {"action": "membership.update"})

    assert _shown(response, entries) == {"role_change"}


def test_filter_by_record_name_ignores_case(client, world, sign_in, entries):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT, {"object_text": "april 2026"})

    assert response.status_code == 200
    assert _shown(response, entries) == {"april_return"}


def test_filter_by_record_id(client, world, sign_in, entries):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT, {"object_text": "4242"})

    assert _shown(response, entries) == {"april_return"}


def test_filter_by_record_does_not_reach_other_organisations(client, world, sign_in, entries):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT, {"object_text": "private entry"})

    assert response.status_code == 200
    assert _shown(response, entries) == set()
    assert "No entries match these filters." in response.content.decode()


def test_filter_by_date_range(client, world, sign_in, entries):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT, {"date_from": "2026-04-10", "date_to": "2026-04-30"})

    assert response.status_code == 200
    assert _shown(response, entries) == {"april_return"}


def test_date_range_includes_both_end_days(client, world, sign_in, entries):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT, {"date_from": "2026-04-01", "date_to": "2026-05-02"})

    assert _shown(response, entries) == {"role_change", "april_return", "invitation"}


def test_date_range_covers_the_whole_of_a_single_day(client, world, sign_in, entries):
    _entry(
        world.provider_a, world.users["a_admin"], "late.entry", "Just before midnight", _at(2026, 4, 15, 23)
    )
    _entry(
        world.provider_a, world.users["a_admin"], "early.entry", "Just after midnight", _at(2026, 4, 16, 0)
    )
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT, {"date_from": "2026-04-15", "date_to": "2026-04-15"})

    content = response.content.decode()
    assert "April 2026 return" in content
    assert "Just before midnight" in content
    assert "Just after midnight" not in content


def test_only_a_from_date(client, world, sign_in, entries):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT, {"date_from": "2026-04-10"})

    assert _shown(response, entries) == {"april_return", "invitation"}


def test_to_date_before_from_date_is_an_error_not_a_crash(client, world, sign_in, entries, page_text):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT, {"date_from": "2026-05-01", "date_to": "2026-04-01"})

    assert response.status_code == 400
    assert "There is a problem" in page_text(response)
    assert "The 'to' date must be the same as or after the 'from' date" in page_text(response)


def test_date_that_is_not_a_date_is_an_error_not_a_crash(client, world, sign_in, entries, page_text):
    sign_in(world.users["a_admin"])

    response = client.get(AUDIT, {"date_from": "2026-02-31"})

    assert response.status_code == 400
    assert "Enter the 'from' date as a real date, like 01/04/2026" in page_text(response)


def test_filters_combine(client, world, sign_in, entries):
    sign_in(world.users["a_admin"])

    response = client.get(
        AUDIT, {"actor": world.users["a_admin"].pk, "date_from": "2026-05-01", "date_to": "2026-05-31"}
    )

    assert _shown(response, entries) == {"invitation"}


def test_entries_are_newest_first(client, world, sign_in, entries):
    sign_in(world.users["a_admin"])

    content = client.get(AUDIT).content.decode()

    assert (
        content.index("Invitation to Acme")
        < content.index("April 2026 return")
        < content.index("Role change at Acme")
    )


# --- Services write the log inside their transactions ---------------------------------------------


def test_refused_role_change_writes_no_audit_entry(world, acting_as):
    admin = world.users["a_admin"]
    own = Membership.objects.get(user=admin)

    with pytest.raises(ValidationError):
        services.membership_update(
            acting=acting_as(admin), membership=own, role=Role.APPROVER, is_admin=False
        )

    assert not AuditEntry.objects.exists()
    own.refresh_from_db()
    assert own.is_admin is True


def test_refused_removal_writes_no_audit_entry(world, acting_as):
    admin = world.users["a_admin"]

    with pytest.raises(ValidationError):
        services.membership_remove(acting=acting_as(admin), membership=Membership.objects.get(user=admin))

    assert not AuditEntry.objects.exists()


def test_refused_invitation_writes_no_audit_entry(world, acting_as):
    with pytest.raises(ValidationError):
        services.invitation_create(
            acting=acting_as(world.users["a_admin"]),
            email="submitter@acme.example",
            full_name="Already here",
            role=Role.VIEWER,
            is_admin=False,
        )

    assert not AuditEntry.objects.exists()


def test_refused_password_when_accepting_an_invitation_writes_nothing(world, acting_as):
    invitation = services.invitation_create(
        acting=acting_as(world.users["a_admin"]),
        email="new.person@example.org",
        full_name="Nova Person",
        role=Role.VIEWER,
        is_admin=False,
    )

    with pytest.raises(ValidationError):
        services.invitation_accept(
            invitation=invitation, user=None, full_name="Nova Person", password="short"
        )

    assert not User.objects.filter(email="new.person@example.org").exists()
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["invitation.create"]


def test_failure_after_the_audit_entry_rolls_the_entry_back(world, acting_as, monkeypatch):
    def fail(invitation):
        raise RuntimeError("email queue unavailable")

    monkeypatch.setattr(services, "_queue_invitation_email", fail)

    with pytest.raises(RuntimeError):
        services.invitation_create(
            acting=acting_as(world.users["a_admin"]),
            email="new.person@example.org",
            full_name="Nova Person",
            role=Role.VIEWER,
            is_admin=False,
        )

    assert not Invitation.objects.exists()
    assert not AuditEntry.objects.exists()


def test_failed_removal_rolls_its_audit_entry_back(world, acting_as, monkeypatch):
    membership = Membership.objects.get(user=world.users["a_viewer"])

    def fail(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Membership, "delete", fail)

    with pytest.raises(RuntimeError):
        services.membership_remove(acting=acting_as(world.users["a_admin"]), membership=membership)

    assert Membership.objects.filter(pk=membership.pk).exists()
    assert not AuditEntry.objects.exists()


def test_service_refuses_someone_without_the_capability_and_writes_nothing(world, acting_as):
    viewer_membership = Membership.objects.get(user=world.users["a_viewer"])

    with pytest.raises(PermissionDenied):
        services.membership_update(
            acting=acting_as(world.users["a_approver"]),
            membership=viewer_membership,
            role=Role.APPROVER,
            is_admin=True,
        )

    assert not AuditEntry.objects.exists()
    viewer_membership.refresh_from_db()
    assert viewer_membership.role == Role.VIEWER


def test_the_action_filter_lists_each_action_once(world):
    for action in ("contract.update", "contract.update", "contract.update", "contract.create"):
        entry_append(
            AuditEntry(
                actor_label="test", organisation=world.council, action=action, object_type="x", object_id="1"
            )
        )
    actions = audit_action_choices_for(acting_for(world.users["c_admin"], world.council.pk))
    assert actions.count("contract.update") == 1 and actions == sorted(set(actions))
