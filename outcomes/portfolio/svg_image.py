"""A chart's SVG as a page shows it (inline) or as a PDF takes it: an image of the same SVG, whose alt
text is the chart's accessible name. WeasyPrint reads an image as a document of its own, apart from
the page's HTML and style cascade: the same drawing, made in less time."""

from __future__ import annotations

import base64
from html import escape

from django.utils.safestring import SafeString, mark_safe


def svg_shown(
    svg: str, *, title: str, width: int, height: int, image: bool, css_class: str = "pack-chart__svg"
) -> SafeString:
    """``svg`` inline, or (``image``) as an <img> of it with ``title`` as its alt text. Every piece of
    text in ``svg`` must already be escaped or a number formatted by the chart's code."""
    if image:
        data = base64.b64encode(svg.encode()).decode("ascii")
        svg = (
            f'<img class="{css_class}" alt="{escape(title)}" width="{width}" height="{height}" '
            f'src="data:image/svg+xml;base64,{data}">'
        )
    return mark_safe(svg)  # noqa: S308
