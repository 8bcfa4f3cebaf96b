"""``{% spc_icons spc %}``: a target's variation and assurance icons (Making Data Count), each with its
label and the sentence that says why, from its SPC (``outcomes.results.spc``); or why there is none."""

from __future__ import annotations

from django import template

from outcomes.results.spc import TargetSpc
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
def spc_icons(spc: TargetSpc | None, compact: bool = False) -> dict:
    """The two icons with their words; ``compact`` shows the labels and keeps each sentence for a
    reader who opens it (a table cell), else every sentence is shown."""
    analysis = spc.analysis if spc else None
    if analysis is None:
        return {"spc": spc, "analysis": None, "compact": compact}
    variation, assurance = analysis.variation, analysis.assurance
    return {
        "spc": spc,
        "analysis": analysis,
        "compact": compact,
        "variation": variation,
        "variation_colour": VARIATION_LOOK[variation][0],
        "variation_letter": VARIATION_LOOK[variation][1],
        "assurance": assurance,
        "assurance_colour": ASSURANCE_LOOK[assurance][0] if assurance else GREY,
        "assurance_letter": ASSURANCE_LOOK[assurance][1] if assurance else "",
    }
