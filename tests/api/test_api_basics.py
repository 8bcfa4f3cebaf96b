"""The API's shared behaviour: tokens, who-am-I, problem details, the schema and the docs."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


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
