"""A target's trend chart as plain SVG: monthly values as a line with round markers, quarterly values
as a bar across the quarter's three months with a square marker (dotted for a quarter still running:
its figure so far), the target as a dashed line, and the RAG bands shaded behind them (green region,
amber tolerance band, red region).

Colour is never the only cue: the bands are named inside the chart where there is room and in the
legend, which says what each covers; the series differ in marker and line. The page puts a table
of every value beside the chart.
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from outcomes.portfolio.funnel_chart import FONT, GRID, TEXT, fmt, percent_axis
from outcomes.portfolio.trend import Band, Trend

WIDTH, HEIGHT = 680, 340
LEFT, RIGHT, TOP, BOTTOM = 48, 56, 16, 100
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
MONTHLY, QUARTERLY, TARGET = "#1d70b8", "#0b0c0c", "#0b0c0c"
SHADES = {"Green": "#cce2d8", "Amber": "#fff2a8", "Red": "#f6d7d2"}
SO_FAR = "2 3"  # the dots of a quarter still running


def _regions(band: Band, higher: bool, low: float, high: float) -> list[tuple[str, float, float]]:
    """(name, bottom, top) of the band's three regions, within the axis."""
    target, tolerance = float(band.target), float(band.tolerance)
    if higher:
        regions = [
            ("Green", target, high),
            ("Amber", target - tolerance, target),
            ("Red", low, target - tolerance),
        ]
    else:
        regions = [
            ("Green", low, target),
            ("Amber", target, target + tolerance),
            ("Red", target + tolerance, high),
        ]
    return [(name, max(low, a), min(high, b)) for name, a, b in regions if min(high, b) > max(low, a)]


def band_words(band: Band, higher: bool) -> list[tuple[str, str]]:
    """What each region covers, in words: ("Green", "90% or more"), …"""
    target, edge = (
        fmt(float(band.target)),
        fmt(float(band.target - band.tolerance if higher else band.target + band.tolerance)),
    )
    if higher:
        return [
            ("Green", f"{target}% or more"),
            ("Amber", f"{edge}% to under {target}%"),
            ("Red", f"under {edge}%"),
        ]
    return [
        ("Green", f"{target}% or less"),
        ("Amber", f"over {target}% to {edge}%"),
        ("Red", f"over {edge}%"),
    ]


def month_axes(
    months: list, low: float, high: float, step: float, *, x, y, left: float, width: float, bottom: float
) -> list[str]:
    """A monthly chart's axes: the percent grid with its labels, and a tick with its label at each
    quarter's first month (``x`` and ``y`` place a month's index and a percentage)."""
    parts = []
    grid = low
    while grid <= high + 0.001:
        parts.append(
            f'<line x1="{left}" y1="{y(grid):.1f}" x2="{left + width}" y2="{y(grid):.1f}" stroke="{GRID}" '
            f'stroke-width="0.5"/><text x="{left - 5}" y="{y(grid) + 4:.1f}" text-anchor="end" '
            f'fill="{TEXT}">{fmt(grid)}%</text>'
        )
        grid += step
    for index, month in enumerate(months):
        if month.month in (1, 4, 7, 10):
            parts.append(
                f'<line x1="{x(index):.1f}" y1="{bottom}" x2="{x(index):.1f}" y2="{bottom + 4}" '
                f'stroke="{TEXT}"/><text x="{x(index):.1f}" y="{bottom + 16}" text-anchor="middle" '
                f'fill="{TEXT}" font-size="10">{month:%b %y}</text>'
            )
    return parts


def trend_chart(trend: Trend, *, chart_id: str, title: str) -> SafeString:
    """The SVG chart of a trend (see outcomes.portfolio.trend)."""
    count = len(trend.months)
    values = [float(r.result.value) for r in trend.monthly + trend.quarterly if r.result.value is not None]
    edges = [float(b.target) + sign * float(b.tolerance) for b in trend.bands for sign in (-1, 0, 1)]
    low, high, step = percent_axis(values + edges)

    def x(index: float) -> float:
        return LEFT + PLOT_W * index / count

    def y(value: float) -> float:
        return TOP + PLOT_H * (high - value) / (high - low)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="portfolio-chart__svg app-chart--trend" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'aria-labelledby="{chart_id}-title" font-family="{FONT}" font-size="11">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    for band in trend.bands:
        for name, bottom, top in _regions(band, trend.higher, low, high):
            parts.append(
                f'<rect x="{x(band.first):.1f}" y="{y(top):.1f}" width="{x(band.last + 1) - x(band.first):.1f}" '
                f'height="{y(bottom) - y(top):.1f}" fill="{SHADES[name]}"/>'
            )
            if y(bottom) - y(top) >= 13 and band.last - band.first >= 1:
                parts.append(
                    f'<text x="{x(band.last + 1) - 4:.1f}" y="{(y(bottom) + y(top)) / 2 + 4:.1f}" '
                    f'text-anchor="end" fill="{TEXT}" font-size="10" font-style="italic">{name}</text>'
                )
    parts.extend(
        month_axes(trend.months, low, high, step, x=x, y=y, left=LEFT, width=PLOT_W, bottom=TOP + PLOT_H)
    )
    for band in trend.bands:
        level = y(float(band.target))
        if y(high) <= level <= y(low):
            parts.append(
                f'<line x1="{x(band.first):.1f}" y1="{level:.1f}" x2="{x(band.last + 1):.1f}" y2="{level:.1f}" '
                f'stroke="{TARGET}" stroke-width="1.4" stroke-dasharray="6 4"/>'
            )
    index_of = {month: i for i, month in enumerate(trend.months)}
    for row in trend.quarterly:
        first = index_of.get(row.result.period_start)
        if first is None or row.result.value is None:
            continue
        level, middle = y(float(row.result.value)), x(first + 1.5)
        dotted = f' stroke-dasharray="{SO_FAR}"' if row.running else ""
        parts.append(
            f'<line x1="{x(first) + 2:.1f}" y1="{level:.1f}" x2="{x(first + 3) - 2:.1f}" y2="{level:.1f}" '
            f'stroke="{QUARTERLY}" stroke-width="2.4"{dotted}/>'
            f'<rect x="{middle - 3.5:.1f}" y="{level - 3.5:.1f}" width="7" height="7" fill="#ffffff" '
            f'stroke="{QUARTERLY}" stroke-width="1.6"/>'
        )
    points = [
        (x(index_of[r.result.period_start] + 0.5), y(float(r.result.value)))
        for r in trend.monthly
        if r.result.value is not None and r.result.period_start in index_of
    ]
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        parts.append(
            f'<line x1="{ax:.1f}" y1="{ay:.1f}" x2="{bx:.1f}" y2="{by:.1f}" stroke="{MONTHLY}" stroke-width="2"/>'
        )
    parts.extend(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.2" fill="{MONTHLY}"/>' for cx, cy in points)
    parts.extend(_legend(trend))
    parts.append("</svg>")
    # Every piece of text above is escaped or a number formatted here.
    return mark_safe("".join(parts))  # noqa: S308


def _legend(trend: Trend) -> list[str]:
    top = HEIGHT - 62
    parts, left = [], LEFT
    keys = [("Monthly value", "circle"), ("Quarterly value", "square"), ("Target", "dash")]
    if trend.running:
        keys.insert(2, ("Quarter so far", "dotted"))
    for label, kind in keys:
        if kind == "circle":
            parts.append(
                f'<line x1="{left}" y1="{top}" x2="{left + 22}" y2="{top}" stroke="{MONTHLY}" stroke-width="2"/>'
                f'<circle cx="{left + 11}" cy="{top}" r="3.2" fill="{MONTHLY}"/>'
            )
        elif kind in ("square", "dotted"):
            dotted = f' stroke-dasharray="{SO_FAR}"' if kind == "dotted" else ""
            parts.append(
                f'<line x1="{left}" y1="{top}" x2="{left + 22}" y2="{top}" stroke="{QUARTERLY}" '
                f'stroke-width="2.4"{dotted}/>'
                f'<rect x="{left + 7.5}" y="{top - 3.5}" width="7" height="7" fill="#ffffff" stroke="{QUARTERLY}"/>'
            )
        else:
            parts.append(
                f'<line x1="{left}" y1="{top}" x2="{left + 22}" y2="{top}" stroke="{TARGET}" '
                f'stroke-width="1.4" stroke-dasharray="6 4"/>'
            )
        parts.append(f'<text x="{left + 28}" y="{top + 4}" fill="{TEXT}">{label}</text>')
        left += 40 + 6 * len(label)
    if trend.bands:
        band = trend.bands[-1]
        left = LEFT
        latest = " (the target in force at the end of the chart)" if len(trend.bands) > 1 else ""
        parts.append(f'<text x="{LEFT}" y="{top + 24}" fill="{TEXT}">RAG bands{escape(latest)}:</text>')
        for name, words in band_words(band, trend.higher):
            parts.append(
                f'<rect x="{left}" y="{top + 33}" width="14" height="10" fill="{SHADES[name]}" stroke="{GRID}"/>'
                f'<text x="{left + 19}" y="{top + 42}" fill="{TEXT}">{name}: {escape(words)}</text>'
            )
            left += 44 + 6 * len(name + words)
    return parts
