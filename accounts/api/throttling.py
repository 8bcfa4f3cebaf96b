"""Rate limits per token (per person for browser sessions, per address when anonymous).

Two budgets: ``api`` for reading and ``api-submit`` for changes, set by API_READ_RATE and
API_SUBMIT_RATE. Counts live in the cache, so several web processes need a shared cache
(CACHE_URL, e.g. Redis).
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class PerTokenThrottle(SimpleRateThrottle):
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
            ident = f"address-{self.get_ident(request)}"
        return f"throttle:{self.scope}:{ident}"
