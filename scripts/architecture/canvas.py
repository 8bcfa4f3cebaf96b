"""Drawing primitives for the architecture diagram: plain SVG text, text laid out with Arial's widths
(no font needed at hand), and every text checked for contrast against what it is drawn on (WCAG AA)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from scripts.architecture.facts import DiagramError

WIDTH = 1160
MARGIN = 24
INNER = WIDTH - 2 * MARGIN
FONT = "Arial, Helvetica, sans-serif"

INK = "#0b0c0c"
SECONDARY = "#484f52"
WHITE = "#ffffff"
PANEL = "#f3f2f1"
RULE = "#6f777b"
STEP_FILL = "#e8f1f8"
STORE_FILL = "#fff7bf"
QUEUE_COLOURS = {
    "validation": "#1d70b8",
    "compliance": "#00703c",
    "documents": "#4c2c92",
    "email": "#942514",
    "default": "#505a5f",
}

# Advance widths of Arial / Helvetica (thousandths of the font size), for laying text out without the
# font at hand; a character not listed is taken as wide as "m" less a little.
_WIDTHS = {
    **dict.fromkeys(" !,./:;I[\\]fijlt", 278),
    **dict.fromkeys("ijl", 222),
    **dict.fromkeys("\"'", 191),
    **dict.fromkeys("()-`r{}", 333),
    **dict.fromkeys("*", 389),
    **dict.fromkeys("cksvxyzJ", 500),
    **dict.fromkeys("0123456789abdeghnopqu_#$?L", 556),
    **dict.fromkeys("+<=>~", 584),
    **dict.fromkeys("FTZ", 611),
    **dict.fromkeys("ABEKPSVXY&", 667),
    **dict.fromkeys("CDHNRUw", 722),
    **dict.fromkeys("GOQ", 778),
    **dict.fromkeys("mM", 833),
    **dict.fromkeys("%", 889),
    **dict.fromkeys("W@", 944),
}


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` in Arial (or a font of the same widths), with a little to spare."""
    units = sum(_WIDTHS.get(char, 750) for char in text)
    return units / 1000 * size * (1.09 if bold else 1.02)


def _pieces(text: str, width: float, size: float, bold: bool) -> list[str]:
    """``text`` cut after spaces and slashes; a piece still too wide is cut after _ and . as well, and
    as a last resort anywhere."""
    pieces = []
    for piece in re.split(r"(?<=[ /])", text):
        if text_width(piece.rstrip(), size, bold) <= width:
            pieces.append(piece)
            continue
        for part in re.split(r"(?<=[_.])", piece):
            while text_width(part.rstrip(), size, bold) > width:
                cut = max(1, int(len(part) * width / text_width(part, size, bold)) - 1)
                pieces.append(part[:cut])
                part = part[cut:]
            pieces.append(part)
    return [piece for piece in pieces if piece]


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Lines of at most ``width``, broken where a reader expects: between words, after a path's
    slashes, and inside a long name only when it does not fit on a line of its own."""
    lines: list[str] = []
    line = ""
    for piece in _pieces(text, width, size, bold):
        if line and text_width((line + piece).rstrip(), size, bold) > width:
            lines.append(line.rstrip())
            line = ""
        line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


@dataclass
class Drawing:
    """SVG elements in the order drawn; every text remembers what it is drawn on, for its contrast."""

    parts: list[str] = field(default_factory=list)
    pairs: set[tuple[str, str]] = field(default_factory=set)

    def rect(
        self, x: float, y: float, w: float, h: float, *, fill: str, stroke: str = "", dashed: bool = False
    ) -> None:
        line = f' stroke="{stroke}" stroke-width="1.5"' if stroke else ""
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        self.parts.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="4" fill="{fill}"{line}{dash}/>'
        )

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        size: float,
        on: str,
        colour: str = INK,
        bold: bool = False,
        anchor: str = "start",
    ) -> None:
        self.pairs.add((colour, on))
        weight = ' font-weight="bold"' if bold else ""
        align = f' text-anchor="{anchor}"' if anchor != "start" else ""
        self.parts.append(
            f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" fill="{colour}"{weight}{align}>'
            f"{escape(content, quote=False)}</text>"
        )

    def lines(
        self,
        x: float,
        y: float,
        lines: Sequence[str],
        *,
        size: float,
        on: str,
        colour: str = INK,
        bold: bool = False,
        leading: float = 1.3,
    ) -> float:
        """Draw lines of text from the baseline ``y``; return the baseline after the last."""
        for line in lines:
            self.text(x, y, line, size=size, on=on, colour=colour, bold=bold)
            y += size * leading
        return y

    def arrow(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.parts.append(
            f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{INK}" '
            f'stroke-width="2" marker-end="url(#arrow)"/>'
        )

    def rule(self, x1: float, y: float, x2: float) -> None:
        """A thin line across, between rows."""
        self.parts.append(
            f'<line x1="{_n(x1)}" y1="{_n(y)}" x2="{_n(x2)}" y2="{_n(y)}" stroke="{RULE}" stroke-width="1"/>'
        )

    def group(self, name: str) -> None:
        self.parts.append(f'<g id="{name}">')

    def end(self) -> None:
        self.parts.append("</g>")

    def svg(self, height: float, title: str, desc: str) -> str:
        low = sorted((f, b, contrast(f, b)) for f, b in self.pairs if contrast(f, b) < 4.5)
        if low:
            raise DiagramError(
                "text would be hard to read (WCAG AA needs 4.5:1): "
                + "; ".join(f"{f} on {b} is {ratio:.2f}:1" for f, b, ratio in low)
            )
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{_n(height)}" '
            f'viewBox="0 0 {WIDTH} {_n(height)}" role="img" aria-labelledby="diagram-title diagram-desc" '
            f'font-family="{FONT}">\n'
            f'<title id="diagram-title">{escape(title)}</title>\n'
            f'<desc id="diagram-desc">{escape(desc)}</desc>\n'
            "<defs>"
            f'<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker>'
            "</defs>\n"
            f'<rect x="0" y="0" width="{WIDTH}" height="{_n(height)}" fill="{WHITE}"/>\n'
        )
        return head + "\n".join(self.parts) + "\n</svg>\n"
