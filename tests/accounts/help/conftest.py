"""A folder of guides of the test's own, served in place of docs/."""

from __future__ import annotations

from pathlib import Path

import pytest

# The first bytes of a PNG file: enough for a browser to know it, and for the service to serve it.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.fixture
def docs(tmp_path, settings) -> Path:
    """An empty docs folder (with guides/images/) that the help pages serve for this test."""
    folder = tmp_path / "docs"
    (folder / "guides" / "images").mkdir(parents=True)
    settings.HELP_DOCS_DIR = folder
    return folder
