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

from django.utils.safestring import SafeString, mark_safe

from outcomes.periods import add_months
from outcomes.portfolio.funnel_chart import FONT, GRID, TEXT, fmt, percent_axis
from outcomes.statistics.spc import RULE_NAMES, PointType, fixed

WIDTH, HEIGHT = 680, 330
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 84
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
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


def spc_chart(spc: dict, *, chart_id: str, title: str) -> SafeString:
    """The SVG chart of a frozen SPC (``TargetSpc.frozen``), which must hold its analysis (12 values)."""
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
        return LEFT + PLOT_W * (index + 0.5) / len(months)

    def y(value: float) -> float:
        return TOP + PLOT_H * (high - min(max(value, low), high)) / (high - low)

    def inside(value: float) -> bool:
        return low <= value <= high

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="portfolio-chart__svg app-chart--trend" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'aria-labelledby="{chart_id}-title" font-family="{FONT}" font-size="11">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    grid = low
    while grid <= high + 0.001:
        parts.append(
            f'<line x1="{LEFT}" y1="{y(grid):.1f}" x2="{LEFT + PLOT_W}" y2="{y(grid):.1f}" stroke="{GRID}" '
            f'stroke-width="0.5"/><text x="{LEFT - 5}" y="{y(grid) + 4:.1f}" text-anchor="end" '
            f'fill="{TEXT}">{fmt(grid)}%</text>'
        )
        grid += step
    for index, month in enumerate(months):
        if month.month in (1, 4, 7, 10):
            parts.append(
                f'<line x1="{x(index):.1f}" y1="{TOP + PLOT_H}" x2="{x(index):.1f}" y2="{TOP + PLOT_H + 4}" '
                f'stroke="{TEXT}"/><text x="{x(index):.1f}" y="{TOP + PLOT_H + 16}" text-anchor="middle" '
                f'fill="{TEXT}" font-size="10">{month:%b %y}</text>'
            )
    left, right = LEFT, LEFT + PLOT_W
    for name, colour, width, dash in (
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
                f'stroke="{colour}" stroke-width="{width}"{dashes}/>'
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
    parts.extend(_legend())
    parts.append("</svg>")
    # Every piece of text above is escaped or a number formatted here.
    return mark_safe("".join(parts))  # noqa: S308


def _legend() -> list[str]:
    top = TOP + PLOT_H + 36
    parts, left = [], LEFT
    for kind in (PointType.COMMON_CAUSE, PointType.IMPROVEMENT, PointType.CONCERN):
        parts.append(_marker(kind, left + 6, top))
        parts.append(f'<text x="{left + 16}" y="{top + 4}" fill="{TEXT}">{TYPE_NAMES[kind]}</text>')
        left += 40 + 6 * len(TYPE_NAMES[kind])
    left = LEFT
    for label, colour, width, dash in (
        ("Mean", MEAN, 1.4, ""),
        ("Process limits", LIMITS, 1.4, "7 4"),
        ("Near limits", LIMITS, 1, "2 3"),
        ("Target", TARGET, 1.6, "9 3 2 3"),
    ):
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{left}" y1="{top + 24}" x2="{left + 24}" y2="{top + 24}" stroke="{colour}" '
            f'stroke-width="{width}"{dashes}/><text x="{left + 30}" y="{top + 28}" fill="{TEXT}">{label}</text>'
        )
        left += 44 + 6 * len(label)
    return parts
