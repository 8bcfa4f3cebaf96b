"""The team page: listing people, changing their role and removing them."""

from __future__ import annotations

import re

import pytest

from accounts.models import AuditEntry, Membership, Role


def _membership(user, organisation) -> Membership:
    return Membership.objects.get(user=user, organisation_id=organisation.pk)


@pytest.fixture
def a_admin(client, world, sign_in):
    """The client, signed in as the only admin of Acme Homecare Ltd."""
    return sign_in(world.users["a_admin"])


def test_team_page_lists_the_members_of_the_organisation(a_admin, world, page_text):
    response = a_admin.get("/account/team/")

    assert response.status_code == 200
    text = page_text(response)
    assert "People (4)" in text
    for email in (
        "submitter@acme.example",
        "approver@acme.example",
        "viewer@acme.example",
        "admin@acme.example",
    ):
        assert email in text
    assert "Approver (registered manager) and organisation admin" in text
    assert "admin@brookside.example" not in text
    assert "commissioner@riverton.example" not in text


def test_team_page_for_a_member_who_is_not_an_admin_has_no_change_links(client, world, sign_in, page_text):
    sign_in(world.users["a_viewer"])

    response = client.get("/account/team/")

    assert response.status_code == 200
    text = page_text(response)
    assert "submitter@acme.example" in text
    assert "Ask an admin of Acme Homecare Ltd to invite, change or remove people." in text
    assert "Invite someone" not in text
    assert "/account/team/invite/" not in text


def test_member_who_is_not_an_admin_cannot_change_or_remove_anyone(client, world, sign_in):
    sign_in(world.users["a_approver"])
    membership = _membership(world.users["a_viewer"], world.provider_a)

    edit = client.post(f"/account/team/{membership.pk}/", {"role": "approver"})
    remove = client.post(f"/account/team/{membership.pk}/remove/")

    assert edit.status_code == 403
    assert remove.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_change_role_page_shows_the_current_role(a_admin, world, page_text):
    membership = _membership(world.users["a_viewer"], world.provider_a)

    response = a_admin.get(f"/account/team/{membership.pk}/")

    assert response.status_code == 200
    text = page_text(response)
    assert "Change role of" in text
    (checked,) = re.findall(r"<input[^>]*\bchecked\b[^>]*>", text)
    assert 'value="viewer"' in checked


def test_admin_changes_a_members_role(a_admin, world, page_text):
    membership = _membership(world.users["a_viewer"], world.provider_a)

    response = a_admin.post(
        f"/account/team/{membership.pk}/", {"role": "approver", "is_admin": "on"}, follow=True
    )

    assert response.redirect_chain == [("/account/team/", 302)]
    assert "is now: approver (registered manager) and organisation admin." in page_text(response)
    membership.refresh_from_db()
    assert membership.role == Role.APPROVER
    assert membership.is_admin is True


def test_role_change_is_written_to_the_audit_log_with_before_and_after(a_admin, world):
    membership = _membership(world.users["a_viewer"], world.provider_a)

    a_admin.post(f"/account/team/{membership.pk}/", {"role": "submitter"})

    entry = AuditEntry.objects.get(action="membership.update")
    assert entry.actor == world.users["a_admin"]
    assert entry.organisation_id == world.provider_a.pk
    assert entry.object_id == str(membership.pk)
    assert entry.details == {
        "before": {"role": "viewer", "is_admin": False},
        "after": {"role": "submitter", "is_admin": False},
    }


def test_role_from_the_other_side_is_refused(a_admin, world, page_text):
    membership = _membership(world.users["a_viewer"], world.provider_a)

    response = a_admin.post(f"/account/team/{membership.pk}/", {"role": "commissioner"})

    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert "Choose one of the roles listed" in page_text(response)
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER
    assert not AuditEntry.objects.exists()


def test_only_admin_cannot_remove_their_own_admin_flag(a_admin, world, page_text):
    own = _membership(world.users["a_admin"], world.provider_a)

    response = a_admin.post(f"/account/team/{own.pk}/", {"role": "approver"})

    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text
    assert "is the only admin of Acme Homecare Ltd. Make someone else an admin first." in text
    own.refresh_from_db()
    assert own.is_admin is True
    assert not AuditEntry.objects.exists()


def test_only_admin_can_still_change_their_own_role(a_admin, world):
    own = _membership(world.users["a_admin"], world.provider_a)

    response = a_admin.post(f"/account/team/{own.pk}/", {"role": "submitter", "is_admin": "on"})

    assert response.status_code == 302
    own.refresh_from_db()
    assert own.role == Role.SUBMITTER
    assert own.is_admin is True


def test_admin_can_step_down_once_there_is_another_admin(a_admin, world):
    Membership.objects.filter(user=world.users["a_approver"]).update(is_admin=True)
    own = _membership(world.users["a_admin"], world.provider_a)

    response = a_admin.post(f"/account/team/{own.pk}/", {"role": "approver"})

    assert response.status_code == 302
    own.refresh_from_db()
    assert own.is_admin is False


def test_only_admin_cannot_remove_themselves(a_admin, world, page_text):
    own = _membership(world.users["a_admin"], world.provider_a)

    response = a_admin.post(f"/account/team/{own.pk}/remove/")

    assert response.status_code == 400
    text = page_text(response)
    assert "There is a problem" in text
    assert "is the only admin of Acme Homecare Ltd. Make someone else an admin before removing them." in text
    assert Membership.objects.filter(pk=own.pk).exists()
    assert not AuditEntry.objects.exists()


def test_remove_page_asks_for_confirmation(a_admin, world, page_text):
    membership = _membership(world.users["a_viewer"], world.provider_a)

    response = a_admin.get(f"/account/team/{membership.pk}/remove/")

    assert response.status_code == 200
    assert f"Remove {world.users['a_viewer'].full_name} from Acme Homecare Ltd?" in page_text(response)
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_admin_removes_a_member(a_admin, world, page_text):
    viewer = world.users["a_viewer"]
    membership = _membership(viewer, world.provider_a)

    response = a_admin.post(f"/account/team/{membership.pk}/remove/", follow=True)

    assert response.redirect_chain == [("/account/team/", 302)]
    assert f"{viewer.full_name} has been removed from Acme Homecare Ltd." in page_text(response)
    assert "People (3)" in page_text(response)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    viewer.refresh_from_db()
    assert viewer.is_active


def test_removal_is_written_to_the_audit_log(a_admin, world):
    membership = _membership(world.users["a_viewer"], world.provider_a)

    a_admin.post(f"/account/team/{membership.pk}/remove/")

    entry = AuditEntry.objects.get(action="membership.remove")
    assert entry.actor == world.users["a_admin"]
    assert entry.organisation_id == world.provider_a.pk
    assert entry.object_id == str(membership.pk)
    assert entry.details == {"user": "viewer@acme.example", "role": "viewer", "is_admin": False}


def test_removed_member_sees_the_no_organisation_page(client, world, a_admin, sign_in, page_text):
    membership = _membership(world.users["a_viewer"], world.provider_a)
    a_admin.post(f"/account/team/{membership.pk}/remove/")
    a_admin.post("/account/sign-out/")
    sign_in(world.users["a_viewer"])

    response = client.get("/")

    assert response.status_code == 403
    assert "You are not part of an organisation yet" in page_text(response)


@pytest.mark.parametrize("method", ["get", "post"])
def test_admin_gets_404_for_another_organisations_member_edit(a_admin, world, method, page_text):
    other = _membership(world.users["b_admin"], world.provider_b)

    response = getattr(a_admin, method)(f"/account/team/{other.pk}/", {"role": "viewer"})

    assert response.status_code == 404
    assert "Page not found" in page_text(response)
    other.refresh_from_db()
    assert other.role == Role.APPROVER
    assert other.is_admin is True


@pytest.mark.parametrize("method", ["get", "post"])
def test_admin_gets_404_for_another_organisations_member_remove(a_admin, world, method, page_text):
    other = _membership(world.users["b_admin"], world.provider_b)

    response = getattr(a_admin, method)(f"/account/team/{other.pk}/remove/")

    assert response.status_code == 404
    assert "Page not found" in page_text(response)
    assert Membership.objects.filter(pk=other.pk).exists()
    assert not AuditEntry.objects.exists()


def test_membership_id_that_does_not_exist_gives_404(a_admin, world):
    assert a_admin.get("/account/team/999999999/").status_code == 404
    assert a_admin.post("/account/team/999999999/remove/").status_code == 404
