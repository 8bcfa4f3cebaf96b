"""Per request: the organisation a signed-in person is acting in; a session's absolute lifetime; the
security headers every response carries."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.access import ActingRequest, acting_for

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


class SecurityHeadersMiddleware:
    """Headers beyond Django's own: a Permissions-Policy turning off every browser feature the
    service never uses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
