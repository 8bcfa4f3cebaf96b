"""The address a request came from, read correctly behind the service's own TLS proxy.

``REMOTE_ADDR`` is the address that connected to the application server. Behind a reverse proxy
that is the proxy, so every person would share one address (and anyone could lock everyone out).
When the connecting address is one of ``TRUSTED_PROXIES`` (addresses or networks, from the
environment), the client is the right-most ``X-Forwarded-For`` entry that is not itself a trusted
proxy; otherwise the header is ignored, since anyone can send it.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip())


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address (see the module's notes)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _trusted(remote, networks):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([part for part in forwarded if part]):
        if not _trusted(address, networks):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote  # a malformed entry: trust nothing beyond the proxy
    return remote
