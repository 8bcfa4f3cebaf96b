"""``{% spc_icons spc %}``: a target's variation and assurance icons (Making Data Count), each with its
label and the sentence that says why, from its frozen SPC (``TargetSpc.frozen``, as pages read it and
review packs keep it); or why there is none."""

from __future__ import annotations

from django import template

from outcomes.results.spc_glyphs import assurance_glyph, variation_glyph

register = template.Library()


@register.inclusion_tag("outcomes/results/_spc_icons.html")
def spc_icons(spc: dict | None, compact: bool = False) -> dict:
    """The two icons with their words (``compact``: smaller, for a table cell)."""
    if not spc or not spc.get("variation"):
        return {"spc": spc, "analysed": False, "compact": compact}
    return {
        "spc": spc,
        "analysed": True,
        "compact": compact,
        "variation_glyph": variation_glyph(spc["variation"]),
        "assurance_glyph": assurance_glyph(spc["assurance"]),
    }


@register.simple_tag
def variation_icon(variation: str, size: int = 18):
    """A variation icon's drawing alone (its words go beside it)."""
    return variation_glyph(variation, size, "dashboard-cell__glyph")


@register.simple_tag
def assurance_icon(assurance: str, size: int = 18):
    """An assurance icon's drawing alone (its words go beside it)."""
    return assurance_glyph(assurance or None, size, "dashboard-cell__glyph")
