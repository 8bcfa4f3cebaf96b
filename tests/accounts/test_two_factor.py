"""Two-step verification (accounts.two_factor, with the requirement on as in production): who must use
it, setting the app up, the second step of signing in, recovery codes, the lockout through the step,
the technical admin site and the API behind it, and organisation admins' part."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEntry, Role
from tests.factories import PASSWORD, member
from tests.fixtures.api import make_token

SIGN_IN = "/account/sign-in/"
SETUP = "/account/two-factor/set-up/"
VERIFY = "/account/two-factor/"


@pytest.fixture(autouse=True)
def _required(settings):
    settings.TWO_FACTOR_REQUIRED = True
    # A wrong code makes the app's next code wait a moment in production; the tests try at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def password_step(client, django_capture_on_commit_callbacks):
    def _step(email: str, password: str = PASSWORD, next_page: str = ""):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                SIGN_IN + (f"?next={next_page}" if next_page else ""),
                {"username": email, "password": password},
            )

    return _step


def _code(key_hex: str, later: int = 0) -> str:
    """The app's code now, or ``later`` steps of 30 seconds on (a code is used once only)."""
    return f"{totp(bytes.fromhex(key_hex), drift=later):06d}"


def _set_up(client) -> list[str]:
    """Set the app up from the set-up page; the recovery codes shown."""
    client.get(SETUP)
    key = client.session["two_factor_setup_key"]
    response = client.post(SETUP, {"code": _code(key)}, follow=True)
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z0-9]{4}-[a-z0-9]{4})</code></li>", response.content.decode())


@pytest.fixture
def commissioner_set_up(world, client, password_step):
    """The council's commissioner, with the app set up, signed out again."""
    user = world.users["commissioner"]
    password_step(user.email)
    codes = _set_up(client)
    client.post("/account/sign-out/")
    return user, codes


def test_a_commissioner_must_set_the_app_up_before_anything_else(world, client, password_step):
    response = password_step("commissioner@riverton.example", next_page="/portfolio/")
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    assert "next=%2Fportfolio%2F" in response["Location"]
    for page in ("/", "/portfolio/", "/contracts/", "/account/"):
        found = client.get(page)
        assert found.status_code == 302 and found["Location"].startswith(SETUP), page
    page = client.get(SETUP).content.decode()
    assert 'data-testid="two-factor-required"' in page
    assert 'src="data:image/svg+xml' in page and 'data-testid="setup-key"' in page


def test_setting_the_app_up_gives_recovery_codes_once_and_lets_the_person_in(world, client, password_step):
    password_step("commissioner@riverton.example", next_page="/portfolio/")
    client.get(SETUP)
    wrong = client.post(SETUP, {"code": "000000"})
    assert wrong.status_code == 400 and "This code is not right" in wrong.content.decode()
    key = client.session["two_factor_setup_key"]
    response = client.post(SETUP, {"code": _code(key), "next": "/portfolio/"})
    assert response.status_code == 302
    shown = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4})</code>", shown)
    assert len(codes) == 10 and 'href="/portfolio/"' in shown
    assert "<code>" not in client.get("/account/two-factor/recovery-codes/").content.decode()  # once
    assert client.get("/portfolio/").status_code == 200
    assert TOTPDevice.objects.get(user=world.users["commissioner"]).confirmed
    assert AuditEntry.objects.filter(action="user.two_factor_on", actor=world.users["commissioner"]).exists()


def test_signing_in_again_asks_for_a_code(client, commissioner_set_up, password_step):
    user, _ = commissioner_set_up
    response = password_step(user.email, next_page="/contracts/")
    assert response["Location"].startswith(VERIFY)
    assert client.get("/contracts/")["Location"].startswith(VERIFY)
    device = TOTPDevice.objects.get(user=user)
    wrong = client.post(VERIFY, {"code": "123456", "next": "/contracts/"})
    assert wrong.status_code == 400 and "This code is not right" in wrong.content.decode()
    device.refresh_from_db()
    right = client.post(VERIFY, {"code": _code(device.key, later=1), "next": "/contracts/"})
    assert right.status_code == 302 and right["Location"] == "/contracts/"
    assert client.get("/contracts/").status_code == 200


def test_a_recovery_code_works_once(client, commissioner_set_up, password_step):
    user, codes = commissioner_set_up
    password_step(user.email)
    assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    assert AuditEntry.objects.filter(action="user.recovery_code_used").exists()
    client.post("/account/sign-out/")
    password_step(user.email)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 400


def test_five_wrong_codes_pause_the_account_however_often_the_password_is_right(
    client, commissioner_set_up, password_step, django_capture_on_commit_callbacks
):
    user, _ = commissioner_set_up
    mail.outbox.clear()
    password_step(user.email)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            client.post(VERIFY, {"code": "111111"})
    client.post("/account/sign-out/")
    password_step(user.email)  # the right password does not wipe the wrong codes
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [client.post(VERIFY, {"code": "111111"}).status_code for _ in range(2)]
    assert statuses == [400, 429]
    device = TOTPDevice.objects.get(user=user)
    assert client.post(VERIFY, {"code": _code(device.key, later=1)}).status_code == 429
    client.post("/account/sign-out/")
    assert password_step(user.email).status_code == 429
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_the_setup_page_cannot_replace_the_app_before_the_second_step(
    client, commissioner_set_up, password_step
):
    user, _ = commissioner_set_up
    password_step(user.email)
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"] == VERIFY
    assert client.post(SETUP, {"code": "123456"})["Location"] == VERIFY


def test_a_provider_viewer_chooses_and_an_admin_must(world, client, password_step):
    assert password_step("viewer@acme.example")["Location"] == "/"
    assert 'data-testid="two-factor-off"' in client.get("/account/").content.decode()
    _set_up(client)
    assert 'data-testid="two-factor-on"' in client.get("/account/").content.decode()
    assert client.post("/account/two-factor/turn-off/").status_code == 302
    assert not TOTPDevice.objects.filter(user=world.users["a_viewer"]).exists()
    client.post("/account/sign-out/")
    assert password_step("admin@acme.example")["Location"].startswith(SETUP)


def test_a_provider_admin_can_require_it_of_everyone(world, client, password_step):
    client.force_login(world.users["a_viewer"])
    assert client.get("/").status_code == 200
    admin = client.__class__()
    admin.force_login(world.users["a_admin"])
    _set_up(admin)
    assert admin.post("/account/team/two-factor/", {"required": "yes"}).status_code == 302
    world.provider_a.refresh_from_db()
    assert world.provider_a.two_factor_required
    assert AuditEntry.objects.filter(action="organisation.two_factor_required").exists()
    response = client.get("/")  # the viewer's open session must now set the app up
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    required_off = client.post("/account/two-factor/turn-off/")
    assert required_off.status_code in (302, 403)


def test_commissioning_bodies_cannot_make_it_optional(world, client):
    client.force_login(world.users["c_admin"])
    _set_up(client)
    assert client.post("/account/team/two-factor/", {"required": "no"}).status_code == 403


def test_the_admin_site_is_behind_it(world, client):
    operator = member(world.provider_b, Role.VIEWER, email="operator@example.org")
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client.force_login(operator)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    _set_up(client)
    assert client.get("/admin/").status_code == 200


def test_the_api_refuses_a_session_without_the_second_step(world, client):
    client.force_login(world.users["commissioner"])
    response = client.get("/api/v1/contracts/", HTTP_ACCEPT="application/json")
    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"
    token = make_token(world.council, ["read"])
    assert (
        client.__class__().get("/api/v1/contracts/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    )


def test_an_admin_resets_a_lost_phone(world, client):
    viewer = world.users["a_viewer"]
    client.force_login(viewer)
    _set_up(client)
    assert client.get("/").status_code == 200
    admin = client.__class__()
    admin.force_login(world.users["a_admin"])
    _set_up(admin)
    membership = viewer.memberships.get()
    assert admin.post(f"/account/team/{membership.pk}/two-factor-reset/").status_code == 302
    assert not TOTPDevice.objects.filter(user=viewer).exists()
    assert AuditEntry.objects.filter(action="user.two_factor_reset").exists()
    # The viewer's session is no longer verified; the organisation does not require it of them.
    assert client.get("/").status_code == 200


def test_nobody_is_made_to_when_it_is_not_required(world, client, password_step, settings):
    settings.TWO_FACTOR_REQUIRED = False
    assert password_step("commissioner@riverton.example")["Location"] == "/"


def test_a_wrong_code_while_setting_up_stores_nothing(world, client, password_step):
    password_step("commissioner@riverton.example")
    client.get(SETUP)
    assert client.post(SETUP, {"code": "000000"}).status_code == 400
    assert not TOTPDevice.objects.exists()
    assert client.get("/")["Location"].startswith(SETUP)


def test_the_code_that_set_the_app_up_cannot_sign_in_again(client, world, password_step):
    user = world.users["commissioner"]
    password_step(user.email)
    client.get(SETUP)
    code = _code(client.session["two_factor_setup_key"])
    client.post(SETUP, {"code": code})
    client.post("/account/sign-out/")
    password_step(user.email)
    assert client.post(VERIFY, {"code": code}).status_code == 400
