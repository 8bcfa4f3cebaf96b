"""Reading pages in tests: the text a person sees, and the GOV.UK error summary."""

from __future__ import annotations

import html
import re

SUMMARY = re.compile(r'<div class="govuk-error-summary".*?</ul>', re.S)
SUMMARY_ITEM = re.compile(r'<li><a href="#([^"]*)">(.*?)</a></li>', re.S)
# GOV.UK's error summary component: the alert role on an inner div, the title an h2, then the body.
SUMMARY_COMPONENT = re.compile(
    r'<div class="govuk-error-summary" data-module="govuk-error-summary"(?: data-testid="[^"]*")?>\s*'
    r'<div role="alert">\s*<h2 class="govuk-error-summary__title">[^<]*</h2>\s*'
    r'<div class="govuk-error-summary__body">'
)


def error_summary(response) -> list[tuple[str, str]]:
    """The (link target, message) pairs of the page's GOV.UK error summary; [] when it has none."""
    content = response.content.decode()
    found = SUMMARY.search(content)
    if not found:
        return []
    return [(href, html.unescape(text).strip()) for href, text in SUMMARY_ITEM.findall(found.group(0))]


def error_summaries_are_govuk(content: str) -> bool:
    """Whether the page has an error summary and every one is GOV.UK's component markup."""
    openings = content.count('class="govuk-error-summary"')
    return openings > 0 and len(SUMMARY_COMPONENT.findall(content)) == openings


def page_text(response) -> str:
    """The page's HTML with entities decoded (what a person reads, tags and all)."""
    return html.unescape(response.content.decode())
