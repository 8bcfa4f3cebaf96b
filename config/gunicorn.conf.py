"""The web server's settings (``make up`` via the Procfile, and the load benchmark).

Responses carry no ``Server`` header: naming the software and its version only helps someone
looking for a known weakness. gunicorn has no setting for this, so its response's default headers
are filtered here, once, when the server loads this file.

Each worker, once it has loaded the service, sets what it loaded aside from the cycle collector
(``post_worker_init``).
"""

from __future__ import annotations

import gc

from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def _without_server(self) -> list[str]:
    return [header for header in _default_headers(self) if not header.lower().startswith("server:")]


wsgi.Response.default_headers = _without_server


def post_worker_init(worker) -> None:
    """Once a worker has loaded the service (Django, the apps and their modules, kept for as long as
    the worker lives), move all of it out of the cycle collector's sight (``gc.freeze``). Otherwise
    every full collection walks it all again: one falls due every few requests that make many
    objects (the portfolio dashboard's, say), and on a process of some 190,000 objects each took
    over a hundred milliseconds of that request, against about ten once they are set aside."""
    gc.collect()
    gc.freeze()
