"""The web server's settings (``make up`` via the Procfile, and the load benchmark).

Responses carry no ``Server`` header: naming the software and its version only helps someone
looking for a known weakness. gunicorn has no setting for this, so its response's default headers
are filtered here, once, when the server loads this file.

Each worker, once it has loaded the service, compiles the templates and sets everything it loaded
aside from the cycle collector (``post_worker_init``, ``config.settle``).
"""

from __future__ import annotations

from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def _without_server(self) -> list[str]:
    return [header for header in _default_headers(self) if not header.lower().startswith("server:")]


wsgi.Response.default_headers = _without_server


def post_worker_init(worker) -> None:
    """Once a worker has loaded the service (Django, the apps and their modules, kept for as long as
    the worker lives), compile the templates and move all of it out of the cycle collector's sight
    (``config.settle``): otherwise every full collection walks it all again."""
    from config.settle import settle_web_process

    settle_web_process()
