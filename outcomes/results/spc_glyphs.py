"""The two SPC icons (Making Data Count) as small SVG drawings, for the pages that show them (the icons
tag, the portfolio matrix): a circle in the icon's colour, a line that wanders for variation (with H or
L for special cause above or below the mean), P or F for assurance (a line crossing the target for
hit and miss). The words beside or behind each icon carry its meaning; the drawing is decoration."""

from __future__ import annotations

from functools import cache

from django.utils.safestring import SafeString, mark_safe

from outcomes.statistics.spc import Assurance, Variation

BLUE, ORANGE, GREY = "#1d70b8", "#b35a00", "#505a5f"  # each passes 3:1 against white
VARIATION_LOOK = {  # colour, letter (high or low)
    Variation.COMMON_CAUSE: (GREY, ""),
    Variation.IMPROVEMENT_HIGH: (BLUE, "H"),
    Variation.IMPROVEMENT_LOW: (BLUE, "L"),
    Variation.CONCERN_HIGH: (ORANGE, "H"),
    Variation.CONCERN_LOW: (ORANGE, "L"),
}
ASSURANCE_LOOK = {
    Assurance.CONSISTENT_PASS: (BLUE, "P"),
    Assurance.CONSISTENT_FAIL: (ORANGE, "F"),
    Assurance.HIT_AND_MISS: (GREY, ""),
}
TEXT = 'text-anchor="middle" font-family="Arial, sans-serif" font-weight="700"'


def _open(size: int, colour: str, css_class: str) -> str:
    return (
        f'<svg class="{css_class}" viewBox="0 0 32 32" width="{size}" height="{size}" aria-hidden="true" '
        f'focusable="false"><circle cx="16" cy="16" r="14" fill="#ffffff" stroke="{colour}" stroke-width="3"/>'
    )


@cache
def variation_glyph(variation: str, size: int = 32, css_class: str = "app-spc__glyph") -> SafeString:
    colour, letter = VARIATION_LOOK[Variation(variation)]
    if letter:
        body = (
            f'<polyline points="7,15 11,9 15,13 19,7 25,11" fill="none" stroke="{colour}" stroke-width="2.2" '
            f'stroke-linejoin="round"/><text x="16" y="27" {TEXT} font-size="11" fill="{colour}">{letter}</text>'
        )
    else:
        body = (
            f'<polyline points="7,19 11,13 15,17 19,11 25,15" fill="none" stroke="{colour}" stroke-width="2.2" '
            'stroke-linejoin="round"/>'
        )
    return mark_safe(_open(size, colour, css_class) + body + "</svg>")  # noqa: S308 - no outside text


@cache
def assurance_glyph(assurance: str | None, size: int = 32, css_class: str = "app-spc__glyph") -> SafeString:
    if not assurance:
        return mark_safe(  # noqa: S308 - no outside text
            _open(size, GREY, css_class)
            + f'<line x1="9" y1="16" x2="23" y2="16" stroke="{GREY}" stroke-width="2.2"/></svg>'
        )
    colour, letter = ASSURANCE_LOOK[Assurance(assurance)]
    if letter:
        body = f'<text x="16" y="22" {TEXT} font-size="17" fill="{colour}">{letter}</text>'
    else:
        body = (
            f'<line x1="6" y1="16" x2="26" y2="16" stroke="{colour}" stroke-width="1.6" stroke-dasharray="3 2"/>'
            f'<polyline points="7,20 11,11 15,21 19,11 23,20" fill="none" stroke="{colour}" stroke-width="2.2" '
            'stroke-linejoin="round"/>'
        )
    return mark_safe(_open(size, colour, css_class) + body + "</svg>")  # noqa: S308 - no outside text


def _inner(svg: str) -> str:
    """A drawing's shapes without its <svg> wrapper (for a <symbol>)."""
    return svg[svg.index(">") + 1 : svg.rindex("</svg>")]


@cache
def glyph_symbols() -> SafeString:
    """Every icon once, as <symbol>s a page draws with ``glyph_use`` (a page of hundreds of cells)."""
    symbols = [
        f'<symbol id="spc-v-{variation.value}" viewBox="0 0 32 32">{_inner(variation_glyph(variation.value))}</symbol>'
        for variation in Variation
    ] + [
        f'<symbol id="spc-a-{assurance.value}" viewBox="0 0 32 32">{_inner(assurance_glyph(assurance.value))}</symbol>'
        for assurance in Assurance
    ]
    symbols.append(f'<symbol id="spc-a-none" viewBox="0 0 32 32">{_inner(assurance_glyph(None))}</symbol>')
    return mark_safe(  # noqa: S308 - no outside text
        '<svg xmlns="http://www.w3.org/2000/svg" class="app-spc-symbols" width="0" height="0" aria-hidden="true" '
        'focusable="false">' + "".join(symbols) + "</svg>"
    )


def glyph_use(kind: str, value: str | None, size: int = 18) -> str:
    """An icon drawn from ``glyph_symbols``: ``kind`` "v" (variation) or "a" (assurance)."""
    return (
        f'<svg class="dashboard-cell__glyph" width="{size}" height="{size}" aria-hidden="true" focusable="false">'
        f'<use href="#spc-{kind}-{value or "none"}"/></svg>'
    )
