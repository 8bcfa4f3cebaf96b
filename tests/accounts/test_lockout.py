"""A lockout that holds (accounts.lockout, accounts.client_ip): per account across addresses, per
address across accounts, the client's address read behind a trusted proxy only, the owner emailed,
the change-password page counted too, and the history shown to organisation admins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from accounts.client_ip import client_ip
from accounts.tasks import sign_in_attempts_clean
from tests.factories import PASSWORD

SIGN_IN = "/account/sign-in/"
PAUSED_ACCOUNT = 'data-testid="paused-account"'
PAUSED_ADDRESS = 'data-testid="paused-address"'


@pytest.fixture
def attempt(client, django_capture_on_commit_callbacks):
    """Post the sign-in form from an address (through a proxy's X-Forwarded-For when given)."""

    def _attempt(email: str, password: str = "not-the-password", address: str = "198.51.100.1", **meta):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                SIGN_IN, {"username": email, "password": password}, REMOTE_ADDR=address, **meta
            )

    return _attempt


def test_guesses_from_three_addresses_then_the_right_password_from_a_fourth_are_refused(world, attempt):
    for index in range(12):
        attempt("admin@acme.example", address=f"198.51.100.{index % 3 + 1}")
    response = attempt("admin@acme.example", PASSWORD, address="203.0.113.9")
    assert response.status_code == 429
    assert PAUSED_ACCOUNT in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_the_owner_is_emailed_once_when_their_account_is_paused(world, attempt):
    mail.outbox.clear()
    for index in range(8):
        attempt("admin@acme.example", address=f"198.51.100.{index + 1}")
    (message,) = mail.outbox
    assert message.to == ["admin@acme.example"]
    assert "paused" in message.subject and "reset your password" in message.body
    assert "/account/password-reset/" in message.body


def test_five_failures_spread_over_addresses_lock_the_account_not_the_addresses(world, attempt):
    for index in range(5):
        attempt("admin@acme.example", address=f"198.51.100.{index + 1}")
    assert attempt("submitter@acme.example", PASSWORD, address="198.51.100.1").status_code == 302


def test_spraying_a_few_guesses_at_many_accounts_pauses_the_address(world, attempt, client):
    accounts = [
        "admin@acme.example",
        "submitter@acme.example",
        "approver@acme.example",
        "viewer@acme.example",
    ]
    for email in [*accounts, "admin@brookside.example"]:
        for _ in range(4):
            attempt(email, address="192.0.2.7")
    response = attempt("commissioner@riverton.example", PASSWORD, address="192.0.2.7")
    assert response.status_code == 429
    assert PAUSED_ADDRESS in response.content.decode()
    # Nobody's own account is paused: the same person signs in from elsewhere.
    assert attempt("commissioner@riverton.example", PASSWORD, address="192.0.2.99").status_code == 302


def test_signing_in_to_ones_own_account_does_not_wipe_an_addresss_count(world, attempt, client):
    for email in ["admin@acme.example", "submitter@acme.example", "approver@acme.example"]:
        for _ in range(4):
            attempt(email, address="192.0.2.8")
    for _ in range(7):
        attempt("nobody@example.org", address="192.0.2.8")
    assert attempt("viewer@acme.example", PASSWORD, address="192.0.2.8").status_code == 302
    client.logout()
    response = attempt("viewer@acme.example", "wrong", address="192.0.2.8")
    assert response.status_code == 429 and PAUSED_ADDRESS in response.content.decode()


def test_behind_a_trusted_proxy_each_person_has_their_own_address(world, attempt, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for _ in range(19):
        attempt("nobody@example.org", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.50")
    # Another person behind the same proxy is not affected by the first one's failures.
    response = attempt(
        "admin@acme.example", PASSWORD, address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.51"
    )
    assert response.status_code == 302
    assert AccessLog.objects.get(username="admin@acme.example").ip_address == "203.0.113.51"


def test_a_forwarded_for_header_from_anyone_else_is_ignored(world, attempt):
    for index in range(20):
        attempt("nobody@example.org", address="192.0.2.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{index}")
    response = attempt(
        "admin@acme.example", PASSWORD, address="192.0.2.9", HTTP_X_FORWARDED_FOR="203.0.113.99"
    )
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("192.0.2.1", "", "192.0.2.1"),
        ("192.0.2.1", "203.0.113.5", "192.0.2.1"),  # not a trusted proxy: the header is ignored
        ("10.0.0.2", "203.0.113.5", "203.0.113.5"),
        ("10.0.0.2", "198.51.100.66, 203.0.113.5", "203.0.113.5"),  # a client's own entry is not believed
        ("10.0.0.2", "203.0.113.5, 10.0.0.7", "203.0.113.5"),  # two proxies of ours
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", "not-an-address", "10.0.0.2"),
    ],
)
def test_the_client_address(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_wrong_current_passwords_pause_the_account_too(
    world, client, sign_in, django_capture_on_commit_callbacks
):
    user = world.users["a_viewer"]
    sign_in(user)
    mail.outbox.clear()
    form = {
        "old_password": "guess",
        "new_password1": "Another-l0ng-passphrase",
        "new_password2": "Another-l0ng-passphrase",
    }
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [client.post("/account/password/", form).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    # Even the right one is refused now, and signing in elsewhere is paused as well.
    assert client.post("/account/password/", {**form, "old_password": PASSWORD}).status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    client.logout()
    assert client.post(SIGN_IN, {"username": user.email, "password": PASSWORD}).status_code == 429
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_admins_see_their_peoples_sign_ins_and_failures(world, attempt, client, sign_in):
    attempt("viewer@acme.example", address="198.51.100.20")
    attempt("admin@brookside.example", address="198.51.100.21")
    client.logout()
    sign_in(world.users["a_admin"])
    page = client.get("/account/audit/sign-ins/").content.decode()
    assert "viewer@acme.example" in page and "198.51.100.20" in page and "Failed" in page
    assert "admin@acme.example" in page  # their own sign-in just now
    assert "admin@brookside.example" not in page


def test_history_is_kept_for_the_set_days(world, attempt, settings):
    attempt("viewer@acme.example")
    old = timezone.now() - timedelta(days=settings.SIGN_IN_HISTORY_DAYS + 1)
    AccessFailureLog.objects.create(username="viewer@acme.example", ip_address="192.0.2.1")
    AccessFailureLog.objects.filter(ip_address="192.0.2.1").update(attempt_time=old)
    sign_in_attempts_clean()
    assert list(AccessFailureLog.objects.values_list("ip_address", flat=True)) == ["198.51.100.1"]
