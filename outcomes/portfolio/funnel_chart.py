"""The funnel plot as plain SVG (no charting library), in the manner of the review pack's charts.

x is the number of episodes counted (the denominator), y the value in percent. The portfolio rate
is a solid line; the 95% limits are dashed curves and the 99.8% limits solid thin curves, drawn as
polylines from the smallest to the largest denominator. Dots differ by shape, not only colour:
a circle within the 95% limits, a hollow circle "worth a look", a triangle "special cause"
(pointing up above the limits, down below them).

Each dot carries its number (the table beside the chart is the key: number, provider, figures,
limits and position), placed where it overlaps no other number and no dot (``place_labels``); a
number pushed away from a crowded dot is joined to it by a thin line. The drawing is 960 units wide
and scales to the page's column (see .app-chart--funnel in service.css).
"""

from __future__ import annotations

import math
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from outcomes.portfolio.funnel import SPECIAL_CAUSE, WORTH_A_LOOK, Z_95, Z_998, Funnel, control_limits

WIDTH, HEIGHT = 960, 520
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 20, 100
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
DOT, RATE, LIMIT, GRID, TEXT = "#1d70b8", "#0b0c0c", "#505a5f", "#b1b4b6", "#0b0c0c"
WORSE, BETTER = "#d4351c", "#00703c"
STEPS = 80  # points along each limit curve
FONT_SIZE = 14
CHAR_W = 8.6  # a generous width of one character of a label at FONT_SIZE (digits are 7.8)
LABEL_H = 17  # a label's box: the text's ascent and descent (15.6) and a little more
MARK = 7  # half the side of the box a dot occupies
GAP = 3  # the least space between two labels, or a label and a dot
RINGS = 12  # how far out (in steps of 14 units) a label may be pushed from its dot

Box = tuple[float, float, float, float]  # x, y, width, height


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
        wide = control_limits(rate, largest, Z_998, funnel.factor)
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
        f'aria-labelledby="{chart_id}-title" font-family="{FONT}" font-size="{FONT_SIZE}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<defs><clipPath id="{chart_id}-plot"><rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" '
        f'height="{PLOT_H}"/></clipPath></defs>',
    ]
    grid = low
    while grid <= high + 0.001:
        parts.append(
            f'<line x1="{LEFT}" y1="{y(grid):.1f}" x2="{LEFT + PLOT_W}" y2="{y(grid):.1f}" stroke="{GRID}" '
            f'stroke-width="0.6"/><text x="{LEFT - 6}" y="{y(grid) + 5:.1f}" text-anchor="end" '
            f'fill="{TEXT}">{fmt(grid)}%</text>'
        )
        grid += step
    for tick in range(0, x_top + 1, x_step):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{TOP + PLOT_H}" x2="{x(tick):.1f}" y2="{TOP + PLOT_H + 4}" '
            f'stroke="{TEXT}"/><text x="{x(tick):.1f}" y="{TOP + PLOT_H + 20}" text-anchor="middle" '
            f'fill="{TEXT}">{tick}</text>'
        )
    parts.append(
        f'<text x="{LEFT + PLOT_W / 2:.1f}" y="{TOP + PLOT_H + 40}" text-anchor="middle" fill="{TEXT}">'
        "Episodes counted (the denominator)</text>"
    )
    if rate is not None and rows:
        parts.extend(limit_curves(rate, smallest, largest, x, y, chart_id, funnel.factor))
        parts.append(
            f'<line x1="{LEFT}" y1="{y(float(rate * 100)):.1f}" x2="{LEFT + PLOT_W}" '
            f'y2="{y(float(rate * 100)):.1f}" stroke="{RATE}" stroke-width="2"/>'
        )
    plotted = [row for row in rows if row.number is not None]  # others' small numbers: table only
    centres = [(x(row.point.denominator), y(float(row.point.value))) for row in plotted]
    for row, (cx, cy) in zip(plotted, centres, strict=True):
        parts.append(_dot(row, cx, cy, higher))
    texts = [label_text(row) for row in plotted]
    for row, text, (cx, cy), box in zip(plotted, texts, centres, place_labels(centres, texts), strict=True):
        parts.extend(_label(row, text, cx, cy, box))
    parts.extend(_legend())
    parts.append("</svg>")
    # Every piece of text above is escaped or a number formatted here.
    return mark_safe("".join(parts))  # noqa: S308


def limit_curves(
    rate: Decimal, smallest: int, largest: int, x, y, chart_id: str, factor: float = 1.0
) -> list[str]:
    """The 95% (dashed) and 99.8% limit curves from the smallest to the largest denominator, clipped
    to the plot (a clipPath ``{chart_id}-plot``): the benchmarking page's and the review pack's;
    widened by ``factor`` where the page allows for over-dispersion."""
    if largest == smallest:
        sizes = [smallest]
    else:
        sizes = sorted({round(smallest + (largest - smallest) * i / STEPS) for i in range(STEPS + 1)})
    parts = []
    for z, dash, width in ((Z_95, ' stroke-dasharray="6 4"', "1.2"), (Z_998, "", "1")):
        curves: tuple[list[str], list[str]] = ([], [])
        for n in sizes:
            for side, limit in zip(curves, control_limits(rate, n, z, factor), strict=True):
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


def _dot(row, cx: float, cy: float, higher: bool) -> str:
    if row.flag == SPECIAL_CAUSE:
        above = (row.side == "better") == higher
        kind, colour = ("up" if above else "down"), (BETTER if row.side == "better" else WORSE)
    elif row.flag == WORTH_A_LOOK:
        kind, colour = "hollow", DOT
    else:
        kind, colour = "dot", DOT
    tip = f"{row.number}. {row.label}: {row.figures}, {row.flag_label}"
    return f"<g><title>{escape(tip)}</title>{_marker(kind, cx, cy, colour)}</g>"


def label_text(row) -> str:
    """The point's number, and "You" on a provider's own point."""
    return f"{row.number} You" if row.is_you else str(row.number)


def _label(row, text: str, cx: float, cy: float, box: Box) -> list[str]:
    bx, by, bw, bh = box
    parts = []
    near_x, near_y = min(max(cx, bx), bx + bw), min(max(cy, by), by + bh)
    if math.hypot(near_x - cx, near_y - cy) > MARK + 10:  # pushed away: a thin line back to its dot
        parts.append(
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{near_x:.1f}" y2="{near_y:.1f}" stroke="{LIMIT}" '
            'stroke-width="0.8"/>'
        )
    weight = ' font-weight="bold"' if row.is_you else ""
    parts.append(
        f'<text class="app-funnel-label" x="{bx + 1:.1f}" y="{by + 13.5:.1f}" fill="{TEXT}"{weight}>'
        f"{escape(text)}</text>"
    )
    return parts


def _overlap(a: Box, b: Box, gap: float = GAP) -> float:
    """The area two boxes share once each is grown by ``gap`` / 2 on every side (0 when apart)."""
    wide = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]) + gap
    tall = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]) + gap
    return max(0.0, wide) * max(0.0, tall)


def _candidates(cx: float, cy: float, w: float, h: float):
    """Places for a label round its dot, nearest first: right, left, above, below, then the corners,
    then the same a step further out."""
    for ring in range(RINGS):
        d = MARK + 3 + 14 * ring
        c = d * 0.7
        yield cx + d, cy - h / 2
        yield cx - d - w, cy - h / 2
        yield cx - w / 2, cy - d - h
        yield cx - w / 2, cy + d
        yield cx + c, cy - c - h
        yield cx + c, cy + c
        yield cx - c - w, cy - c - h
        yield cx - c - w, cy + c


def place_labels(centres: list[tuple[float, float]], texts: list[str]) -> list[Box]:
    """A box for each label, in the plot area, overlapping no other label and no dot where any such
    place is within reach (else the place that overlaps least), taken in order."""
    dots = [(cx - MARK, cy - MARK, 2 * MARK, 2 * MARK) for cx, cy in centres]
    placed: list[Box] = []
    for (cx, cy), text in zip(centres, texts, strict=True):
        w, h = CHAR_W * len(text) + 2, LABEL_H
        best: Box | None = None
        best_cost = math.inf
        for bx, by in _candidates(cx, cy, w, h):
            bx = min(max(bx, LEFT + 2), LEFT + PLOT_W - w)
            by = min(max(by, TOP), TOP + PLOT_H - h)
            box = (bx, by, w, h)
            cost = sum(_overlap(box, other) for other in placed) * 1000 + sum(
                _overlap(box, dot) for dot in dots
            )
            if cost < best_cost:
                best, best_cost = box, cost
            if cost == 0:
                break
        assert best is not None
        placed.append(best)
    return placed


def _legend() -> list[str]:
    top = HEIGHT - 40
    parts = []
    lines = (
        ("Portfolio rate", RATE, "", "2"),
        ("95% limits", LIMIT, ' stroke-dasharray="6 4"', "1.2"),
        ("99.8% limits", LIMIT, "", "1"),
    )
    left: float = LEFT
    for label, colour, dash, width in lines:
        parts.append(
            f'<line x1="{left:.1f}" y1="{top}" x2="{left + 24:.1f}" y2="{top}" stroke="{colour}" '
            f'stroke-width="{width}"{dash}/><text x="{left + 30:.1f}" y="{top + 5}" fill="{TEXT}">{label}</text>'
        )
        left += 48 + CHAR_W * len(label)
    markers = (
        ("dot", DOT, "Within the 95% limits"),
        ("hollow", DOT, "Worth a look"),
        ("up", BETTER, "Special cause, better"),
        ("down", WORSE, "Special cause, worse"),
    )
    left = LEFT
    for kind, colour, label in markers:
        parts.append(_marker(kind, left + 6, top + 24, colour))
        parts.append(f'<text x="{left + 18:.1f}" y="{top + 29}" fill="{TEXT}">{label}</text>')
        left += 40 + CHAR_W * len(label)
    return parts
