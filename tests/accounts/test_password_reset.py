"""Resetting a forgotten password with an emailed link."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import AuditEntry
from tests.factories import PASSWORD, UserFactory

RESET_LINK = r"http://testserver(/account/password-reset/([^/\s]+)/([^/\s]+)/)"
NEW_PASSWORD = "purple-Kettle-orbit-97"
INVALID_LINK = "This password reset link does not work"


@pytest.fixture
def request_reset(client, django_capture_on_commit_callbacks):
    """Ask for a reset link for ``email``, running the queued email task; returns the response."""

    def _request(email: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/account/password-reset/", {"email": email}, follow=True)

    return _request


@pytest.fixture
def reset_path(request_reset, links_in_email):
    """The path of the reset link emailed to the council admin."""

    def _reset_path(email: str = "admin@riverton.example") -> str:
        request_reset(email)
        (link,) = links_in_email(RESET_LINK)
        return link[0]

    return _reset_path


@pytest.fixture
def set_password_path(client, reset_path):
    """Follow the emailed link; returns the set-password page it redirects to."""
    response = client.get(reset_path())
    assert response.status_code == 302
    return response["Location"]


def test_reset_request_for_an_account_sends_one_email_with_a_link(world, request_reset, page_text):
    response = request_reset("admin@riverton.example")

    assert response.status_code == 200
    assert response.redirect_chain == [("/account/password-reset/sent/", 302)]
    assert "Check your email" in page_text(response)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["admin@riverton.example"]
    uid = urlsafe_base64_encode(force_bytes(world.users["c_admin"].pk))
    assert f"http://testserver/account/password-reset/{uid}/" in message.body


def test_reset_request_matches_the_email_without_regard_to_case(world, request_reset):
    request_reset("Admin@Riverton.EXAMPLE")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["admin@riverton.example"]


def test_reset_request_for_an_unknown_email_shows_the_same_page_and_sends_nothing(
    world, request_reset, page_text
):
    response = request_reset("nobody@example.org")

    assert response.status_code == 200
    assert response.redirect_chain == [("/account/password-reset/sent/", 302)]
    assert "Check your email" in page_text(response)
    assert mail.outbox == []


def test_reset_request_with_a_badly_formed_email_is_reported(client, db, page_text):
    response = client.post("/account/password-reset/", {"email": "not-an-email"})

    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert "Enter an email address in the correct format" in page_text(response)


def test_link_moves_the_token_out_of_the_address_and_shows_the_form(client, world, reset_path, page_text):
    path = reset_path()
    uid = path.split("/")[3]

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/account/password-reset/{uid}/set-password/"
    form_page = client.get(response["Location"])
    assert form_page.status_code == 200
    assert "Choose a new password" in page_text(form_page)
    assert "admin@riverton.example" in page_text(form_page)


def test_mismatched_passwords_are_reported(client, world, set_password_path, page_text):
    response = client.post(
        set_password_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )

    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert "The two passwords do not match" in page_text(response)
    world.users["c_admin"].refresh_from_db()
    assert world.users["c_admin"].check_password(PASSWORD)


def test_too_short_password_is_reported(client, world, set_password_path, page_text):
    response = client.post(set_password_path, {"new_password1": "Short-1", "new_password2": "Short-1"})

    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert "This password is too short. It must contain at least 12 characters." in page_text(response)
    world.users["c_admin"].refresh_from_db()
    assert world.users["c_admin"].check_password(PASSWORD)


def test_missing_passwords_are_reported(client, world, set_password_path, page_text):
    response = client.post(set_password_path, {"new_password1": "", "new_password2": ""})

    assert response.status_code == 200
    assert "Enter a new password" in page_text(response)
    assert "Enter the new password again" in page_text(response)


def test_valid_new_password_is_saved_and_sends_the_person_to_sign_in(
    client, world, set_password_path, page_text
):
    response = client.post(
        set_password_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )

    assert response.redirect_chain == [("/account/sign-in/", 302)]
    assert "Your password has been changed. Sign in with your new password." in page_text(response)
    user = world.users["c_admin"]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)


def test_sign_in_works_with_the_new_password_and_not_the_old(client, world, set_password_path, page_text):
    client.post(set_password_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    old = client.post("/account/sign-in/", {"username": "admin@riverton.example", "password": PASSWORD})
    assert old.status_code == 200
    assert "The email address or password is not right." in page_text(old)

    new = client.post("/account/sign-in/", {"username": "admin@riverton.example", "password": NEW_PASSWORD})
    assert new.status_code == 302
    assert new["Location"] == "/"


def test_password_reset_is_written_to_the_audit_log(client, world, set_password_path):
    client.post(set_password_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    entry = AuditEntry.objects.get(action="user.password_reset")
    user = world.users["c_admin"]
    assert entry.actor == user
    assert entry.organisation_id == world.council.pk
    assert entry.object_type == "accounts.User"
    assert entry.object_id == str(user.pk)


def test_failed_attempt_writes_no_audit_entry(client, world, set_password_path):
    client.post(set_password_path, {"new_password1": "Short-1", "new_password2": "Short-1"})

    assert not AuditEntry.objects.filter(action="user.password_reset").exists()


def test_link_does_not_work_a_second_time(client, world, reset_path, page_text):
    path = reset_path()
    set_password = client.get(path)["Location"]
    client.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(path)

    assert again.status_code == 404
    assert INVALID_LINK in page_text(again)
    form_again = client.get(set_password)
    assert form_again.status_code == 404
    assert INVALID_LINK in page_text(form_again)


def test_tampered_token_shows_the_link_does_not_work_page(client, world, reset_path, page_text):
    path = reset_path()
    _, _, _, uid, token, _ = path.split("/")
    tampered = token[:-1] + ("a" if token[-1] != "a" else "b")

    response = client.get(f"/account/password-reset/{uid}/{tampered}/")

    assert response.status_code == 404
    assert INVALID_LINK in page_text(response)


def test_set_password_page_without_following_a_link_does_not_work(client, world, page_text):
    uid = urlsafe_base64_encode(force_bytes(world.users["c_admin"].pk))

    response = client.get(f"/account/password-reset/{uid}/set-password/")

    assert response.status_code == 404
    assert INVALID_LINK in page_text(response)


@pytest.mark.parametrize(
    "uid",
    [
        "garbage",
        "!!!",
        urlsafe_base64_encode(b"not-a-number"),
        urlsafe_base64_encode(b"\xff\xfe"),
        urlsafe_base64_encode(b"999999"),
        urlsafe_base64_encode(b"99999999999999999999999999"),
        urlsafe_base64_encode(b"-1"),
    ],
)
def test_garbage_uid_shows_the_link_does_not_work_page(client, world, reset_path, uid, page_text):
    token = reset_path().split("/")[4]

    response = client.get(f"/account/password-reset/{uid}/{token}/")

    assert response.status_code == 404
    assert INVALID_LINK in page_text(response)


def test_a_person_in_no_organisation_is_still_audited(
    client, db, mailoutbox, django_capture_on_commit_callbacks
):

    loner = UserFactory(email="loner@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/password-reset/", {"email": loner.email})
    link = next(line for line in mailoutbox[0].body.splitlines() if "/account/password-reset/" in line)
    set_password = client.get(link.replace("http://testserver", ""))["Location"]
    client.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    entry = AuditEntry.objects.get(action="user.password_reset")
    assert entry.actor == loner
    assert entry.organisation is None
