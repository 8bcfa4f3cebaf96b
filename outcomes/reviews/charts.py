"""Quarterly charts for the review pack: plain SVG written here (no charting library), so that one
drawing serves both the web page (inline) and the PDF (as an image, below).

A chart shows one target's quarterly values for the financial year as a line with round markers,
the same quarters a year earlier (when stored) as a dotted line with square markers, and the
target as a dashed line (a step where the target changed during the year). Colour is never the
only cue: the three lines differ in dash pattern and marker, and a legend names them. Each chart
has an accessible name; the pack puts a table of the same figures beside it.

The PDF takes each chart as an image of the same SVG (``image=True``: an <img> whose alt text is the
chart's accessible name), which WeasyPrint reads as a document of its own, apart from the page's
HTML and its style cascade: the same drawing, made in less time.

The position among the other providers is a funnel plot (``peers_chart``), drawn as the
benchmarking page's (outcomes.portfolio.funnel_chart: its axes and its limit curves): each other
provider a small round dot (all in one path of zero-length strokes with round caps, so hundreds
cost the PDF little), this provider a diamond named on the chart, the rate of every provider
compared a solid line, and the 95% and 99.8% limits curves. The table beside it gives the same
position in figures (pack_measure.html).
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString

from outcomes.portfolio.funnel import Z_998, control_limits
from outcomes.portfolio.funnel_chart import count_axis, fmt, limit_curves, percent_axis
from outcomes.portfolio.svg_image import svg_shown

WIDTH, HEIGHT = 360, 214
LEFT, RIGHT, TOP, BOTTOM = 42, 12, 16, 60
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
THIS_YEAR, LAST_YEAR, TARGET, GRID, TEXT = "#1d70b8", "#505a5f", "#0b0c0c", "#b1b4b6", "#0b0c0c"
QUARTER_MONTHS = ("Apr–Jun", "Jul–Sep", "Oct–Dec", "Jan–Mar")


def _number(text: str | None) -> float | None:
    try:
        return None if text is None or text == "" else float(text)
    except (TypeError, ValueError):
        return None


def _opening(chart_id: str, title: str) -> list[str]:
    """A pack chart's <svg> tag and its accessible name."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pack-chart__svg" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-labelledby="{chart_id}-title" font-family="{FONT}" font-size="10">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]


def _closing(parts: list[str], title: str, image: bool) -> SafeString:
    """The chart's SVG (``parts`` without its closing tag) inline, or for the PDF (``image``) as an
    image of the same SVG whose alt text is its accessible name."""
    return svg_shown("".join([*parts, "</svg>"]), title=title, width=WIDTH, height=HEIGHT, image=image)


def _percent_grid(low: float, high: float, step: float, y) -> list[str]:
    """The gridlines of the percent axis, each labelled on the left."""
    parts, grid = [], low
    while grid <= high + 0.001:
        parts.append(
            f'<line x1="{LEFT}" y1="{y(grid):.1f}" x2="{WIDTH - RIGHT}" y2="{y(grid):.1f}" '
            f'stroke="{GRID}" stroke-width="0.6"/>'
            f'<text x="{LEFT - 5}" y="{y(grid) + 3.5:.1f}" text-anchor="end" fill="{TEXT}">{fmt(grid)}%</text>'
        )
        grid += step
    return parts


def quarter_chart(
    row: dict, *, chart_id: str, year_label: str, previous_label: str, image: bool = False
) -> SafeString:
    """The SVG chart of one scorecard row of the frozen pack figures (see pack_figures); ``image``
    for the PDF (see the module's notes)."""
    this_year = [_number(cell["value"]) if cell else None for cell in row["quarters"]]
    last_year = [_number(cell["value"]) if cell else None for cell in row.get("previous_year") or [None] * 4]
    targets = [_number(value) for value in row.get("quarter_targets") or [None] * 4]
    fallback = _number(row.get("target_value"))
    targets = [value if value is not None else fallback for value in targets]
    known = [v for v in (*this_year, *last_year, *targets) if v is not None]
    low, high, step = percent_axis(known)

    def x(index: float) -> float:
        return LEFT + (index + 0.5) * PLOT_W / 4

    def y(value: float) -> float:
        return TOP + PLOT_H * (high - value) / (high - low)

    title = _description(row, year_label, previous_label, this_year, last_year, targets)
    parts = [*_opening(chart_id, title), *_percent_grid(low, high, step, y)]
    for index, months in enumerate(QUARTER_MONTHS):
        parts.append(
            f'<text x="{x(index):.1f}" y="{TOP + PLOT_H + 13}" text-anchor="middle" font-weight="bold" '
            f'fill="{TEXT}">Q{index + 1}</text>'
            f'<text x="{x(index):.1f}" y="{TOP + PLOT_H + 24}" text-anchor="middle" fill="{LAST_YEAR}" '
            f'font-size="8.5">{months}</text>'
        )
    # The target: a dashed step across each quarter's slot, joined where it changes.
    steps = [
        (x(i - 0.5), x(i + 0.5), value)
        for i, value in enumerate(targets)
        if value is not None and low <= value <= high
    ]
    if steps:
        points = " ".join(f"{a:.1f},{y(v):.1f} {b:.1f},{y(v):.1f}" for a, b, v in steps)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{TARGET}" stroke-width="1.4" '
            f'stroke-dasharray="6 4"/>'
        )
    parts.extend(_series(last_year, x, y, LAST_YEAR, "2 3", square=True, labels=False))
    parts.extend(_series(this_year, x, y, THIS_YEAR, "", square=False, labels=True))
    parts.extend(_legend(year_label, previous_label, any(v is not None for v in last_year), bool(steps)))
    return _closing(parts, title, image)


def _series(values, x, y, colour: str, dash: str, *, square: bool, labels: bool) -> list[str]:
    parts = []
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    width = "2.4" if not square else "1.4"
    for index in range(3):
        a, b = values[index], values[index + 1]
        if a is not None and b is not None:
            parts.append(
                f'<line x1="{x(index):.1f}" y1="{y(a):.1f}" x2="{x(index + 1):.1f}" y2="{y(b):.1f}" '
                f'stroke="{colour}" stroke-width="{width}"{dashes}/>'
            )
    for index, value in enumerate(values):
        if value is None:
            continue
        cx, cy = x(index), y(value)
        if square:
            parts.append(
                f'<rect x="{cx - 3:.1f}" y="{cy - 3:.1f}" width="6" height="6" fill="#ffffff" '
                f'stroke="{colour}" stroke-width="1.4"/>'
            )
        else:
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.6" fill="{colour}"/>')
        if labels:
            # A white backing keeps the label readable where it crosses the target line.
            text = f"{value:.1f}%"
            parts.append(
                f'<rect x="{cx - 3.2 * len(text):.1f}" y="{cy - 16:.1f}" width="{6.4 * len(text):.1f}" '
                f'height="11" fill="#ffffff" fill-opacity="0.85"/>'
                f'<text x="{cx:.1f}" y="{cy - 7:.1f}" text-anchor="middle" font-weight="bold" '
                f'fill="{TEXT}">{text}</text>'
            )
    return parts


def _legend(year_label: str, previous_label: str, with_previous: bool, with_target: bool) -> list[str]:
    top = HEIGHT - 16
    items = [(year_label, THIS_YEAR, "", "circle")]
    if with_previous:
        items.append((previous_label, LAST_YEAR, "2 3", "square"))
    if with_target:
        items.append(("Target", TARGET, "6 4", ""))
    parts, left = [], LEFT
    for label, colour, dash, marker in items:
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{left}" y1="{top}" x2="{left + 22}" y2="{top}" stroke="{colour}" '
            f'stroke-width="{1.4 if dash else 2.4}"{dashes}/>'
        )
        if marker == "circle":
            parts.append(f'<circle cx="{left + 11}" cy="{top}" r="3.2" fill="{colour}"/>')
        elif marker == "square":
            parts.append(
                f'<rect x="{left + 8}" y="{top - 3}" width="6" height="6" fill="#ffffff" stroke="{colour}"/>'
            )
        parts.append(f'<text x="{left + 27}" y="{top + 3.5}" fill="{TEXT}">{escape(label)}</text>')
        left += 34 + 6 * len(label)
    return parts


def _description(row, year_label, previous_label, this_year, last_year, targets) -> str:
    def said(values: list[float | None]) -> str:
        return ", ".join(
            f"Q{i + 1} {'no result' if v is None else f'{v:.1f}%'}" for i, v in enumerate(values)
        )

    text = f"{row['measure']}, {year_label} by quarter: {said(this_year)}"
    if any(v is not None for v in last_year):
        text += f"; {previous_label}: {said(last_year)}"
    shown = list(dict.fromkeys(v for v in targets if v is not None))
    if shown:
        text += "; target " + " then ".join(f"{fmt(v)}%" for v in shown) + f" ({row['better_label'].lower()})"
    return text + "."


PEERS_BOTTOM = 58
PEERS_H = HEIGHT - TOP - PEERS_BOTTOM
OTHERS, THIS_PROVIDER = "#5694ca", "#0b0c0c"


def peers_chart(peers: dict, *, chart_id: str, measure: str, quarter: str, image: bool = False) -> SafeString:
    """The funnel plot of a frozen position's ``peers`` (see outcomes.reviews.pack_benchmark);
    ``image`` for the PDF (see the module's notes)."""
    rate = Decimal(peers["rate_numerator"]) / Decimal(peers["rate_denominator"])
    this_value, this_n = float(peers["this"][0]), int(peers["this"][1])
    points = [(float(value), int(n)) for value, n, _flag in peers["points"]]
    sizes = [n for _, n in points] + [this_n]
    smallest, largest = min(sizes), max(sizes)
    wide = control_limits(rate, smallest, Z_998)
    known = [v for v, _ in points] + [
        this_value,
        float(rate * 100),
        float(wide[0] * 100),
        float(wide[1] * 100),
    ]
    low, high, step = percent_axis(known)
    x_top, x_step = count_axis(largest)

    def x(n: float) -> float:
        return LEFT + PLOT_W * n / x_top

    def y(value: float) -> float:
        return TOP + PEERS_H * (high - value) / (high - low)

    title = (
        f"{measure}, {quarter}: this provider {peers['this'][0]}% of {this_n} episodes, against "
        f"{peers['count']} other providers (the rate of all {peers['rate']}); the 95% limits at this "
        f"provider's size are {peers['limits_95'][0]}% to {peers['limits_95'][1]}%: {peers['flag_label'].lower()}."
    )
    parts = [
        *_opening(chart_id, title),
        f'<defs><clipPath id="{chart_id}-plot"><rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" '
        f'height="{PEERS_H}"/></clipPath></defs>',
        *_percent_grid(low, high, step, y),
    ]
    for tick in range(0, x_top + 1, x_step):
        parts.append(
            f'<text x="{x(tick):.1f}" y="{TOP + PEERS_H + 12}" text-anchor="middle" fill="{TEXT}">{tick}</text>'
        )
    parts.append(
        f'<text x="{LEFT + PLOT_W / 2:.1f}" y="{TOP + PEERS_H + 24}" text-anchor="middle" fill="{LAST_YEAR}" '
        'font-size="8.5">Episodes counted</text>'
    )
    parts.extend(limit_curves(rate, smallest, largest, x, y, chart_id))
    parts.append(
        f'<line x1="{LEFT}" y1="{y(float(rate * 100)):.1f}" x2="{WIDTH - RIGHT}" '
        f'y2="{y(float(rate * 100)):.1f}" stroke="{TARGET}" stroke-width="1.4"/>'
    )
    if points:  # every other provider a round dot: one path of zero-length strokes with round caps
        dots = "".join(sorted({f"M{x(n):.1f} {y(v):.1f}h0" for v, n in points}))
        parts.append(
            f'<path d="{dots}" fill="none" stroke="{OTHERS}" stroke-width="4" stroke-linecap="round" '
            'stroke-opacity="0.75"/>'
        )
    cx, cy = x(this_n), y(this_value)
    parts.append(
        f'<polygon points="{cx:.1f},{cy - 6:.1f} {cx + 6:.1f},{cy:.1f} {cx:.1f},{cy + 6:.1f} {cx - 6:.1f},{cy:.1f}" '
        f'fill="{THIS_PROVIDER}" stroke="#ffffff" stroke-width="1"/>'
    )
    anchor, shift = ("end", -9) if cx > LEFT + PLOT_W * 0.7 else ("start", 9)
    left = cx + shift - (66 if anchor == "end" else 0)
    # A white backing keeps the name readable over the others' dots.
    parts.append(
        f'<rect x="{left - 1:.1f}" y="{cy - 6:.1f}" width="68" height="12" fill="#ffffff" fill-opacity="0.85"/>'
        f'<text x="{cx + shift:.1f}" y="{cy + 3.5:.1f}" text-anchor="{anchor}" font-weight="bold" '
        f'fill="{TEXT}">This provider</text>'
    )
    parts.extend(_peers_legend())
    return _closing(parts, title, image)


def _peers_legend() -> list[str]:
    top, small = HEIGHT - 16, 'font-size="8.5"'
    return [
        f'<polygon points="{LEFT + 5},{top - 5} {LEFT + 10},{top} {LEFT + 5},{top + 5} {LEFT},{top}" '
        f'fill="{THIS_PROVIDER}"/>',
        f'<text x="{LEFT + 14}" y="{top + 3}" {small} fill="{TEXT}">This provider</text>',
        f'<circle cx="{LEFT + 82}" cy="{top}" r="2" fill="{OTHERS}"/>',
        f'<text x="{LEFT + 88}" y="{top + 3}" {small} fill="{TEXT}">Others</text>',
        f'<line x1="{LEFT + 122}" y1="{top}" x2="{LEFT + 138}" y2="{top}" stroke="{TARGET}" stroke-width="1.4"/>',
        f'<text x="{LEFT + 142}" y="{top + 3}" {small} fill="{TEXT}">Rate</text>',
        f'<line x1="{LEFT + 166}" y1="{top}" x2="{LEFT + 182}" y2="{top}" stroke="{LAST_YEAR}" '
        'stroke-width="1.2" stroke-dasharray="4 3"/>',
        f'<text x="{LEFT + 186}" y="{top + 3}" {small} fill="{TEXT}">95%</text>',
        f'<line x1="{LEFT + 210}" y1="{top}" x2="{LEFT + 226}" y2="{top}" stroke="{LAST_YEAR}" stroke-width="1"/>',
        f'<text x="{LEFT + 230}" y="{top + 3}" {small} fill="{TEXT}">99.8% limits</text>',
    ]
