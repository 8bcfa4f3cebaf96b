"""The API token pages: admins make a token (shown once), revoke it, and switch providers' API sign-off."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.access import acting_for
from accounts.api.tokens import api_sign_off_set, api_token_create
from accounts.demo.api_tokens import demo_api_tokens_seed
from accounts.models import ApiToken, AuditEntry, Membership
from commissioning.demo.organisations import demo_seed
from tests.factories import UserFactory

LIST = "/account/api-tokens/"
NEW = "/account/api-tokens/new/"
SIGN_OFF = "/account/api-tokens/sign-off/"
SECRET = re.compile(r'value="(hco_[0-9a-f]{12}_[A-Za-z0-9_-]+)"')


def _revoke_url(token: ApiToken) -> str:
    return f"/account/api-tokens/{token.pk}/revoke/"


def _me(raw: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client.get("/api/v1/me/")


def _token_of(world, admin: str = "a_admin", organisation=None, **options):
    """A token made through the service by ``admin``; returns (token, full token)."""
    user = world.users[admin]
    acting = acting_for(user, organisation.pk if organisation else None)
    options = {"name": "Care planning system", "scopes": ["read"], **options}
    new = api_token_create(acting=acting, **options)
    return new.token, new.secret


@pytest.fixture
def a_admin(world, sign_in):
    """The client, signed in as the admin of Acme Homecare Ltd (a provider)."""
    return sign_in(world.users["a_admin"])


@pytest.fixture
def c_admin(world, sign_in):
    """The client, signed in as the admin of Riverton City Council (a commissioner)."""
    return sign_in(world.users["c_admin"])


def test_admin_creates_a_token_shown_once_stored_only_as_a_digest_and_it_works(a_admin, world, page_text):
    response = a_admin.post(
        NEW, {"name": "Care planning system", "scopes": ["read", "submit"], "expires": "90"}
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "API token created" in text
    assert "It will not be shown again" in text
    (secret,) = SECRET.findall(text)
    token = ApiToken.objects.get(organisation=world.provider_a)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and secret != token.prefix
    assert secret not in str(list(ApiToken.objects.values()))
    assert token.scopes == ["read", "submit"]
    assert token.created_by_label == str(world.users["a_admin"])
    assert AuditEntry.objects.filter(action="api_token.create", object_id=str(token.pk)).exists()
    assert secret not in str(dict(a_admin.session))

    me = _me(secret)
    assert me.status_code == 200
    assert me.json()["organisation"]["name"] == "Acme Homecare Ltd"
    assert me.json()["token"]["scopes"] == ["read", "submit"]


def test_the_created_page_is_never_cached_nor_redirected(a_admin):
    response = a_admin.post(NEW, {"name": "Dashboard", "scopes": ["read"], "expires": "30"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "hco_" not in response.get("Location", "")


def test_the_list_shows_each_tokens_details_but_never_a_secret(a_admin, world, page_text):
    token, secret = _token_of(
        world, scopes=["read", "submit"], expires_at=timezone.now() + timedelta(days=30)
    )
    revoked, revoked_secret = _token_of(world, name="Old system")
    revoked.revoked_at = timezone.now()
    revoked.save()

    response = a_admin.get(LIST)

    assert response.status_code == 200
    text = page_text(response)
    assert secret not in text and revoked_secret not in text
    assert secret.removeprefix(token.prefix) not in text
    assert f"{token.prefix}…" in text
    assert "Care planning system" in text and "Read, Submit returns" in text
    assert "Never" in text  # never used
    assert "Active" in text and "Revoked" in text
    assert _revoke_url(token) in text
    assert _revoke_url(revoked) not in text  # only active tokens have a Revoke link
    assert "Create an API token" in text
    assert "/api/v1/docs/" in text


def test_the_list_shows_when_a_token_was_last_used(a_admin, world, page_text):
    _token, secret = _token_of(world, expires_at=timezone.now() + timedelta(days=30))
    assert "Never" in page_text(a_admin.get(LIST))

    assert _me(secret).status_code == 200

    assert "Never" not in page_text(a_admin.get(LIST))


def test_expired_token_shows_as_expired_without_a_revoke_link(a_admin, world, page_text):
    token, _secret = _token_of(world)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=1))

    text = page_text(a_admin.get(LIST))

    assert "Expired" in text
    assert _revoke_url(token) not in text


@pytest.mark.parametrize("role", ["a_submitter", "a_approver", "a_viewer", "commissioner", "c_viewer"])
def test_members_who_are_not_admins_get_a_403_saying_why(client, world, sign_in, role, page_text):
    token, _secret = _token_of(world)
    sign_in(world.users[role])

    for response in (
        client.get(LIST),
        client.get(NEW),
        client.post(NEW, {"name": "Sneaky", "scopes": ["read"], "expires": "90"}),
        client.get(_revoke_url(token)),
        client.post(_revoke_url(token)),
        client.post(SIGN_OFF, {"enabled": "on"}),
    ):
        assert response.status_code == 403
        assert "does not let you do this" in page_text(response)
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_signed_out_people_are_sent_to_sign_in_and_people_without_an_organisation_get_403(client, db):
    for url in (LIST, NEW):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")
    client.force_login(UserFactory(email="nobody@example.org"))
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403


def test_another_organisations_token_is_not_found(client, world, sign_in):
    token, secret = _token_of(world)
    sign_in(world.users["b_admin"])

    assert client.get(_revoke_url(token)).status_code == 404
    assert client.post(_revoke_url(token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert _me(secret).status_code == 200
    assert token.prefix not in client.get(LIST).content.decode()


def test_revoking_stops_the_token_at_once_and_again_is_harmless(a_admin, world, page_text):
    token, secret = _token_of(world)
    assert _me(secret).status_code == 200

    confirm = a_admin.get(_revoke_url(token))
    assert confirm.status_code == 200
    assert "Revoke token ‘Care planning system’?" in page_text(confirm)

    response = a_admin.post(_revoke_url(token), follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert f"Token 'Care planning system' ({token.prefix}…) revoked" in page_text(response)
    assert _me(secret).status_code == 401
    token.refresh_from_db()
    assert token.state == "Revoked"
    assert token.revoked_by_label == str(world.users["a_admin"])

    again = a_admin.post(_revoke_url(token), follow=True)
    assert "was already revoked" in page_text(again)
    assert "is already revoked" in page_text(a_admin.get(_revoke_url(token)))
    assert AuditEntry.objects.filter(action="api_token.revoke", object_id=str(token.pk)).count() == 1


def test_a_commissioner_is_offered_read_only_and_cannot_pick_submit(c_admin, world, page_text):
    form = page_text(c_admin.get(NEW))
    assert 'value="read"' in form and 'value="submit"' not in form
    assert "Commissioners' tokens are read-only" in form
    assert 'name="sign_off_as"' not in form

    response = c_admin.post(NEW, {"name": "Dashboard", "scopes": ["read", "submit"], "expires": "90"})

    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text
    assert "Commissioners' tokens are read-only: only providers submit returns" in text
    assert ApiToken.objects.count() == 0


def test_a_commissioner_makes_a_read_token_and_has_no_sign_off_setting(c_admin, world, page_text):
    text = page_text(c_admin.get(LIST))
    assert "API sign-off" not in text
    assert c_admin.post(SIGN_OFF, {"enabled": "on"}).status_code == 403

    response = c_admin.post(NEW, {"name": "Dashboard", "scopes": ["read"], "expires": "365"})

    assert response.status_code == 200
    (secret,) = SECRET.findall(page_text(response))
    assert _me(secret).json()["organisation"]["name"] == "Riverton City Council"


def test_missing_answers_are_listed_in_the_error_summary_linking_to_each_field(a_admin, page_text):
    response = a_admin.post(NEW, {"name": "  ", "expires": "forever"})

    assert response.status_code == 200
    text = page_text(response)
    assert text.count("There is a problem") == 1
    assert '<a href="#id_name">Enter a name that says what will use the token' in text
    assert '<a href="#id_scopes_1">Choose what the token may do' in text
    assert '<a href="#id_expires_1">Choose when the token should stop working' in text
    assert 'id="id_scopes_1"' in text and 'id="id_expires_1"' in text
    assert ApiToken.objects.count() == 0


def test_expiry_defaults_to_90_days_and_no_expiry_is_allowed(a_admin, world):
    form = a_admin.get(NEW).content.decode()
    (checked,) = re.findall(r'<input[^>]*name="expires"[^>]*checked[^>]*>', form.replace("\n", " "))
    assert 'value="90"' in checked

    a_admin.post(NEW, {"name": "Thirty", "scopes": ["read"], "expires": "30"})
    a_admin.post(NEW, {"name": "Forever", "scopes": ["read"], "expires": "never"})

    thirty = ApiToken.objects.get(name="Thirty").expires_at
    assert abs(thirty - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert ApiToken.objects.get(name="Forever").expires_at is None


def test_sign_off_choice_appears_only_when_api_sign_off_is_on(a_admin, world, page_text):
    assert 'name="sign_off_as"' not in a_admin.get(NEW).content.decode()

    response = a_admin.post(SIGN_OFF, {"enabled": "on"}, follow=True)
    assert "API sign-off is on" in page_text(response)

    form = page_text(a_admin.get(NEW))
    assert 'name="sign_off_as"' in form
    approver = world.users["a_approver"]
    assert f'value="{approver.pk}"' in form
    assert f'value="{world.users["a_viewer"].pk}"' not in form  # only approvers sign off

    created = a_admin.post(
        NEW,
        {"name": "Signer", "scopes": ["read", "submit"], "sign_off_as": approver.pk, "expires": "90"},
    )
    (secret,) = SECRET.findall(page_text(created))
    assert ApiToken.objects.get(name="Signer").sign_off_as == approver
    assert _me(secret).json()["token"]["signs_off_as"] == approver.get_full_name()


def test_a_token_that_signs_off_needs_the_submit_scope(a_admin, world, page_text):
    acting = acting_for(world.users["a_admin"], None)
    api_sign_off_set(acting=acting, enabled=True)

    response = a_admin.post(
        NEW,
        {"name": "Signer", "scopes": ["read"], "sign_off_as": world.users["a_approver"].pk, "expires": "90"},
    )

    text = page_text(response)
    assert '<a href="#id_sign_off_as">A token that signs off returns also needs the submit scope' in text
    assert ApiToken.objects.count() == 0


def test_a_sign_off_choice_is_ignored_while_api_sign_off_is_off(a_admin, world):
    a_admin.post(
        NEW,
        {
            "name": "Sly",
            "scopes": ["read", "submit"],
            "sign_off_as": world.users["a_approver"].pk,
            "expires": "90",
        },
    )

    assert ApiToken.objects.get(name="Sly").sign_off_as is None


def test_switching_api_sign_off_on_and_off_is_audited(a_admin, world, page_text):
    a_admin.post(SIGN_OFF, {"enabled": "on"})
    world.provider_a.refresh_from_db()
    assert world.provider_a.api_sign_off_enabled

    response = a_admin.post(SIGN_OFF, {}, follow=True)

    assert "API sign-off is off: no token can sign off returns." in page_text(response)
    world.provider_a.refresh_from_db()
    assert not world.provider_a.api_sign_off_enabled
    actions = list(
        AuditEntry.objects.filter(organisation=world.provider_a, action__startswith="api_sign_off")
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )
    assert actions == ["api_sign_off.enable", "api_sign_off.disable"]
    assert a_admin.get(SIGN_OFF).status_code == 405


def test_the_list_says_when_a_signing_token_cannot_sign_off(a_admin, world, page_text):
    acting = acting_for(world.users["a_admin"], None)
    api_sign_off_set(acting=acting, enabled=True)
    world.provider_a.refresh_from_db()
    _token_of(world, scopes=["read", "submit"], sign_off_as=world.users["a_approver"])
    api_sign_off_set(acting=acting_for(world.users["a_admin"], None), enabled=False)

    text = page_text(a_admin.get(LIST))

    assert world.users["a_approver"].get_full_name() in text
    assert "not while API sign-off is off" in text


def test_team_and_account_pages_link_admins_to_api_tokens(client, world, sign_in):
    sign_in(world.users["a_admin"])
    assert LIST in client.get("/account/team/").content.decode()
    assert LIST in client.get("/account/").content.decode()
    client.post("/account/sign-out/")

    sign_in(world.users["a_viewer"])
    assert LIST not in client.get("/account/team/").content.decode()
    assert LIST not in client.get("/account/").content.decode()


@pytest.mark.django_db
def test_the_demo_tokens_work_and_loading_them_again_replaces_them():
    demo_seed()
    old = [secret for _, secret in demo_api_tokens_seed()]
    new = [secret for _, secret in demo_api_tokens_seed()]
    assert len(old) == len(new) == 2
    assert all(_me(raw).status_code == 401 for raw in old)
    provider, council = (_me(raw).json() for raw in new)
    assert provider["organisation"]["name"] == "Acme Homecare Ltd"
    assert provider["token"]["scopes"] == ["read", "submit"]
    assert council["organisation"]["name"] == "Riverton City Council"
    assert council["token"]["scopes"] == ["read"]
    assert ApiToken.objects.count() == 2
    assert Membership.objects.filter(user__email="admin@acme.example", is_admin=True).exists()
