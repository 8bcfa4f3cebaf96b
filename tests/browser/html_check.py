"""The HTML check the browser tests run: the Nu HTML Checker (vnu.jar, pinned and fetched by
scripts/fetch_vnu.py, whose path scripts/test.sh exports as VNU_JAR) under Debian's Java."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

MISSING = "the HTML check needs Java and VNU_JAR (scripts/fetch_vnu.py); `make test` sets both"


def html_checker() -> tuple[str, str] | None:
    """Java and the checker's jar; None when either is missing, which fails the test in CI and
    `make test` (and only skips the HTML check elsewhere)."""
    jar, java = os.environ.get("VNU_JAR", ""), shutil.which("java")
    if jar and Path(jar).is_file() and java:
        return java, jar
    if os.environ.get("CI") or os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(MISSING)
    return None


def html_errors(checker: tuple[str, str], pages: dict[Path, str]) -> list[str]:
    """The HTML errors in the saved pages (file -> the page's address), checked in one run."""
    java, jar = checker
    if not pages:
        return []
    run = subprocess.run(
        [java, "-jar", jar, "--errors-only", "--format", "json", "--stdout", "--exit-zero-always", *pages],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    by_file = {file.resolve().as_uri(): address for file, address in pages.items()}
    by_file.update({uri.replace("file:///", "file:/", 1): address for uri, address in by_file.items()})
    return [
        f"{by_file.get(message.get('url', ''), message.get('url'))} line {message.get('lastLine')}: "
        f"{message['message']} ({message.get('extract', '').strip()})"
        for message in json.loads(run.stdout)["messages"]
        if message["type"] != "info"
    ]
