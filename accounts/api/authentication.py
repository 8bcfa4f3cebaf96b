"""Who is calling: an API token (``Authorization: Bearer hco_…``) or a signed-in browser session."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework import authentication, exceptions

from accounts.api.tokens import api_token_authenticate
from accounts.models import ApiToken


@dataclass(frozen=True)
class TokenClient:
    """``request.user`` for a token request: a system, not a person."""

    token: ApiToken
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False
    pk: None = None

    def __str__(self) -> str:
        return self.token.label


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>`` (``Token <token>`` is accepted too)."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be 'Bearer' followed by one space and the token."
            )
        token = api_token_authenticate(header[1])
        if token is None:
            raise exceptions.AuthenticationFailed(
                "The API token is not recognised, has been revoked or has expired. "
                "An admin of your organisation can make a new one under Team > API tokens."
            )
        return TokenClient(token=token), token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in browser session (with its CSRF check on changes), as on the pages."""
