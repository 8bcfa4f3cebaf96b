"""The funnel plot as plain SVG (no charting library), in the manner of the review pack's charts.

x is the number of episodes counted (the denominator), y the value in percent. The portfolio rate
is a solid line; the 95% limits are dashed curves and the 99.8% limits solid thin curves, drawn as
polylines from the smallest to the largest denominator. Dots differ by shape, not only colour:
a circle within the 95% limits, a hollow circle "worth a look", a triangle "special cause"
(pointing up above the limits, down below them). Each dot carries its label; the page puts a
table of the same figures beside the chart.
"""

from __future__ import annotations

import math
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from outcomes.portfolio.funnel import SPECIAL_CAUSE, WORTH_A_LOOK, Z_95, Z_998, Funnel, control_limits

WIDTH, HEIGHT = 660, 380
LEFT, RIGHT, TOP, BOTTOM = 48, 130, 16, 86
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
DOT, RATE, LIMIT, GRID, TEXT = "#1d70b8", "#0b0c0c", "#505a5f", "#b1b4b6", "#0b0c0c"
WORSE, BETTER = "#d4351c", "#00703c"
STEPS = 80  # points along each limit curve


def percent_axis(values: list[float]) -> tuple[float, float, float]:
    """A y axis in whole tens of percent within 0–100 that holds every value: (bottom, top, step)."""
    if not values:
        return 0.0, 100.0, 20.0
    low = max(0.0, math.floor((min(values) - 5) / 10) * 10)
    high = min(100.0, math.ceil((max(values) + 5) / 10) * 10)
    if high - low < 20:
        low, high = (high - 20, high) if high - 20 >= 0 else (0.0, 20.0)
    return low, high, (10.0 if high - low <= 60 else 20.0)


def count_axis(largest: int) -> tuple[int, int]:
    """An x axis from 0: (top, step), the step a 1, 2 or 5 times a power of ten, about five ticks."""
    raw = max(largest, 1) / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(1, int(step))
    return step * math.ceil(largest * 1.05 / step), step


def fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def funnel_chart(funnel: Funnel, *, higher: bool, chart_id: str, title: str) -> SafeString:
    """The SVG funnel plot of a benchmark's funnel (see outcomes.portfolio.funnel)."""
    rows, rate = funnel.rows, funnel.rate
    sizes = [row.point.denominator for row in rows]
    smallest, largest = (min(sizes), max(sizes)) if sizes else (1, 1)
    known = [float(row.point.value) for row in rows]
    if rate is not None:
        wide = control_limits(rate, largest, Z_998)
        known += [float(rate * 100), float(wide[0] * 100), float(wide[1] * 100)]
    low, high, step = percent_axis(known)
    x_top, x_step = count_axis(largest)

    def x(n: float) -> float:
        return LEFT + PLOT_W * n / x_top

    def y(value: float) -> float:
        return TOP + PLOT_H * (high - value) / (high - low)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="portfolio-chart__svg app-chart--funnel" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'aria-labelledby="{chart_id}-title" font-family="{FONT}" font-size="11">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<defs><clipPath id="{chart_id}-plot"><rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" '
        f'height="{PLOT_H}"/></clipPath></defs>',
    ]
    grid = low
    while grid <= high + 0.001:
        parts.append(
            f'<line x1="{LEFT}" y1="{y(grid):.1f}" x2="{LEFT + PLOT_W}" y2="{y(grid):.1f}" stroke="{GRID}" '
            f'stroke-width="0.6"/><text x="{LEFT - 5}" y="{y(grid) + 4:.1f}" text-anchor="end" '
            f'fill="{TEXT}">{fmt(grid)}%</text>'
        )
        grid += step
    for tick in range(0, x_top + 1, x_step):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{TOP + PLOT_H}" x2="{x(tick):.1f}" y2="{TOP + PLOT_H + 4}" '
            f'stroke="{TEXT}"/><text x="{x(tick):.1f}" y="{TOP + PLOT_H + 16}" text-anchor="middle" '
            f'fill="{TEXT}">{tick}</text>'
        )
    parts.append(
        f'<text x="{LEFT + PLOT_W / 2:.1f}" y="{TOP + PLOT_H + 32}" text-anchor="middle" fill="{TEXT}">'
        "Episodes counted (the denominator)</text>"
    )
    if rate is not None and rows:
        parts.extend(_limits(rate, smallest, largest, x, y, chart_id))
        parts.append(
            f'<line x1="{LEFT}" y1="{y(float(rate * 100)):.1f}" x2="{LEFT + PLOT_W}" '
            f'y2="{y(float(rate * 100)):.1f}" stroke="{RATE}" stroke-width="2"/>'
        )
    for row in rows:
        if row.disclosed:  # another provider's small numbers are listed in the table, not plotted
            parts.extend(_dot(row, x(row.point.denominator), y(float(row.point.value)), higher))
    parts.extend(_legend())
    parts.append("</svg>")
    # Every piece of text above is escaped or a number formatted here.
    return mark_safe("".join(parts))  # noqa: S308


def _limits(rate: Decimal, smallest: int, largest: int, x, y, chart_id: str) -> list[str]:
    if largest == smallest:
        sizes = [smallest]
    else:
        sizes = sorted({round(smallest + (largest - smallest) * i / STEPS) for i in range(STEPS + 1)})
    parts = []
    for z, dash, width in ((Z_95, ' stroke-dasharray="6 4"', "1.2"), (Z_998, "", "1")):
        curves: tuple[list[str], list[str]] = ([], [])
        for n in sizes:
            for side, limit in zip(curves, control_limits(rate, n, z), strict=True):
                side.append(f"{x(n):.1f},{y(float(limit * 100)):.1f}")
        for points in curves:
            if len(points) == 1:  # one size only: a short tick marks the limit
                px, py = points[0].split(",")
                points = [f"{float(px) - 8:.1f},{py}", f"{float(px) + 8:.1f},{py}"]
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{LIMIT}" stroke-width="{width}"'
                f'{dash} clip-path="url(#{chart_id}-plot)"/>'
            )
    return parts


def _marker(kind: str, cx: float, cy: float, colour: str) -> str:
    if kind == "up":
        return f'<polygon points="{cx:.1f},{cy - 6:.1f} {cx - 6:.1f},{cy + 4.5:.1f} {cx + 6:.1f},{cy + 4.5:.1f}" fill="{colour}"/>'
    if kind == "down":
        return f'<polygon points="{cx:.1f},{cy + 6:.1f} {cx - 6:.1f},{cy - 4.5:.1f} {cx + 6:.1f},{cy - 4.5:.1f}" fill="{colour}"/>'
    if kind == "hollow":
        return (
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="#ffffff" stroke="{colour}" stroke-width="2"/>'
        )
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="{colour}"/>'


def _dot(row, cx: float, cy: float, higher: bool) -> list[str]:
    if row.flag == SPECIAL_CAUSE:
        above = (row.side == "better") == higher
        kind, colour = ("up" if above else "down"), (BETTER if row.side == "better" else WORSE)
    elif row.flag == WORTH_A_LOOK:
        kind, colour = "hollow", DOT
    else:
        kind, colour = "dot", DOT
    label = row.label if len(row.label) <= 24 else row.label[:23] + "…"
    weight = ' font-weight="bold"' if row.is_you else ""
    return [
        _marker(kind, cx, cy, colour),
        f'<text x="{cx + 8:.1f}" y="{cy + 4:.1f}" fill="{TEXT}" font-size="10"{weight}>{escape(label)}</text>',
    ]


def _legend() -> list[str]:
    top = HEIGHT - 34
    parts = []
    lines = (
        ("Portfolio rate", RATE, "", "2"),
        ("95% limits", LIMIT, ' stroke-dasharray="6 4"', "1.2"),
        ("99.8% limits", LIMIT, "", "1"),
    )
    left = LEFT
    for label, colour, dash, width in lines:
        parts.append(
            f'<line x1="{left}" y1="{top}" x2="{left + 24}" y2="{top}" stroke="{colour}" '
            f'stroke-width="{width}"{dash}/><text x="{left + 30}" y="{top + 4}" fill="{TEXT}">{label}</text>'
        )
        left += 40 + 6 * len(label)
    markers = (
        ("dot", DOT, "Within the 95% limits"),
        ("hollow", DOT, "Worth a look"),
        ("up", BETTER, "Special cause, better"),
        ("down", WORSE, "Special cause, worse"),
    )
    left = LEFT
    for kind, colour, label in markers:
        parts.append(_marker(kind, left + 6, top + 20, colour))
        parts.append(f'<text x="{left + 16}" y="{top + 24}" fill="{TEXT}">{label}</text>')
        left += 30 + 6 * len(label)
    return parts
