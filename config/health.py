"""A health check for load balancers, `make up` and the on-call engineer.

200 while pages can be served: "ok", or "degraded" naming the part that is away (the broker, the
shared cache, the virus scanner: uploads of evidence wait for it) or background work that is late. 503 only when the database is unavailable. No
details leak: only states and counts.
"""

from __future__ import annotations

import redis
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from accounts.jobs import jobs_backlog
from accounts.virus_scanner import scanner_state


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    checks: dict[str, object] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError:
        checks["database"] = "unavailable"
    if settings.CONFIG.tasks_in_process:
        checks["tasks"] = "in-process"
    else:
        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
            checks["tasks"] = "ok"
        except (redis.RedisError, OSError):
            checks["tasks"] = "broker unavailable"
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        try:
            caches["default"].get("health")
            checks["cache"] = "ok"
        except (redis.RedisError, OSError):
            checks["cache"] = "unavailable"
    if settings.CLAMAV_URL:
        checks["virus_scanner"] = scanner_state()
    if checks["database"] == "ok":
        backlog = jobs_backlog()
        checks["background"] = {"delayed": backlog.delayed, "failed": backlog.failed}
    if checks["database"] != "ok":
        status = "unhealthy"
    elif (
        checks["tasks"] == "broker unavailable"
        or "unavailable" in (checks.get("cache"), checks.get("virus_scanner"))
        or backlog.any
    ):
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse({"status": status, **checks}, status=503 if status == "unhealthy" else 200)
