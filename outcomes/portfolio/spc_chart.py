"""A target's SPC chart (XmR, the "Making Data Count" way) as plain SVG: the monthly values joined by a
line, the mean, the process limits and the near limits, the target as it stood each month, and each
value's marker by its type (common cause, special cause improvement, special cause concern).

Colour is never the only cue: the three types differ in shape (circle, square, diamond), the lines
in dash, and the legend names them all; the page puts a table of the same numbers beside the chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from html import escape
from typing import Any

from django.utils.safestring import SafeString

from outcomes.periods import add_months
from outcomes.portfolio.funnel_chart import FONT, TEXT, percent_axis
from outcomes.portfolio.svg_image import svg_shown
from outcomes.portfolio.trend_chart import month_axes
from outcomes.statistics.spc import RULE_NAMES, PointType, fixed

LEFT, RIGHT, TOP = 48, 16, 16
PAGE_SIZE, PACK_SIZE = (680, 230), (360, 150)  # the chart's width and the plot's height: a page's, a pack's
LINE, MEAN, LIMITS, TARGET = "#505a5f", "#0b0c0c", "#505a5f", "#d4351c"
COLOURS = {  # each passes 3:1 against white, as a graphical object must
    PointType.COMMON_CAUSE: "#505a5f",
    PointType.IMPROVEMENT: "#1d70b8",
    PointType.CONCERN: "#b35a00",
}
TYPE_NAMES = {
    PointType.COMMON_CAUSE: "Common cause",
    PointType.IMPROVEMENT: "Special cause improvement",
    PointType.CONCERN: "Special cause concern",
}


@dataclass(frozen=True)
class SpcRow:
    """One monthly value of the SPC table: the same numbers as the chart."""

    month: date
    value: str
    type: PointType
    type_name: str
    rules: str
    target: str
    result_id: int | None


def month_of(text: str) -> date:
    """``2025-08`` → 1 August 2025."""
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def spc_rows(spc: dict) -> list[SpcRow]:
    """Every value of a frozen SPC (``TargetSpc.frozen``) with its type and the rules that mark it (none
    below 12 values)."""
    return [
        SpcRow(
            month=month_of(point["month"]),
            value=f"{point['value']}%",
            type=PointType(point["type"]),
            type_name=TYPE_NAMES[PointType(point["type"])],
            rules="; ".join(f"{rule}, {RULE_NAMES[rule]}" for rule in point["rules"]) or "–",
            target=f"{point['target']}%" if point["target"] is not None else "–",
            result_id=point.get("result_id"),
        )
        for point in spc.get("points", [])
    ]


def _one(text: str) -> str:
    return fixed(Fraction(text), 1)


def spc_lines(spc: dict) -> dict[str, Any]:
    """A frozen SPC's lines as the table beside the chart shows them (one decimal place)."""
    if "points" not in spc:
        return {}
    return {
        **{name: f"{_one(spc[name])}%" for name in ("mean", "lower", "upper", "near_lower", "near_upper")},
        "mr_bar": fixed(Fraction(spc["mr_bar"]), 2),
        "kept": str(spc["ranges"] - spc["screened"]),
        "first": month_of(spc["points"][0]["month"]),
        "baseline_end": month_of(spc["points"][spc["baseline"] - 1]["month"]),
        "as_at": month_of(spc["as_at"]),
        "baseline_on": date.fromisoformat(spc["baseline_on"]) if spc["baseline_on"] else None,
    }


def spc_chart_title(spc: dict, name: str, reference: str) -> str:
    """The chart's accessible name: what it shows and its main figures."""
    special = sum(point["type"] != PointType.COMMON_CAUSE for point in spc["points"])
    lines = spc_lines(spc)
    return (
        f"SPC chart of {name}, {reference}: {len(spc['points'])} monthly values from {lines['first']:%B %Y} to "
        f"{lines['as_at']:%B %Y}; mean {lines['mean']}, process limits {lines['lower']} to {lines['upper']}; "
        f"{special} special cause value{'s' if special != 1 else ''}. The table below gives every value and its type."
    )


def _marker(kind: PointType, cx: float, cy: float) -> str:
    colour = COLOURS[kind]
    if kind is PointType.IMPROVEMENT:
        return f'<rect x="{cx - 4.5:.1f}" y="{cy - 4.5:.1f}" width="9" height="9" fill="{colour}"/>'
    if kind is PointType.CONCERN:
        return (
            f'<path d="M{cx:.1f} {cy - 6:.1f} L{cx + 6:.1f} {cy:.1f} L{cx:.1f} {cy + 6:.1f} '
            f'L{cx - 6:.1f} {cy:.1f} Z" fill="{colour}"/>'
        )
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.2" fill="{colour}"/>'


def spc_chart(
    spc: dict, *, chart_id: str, title: str, size: tuple[int, int] = PAGE_SIZE, image: bool = False
) -> SafeString:
    """The SVG chart of a frozen SPC (``TargetSpc.frozen``), which must hold its analysis (12 values):
    a page's, or (``size=PACK_SIZE``) a review pack's; ``image`` for a PDF (``svg_shown``)."""
    width, plot_h = size
    plot_w = width - LEFT - RIGHT
    legend = _legend(width, TOP + plot_h + 36)
    height = TOP + plot_h + 36 + 24 * (legend.count("\n") + 1) - 8
    points = spc["points"]
    first, last = month_of(points[0]["month"]), month_of(points[-1]["month"])
    months = [first]
    while months[-1] < last:
        months.append(add_months(months[-1], 1))
    index_of = {month: index for index, month in enumerate(months)}
    lines = {name: float(spc[name]) for name in ("mean", "lower", "upper", "near_lower", "near_upper")}
    targets = [float(point["target"]) for point in points if point["target"] is not None]
    values = [float(point["value"]) for point in points]
    low, high, step = percent_axis(values + [lines["lower"], lines["upper"], lines["mean"]] + targets)

    def x(index: float) -> float:
        return LEFT + plot_w * (index + 0.5) / len(months)

    def y(value: float) -> float:
        return TOP + plot_h * (high - min(max(value, low), high)) / (high - low)

    def inside(value: float) -> bool:
        return low <= value <= high

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="portfolio-chart__svg app-chart--trend" role="img" '
        f'viewBox="0 0 {width} {height}" width="{"100%" if size == PAGE_SIZE else width}" '
        f'aria-labelledby="{chart_id}-title" font-family="{FONT}" font-size="11">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    parts.extend(month_axes(months, low, high, step, x=x, y=y, left=LEFT, width=plot_w, bottom=TOP + plot_h))
    left, right = LEFT, LEFT + plot_w
    for name, colour, stroke, dash in (
        ("near_lower", LIMITS, 1, "2 3"),
        ("near_upper", LIMITS, 1, "2 3"),
        ("lower", LIMITS, 1.4, "7 4"),
        ("upper", LIMITS, 1.4, "7 4"),
        ("mean", MEAN, 1.4, ""),
    ):
        if inside(lines[name]):
            dashes = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{left}" y1="{y(lines[name]):.1f}" x2="{right}" y2="{y(lines[name]):.1f}" '
                f'stroke="{colour}" stroke-width="{stroke}"{dashes}/>'
            )
    for point in points:  # the target as it stood each month: a step line
        if point["target"] is not None and inside(float(point["target"])):
            index, level = index_of[month_of(point["month"])], y(float(point["target"]))
            parts.append(
                f'<line x1="{x(index - 0.5):.1f}" y1="{level:.1f}" x2="{x(index + 0.5):.1f}" y2="{level:.1f}" '
                f'stroke="{TARGET}" stroke-width="1.6" stroke-dasharray="9 3 2 3"/>'
            )
    placed = [
        (x(index_of[month_of(point["month"])]), y(float(point["value"])), PointType(point["type"]))
        for point in points
    ]
    for (ax, ay, _), (bx, by, _) in zip(placed, placed[1:], strict=False):
        parts.append(
            f'<line x1="{ax:.1f}" y1="{ay:.1f}" x2="{bx:.1f}" y2="{by:.1f}" stroke="{LINE}" stroke-width="1.4"/>'
        )
    parts.extend(_marker(kind, cx, cy) for cx, cy, kind in placed)
    parts.append(legend.replace("\n", ""))
    parts.append("</svg>")
    return svg_shown(
        "".join(parts),
        title=title,
        width=width,
        height=height,
        image=image,
        css_class="pack-chart__svg pack-spc-chart",
    )


def _legend(width: int, top: float) -> str:
    """The key: each marker and line with its name, flowing onto a new row ("\\n") where the width ends."""
    items = [
        (_marker(kind, 6, 0), TYPE_NAMES[kind], 16)
        for kind in (PointType.COMMON_CAUSE, PointType.IMPROVEMENT, PointType.CONCERN)
    ] + [
        (
            f'<line x1="0" y1="0" x2="24" y2="0" stroke="{colour}" stroke-width="{stroke}"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + "/>",
            label,
            30,
        )
        for label, colour, stroke, dash in (
            ("Mean", MEAN, 1.4, ""),
            ("Process limits", LIMITS, 1.4, "7 4"),
            ("Near limits", LIMITS, 1, "2 3"),
            ("Target", TARGET, 1.6, "9 3 2 3"),
        )
    ]
    wide = width >= PAGE_SIZE[0]  # a page's chart: the markers on one row, the lines on the next
    start = LEFT if wide else 8
    parts: list[str] = []
    left, row = float(start), 0
    for index, (mark, label, gap) in enumerate(items):
        span = gap + (6 if wide else 5.2) * len(label) + 14
        if (left + span > width - RIGHT and left > start) or (wide and index == 3):
            parts.append("\n")
            left, row = float(start), row + 1
        y = top + 24 * row
        parts.append(f'<g transform="translate({left:.1f} {y})">{mark}</g>')
        size = "" if wide else ' font-size="10"'
        parts.append(f'<text x="{left + gap:.1f}" y="{y + 4}" fill="{TEXT}"{size}>{label}</text>')
        left += span
    return "".join(parts)
