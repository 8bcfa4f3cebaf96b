"""Inviting people by email, and accepting, withdrawing and resending invitations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts import invitation_links, services
from accounts.middleware import SESSION_KEY
from accounts.models import AuditEntry, Invitation, Membership, Role, User
from tests.factories import PASSWORD

INVITATION_LINK = r"http://testserver(/account/invitation/[^/\s]+/)"
NEW_PASSWORD = "purple-Kettle-orbit-97"
NEW_PERSON = "new.person@example.org"


@pytest.fixture
def admin_browser(world):
    """A second browser, signed in as the admin of Acme Homecare Ltd; ``client`` stays for the invitee."""
    browser = Client()
    response = browser.post("/account/sign-in/", {"username": "admin@acme.example", "password": PASSWORD})
    assert response.status_code == 302
    return browser


@pytest.fixture
def invite(admin_browser, django_capture_on_commit_callbacks, links_in_email):
    """Invite someone to Acme through the invite page; returns the invitation and its emailed link path."""

    def _invite(email: str = NEW_PERSON, role: str = Role.SUBMITTER, is_admin: bool = False):
        mail.outbox.clear()
        data = {"full_name": "Nova Person", "email": email, "role": role}
        if is_admin:
            data["is_admin"] = "on"
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_browser.post("/account/team/invite/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        (path,) = links_in_email(INVITATION_LINK)
        return Invitation.objects.get(email=email.lower(), accepted_at=None, revoked_at=None), path

    return _invite


def _accept_as_new_person(client, path: str, full_name: str = "Nova Person"):
    return client.post(
        path, {"full_name": full_name, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )


# --- Sending -----------------------------------------------------------------------------


def test_admin_invitation_creates_an_invitation(world, admin_browser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_browser.post(
            "/account/team/invite/",
            {
                "full_name": "Nova Person",
                "email": "New.Person@Example.org",
                "role": "approver",
                "is_admin": "on",
            },
            follow=True,
        )

    assert response.redirect_chain == [("/account/team/", 302)]
    assert f"Invitation sent to {NEW_PERSON}. The link works for 7 days." in response.content.decode()
    invitation = Invitation.objects.get()
    assert invitation.organisation_id == world.provider_a.pk
    assert invitation.email == NEW_PERSON
    assert invitation.full_name == "Nova Person"
    assert invitation.role == Role.APPROVER
    assert invitation.is_admin is True
    assert invitation.invited_by == world.users["a_admin"]
    assert invitation.status == "pending"


def test_admin_invitation_is_written_to_the_audit_log(world, invite):
    invitation, _ = invite()

    entry = AuditEntry.objects.get(action="invitation.create")
    assert entry.actor == world.users["a_admin"]
    assert entry.organisation_id == world.provider_a.pk
    assert entry.object_id == str(invitation.pk)
    assert entry.details["email"] == NEW_PERSON
    assert entry.details["role"] == "submitter"


def test_admin_invitation_sends_one_email_with_the_link(world, invite):
    invitation, path = invite()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [NEW_PERSON]
    assert "Acme Homecare Ltd" in message.subject
    assert f"http://testserver{path}" in message.body
    assert path == f"/account/invitation/{invitation_links.invitation_token(invitation)}/"


def test_invitation_email_is_only_sent_once_the_transaction_commits(world, admin_browser):
    admin_browser.post(
        "/account/team/invite/", {"full_name": "Nova Person", "email": NEW_PERSON, "role": "submitter"}
    )

    assert Invitation.objects.filter(email=NEW_PERSON).exists()
    assert mail.outbox == []


def test_member_who_is_not_an_admin_cannot_open_the_invite_page(client, world, sign_in, page_text):
    sign_in(world.users["a_approver"])

    response = client.get("/account/team/invite/")

    assert response.status_code == 403
    assert "does not let you do this" in page_text(response)
    assert "invite people to your organisation" in page_text(response)


def test_member_who_is_not_an_admin_cannot_send_an_invitation(client, world, sign_in):
    sign_in(world.users["a_approver"])

    response = client.post(
        "/account/team/invite/", {"full_name": "Nova Person", "email": NEW_PERSON, "role": "submitter"}
    )

    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_inviting_someone_who_is_already_a_member_shows_an_error(world, admin_browser, page_text):
    response = admin_browser.post(
        "/account/team/invite/",
        {"full_name": "Sam Submitter", "email": "Submitter@acme.example", "role": "viewer"},
    )

    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert "submitter@acme.example is already a member of Acme Homecare Ltd." in page_text(response)
    assert not Invitation.objects.exists()


def test_provider_cannot_give_a_commissioner_role(world, admin_browser, page_text):
    response = admin_browser.post(
        "/account/team/invite/", {"full_name": "Nova Person", "email": NEW_PERSON, "role": "commissioner"}
    )

    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert "Choose one of the roles listed" in page_text(response)
    assert not Invitation.objects.exists()
    assert not AuditEntry.objects.exists()


def test_invite_page_offers_only_the_roles_of_the_organisation(world, admin_browser):
    response = admin_browser.get("/account/team/invite/")

    content = response.content.decode()
    assert response.status_code == 200
    for role in ("submitter", "approver", "viewer"):
        assert f'value="{role}"' in content
    for role in ("commissioner", "contract_officer", "quality_officer"):
        assert f'value="{role}"' not in content


def test_invitation_service_refuses_a_role_from_the_other_side(world, acting_as):
    with pytest.raises(ValidationError) as error:
        services.invitation_create(
            acting=acting_as(world.users["a_admin"]),
            email=NEW_PERSON,
            full_name="Nova Person",
            role=Role.COMMISSIONER,
            is_admin=False,
        )

    assert "Choose one of the roles listed for your organisation." in error.value.message_dict["role"]
    assert not Invitation.objects.exists()


def test_council_admin_can_invite_a_commissioner_but_not_a_submitter(client, world, sign_in, page_text):
    sign_in(world.users["c_admin"])

    refused = client.post(
        "/account/team/invite/", {"full_name": "Nova Person", "email": NEW_PERSON, "role": "submitter"}
    )
    accepted = client.post(
        "/account/team/invite/", {"full_name": "Nova Person", "email": NEW_PERSON, "role": "commissioner"}
    )

    assert refused.status_code == 200
    assert "Choose one of the roles listed" in page_text(refused)
    assert accepted.status_code == 302
    assert Invitation.objects.get().role == Role.COMMISSIONER


def test_inviting_the_same_person_again_replaces_the_pending_invitation(world, invite, client):
    first, first_path = invite()
    second, second_path = invite()

    first.refresh_from_db()
    assert first.status == "withdrawn"
    assert second.status == "pending"
    assert AuditEntry.objects.filter(action="invitation.create").first().details["replaced"] == [first.pk]
    old = client.get(first_path)
    assert old.status_code == 410
    assert client.get(second_path).status_code == 200


# --- Accepting as a new person ---------------------------------------------------------------


def test_invitation_link_asks_a_new_person_to_create_an_account(client, world, invite, page_text):
    _, path = invite()

    response = client.get(path)

    assert response.status_code == 200
    text = page_text(response)
    assert "Create your account" in text
    assert "Acme Homecare Ltd" in text
    assert NEW_PERSON in text
    assert 'value="Nova Person"' in text


def test_accepting_creates_the_account_and_signs_in(client, world, invite, page_text):
    _, path = invite(role=Role.APPROVER)

    response = _accept_as_new_person(client, path, full_name="Nova Q. Person")

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email=NEW_PERSON)
    assert user.full_name == "Nova Q. Person"
    assert user.check_password(NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    home = client.get("/")
    assert home.status_code == 200
    assert "Your account is ready and you have joined Acme Homecare Ltd." in page_text(home)
    assert 'data-testid="current-organisation">Acme Homecare Ltd<' in page_text(home)


def test_accepting_gives_the_invited_role(client, world, invite):
    _, path = invite(role=Role.APPROVER, is_admin=True)

    _accept_as_new_person(client, path)

    membership = Membership.objects.get(user__email=NEW_PERSON)
    assert membership.organisation_id == world.provider_a.pk
    assert membership.role == Role.APPROVER
    assert membership.is_admin is True
    assert client.session[SESSION_KEY] == world.provider_a.pk


def test_accepting_marks_the_invitation_accepted(client, world, invite):
    invitation, path = invite()

    _accept_as_new_person(client, path)

    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == User.objects.get(email=NEW_PERSON)


def test_accepting_writes_user_create_and_invitation_accept_to_the_audit_log(client, world, invite):
    invitation, path = invite()

    _accept_as_new_person(client, path)

    user = User.objects.get(email=NEW_PERSON)
    created = AuditEntry.objects.get(action="user.create")
    accepted = AuditEntry.objects.get(action="invitation.accept")
    assert created.actor == user
    assert created.organisation_id == world.provider_a.pk
    assert created.object_id == str(user.pk)
    assert accepted.actor == user
    assert accepted.organisation_id == world.provider_a.pk
    assert accepted.details["invitation"] == invitation.pk
    assert accepted.details["role"] == "submitter"


def test_accepting_with_mismatched_passwords_shows_an_error_and_creates_nothing(
    client, world, invite, page_text
):
    invitation, path = invite()

    response = client.post(
        path, {"full_name": "Nova Person", "new_password1": NEW_PASSWORD, "new_password2": "something-else-1"}
    )

    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert "The two passwords do not match" in page_text(response)
    assert not User.objects.filter(email=NEW_PERSON).exists()
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_accepting_without_a_name_or_with_a_short_password_shows_errors(client, world, invite, page_text):
    _, path = invite()

    response = client.post(path, {"full_name": "", "new_password1": "Short-1", "new_password2": "Short-1"})

    assert response.status_code == 200
    assert "Enter your full name" in page_text(response)
    assert "This password is too short" in page_text(response)
    assert not User.objects.filter(email=NEW_PERSON).exists()


# --- Links that no longer work ------------------------------------------------------------------


def test_used_link_says_it_has_already_been_used(client, world, invite, page_text):
    _, path = invite()
    _accept_as_new_person(client, path)

    response = client.get(path)

    assert response.status_code == 410
    assert "This invitation has already been used." in page_text(response)


def test_used_link_cannot_create_a_second_account(world, invite):
    _, path = invite()
    _accept_as_new_person(Client(), path)

    response = _accept_as_new_person(Client(), path)

    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert User.objects.filter(email=NEW_PERSON).count() == 1


def test_expired_link_says_it_has_expired(client, world, invite, page_text):
    invitation, path = invite()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client.get(path)

    assert response.status_code == 410
    expired = timezone.localtime(Invitation.objects.get(pk=invitation.pk).expires_at)
    assert f"This invitation expired at {expired:%H:%M} on {expired.day} {expired:%B %Y}." in page_text(
        response
    )
    assert "Ask an admin of Acme Homecare Ltd to send you a new invitation." in page_text(response)


def test_expired_link_cannot_be_accepted(client, world, invite):
    invitation, path = invite()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = _accept_as_new_person(client, path)

    assert response.status_code == 410
    assert not User.objects.filter(email=NEW_PERSON).exists()


def test_withdrawn_invitation_link_says_it_was_withdrawn(client, world, invite, admin_browser, page_text):
    invitation, path = invite()

    withdraw = admin_browser.post(f"/account/team/invitations/{invitation.pk}/withdraw/", follow=True)
    response = client.get(path)

    assert withdraw.redirect_chain == [("/account/team/", 302)]
    assert f"The invitation to {NEW_PERSON} has been withdrawn." in page_text(withdraw)
    assert response.status_code == 410
    assert "This invitation was withdrawn by Acme Homecare Ltd, or replaced by a newer one." in page_text(
        response
    )
    assert AuditEntry.objects.filter(action="invitation.revoke", object_id=str(invitation.pk)).exists()


def test_withdraw_only_accepts_post(world, invite, admin_browser):
    invitation, _ = invite()

    response = admin_browser.get(f"/account/team/invitations/{invitation.pk}/withdraw/")

    assert response.status_code == 405
    invitation.refresh_from_db()
    assert invitation.status == "pending"


@pytest.mark.parametrize(
    "token",
    ["garbage", "not-a-real-key:not-a-real-signature", "%00", "x" * 300],
)
def test_garbage_token_says_the_link_is_not_valid(client, db, token, page_text):
    response = client.get(f"/account/invitation/{token}/")

    assert response.status_code == 404
    assert "This invitation link is not valid." in page_text(response)


def test_link_with_a_changed_key_is_not_valid(client, world, invite, page_text):
    _, path = invite()
    token = path.split("/")[3]
    key, signature = token.rsplit(":", 1)

    response = client.get(f"/account/invitation/{key}x:{signature}/")

    assert response.status_code == 404
    assert "This invitation link is not valid." in page_text(response)


# --- Resending -----------------------------------------------------------------------------


def test_resending_makes_the_old_link_stop_working(
    client, world, invite, admin_browser, django_capture_on_commit_callbacks, page_text
):
    invitation, old_path = invite()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_browser.post(f"/account/team/invitations/{invitation.pk}/resend/", follow=True)

    assert response.redirect_chain == [("/account/team/", 302)]
    assert f"A new invitation link has been sent to {NEW_PERSON}." in page_text(response)
    old = client.get(old_path)
    assert old.status_code == 404
    assert "This invitation has been replaced by a newer one." in page_text(old)


def test_resending_emails_a_new_link_that_works(
    client, world, invite, admin_browser, django_capture_on_commit_callbacks, links_in_email
):
    invitation, old_path = invite()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        admin_browser.post(f"/account/team/invitations/{invitation.pk}/resend/")

    (new_path,) = links_in_email(INVITATION_LINK)
    assert new_path != old_path
    assert mail.outbox[0].to == [NEW_PERSON]
    assert client.get(new_path).status_code == 200
    assert _accept_as_new_person(client, new_path).status_code == 302
    assert Membership.objects.filter(user__email=NEW_PERSON, organisation=world.provider_a).exists()
    assert AuditEntry.objects.filter(action="invitation.resend", object_id=str(invitation.pk)).exists()


def test_resending_an_expired_invitation_gives_a_fresh_expiry(
    world, invite, admin_browser, django_capture_on_commit_callbacks
):
    invitation, _ = invite()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        admin_browser.post(f"/account/team/invitations/{invitation.pk}/resend/")

    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert invitation.expires_at > timezone.now() + timedelta(days=6)


def test_resending_a_withdrawn_invitation_is_refused(world, invite, admin_browser, page_text):
    invitation, _ = invite()
    admin_browser.post(f"/account/team/invitations/{invitation.pk}/withdraw/")
    mail.outbox.clear()

    response = admin_browser.post(f"/account/team/invitations/{invitation.pk}/resend/", follow=True)

    assert response.status_code == 200
    assert "This invitation has been withdrawn and cannot be sent again." in page_text(response)
    assert mail.outbox == []


def test_admin_of_another_organisation_cannot_withdraw_or_resend(client, world, invite, sign_in):
    invitation, _ = invite()
    sign_in(world.users["b_admin"])

    assert client.post(f"/account/team/invitations/{invitation.pk}/withdraw/").status_code == 404
    assert client.post(f"/account/team/invitations/{invitation.pk}/resend/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


# --- People who already have an account --------------------------------------------------------


def test_person_with_an_account_is_asked_to_sign_in_to_join(client, world, invite, page_text):
    _, path = invite(email="commissioner@riverton.example", role=Role.VIEWER)

    response = client.get(path)

    assert response.status_code == 200
    text = page_text(response)
    assert "Sign in to join Acme Homecare Ltd" in text
    assert "commissioner@riverton.example already has an account." in text
    assert f'href="/account/sign-in/?next={path}"' in text.replace("%3A", ":")
    assert not User.objects.filter(full_name="Nova Person").exists()


def test_person_with_an_account_cannot_create_a_second_one(client, world, invite):
    invitation, path = invite(email="commissioner@riverton.example", role=Role.VIEWER)

    response = _accept_as_new_person(client, path)

    assert response.status_code == 200
    assert User.objects.filter(email="commissioner@riverton.example").count() == 1
    assert not Membership.objects.filter(
        user__email="commissioner@riverton.example", organisation=world.provider_a
    )
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_signed_in_invitee_joins_with_one_click(client, world, invite, sign_in, page_text):
    invitation, path = invite(email="commissioner@riverton.example", role=Role.VIEWER)
    sign_in(world.users["commissioner"])

    confirm = client.get(path)
    response = client.post(path, follow=True)

    assert confirm.status_code == 200
    assert "Join Acme Homecare Ltd" in page_text(confirm)
    assert response.redirect_chain == [("/", 302)]
    assert "You have joined Acme Homecare Ltd." in page_text(response)
    assert 'data-testid="current-organisation">Acme Homecare Ltd<' in page_text(response)
    membership = Membership.objects.get(user=world.users["commissioner"], organisation=world.provider_a)
    assert membership.role == Role.VIEWER
    assert Membership.objects.filter(user=world.users["commissioner"]).count() == 2
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    assert invitation.accepted_by == world.users["commissioner"]


def test_signing_in_from_the_invitation_comes_back_to_it(client, world, invite):
    _, path = invite(email="commissioner@riverton.example", role=Role.VIEWER)

    response = client.post(
        "/account/sign-in/",
        {"username": "commissioner@riverton.example", "password": PASSWORD, "next": path},
    )

    assert response.status_code == 302
    assert response["Location"] == path


@pytest.mark.parametrize("method", ["get", "post"])
def test_signed_in_as_someone_else_the_invitation_is_refused(
    client, world, invite, sign_in, page_text, method
):
    invitation, path = invite()
    sign_in(world.users["commissioner"])

    response = getattr(client, method)(path)

    assert response.status_code == 410
    assert (
        f"This invitation is for {NEW_PERSON}, but you are signed in as commissioner@riverton.example."
        in page_text(response)
    )
    assert not Membership.objects.filter(user=world.users["commissioner"], organisation=world.provider_a)
    invitation.refresh_from_db()
    assert invitation.status == "pending"
