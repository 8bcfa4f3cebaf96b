"""`make docs-screenshots`: the guides' screenshots, taken from a demo being served.

Usage: python scripts/docs_screenshots.py BASE_URL OUT_DIR
(with DATABASE_URL naming the database the demo at BASE_URL is served from; scripts/docs_screenshots.sh
loads a fresh demo, serves it and runs this). The shots and their checks are in scripts/guide_shots.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    if len(sys.argv) != 3:
        print("Usage: python scripts/docs_screenshots.py BASE_URL OUT_DIR", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from playwright.sync_api import sync_playwright

    django.setup()
    from scripts.guide_shots import SHOTS, VIEWPORT, addresses, take_screenshots

    base, out = sys.argv[1].rstrip("/"), Path(sys.argv[2])
    paths = addresses()
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1, locale="en-GB")
        problems = take_screenshots(page, base, out, paths)
        browser.close()
    for problem in problems:
        print(problem, file=sys.stderr)
    taken = sum(1 for shot in SHOTS if (out / f"{shot.name}.png").exists())
    print(f"{taken} of {len(SHOTS)} screenshots in {out}; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
