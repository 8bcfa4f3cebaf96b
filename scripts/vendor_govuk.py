"""Copy the precompiled govuk-frontend files into static/govuk/ for this service.

This service is run by councils and the NHS, not GOV.UK, so the GDS Transport
font and the crown/crest artwork are left out: the font falls back to Arial
and the footer copyright logo is not used.

Usage:
    npm pack govuk-frontend@6.6.0 && tar xzf govuk-frontend-6.6.0.tgz
    python scripts/vendor_govuk.py package/dist/govuk static/govuk
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

FILES = (
    "govuk-frontend.min.css",
    "govuk-frontend.min.css.map",
    "govuk-frontend.min.js",
    "govuk-frontend.min.js.map",
)


def vendor(source: Path, target: Path) -> None:
    """Copy the built CSS/JS (with source maps) and strip GOV.UK-only branding."""
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(source / name, target / name)
    css_path = target / "govuk-frontend.min.css"
    css = css_path.read_text(encoding="utf-8")
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    css = css.replace("GDS Transport,", "")
    css = css.replace("font-family:GDS Transport", "font-family:arial,sans-serif")
    css = css.replace("url(/assets/images/govuk-crest.svg)", "none")
    if "url(/assets/" in css:
        raise SystemExit("govuk-frontend CSS still references /assets/: update this script")
    css_path.write_text(css, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    vendor(Path(sys.argv[1]), Path(sys.argv[2]))
