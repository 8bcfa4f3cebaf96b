"""Resolve the organisation a signed-in person is acting in, once per request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
