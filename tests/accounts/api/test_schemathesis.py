"""The served OpenAPI schema, exercised by schemathesis: generated requests to every operation
(a bounded number of examples each) never make a server error, and every answer — status code,
content type, headers and body — is one the schema documents."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

MAX_EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _served_schema():
    """The schema as served at /api/v1/schema/, calling the application in-process (WSGI)."""
    return schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


schema = _served_schema()


@pytest.fixture(autouse=True)
def _in_process_requests(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "100000/minute", "api-submit": "100000/minute"},
    }
    # As Django's test client does: keep the test's transaction open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@EXAMPLES
def test_a_provider_token_gets_only_documented_answers(case, api_world):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_world.tokens['a_sign_off']}"}, checks=CHECKS
    )


@schema.include(method="GET").parametrize()
@EXAMPLES
def test_a_commissioner_token_gets_only_documented_answers(case, api_world):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_world.tokens['c_read']}"}, checks=CHECKS)
