"""A session's absolute lifetime, and the headers every response carries."""

from __future__ import annotations

from django.utils import timezone

from accounts.middleware import SIGNED_IN_AT


def test_a_session_ends_its_maximum_hours_after_sign_in_however_active(client, world, settings):
    settings.SESSION_MAX_HOURS = 12
    client.force_login(world.users["a_viewer"])
    assert client.get("/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = int(timezone.now().timestamp()) - 12 * 3600 - 60
    session.save()

    response = client.get("/returns/")

    assert response.status_code == 302 and response["Location"].startswith("/account/sign-in/?next=/returns/")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "a session lasts at most 12 hours" in page


def test_a_session_within_its_lifetime_carries_on(client, world):
    client.force_login(world.users["a_viewer"])
    session = client.session
    session[SIGNED_IN_AT] = int(timezone.now().timestamp()) - 3600
    session.save()
    assert client.get("/returns/").status_code == 200


def test_every_response_turns_off_the_browser_features_the_service_never_uses(client, world):
    for response in (client.get("/account/sign-in/"), client.get("/health/")):
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
