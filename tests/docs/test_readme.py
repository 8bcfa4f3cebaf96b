"""The README and the docs stay true to the tree: the layout names every package of every app, and
every relative link in README.md and docs/ reaches a file that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "providers", "commissioning", "outcomes")
NOT_LISTED = {"migrations", "management", "templatetags", "__pycache__"}
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


def _layout() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Layout", 1)[1].split("```", 2)[1]


@pytest.mark.parametrize("app", APPS)
def test_the_readme_layout_names_every_package_of_the_app(app):
    layout = _layout()
    assert re.search(rf"^{app}/", layout, flags=re.MULTILINE), f"{app}/ is not in the README's layout"
    packages = sorted(
        p.name for p in (ROOT / app).iterdir() if (p / "__init__.py").exists() and p.name not in NOT_LISTED
    )
    # Each package is listed under its app: the app's line, then indented lines until the next app.
    block = re.search(rf"^{app}/.*?(?=^\S|\Z)", layout, flags=re.MULTILINE | re.DOTALL).group(0)
    missing = [name for name in packages if not re.search(rf"^\s+{name}/", block, flags=re.MULTILINE)]
    assert not missing, f"the README's layout does not name {', '.join(missing)} under {app}/"


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file(path):
    text = path.read_text(encoding="utf-8")
    broken = [
        target
        for target in LINK.findall(text)
        if "://" not in target and not target.startswith("mailto:") and not (path.parent / target).exists()
    ]
    assert not broken, f"{path.relative_to(ROOT)} links to files that do not exist: {broken}"
