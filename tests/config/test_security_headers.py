"""The headers every response carries (Content-Security-Policy, Permissions-Policy, framing), no
inline script or style in any page template, and no Server header from the production web server."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _policy(response) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/account/sign-in/", "/", "/health/", "/no-such-page/"])
def test_every_response_carries_the_policy(client, world, path):
    client.force_login(world.users["commissioner"])
    response = client.get(path)
    policy = _policy(response)
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'" and policy["base-uri"] == "'self'"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_only_the_api_reference_pages_allow_inline_styles(client):
    for path in ("/api/v1/redoc/", "/api/v1/docs/"):
        policy = _policy(client.get(path))
        assert policy["script-src"] == "'self'"
        assert "'unsafe-inline'" in policy["style-src"]


def _page_templates() -> list[Path]:
    """Templates served to browsers (the PDF templates are rendered on the server, never in a browser)."""
    return [path for path in TEMPLATES.rglob("*.html") if "pdf" not in path.relative_to(TEMPLATES).parts]


def test_no_page_template_has_inline_script_or_style():
    problems = []
    for path in _page_templates():
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(TEMPLATES)
        problems += [f"{name}: inline script" for _ in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text)]
        problems += [f"{name}: style element" for _ in re.finditer(r"<style\b", text)]
        problems += [f"{name}: style attribute" for _ in re.finditer(r"\sstyle=", text)]
        problems += [f"{name}: event handler" for _ in re.finditer(r"\son[a-z]+=\"", text)]
    assert not problems, problems


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_the_web_server_names_no_software(tmp_path):
    """gunicorn as ``make up`` runs it (its settings file), on this test's database."""
    port = _free_port()
    db = settings.DATABASES["default"]
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(gunicorn), "--config", "config/gunicorn.conf.py", "config.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": database_url},
        stdout=log,
        stderr=log,
    )
    try:
        headers = None
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as response:
                    headers = response.headers
                break
            except urllib.error.HTTPError as error:
                headers = error.headers
                break
            except OSError:
                time.sleep(0.1)
        assert headers is not None, (tmp_path / "gunicorn.log").read_text()
        assert "Server" not in headers
        assert "Content-Security-Policy" in headers
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
