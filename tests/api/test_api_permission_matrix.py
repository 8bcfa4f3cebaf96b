"""Every API route × every kind of caller → the expected status.

Another organisation's token gets 404 for anything it cannot see; a token without the scope
gets 403; no credentials get 401. Sessions follow the pages' rules. Every new route must add a
row here: `test_every_api_route_has_a_row` fails otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from tests.test_permission_matrix import _url_names

TOKENS = ["a_read", "a_submit", "a_submit_only", "a_sign_off", "b_submit", "c_read", "icb_read", "other_read"]
SESSIONS = ["session_a_viewer", "session_a_approver", "session_commissioner"]
CALLERS = ["anonymous", *TOKENS, *SESSIONS]
PROVIDER_A_TOKENS = ["a_read", "a_submit", "a_submit_only", "a_sign_off"]
READERS = ["a_read", "a_submit", "a_sign_off", "b_submit", "c_read", "icb_read", "other_read", *SESSIONS]


def expect(default: int, **overrides: int) -> dict[str, int]:
    """Expected status per caller; group names: tokens, sessions, readers, provider_a."""
    groups = {"tokens": TOKENS, "sessions": SESSIONS, "readers": READERS, "provider_a": PROVIDER_A_TOKENS}
    result = dict.fromkeys(CALLERS, default)
    for name, status in overrides.items():
        for caller in groups.get(name, [name]):
            result[caller] = status
    return result


def read_endpoint(**overrides: int) -> dict[str, int]:
    """Readable by every caller with the read scope (a submit-only token: 403; none: 401)."""
    return expect(200, anonymous=401, a_submit_only=403, **overrides)


PUBLIC = expect(200)


@dataclass
class Row:
    name: str
    path: Callable[[object], str]
    expected: dict[str, int]
    method: str = "get"
    data: dict | Callable[[object], dict] = field(default_factory=dict)
    format: str = "json"


def _joint(w) -> int:
    return w.contracts["joint"].pk


ROWS: list[Row] = [
    Row("api:index", lambda w: "/api/v1/", PUBLIC),
    Row("api:schema", lambda w: "/api/v1/schema/", PUBLIC),
    Row("api:docs", lambda w: "/api/v1/docs/", PUBLIC),
    Row("api:redoc", lambda w: "/api/v1/redoc/", PUBLIC),
    Row("api:problem-type", lambda w: "/api/v1/problems/not-found/", PUBLIC),
    Row("api:me", lambda w: "/api/v1/me/", expect(200, anonymous=401)),
    Row("api:not-found", lambda w: "/api/v1/nowhere/", expect(404)),
]


def _client(world, caller: str) -> APIClient:
    client = APIClient()
    if caller in world.tokens:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {world.tokens[caller]}")
    elif caller.startswith("session_"):
        client.force_login(world.users[caller.removeprefix("session_")])
    return client


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_api_permission_matrix(api_world, row: Row):
    wrong = []
    for caller in CALLERS:
        path = row.path(api_world)
        data = row.data(api_world) if callable(row.data) else row.data
        client = _client(api_world, caller)
        if row.method == "get":
            response = client.get(path, data)
        else:
            response = getattr(client, row.method)(path, data, format=row.format)
        if response.status_code != row.expected[caller]:
            wrong.append(
                f"{caller}: {row.method.upper()} {path} → {response.status_code}, not {row.expected[caller]}"
            )
        if response.status_code >= 400 and row.name != "api:docs":
            assert response["Content-Type"] == "application/problem+json", f"{caller} {path}"
    assert not wrong, "\n".join(wrong)


def test_every_api_route_has_a_row():
    """A new API route without a row here fails: isolation and scope rules must be pinned for it."""
    routes = {name for name in _url_names(get_resolver().url_patterns) if name.startswith("api:")}
    missing = routes - {row.name for row in ROWS}
    assert not missing, f"add API permission-matrix rows for: {sorted(missing)}"
