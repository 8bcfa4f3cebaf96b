"""Rate limits per token (per person for browser sessions, per address when anonymous).

Two budgets: ``api`` for reading and ``api-submit`` for changes, set by API_READ_RATE and
API_SUBMIT_RATE. Counts live in the cache, so several web processes need a shared cache
(CACHE_URL, e.g. Redis). While that cache cannot be reached, each process counts on its own
(``FallbackCache``): the API keeps answering, limited per process, instead of failing.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from django.core.cache import caches
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.client_ip import client_ip

logger = logging.getLogger("accounts.api")


class FallbackCache:
    """The shared cache, or this process's own while the shared one cannot be reached."""

    def _use(self, method: str, *args: Any) -> Any:
        try:
            return getattr(caches["default"], method)(*args)
        except (redis.exceptions.RedisError, OSError) as error:
            logger.warning(
                "The shared cache cannot be reached (%s): rate limits count in this process", error
            )
            return getattr(caches["local"], method)(*args)

    def get(self, key: str, default: Any = None) -> Any:
        return self._use("get", key, default)

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        self._use("set", key, value, timeout)


class PerTokenThrottle(SimpleRateThrottle):
    cache = FallbackCache()

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        self.scope = "api" if request.method in SAFE_METHODS else "api-submit"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        if getattr(request.auth, "prefix", None):
            ident = f"token-{request.auth.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{client_ip(request)}"
        return f"throttle:{self.scope}:{ident}"
