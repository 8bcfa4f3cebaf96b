"""Template context shared by every page: the service name, who is acting where, and the page's help."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django.http import HttpRequest

from accounts.help.links import help_link
from accounts.jobs import Backlog, jobs_backlog
from accounts.navigation import service_navigation

BACKLOG_CHECKED_EVERY = 15  # seconds: each web process looks at the outbox this often at most


def service(request: HttpRequest) -> dict:
    acting = getattr(request, "acting", None)
    match = getattr(request, "resolver_match", None)
    return {
        "service_name": settings.SERVICE_NAME,
        "acting": acting,
        "capabilities": {c.value for c in acting.capabilities} if acting else set(),
        "navigation": service_navigation(request.path, acting) if acting else [],
        "help_link": help_link(
            match.view_name if match else None,
            bool(acting and acting.is_provider),
            acting.membership.role if acting else "",
            bool(acting and acting.membership.is_admin),
        ),
        "background": _backlog()
        if getattr(getattr(request, "user", None), "is_authenticated", False)
        else None,
    }


def _backlog() -> Backlog | None:
    """Background work that is late, for the banner on every page (None when all is well)."""
    local = caches["local"]
    backlog = local.get("background-backlog")
    if backlog is None:
        try:
            backlog = jobs_backlog()
        except DatabaseError:
            return None
        local.set("background-backlog", backlog, BACKLOG_CHECKED_EVERY)
    return backlog if backlog.any else None
