"""``{% spc_icons spc %}``: a target's variation and assurance icons (Making Data Count), each with its
label and the sentence that says why, from its frozen SPC (``TargetSpc.frozen``, as pages read it and
review packs keep it); or why there is none."""

from __future__ import annotations

from django import template

from outcomes.statistics.spc import Assurance, Variation

register = template.Library()

BLUE, ORANGE, GREY = "#1d70b8", "#b35a00", "#505a5f"
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


@register.inclusion_tag("outcomes/results/_spc_icons.html")
def spc_icons(spc: dict | None, compact: bool = False) -> dict:
    """The two icons with their words (``compact``: smaller, for a table cell)."""
    if not spc or "points" not in spc:
        return {"spc": spc, "analysed": False, "compact": compact}
    variation = Variation(spc["variation"])
    assurance = Assurance(spc["assurance"]) if spc["assurance"] else None
    return {
        "spc": spc,
        "analysed": True,
        "compact": compact,
        "variation_colour": VARIATION_LOOK[variation][0],
        "variation_letter": VARIATION_LOOK[variation][1],
        "assurance_colour": ASSURANCE_LOOK[assurance][0] if assurance else GREY,
        "assurance_letter": ASSURANCE_LOOK[assurance][1] if assurance else "",
    }
