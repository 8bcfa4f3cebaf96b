"""The API's shared behaviour: tokens, who-am-I, problem details, the schema and the docs."""

from __future__ import annotations

import re

import pytest

from accounts.access import acting_for
from accounts.api.problems import PROBLEM_TYPES
from accounts.api.tokens import api_sign_off_set, api_token_create, api_token_revoke
from accounts.models import ApiToken, Membership, Role
from accounts.views.errors import page_not_found, server_error
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _prefix(raw: str) -> str:
    """The stored, shown part of a token: 'hco_' and its id (the secret part may hold '_')."""
    return "_".join(raw.split("_", 2)[:2])


def test_me_with_a_token_names_the_organisation_and_scopes(api_world, api):
    response = api(api_world.tokens["a_submit"]).get("/api/v1/me/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["organisation"]["name"] == "Acme Homecare Ltd"
    assert body["via"] == "token"
    assert body["token"]["scopes"] == ["read", "submit"]
    assert "returns.submit" in body["capabilities"]


def test_no_token_is_a_401_problem(api_world, api):
    response = api(None).get("/api/v1/me/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["type"] == "/api/v1/problems/not-authenticated/"
    assert body["status"] == 401


def test_schema_and_docs_are_served(client, db):
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"/static/drf_spectacular_sidecar/" in docs.content
    redoc = client.get("/api/v1/redoc/")
    assert redoc.status_code == 200
    for page in (docs, redoc):  # every script and style from this service, none from elsewhere
        assets = re.findall(rb'(?:src|href)="([^"]+)"', page.content)
        assert assets
        assert all(not asset.startswith((b"http:", b"https:", b"//")) for asset in assets), assets


def test_a_token_is_stored_only_as_a_digest(api_world):

    raw = api_world.tokens["a_read"]
    token = ApiToken.objects.get(prefix=_prefix(raw))
    assert raw not in (token.key_hash, token.prefix, token.name)
    assert len(token.key_hash) == 64
    assert token.prefix == raw[: len(token.prefix)]


def test_the_token_keyword_works_too_and_last_use_is_recorded(api_world):
    from rest_framework.test import APIClient

    raw = api_world.tokens["c_read"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get("/api/v1/me/").status_code == 200
    assert ApiToken.objects.get(prefix=_prefix(raw)).last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer hco_nothing_here", "Bearer not-a-token", "Bearer two words"],
)
def test_a_wrong_token_is_a_401_saying_what_to_do(api_world, header):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "/api/v1/problems/authentication-failed/"
    assert body["detail"]


def test_a_revoked_or_expired_token_stops_working_at_once(api_world, api):
    from django.utils import timezone

    raw = api_world.tokens["a_read"]
    token = ApiToken.objects.get(prefix=_prefix(raw))
    assert api(raw).get("/api/v1/me/").status_code == 200
    api_token_revoke(acting=acting_for(api_world.users["a_admin"], api_world.provider_a.pk), token=token)
    assert api(raw).get("/api/v1/me/").status_code == 401

    other = api_world.tokens["c_read"]
    ApiToken.objects.filter(prefix=_prefix(other)).update(expires_at=timezone.now())
    assert api(other).get("/api/v1/me/").status_code == 401


def test_only_admins_make_tokens_and_commissioners_tokens_are_read_only(api_world):
    from django.core.exceptions import PermissionDenied, ValidationError

    submitter = acting_for(api_world.users["a_submitter"], api_world.provider_a.pk)
    with pytest.raises(PermissionDenied):
        api_token_create(acting=submitter, name="x", scopes=["read"])
    council_admin = acting_for(api_world.users["c_admin"], api_world.council.pk)
    with pytest.raises(ValidationError) as caught:
        api_token_create(acting=council_admin, name="BI", scopes=["read", "submit"])
    assert "read-only" in caught.value.message_dict["scopes"][0]


def test_sign_off_needs_the_organisation_switch_and_an_approver(api_world):
    from django.core.exceptions import ValidationError

    admin = acting_for(api_world.users["b_admin"], api_world.provider_b.pk)
    with pytest.raises(ValidationError) as caught:
        api_token_create(
            acting=admin, name="x", scopes=["read", "submit"], sign_off_as=api_world.users["b_admin"]
        )
    assert "Turn on API sign-off" in caught.value.message_dict["sign_off_as"][0]
    api_sign_off_set(acting=admin, enabled=True)
    admin = acting_for(api_world.users["b_admin"], api_world.provider_b.pk)
    with pytest.raises(ValidationError) as caught:
        api_token_create(
            acting=admin, name="x", scopes=["read", "submit"], sign_off_as=api_world.users["a_approver"]
        )
    assert "approver of your organisation" in caught.value.message_dict["sign_off_as"][0]
    made = api_token_create(
        acting=admin, name="x", scopes=["read", "submit"], sign_off_as=api_world.users["b_admin"]
    )
    assert made.token.sign_off_as == api_world.users["b_admin"]


def test_a_browser_session_reads_the_api_and_changes_need_csrf(api_world, client):
    from django.test import Client

    client.force_login(api_world.users["a_viewer"])
    body = client.get("/api/v1/me/").json()
    assert body["via"] == "session"
    assert body["user"] == api_world.users["a_viewer"].get_full_name()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(api_world.users["a_submitter"])
    response = strict.post("/api/v1/me/", {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["type"] == "/api/v1/problems/forbidden/"
    assert "CSRF" in response.json()["detail"]


def test_a_person_without_an_organisation_gets_a_403_problem(db, client):

    client.force_login(UserFactory(email="loner@example.org"))
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_an_unknown_address_is_a_404_problem(api_world, api):
    response = api(api_world.tokens["a_read"]).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "/api/v1/problems/not-found/"


def test_each_problem_type_describes_itself(client, db):

    for slug, problem in PROBLEM_TYPES.items():
        body = client.get(problem.uri).json()
        assert body == {
            "type": problem.uri,
            "status": problem.status,
            "title": problem.title,
            "description": problem.description,
        }, slug
    assert client.get("/api/v1/problems/no-such-problem/").status_code == 404


def test_a_crash_under_the_api_is_a_500_problem_not_an_html_page(rf):

    response = server_error(rf.get("/api/v1/results/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert b"server-error" in response.content
    assert page_not_found(rf.get("/api/v1/x"))["Content-Type"] == "application/problem+json"
    assert page_not_found(rf.get("/contracts/x"))["Content-Type"].startswith("text/html")


def test_the_index_lists_the_collections(client, db):
    body = client.get("/api/v1/").json()
    assert body["schema"].endswith("/api/v1/schema/")
    assert body["docs"].endswith("/api/v1/docs/")
    assert body["me"].endswith("/api/v1/me/")


def test_the_schema_is_valid_openapi_3(db):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert "apiToken" in schema["components"]["securitySchemes"]
    me = schema["paths"]["/api/v1/me/"]["get"]
    assert {"200", "401", "403", "429"} <= set(me["responses"])
    assert "application/problem+json" in me["responses"]["401"]["content"]


def test_requests_are_limited_per_token_with_a_429_problem(api_world, api, settings):
    import os

    # Counted in Redis, as in production (CACHE_URL); the rest of the suite keeps a local cache.
    # Each test process has its own Redis database (tests/conftest.py), so counts never mix.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["TEST_CACHE_URL"],
        }
    }
    from django.core.cache import caches

    cache = caches["default"]
    assert type(cache).__name__ == "RedisCache"
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/minute", "api-submit": "1/minute"},
    }
    busy = api(api_world.tokens["a_read"])
    for _ in range(3):
        assert busy.get("/api/v1/me/").status_code == 200
    response = busy.get("/api/v1/me/")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    assert response.json()["type"] == "/api/v1/problems/throttled/"
    # Another token of the same organisation has its own budget.
    assert api(api_world.tokens["a_submit"]).get("/api/v1/me/").status_code == 200
    counted = cache._cache.get_client().keys("*throttle:api:token-*")
    assert len(counted) == 2
    cache.clear()


@pytest.mark.parametrize(
    "cursor", ["cD1hYmM=", "cD0xOTk5LTk5LTk5", "cD05OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "%%%"]
)
def test_a_cursor_edited_by_hand_is_never_a_crash(api_world, api, cursor):
    """p=abc, p=1999-99-99, p=(past any id), and not base64: a 404 problem, or a page if it still reads."""
    reader = api(api_world.tokens["c_read"])
    for path in (
        "/api/v1/results/",
        "/api/v1/returns/",
        "/api/v1/monthly-returns/",
        "/api/v1/contracts/",
        "/api/v1/notices/",
        "/api/v1/qaf-status/",
        "/api/v1/review-actions/",
    ):
        response = reader.get(path, {"cursor": cursor})
        assert response.status_code in (200, 404), (path, response.status_code)
        if response.status_code == 404:
            assert response["Content-Type"] == "application/problem+json"
    assert reader.get("/api/v1/results/", {"cursor": "cD1hYmM="}).status_code == 404


def test_an_id_filter_past_what_a_database_holds_is_a_400_naming_it(api_world, api):
    reader = api(api_world.tokens["c_read"])
    for path in ("/api/v1/results/", "/api/v1/returns/", "/api/v1/notices/", "/api/v1/qaf-status/"):
        response = reader.get(path, {"contract": str(10**20)})
        assert response.status_code == 400, path
        assert "contract" in response.json()["field_errors"]


def test_json_nested_too_deeply_is_a_400_problem(api_world, api):
    response = api(api_world.tokens["a_submit"]).post(
        "/api/v1/returns/nil/", data="[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["type"] == "/api/v1/problems/malformed-request/"


def test_who_am_i_names_the_approver_only_while_the_token_can_sign_off(api_world, api):

    token = api(api_world.tokens["a_sign_off"])
    assert token.get("/api/v1/me/").json()["token"]["signs_off_as"] == api_world.users["a_approver"].full_name
    Membership.objects.filter(user=api_world.users["a_approver"]).update(role=Role.SUBMITTER)
    assert token.get("/api/v1/me/").json()["token"]["signs_off_as"] is None


def test_a_percent_sign_in_a_filter_is_quoted_back_not_read_as_a_format(api_world, api):
    response = api(api_world.tokens["c_read"]).get("/api/v1/monthly-returns/", {"period_from": "%C2%d"})
    assert response.status_code == 400
    assert "%C2%d" in response.json()["field_errors"]["period_from"][0]


def test_with_the_shared_cache_away_the_api_answers_and_still_limits_per_process(api_world, api, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/1",
        },
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api-fallback"},
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/minute", "api-submit": "1/minute"},
    }
    busy = api(api_world.tokens["a_read"])
    for _ in range(3):
        assert busy.get("/api/v1/me/").status_code == 200  # reads keep working without Redis
    assert busy.get("/api/v1/me/").status_code == 429  # counted in this process meanwhile
