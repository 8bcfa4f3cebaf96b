"""Reading pages in tests: the text a person sees, and the GOV.UK error summary."""

from __future__ import annotations

import html
import re

SUMMARY = re.compile(r'<div class="govuk-error-summary".*?</ul>', re.S)
SUMMARY_ITEM = re.compile(r'<li><a href="#([^"]*)">(.*?)</a></li>', re.S)


def error_summary(response) -> list[tuple[str, str]]:
    """The (link target, message) pairs of the page's GOV.UK error summary; [] when it has none."""
    content = response.content.decode()
    found = SUMMARY.search(content)
    if not found:
        return []
    return [(href, html.unescape(text).strip()) for href, text in SUMMARY_ITEM.findall(found.group(0))]


def page_text(response) -> str:
    """The page's HTML with entities decoded (what a person reads, tags and all)."""
    return html.unescape(response.content.decode())
