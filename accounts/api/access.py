"""Access to API endpoints: the same organisation rules as the pages, plus token scopes.

Every endpoint sees ``request.acting``: for a session, the organisation chosen in the header;
for a token, its organisation with the token's capabilities. Selectors scope every query by it,
so another organisation's object is a 404, exactly as on the pages.
"""

from __future__ import annotations

from rest_framework import exceptions, permissions

from accounts.access import Acting, acting_for_token
from accounts.models import ApiScope


def request_acting(request) -> Acting | None:
    """The Acting for an API request (set once; also visible to the underlying Django request)."""
    acting = getattr(request._request, "api_acting", None)
    if acting is None:
        token = request.auth if getattr(request.auth, "scopes", None) is not None else None
        acting = acting_for_token(token) if token is not None else getattr(request._request, "acting", None)
        request._request.api_acting = acting
        request._request.acting = acting
    return acting


class ApiAccess(permissions.BasePermission):
    """Signed in or holding a token, in an organisation, with the scope the endpoint needs.

    A view names its scope with ``required_scope`` (default: ``read`` for reading, ``submit``
    for changes). ``read`` endpoints also accept a ``submit`` token when the view lists it in
    ``also_scopes``, so a submitting system can follow its own submissions.
    """

    message = "You are signed in but not a member of any organisation, so there is nothing to show."

    def has_permission(self, request, view) -> bool:
        if request.user is None or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated(
                "Send an API token in the Authorization header ('Bearer hco_…'), or sign in."
            )
        acting = request_acting(request)
        if acting is None:
            return False
        if acting.token is not None:
            needed = required_scope(request, view)
            accepted = {needed, *getattr(view, "also_scopes", ())}
            if not accepted & set(acting.token.scopes):
                raise exceptions.PermissionDenied(
                    f"This token does not have the '{needed}' scope that this request needs. "
                    "An admin of your organisation can make a token with it."
                )
        return True


def required_scope(request, view) -> str:
    scope = getattr(view, "required_scope", None)
    if isinstance(scope, dict):
        scope = scope.get(getattr(view, "action", None) or request.method.lower())
    if scope:
        return scope
    return ApiScope.READ if request.method in permissions.SAFE_METHODS else ApiScope.SUBMIT


class Public(permissions.BasePermission):
    """The schema, the docs and the problem types: no organisation data, open to anyone."""

    def has_permission(self, request, view) -> bool:
        return True
