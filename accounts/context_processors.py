"""Template context shared by every page: the service name and who is acting where."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def service(request: HttpRequest) -> dict:
    acting = getattr(request, "acting", None)
    return {
        "service_name": settings.SERVICE_NAME,
        "acting": acting,
        "capabilities": {c.value for c in acting.capabilities} if acting else set(),
    }
