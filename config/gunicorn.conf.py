"""The web server's settings (``make up`` via the Procfile, and the load benchmark).

Responses carry no ``Server`` header: naming the software and its version only helps someone
looking for a known weakness. gunicorn has no setting for this, so its response's default headers
are filtered here, once, when the server loads this file.
"""

from __future__ import annotations

from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def _without_server(self) -> list[str]:
    return [header for header in _default_headers(self) if not header.lower().startswith("server:")]


wsgi.Response.default_headers = _without_server
