"""Every API error is a problem-details body (RFC 9457): type, title, status, detail, and for
bad input ``field_errors`` naming each field and what to fix. Content type application/problem+json.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from accounts.middleware import request_saved_something

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "/api/v1/problems/"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str
    description: str

    @property
    def uri(self) -> str:
        return f"{TYPE_BASE}{self.slug}/"


PROBLEM_TYPES = {
    problem.slug: problem
    for problem in [
        ProblemType(
            "validation",
            400,
            "Your request has problems",
            "One or more fields are missing or wrong. field_errors names each field and says what to fix; "
            "nothing was saved.",
        ),
        ProblemType(
            "malformed-request",
            400,
            "The request could not be read",
            "The body is not valid JSON or multipart form data, or a header is malformed.",
        ),
        ProblemType(
            "not-authenticated",
            401,
            "Sign in or send an API token",
            "Send 'Authorization: Bearer <token>'. An admin of your organisation makes tokens under "
            "Team > API tokens.",
        ),
        ProblemType(
            "authentication-failed",
            401,
            "The API token was not accepted",
            "The token is wrong, revoked or expired. Ask an admin of your organisation for a new one.",
        ),
        ProblemType(
            "forbidden",
            403,
            "You cannot do this",
            "The token lacks the scope, or your role lacks the permission, that this request needs.",
        ),
        ProblemType(
            "not-found",
            404,
            "Not found",
            "There is nothing at this address that your organisation can see. Records of other "
            "organisations are reported as not found.",
        ),
        ProblemType(
            "method-not-allowed", 405, "Method not allowed", "This address does not accept that HTTP method."
        ),
        ProblemType(
            "not-acceptable",
            406,
            "Cannot answer in the format asked for",
            "The API answers in JSON (application/json).",
        ),
        ProblemType(
            "conflict",
            409,
            "The request clashes with the current state",
            "For example, the same Idempotency-Key is still being processed: retry in a moment.",
        ),
        ProblemType(
            "length-required",
            411,
            "Send the request's length",
            "A request with a body must say its size in a Content-Length header; one sent in chunks "
            "without it cannot be read.",
        ),
        ProblemType(
            "content-too-large",
            413,
            "What you sent is too large",
            "The body, a file in it, or the number of files is over this endpoint's limit; detail says "
            "the limit. It was refused before it was read, and nothing was saved.",
        ),
        ProblemType(
            "unsupported-media-type",
            415,
            "Unsupported content type",
            "Send JSON (application/json), or multipart/form-data for file uploads.",
        ),
        ProblemType(
            "idempotency-key-reused",
            422,
            "Idempotency-Key used for a different request",
            "An Idempotency-Key identifies one request. Use a new key for a different submission.",
        ),
        ProblemType(
            "throttled",
            429,
            "Too many requests",
            "This token has made too many requests. Wait for the number of seconds in Retry-After.",
        ),
        ProblemType(
            "server-error",
            500,
            "Something went wrong on our side",
            "The request was not completed and nothing from it was saved. Try again later; if it keeps "
            "happening, contact the service desk.",
        ),
    ]
}

BY_STATUS = {
    status.HTTP_400_BAD_REQUEST: "malformed-request",
    status.HTTP_401_UNAUTHORIZED: "not-authenticated",
    status.HTTP_403_FORBIDDEN: "forbidden",
    status.HTTP_404_NOT_FOUND: "not-found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method-not-allowed",
    status.HTTP_406_NOT_ACCEPTABLE: "not-acceptable",
    status.HTTP_409_CONFLICT: "conflict",
    status.HTTP_411_LENGTH_REQUIRED: "length-required",
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: "content-too-large",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported-media-type",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request clashes with the current state."
    default_code = "conflict"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used before for a different request."
    default_code = "idempotency-key-reused"


def is_api_request(request) -> bool:
    """Whether a request is to the API, whose errors are problem details (the pages' are pages)."""
    return request.path.startswith("/api/")


def problem_body(slug: str, detail: str, *, instance: str = "", field_errors: dict | None = None) -> dict:
    problem = PROBLEM_TYPES[slug]
    body = {"type": problem.uri, "title": problem.title, "status": problem.status, "detail": detail}
    if instance:
        body["instance"] = instance
    if field_errors is not None:
        body["field_errors"] = field_errors
    return body


def _flatten(detail) -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": ["message", …]}, nested fields joined by dots."""
    if isinstance(detail, list):
        detail = {"non_field_errors": detail}
    elif not isinstance(detail, dict):
        detail = {"non_field_errors": [detail]}
    flat: dict[str, list[str]] = {}
    for field, messages in detail.items():
        if isinstance(messages, dict):
            for inner, inner_messages in _flatten(messages).items():
                flat[f"{field}.{inner}"] = inner_messages
        elif isinstance(messages, list) and messages and isinstance(messages[0], dict):
            for index, item in enumerate(messages):
                for inner, inner_messages in _flatten(item).items():
                    flat[f"{field}.{index}.{inner}"] = inner_messages
        else:
            items = messages if isinstance(messages, list) else [messages]
            flat[str(field)] = [str(message) for message in items]
    return flat


def _validation_detail(field_errors: dict[str, list[str]]) -> str:
    count = sum(len(messages) for messages in field_errors.values())
    if count == 1:
        ((field, messages),) = field_errors.items()
        return messages[0] if field == "non_field_errors" else f"{field}: {messages[0]}"
    return f"There are {count} problems with the request; field_errors says what to fix in each field."


def exception_handler(exc, context):
    """DRF's exception handler, answering with problem details."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(
            str(exc) if str(exc) and "matches the given query" not in str(exc) else None
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if not isinstance(exc, exceptions.APIException):
        return None
    request = context.get("request")
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    instance = request.path if request is not None else ""
    if isinstance(exc, exceptions.ValidationError):
        field_errors = _flatten(exc.detail)
        body = problem_body(
            "validation", _validation_detail(field_errors), instance=instance, field_errors=field_errors
        )
    else:
        slug = (
            exc.default_code
            if exc.default_code in PROBLEM_TYPES
            else BY_STATUS.get(exc.status_code, "malformed-request")
        )
        if isinstance(exc, exceptions.AuthenticationFailed):
            slug = "authentication-failed"
        elif isinstance(exc, exceptions.NotAuthenticated):
            slug = "not-authenticated"
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if isinstance(exc, exceptions.Throttled):
            detail = f"Too many requests from this token. Try again in {int(exc.wait or 1)} seconds."
        body = problem_body(slug, str(detail), instance=instance)
        body["status"] = exc.status_code
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_response(request, status_code: int) -> JsonResponse:
    """For errors outside DRF's views under /api/ (an unknown address, a crash): problem JSON."""
    slug = "server-error" if status_code >= 500 else BY_STATUS.get(status_code, "malformed-request")
    problem = PROBLEM_TYPES[slug]
    detail = problem.description
    if status_code >= 500 and request_saved_something(request):
        detail = (
            "The request did not finish, but part of it was saved before the problem. Read the "
            "resource again (or replay the same Idempotency-Key) to see its state before retrying."
        )
    body = problem_body(slug, detail, instance=request.path)
    body["status"] = status_code
    return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)
