"""Settling a long-lived process: load once what it keeps for its life, then set it aside from the
cycle collector.

Python's cycle collector walks every object a process holds in each full collection, and one falls
due every few requests that make many objects (the portfolio dashboard's, say). A web worker holds
some 200,000 objects once the service is loaded and its templates compiled: walking them took tens
of milliseconds of the request that met the collection, the slowest twentieth of requests. Set aside
with ``gc.freeze``, they are never walked again; what each request makes is collected as usual.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def templates_compile() -> int:
    """Compile every template the service's template engine can find: its own folder and the apps'
    (forms, the API's pages). Django's cached loader keeps each compiled, as its first use would, so
    that none is compiled after the process settles. Returns how many were compiled; one that does
    not compile is logged and left for its first use to report."""
    from django.conf import settings
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template
    from django.template.utils import get_app_template_dirs

    engines: list[dict[str, Any]] = settings.TEMPLATES
    roots = [*map(Path, engines[0]["DIRS"]), *map(Path, get_app_template_dirs("templates"))]
    names = sorted({path.relative_to(root).as_posix() for root in roots for path in root.rglob("*.html")})
    compiled = 0
    for name in names:
        try:
            get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError):
            logger.warning("The template %s did not compile while the process settled", name, exc_info=True)
        else:
            compiled += 1
    return compiled


def settle_web_process() -> None:
    """Compile the templates, read the URL patterns and load the modules the pages load on first use
    (the funnel limits' distribution functions), then move everything the process holds out of the
    cycle collector's sight."""
    from django.urls import get_resolver

    templates_compile()
    get_resolver().reverse_dict  # noqa: B018 - the URL patterns, read once
    import scipy.special  # type: ignore[import-untyped]  # noqa: F401 - the benchmarking pages' limits

    gc.collect()
    gc.freeze()
