"""A web worker settles once started (config.settle, called by gunicorn's post_worker_init): every
template compiled, then what the process holds set aside from the cycle collector."""

from __future__ import annotations

import gc
from pathlib import Path

from django.conf import settings
from django.template.utils import get_app_template_dirs

from config.settle import settle_web_process, templates_compile


def test_every_template_the_engine_finds_compiles():
    roots = [Path(settings.TEMPLATES[0]["DIRS"][0]), *map(Path, get_app_template_dirs("templates"))]
    names = {path.relative_to(root).as_posix() for root in roots for path in root.rglob("*.html")}
    assert templates_compile() == len(names) > 300  # none failed: the service's and the apps' own


def test_settling_sets_what_the_process_holds_aside():
    try:
        settle_web_process()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()  # the test process goes on making and freeing objects as before


def test_the_web_server_settles_each_worker():
    source = (Path(settings.BASE_DIR) / "config" / "gunicorn.conf.py").read_text()
    namespace: dict = {}
    exec(compile(source, "gunicorn.conf.py", "exec"), namespace)  # the server's own settings file
    try:
        namespace["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
