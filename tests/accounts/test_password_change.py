"""Changing your own password: the current one first, audited, other sessions signed out."""

from __future__ import annotations

from django.test import Client

from accounts.models import AuditEntry
from tests.factories import PASSWORD

NEW_PASSWORD = "Another-l0ng-passphrase"


def test_change_password_keeps_you_signed_in_and_ends_other_sessions(client, world, sign_in):
    user = world.users["a_viewer"]
    other_browser = Client()
    other_browser.force_login(user)
    sign_in(user)

    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert client.get("/").status_code == 200
    assert other_browser.get("/").status_code == 302  # signed out there
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    entry = AuditEntry.objects.get(action="user.password_change")
    assert entry.actor == user and entry.organisation_id == world.provider_a.pk


def test_wrong_current_password_changes_nothing(client, world, sign_in):
    user = world.users["a_viewer"]
    sign_in(user)
    response = client.post(
        "/account/password/",
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Your current password is not right" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="user.password_change").exists()


def test_account_page_lists_your_organisations(client, world, sign_in):
    sign_in(world.users["c_admin"])
    page = client.get("/account/").content.decode()
    assert "admin@riverton.example" in page
    assert "Riverton City Council" in page
    assert "Commissioner and organisation admin" in page
