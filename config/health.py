"""A health check for load balancers and `make up`: the database, and the broker when there is one."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 with each component "ok", or 503 naming the component that failed (no details leak)."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    if settings.CONFIG.tasks_in_process:
        checks["tasks"] = "in-process"
    else:
        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
            checks["tasks"] = "ok"
        except redis.RedisError:
            checks["tasks"] = "broker unavailable"
    healthy = all(value in {"ok", "in-process"} for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", **checks}, status=200 if healthy else 503
    )
