"""Per request: the organisation a signed-in person is acting in; a session's absolute lifetime; the
security headers every response carries."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts import two_factor
from accounts.access import ActingRequest, acting_for
from accounts.models import User

SESSION_KEY = "current_organisation_id"


class CurrentOrganisationMiddleware:
    """Set ``request.acting`` (an Acting, or None when signed out or without any organisation)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: ActingRequest) -> HttpResponse:
        request.acting = None
        if request.user.is_authenticated:
            request.acting = acting_for(request.user, request.session.get(SESSION_KEY))
        return self.get_response(request)


SIGNED_IN_AT = "signed_in_at"
# Browser features the service never uses, turned off for every page (and anything embedded in it).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), usb=(), serial=(), hid=(), bluetooth=(), interest-cohort=()"
)


class SessionLifetimeMiddleware:
    """End a session SESSION_MAX_HOURS after sign-in, however active it has been (the idle limit is
    Django's own): the person signs in again, and is told why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(timezone.now().timestamp())
            started = request.session.setdefault(SIGNED_IN_AT, now)
            if now - int(started) > settings.SESSION_MAX_HOURS * 3600:
                logout(request)
                messages.info(
                    request,
                    f"You were signed out: a session lasts at most {settings.SESSION_MAX_HOURS} hours. "
                    "Sign in again to carry on.",
                )
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class TwoFactorMiddleware:
    """A session signed in with a password but not yet with the second step the person has or must
    have (``accounts.two_factor``) reaches only that step's pages, signing out, the help pages and
    static files: anything else goes to the step (setting the app up first when there is none), then
    back; the API answers 403."""

    OPEN = (
        "accounts:two-factor",
        "accounts:two-factor-setup",
        "accounts:sign-out",
        "accounts:signed-out",
        # The guides hold no organisation's data, and explain the second step.
        "help:index",
        "help:guide",
        "help:image",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith((settings.STATIC_URL, "/health/")) or not two_factor.needs_second_step(
            request
        ):
            return self.get_response(request)
        match = getattr(request, "resolver_match", None) or _resolve(request.path_info)
        if match is not None and match.view_name in self.OPEN:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "title": "Finish signing in",
                    "detail": "Enter the code from your authenticator app in the web application first.",
                    "status": 403,
                },
                status=403,
                content_type="application/problem+json",
            )
        person = cast(User, request.user)
        step = "accounts:two-factor" if two_factor.is_set_up(person) else "accounts:two-factor-setup"
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")


def _resolve(path: str):
    try:
        return resolve(path)
    except Resolver404:
        return None


class SecurityHeadersMiddleware:
    """Headers beyond Django's own: a Permissions-Policy turning off every browser feature the
    service never uses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


# Writes that are not the person's work: the session and sign-in records, and audit entries (a change
# writes its own rows too; a view event, the only write of a GET, saves nothing of the person's).
_HOUSEKEEPING_TABLES = ("django_session", "axes_", "accounts_job", "accounts_auditentry")


class SavedWorkMiddleware:
    """Notes whether the request committed a change of the person's, so that an error page says
    truthfully whether anything was saved (``request_saved_something``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = {"committed": False, "watching": None}
        request.saved_work = state  # type: ignore[attr-defined]

        def note_writes(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            verb = sql.lstrip()[:6].upper()
            if verb in ("INSERT", "UPDATE", "DELETE") and not any(t in sql for t in _HOUSEKEEPING_TABLES):
                db = context["connection"]
                if not db.in_atomic_block:
                    state["committed"] = True  # autocommit: the write is saved already
                elif state["watching"] is not db.atomic_blocks[0]:
                    state["watching"] = db.atomic_blocks[0]  # once per transaction
                    db.on_commit(lambda: state.update(committed=True))
            return result

        with connection.execute_wrapper(note_writes):
            return self.get_response(request)


def request_saved_something(request: HttpRequest) -> bool:
    """Whether the request committed a change before it failed (see ``SavedWorkMiddleware``)."""
    return bool(getattr(request, "saved_work", {}).get("committed"))
