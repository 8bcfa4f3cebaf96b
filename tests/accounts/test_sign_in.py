"""Signing in and out: the form, lockout after repeated failures, session expiry, and the home page."""

from __future__ import annotations

import pytest
from django.conf import settings

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

SIGN_IN = "/account/sign-in/"
WRONG_LOGIN = "The email address or password is not right."


def _post_sign_in(client, email: str, password: str):
    return client.post(SIGN_IN, {"username": email, "password": password})


def _signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def test_right_password_goes_to_the_home_page(client, world):
    response = _post_sign_in(client, "admin@acme.example", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _signed_in_user_id(client) == str(world.users["a_admin"].pk)


def test_home_page_shows_the_organisation_name(client, world, page_text):
    _post_sign_in(client, "admin@acme.example", PASSWORD)

    response = client.get("/")

    assert response.status_code == 200
    assert 'data-testid="current-organisation">Acme Homecare Ltd<' in page_text(response)


def test_wrong_password_shows_the_form_again_with_a_plain_english_error(client, world, page_text):
    response = _post_sign_in(client, "admin@acme.example", "not-the-password")

    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text
    assert WRONG_LOGIN in text
    assert "After 5 failed attempts, signing in is paused for 15 minutes." in text
    assert _signed_in_user_id(client) is None


def test_unknown_email_gets_the_same_error_as_a_wrong_password(client, db, page_text):
    response = _post_sign_in(client, "nobody@example.org", PASSWORD)

    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert WRONG_LOGIN in page_text(response)


def test_missing_email_and_password_are_reported_in_plain_english(client, db, page_text):
    response = _post_sign_in(client, "", "")

    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text
    assert "Enter your email address" in text
    assert "Enter your password" in text


def test_email_address_is_case_insensitive(client, world):
    response = _post_sign_in(client, "  Admin@ACME.Example ", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _signed_in_user_id(client) == str(world.users["a_admin"].pk)


def test_four_failed_attempts_still_show_the_form(client, world, page_text):
    for _ in range(4):
        response = _post_sign_in(client, "admin@acme.example", "not-the-password")
        assert response.status_code == 200
        assert WRONG_LOGIN in page_text(response)


def test_after_five_failed_attempts_even_the_right_password_is_refused(client, world, page_text):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_sign_in(client, "admin@acme.example", "not-the-password")

    response = _post_sign_in(client, "admin@acme.example", PASSWORD)

    assert response.status_code == 429
    text = page_text(response)
    assert "Signing in is paused" in text
    assert "reset your password" in text
    assert _signed_in_user_id(client) is None


def test_the_fifth_failed_attempt_already_shows_the_lockout_page(client, world, page_text):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _post_sign_in(client, "admin@acme.example", "not-the-password")

    response = _post_sign_in(client, "admin@acme.example", "not-the-password")

    assert response.status_code == 429
    assert "Signing in is paused" in page_text(response)


def test_changing_the_case_of_the_email_does_not_get_round_the_lockout(client, world, page_text):
    for email in ["ADMIN@acme.example", "Admin@acme.example", "aDmin@acme.example", "adMin@acme.example"]:
        _post_sign_in(client, email, "not-the-password")
    _post_sign_in(client, "admiN@acme.example", "not-the-password")

    response = _post_sign_in(client, "admin@acme.example", PASSWORD)

    assert response.status_code == 429
    assert "Signing in is paused" in page_text(response)
    assert _signed_in_user_id(client) is None


def test_lockout_of_one_account_does_not_affect_another(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_sign_in(client, "admin@acme.example", "not-the-password")

    response = _post_sign_in(client, "submitter@acme.example", PASSWORD)

    assert response.status_code == 302


def test_sign_out_does_not_accept_get(client, world, sign_in):
    sign_in(world.users["a_admin"])

    response = client.get("/account/sign-out/")

    assert response.status_code == 405
    assert _signed_in_user_id(client) == str(world.users["a_admin"].pk)


def test_sign_out_by_post_signs_the_person_out(client, world, sign_in, page_text):
    sign_in(world.users["a_admin"])

    response = client.post("/account/sign-out/", follow=True)

    assert response.redirect_chain[-1] == ("/account/signed-out/", 302)
    assert response.status_code == 200
    assert "You have signed out" in page_text(response)
    assert _signed_in_user_id(client) is None
    assert client.get("/").status_code == 302


def test_session_lasts_for_the_idle_time_and_ends_when_the_browser_closes(client, world, sign_in):
    sign_in(world.users["a_admin"])

    assert settings.SESSION_COOKIE_AGE == settings.CONFIG.session_idle_minutes * 60
    assert client.session.get_expiry_age() == settings.CONFIG.session_idle_minutes * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert client.session.get_expire_at_browser_close() is True


def test_session_cookie_is_a_browser_session_cookie(client, world):
    response = _post_sign_in(client, "admin@acme.example", PASSWORD)

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
    assert cookie["httponly"] is True


def test_each_request_renews_the_idle_timeout(client, world, sign_in):
    sign_in(world.users["a_admin"])

    response = client.get("/")

    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_NAME in response.cookies


def test_person_without_an_organisation_gets_a_clear_page(client, sign_in, db, page_text):
    loner = UserFactory(email="loner@example.org")
    sign_in(loner)

    response = client.get("/")

    assert response.status_code == 403
    text = page_text(response)
    assert "You are not part of an organisation yet" in text
    assert "loner@example.org" in text


def test_signed_out_visitor_is_sent_to_sign_in_with_next(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/account/sign-in/?next=/"


def test_signing_in_from_next_returns_to_that_page(client, world):
    response = client.post(
        SIGN_IN, {"username": "admin@acme.example", "password": PASSWORD, "next": "/account/team/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/account/team/"


def test_next_pointing_to_another_site_is_ignored(client, world):
    response = client.post(
        SIGN_IN,
        {"username": "admin@acme.example", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_closed_account_cannot_sign_in(client, page_text):
    UserFactory(email="closed@example.org", is_active=False)

    response = _post_sign_in(client, "closed@example.org", PASSWORD)

    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert _signed_in_user_id(client) is None
    assert User.objects.get(email="closed@example.org").is_active is False
