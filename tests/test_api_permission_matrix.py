"""Every API route × every kind of caller → the expected status.

Another organisation's token gets 404 for anything it cannot see; a token without the scope
gets 403; no credentials get 401. Sessions follow the pages' rules. Every new route must add a
row here: `test_every_api_route_has_a_row` fails otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver
from rest_framework.test import APIClient

from commissioning.qaf.models import QafStatus
from commissioning.qaf.status import qaf_status_store
from outcomes.models import ReturnAttempt
from outcomes.periods import parse_period
from outcomes.results.compute import results_compute
from outcomes.returns import files as templates_files
from tests.fixtures import matrix as make

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
    return expect(200, **{"anonymous": 401, "a_submit_only": 403, **overrides})


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


def _result(w, contract_key: str) -> int:

    return results_compute(contract=w.contracts[contract_key], period=parse_period("2025-26-Q1"))[0].pk


def visible_to(*callers: str) -> dict[str, int]:
    """A detail: 200 for these callers, 404 for every other reader (403 without read scope, 401 anonymous)."""
    return read_endpoint(
        **{caller: 404 for caller in READERS if caller not in callers}, **dict.fromkeys(callers, 200)
    )


def _qaf_status(w, which: str = "a") -> int:
    """The stored overall QAF status of provider A (the council's) or Faraway Care (the other council's)."""
    provider = w.provider_a if which == "a" else w.contracts["other"].provider
    body = w.council if which == "a" else w.contracts["other"].lead_commissioner
    qaf_status_store(provider_id=provider.pk, commissioner_id=body.pk)
    return QafStatus.objects.get(provider=provider, commissioner=body, contract=None).pk


def _notice(w, state: str = "issued", council: str = "council") -> int:
    return make.notice(w, state, council)


def _review_action(w, council: str = "council") -> int:
    return make.review_action(w, "provider", council)


def _attempt(w, contract_key: str = "joint") -> int:
    """The worked-example June return on the contract, checked and awaiting sign-off."""
    return make.return_attempt(w, contract_key)


def _monthly_return(w, contract_key: str = "joint") -> int:

    return ReturnAttempt.objects.get(pk=_attempt(w, contract_key)).monthly_return_id


def _upload(w) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "contract": _joint(w),
        "period": templates_files.EXAMPLE_PERIOD,
        "file": SimpleUploadedFile("june.csv", templates_files.example_csv(), content_type="text/csv"),
    }


def _nil(w) -> dict:

    return {"contract": _joint(w), "period": templates_files.EXAMPLE_PERIOD}


# Submitting: the prime provider's submitters and approvers, with the submit scope.
SUBMIT = expect(
    403, anonymous=401, a_submit=202, a_submit_only=202, a_sign_off=202, b_submit=404, session_a_approver=202
)
# Sign-off: an approver in the portal, or a token signing off for one (API sign-off on).
SIGN_OFF = expect(403, anonymous=401, a_sign_off=200, session_a_approver=200, b_submit=404)


A_READERS = ("a_read", "a_submit", "a_sign_off", "session_a_viewer", "session_a_approver")
COUNCIL = ("c_read", "session_commissioner")

ROWS: list[Row] = [
    Row("api:index", lambda w: "/api/v1/", PUBLIC),
    Row("api:schema", lambda w: "/api/v1/schema/", PUBLIC),
    Row("api:docs", lambda w: "/api/v1/docs/", PUBLIC),
    Row("api:redoc", lambda w: "/api/v1/redoc/", PUBLIC),
    Row("api:problem-type", lambda w: "/api/v1/problems/not-found/", PUBLIC),
    Row("api:me", lambda w: "/api/v1/me/", expect(200, anonymous=401)),
    Row("api:not-found", lambda w: "/api/v1/nowhere/", expect(404)),
    # The measure library: any organisation's reader.
    Row("api:measures-list", lambda w: "/api/v1/measures/", read_endpoint()),
    Row("api:measures-detail", lambda w: "/api/v1/measures/INDEPENDENT_WITHIN/", read_endpoint()),
    # Contracts: the prime provider and subcontractors, the lead body and partners (as the pages).
    Row("api:contracts-list", lambda w: "/api/v1/contracts/", read_endpoint()),
    Row(
        "api:contracts-detail",
        lambda w: f"/api/v1/contracts/{_joint(w)}/",
        visible_to(*A_READERS, *COUNCIL, "icb_read"),
    ),
    Row(
        "api:contracts-detail",
        lambda w: f"/api/v1/contracts/{w.contracts['council_b'].pk}/",
        visible_to(*A_READERS, *COUNCIL, "b_submit"),
    ),
    Row(
        "api:contracts-detail",
        lambda w: f"/api/v1/contracts/{w.contracts['other'].pk}/",
        visible_to("other_read"),
    ),
    # Results: the prime provider (not subcontractors) and the commissioners, as the scorecard.
    Row("api:results-list", lambda w: "/api/v1/results/", read_endpoint()),
    Row(
        "api:results-detail",
        lambda w: f"/api/v1/results/{_result(w, 'joint')}/",
        visible_to(*A_READERS, *COUNCIL, "icb_read"),
    ),
    Row(
        "api:results-detail",
        lambda w: f"/api/v1/results/{_result(w, 'council_b')}/",
        visible_to(*COUNCIL, "b_submit"),
    ),
    Row("api:results-detail", lambda w: f"/api/v1/results/{_result(w, 'other')}/", visible_to("other_read")),
    # Returns: the prime provider (a submit-only token may follow its submissions) and commissioners.
    Row("api:returns-list", lambda w: "/api/v1/returns/", read_endpoint(a_submit_only=200)),
    Row(
        "api:returns-list",
        lambda w: "/api/v1/returns/",
        SUBMIT,
        method="post",
        data=_upload,
        format="multipart",
    ),
    Row("api:returns-nil", lambda w: "/api/v1/returns/nil/", SUBMIT, method="post", data=_nil),
    Row(
        "api:returns-detail",
        lambda w: f"/api/v1/returns/{_attempt(w)}/",
        visible_to(*A_READERS, *COUNCIL, "icb_read") | {"a_submit_only": 200},
    ),
    Row(
        "api:returns-detail",
        lambda w: f"/api/v1/returns/{_attempt(w, 'other')}/",
        visible_to("other_read") | {"a_submit_only": 404},
    ),
    Row(
        "api:returns-validation-report",
        lambda w: f"/api/v1/returns/{_attempt(w)}/validation-report/",
        visible_to(*A_READERS, *COUNCIL, "icb_read") | {"a_submit_only": 200},
    ),
    Row(
        "api:returns-sign-off",
        lambda w: f"/api/v1/returns/{_attempt(w)}/sign-off/",
        SIGN_OFF,
        method="post",
        data={"declaration": True, "acknowledge_warnings": True},
    ),
    Row("api:monthly-returns-list", lambda w: "/api/v1/monthly-returns/", read_endpoint(a_submit_only=200)),
    Row(
        "api:monthly-returns-detail",
        lambda w: f"/api/v1/monthly-returns/{_monthly_return(w)}/",
        visible_to(*A_READERS, *COUNCIL, "icb_read") | {"a_submit_only": 200},
    ),
    Row(
        "api:monthly-returns-detail",
        lambda w: f"/api/v1/monthly-returns/{_monthly_return(w, 'council_b')}/",
        visible_to(*COUNCIL, "b_submit") | {"a_submit_only": 404},
    ),
    Row(
        "api:monthly-returns-outstanding",
        lambda w: "/api/v1/monthly-returns/outstanding/",
        expect(403, anonymous=401, c_read=200, icb_read=200, other_read=200, session_commissioner=200),
    ),
    # QAF status: the provider its own, the lead body its providers' (partners do not assess).
    Row("api:qaf-status-list", lambda w: "/api/v1/qaf-status/", read_endpoint()),
    Row(
        "api:qaf-status-detail",
        lambda w: f"/api/v1/qaf-status/{_qaf_status(w)}/",
        visible_to(*A_READERS, *COUNCIL),
    ),
    Row(
        "api:qaf-status-detail",
        lambda w: f"/api/v1/qaf-status/{_qaf_status(w, 'other')}/",
        visible_to("other_read"),
    ),
    # Notices: the provider its issued ones (never drafts); the lead body and partners as the register.
    Row("api:notices-list", lambda w: "/api/v1/notices/", read_endpoint()),
    Row(
        "api:notices-detail",
        lambda w: f"/api/v1/notices/{_notice(w)}/",
        visible_to(*A_READERS, *COUNCIL, "icb_read"),
    ),
    Row("api:notices-detail", lambda w: f"/api/v1/notices/{_notice(w, 'draft')}/", visible_to(*COUNCIL)),
    Row(
        "api:notices-detail",
        lambda w: f"/api/v1/notices/{_notice(w, 'issued', 'other')}/",
        visible_to("other_read"),
    ),
    Row(
        "api:notices-detail",
        lambda w: f"/api/v1/notices/{_notice(w)}/",
        expect(405, anonymous=401, a_read=403, c_read=403, icb_read=403, other_read=403),
        method="post",
    ),
    # Review actions: the provider its own; the lead body and partners of the contracts reviewed.
    Row("api:review-actions-list", lambda w: "/api/v1/review-actions/", read_endpoint()),
    Row(
        "api:review-actions-detail",
        lambda w: f"/api/v1/review-actions/{_review_action(w)}/",
        visible_to(*A_READERS, *COUNCIL, "icb_read"),
    ),
    Row(
        "api:review-actions-detail",
        lambda w: f"/api/v1/review-actions/{_review_action(w, 'other')}/",
        visible_to("other_read"),
    ),
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
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path, data)
            # A read writes nothing but when the token was last used (and a browser session).
            changed = [
                sql for sql in make.writes(queries.captured_queries) if '"accounts_apitoken"' not in sql
            ]
            assert changed == [], f"{caller} GET {path} wrote to the database: {changed}"
            events = make.view_events(queries.captured_queries)
            assert not events or response.status_code == 200, (
                f"{caller} GET {path} recorded a view it refused"
            )
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
    routes = {name for name in make.url_names(get_resolver().url_patterns) if name.startswith("api:")}
    missing = routes - {row.name for row in ROWS}
    assert not missing, f"add API permission-matrix rows for: {sorted(missing)}"
