"""The accessibility scan the browser tests run: axe-core, vendored in tests/vendor/axe-core (never
fetched from a network), with the WCAG 2.0, 2.1 and 2.2 A and AA rules."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


SERIOUS = ("serious", "critical")


def serious_violations(page: Page) -> list[str]:
    """The serious and critical violations axe finds on the page as it stands."""
    return violations(page, impacts=SERIOUS)


def violations(page: Page, impacts: tuple[str, ...] | None) -> list[str]:
    """The violations axe finds on the page as it stands, of the given impacts (None: every one)."""
    return [text for impact, text in _found(page) if impacts is None or impact in impacts]


def _found(page: Page) -> list[tuple[str, str]]:
    """Each violation axe finds on the page as it stands: its impact, and a line saying what and where."""
    # Evaluated through the browser's debugging connection, which the page's Content-Security-Policy
    # (no inline script) does not govern, unlike an added script element.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})).violations",
        TAGS,
    )
    return [
        (
            violation["impact"],
            f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']} at "
            + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3]),
        )
        for violation in found
    ]


# A laptop and a phone held upright.
WIDTHS = ({"width": 1280, "height": 800}, {"width": 375, "height": 812})


def serious_violations_at_both_widths(page: Page, every_wide: list[str] | None = None) -> list[str]:
    """The serious and critical violations at 1280 px and at 375 px wide (the page is laid out
    again, not loaded again); the page is left at the width it was scanned at last. Given a list as
    ``every_wide``, the same scan adds to it every violation at 1280 px, of any impact."""
    current = page.viewport_size or WIDTHS[0]
    found: list[str] = []
    for size in sorted(WIDTHS, key=lambda size: size["width"] != current["width"]):
        if page.viewport_size != size:
            page.set_viewport_size(size)
        scanned = _found(page)
        if every_wide is not None and size["width"] == WIDTHS[0]["width"]:
            every_wide += [text for _, text in scanned]
        found += [f"{text} (at {size['width']} px)" for impact, text in scanned if impact in SERIOUS]
    return found
