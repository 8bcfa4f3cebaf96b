"""One guide's Markdown as a GOV.UK page: safe HTML, a stable id on every heading, links between the
guides pointing at the service's own addresses.

Raw HTML in the Markdown is shown as text, never passed through. Heading ids are made as GitHub makes
them (``results.md#overrides`` written for the repository opens the same section here). A link or
image the caller's ``resolve`` cannot place in the service is dropped: a link becomes its words, an
image its alternative text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token

# Ids the page around a guide already uses (templates/base.html, templates/accounts/help/guide.html):
# a heading with the same words gets the next free one instead, so no id is on the page twice.
PAGE_IDS = ("main-content", "navigation", "background-banner-title", "help-contents")
HEADING_CLASSES = {"h1": "govuk-heading-l", "h2": "govuk-heading-m"}  # h3 and below: govuk-heading-s
BLOCK_CLASSES = {
    "paragraph_open": "govuk-body",
    "bullet_list_open": "govuk-list govuk-list--bullet",
    "ordered_list_open": "govuk-list govuk-list--number",
    "blockquote_open": "govuk-inset-text",
    "hr": "govuk-section-break govuk-section-break--l govuk-section-break--visible",
    "thead_open": "govuk-table__head",
    "tbody_open": "govuk-table__body",
    "tr_open": "govuk-table__row",
    "th_open": "govuk-table__header",
    "td_open": "govuk-table__cell",
}
EXTERNAL_SCHEMES = ("http", "https", "mailto")
# A paragraph that is only an HTML comment (``<!-- … -->``): raw HTML is not rendered, so it would show.
COMMENT = re.compile(r"\A\s*<!--(?:(?!-->).)*-->\s*\Z", re.S)

# Where a linked file is served, or None when it is not: given the file's resolved path.
Resolve = Callable[[Path], "str | None"]


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class RenderedGuide:
    title: str
    title_anchor: str
    summary: str  # the first paragraph, as plain text
    html: SafeString  # everything but the title
    headings: tuple[Heading, ...]

    @property
    def contents(self) -> tuple[Heading, ...]:
        """The sections listed at the top of the page: the h2 headings."""
        return tuple(heading for heading in self.headings if heading.level == 2)

    @property
    def anchors(self) -> frozenset[str]:
        return frozenset(heading.anchor for heading in self.headings) | {self.title_anchor}


def github_slug(text: str) -> str:
    """A heading's id as GitHub makes it: lower case; letters, digits, marks, spaces, hyphens and
    underscores kept, everything else dropped; each space a hyphen ("Non-compliant — past" is
    "non-compliant--past")."""
    kept = "".join(char for char in text.lower() if char in " -_" or unicodedata.category(char)[0] in "LNM")
    return kept.replace(" ", "-")


class Slugger:
    """Unique ids in page order: a repeated heading gets ``-1``, ``-2``… after its slug, as on GitHub."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = set(taken)
        self.repeats: dict[str, int] = {}

    def slug(self, text: str) -> str:
        base = github_slug(text) or "section"
        anchor = base
        while anchor in self.taken:
            self.repeats[base] = self.repeats.get(base, 0) + 1
            anchor = f"{base}-{self.repeats[base]}"
        self.taken.add(anchor)
        return anchor


def _markdown() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark", {"html": False, "xhtmlOut": False, "linkify": False, "typographer": False}
    ).enable("table")
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    md.add_render_rule("fence", _code_block)
    md.add_render_rule("code_block", _code_block)
    return md


def _table_open(renderer, tokens: list[Token], idx: int, options, env) -> str:
    # On a narrow screen a table scrolls sideways inside its own box, which a keyboard can reach.
    label = escape(str(tokens[idx].meta.get("label", "Table")))
    return (
        f'<div class="app-table-scroll" role="region" tabindex="0" aria-label="{label}">'
        '<table class="govuk-table">\n'
    )


def _table_close(renderer, tokens: list[Token], idx: int, options, env) -> str:
    return "</table></div>\n"


def _code_block(renderer, tokens: list[Token], idx: int, options, env) -> str:
    return f'<pre class="app-code-block" tabindex="0"><code>{escape(tokens[idx].content)}</code></pre>\n'


MARKDOWN = _markdown()


def plain_text(inline: Token) -> str:
    """The words of an inline token: its text and code, without the Markdown around them."""
    words = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            words.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            words.append(" ")
    return "".join(words).strip()


def render_guide(text: str, *, source: Path, resolve: Resolve, fallback_title: str) -> RenderedGuide:
    """The guide ``text`` (read from ``source``) as safe HTML with GOV.UK classes. Its title is its
    first ``# `` heading (``fallback_title`` when it has none), taken out of the HTML for the page to
    show above the contents list."""
    tokens = MARKDOWN.parse(text)
    slugger = Slugger(PAGE_IDS)
    headings: list[Heading] = []
    title = title_anchor = ""
    summary = ""
    label = "Table"
    drop: set[int] = set()
    outline = 1  # the level of the heading before, in the page: the title is its h1
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            words = plain_text(tokens[index + 1])
            anchor = slugger.slug(words)
            level = int(token.tag[1])
            if level == 1 and not title:
                title, title_anchor = words, anchor
                drop.update((index, index + 1, index + 2))
                continue
            token.attrSet("id", anchor)
            token.attrSet("class", HEADING_CLASSES.get(token.tag, "govuk-heading-s"))
            # The page's outline skips no level (an h3 straight after the title is an h2 there); the
            # heading keeps the look of its level in the guide.
            outline = min(level, outline + 1)
            token.tag = tokens[index + 2].tag = f"h{outline}"
            headings.append(Heading(level, words, anchor))
            label = f"Table: {words}"
        elif token.type == "paragraph_open" and COMMENT.match(tokens[index + 1].content):
            drop.update((index, index + 1, index + 2))  # a note to the guide's editors, not to readers
            continue
        elif token.type == "paragraph_open" and not summary:
            summary = plain_text(tokens[index + 1])
        elif token.type == "table_open":
            token.meta["label"] = label
        elif token.type == "inline":
            token.children = _inline(token.children or [], source=source, resolve=resolve)
        if token.type in BLOCK_CLASSES:
            token.attrSet("class", BLOCK_CLASSES[token.type])
        if token.type in ("th_open", "td_open"):
            _align(token)
    body = [token for index, token in enumerate(tokens) if index not in drop]
    html = MARKDOWN.renderer.render(body, MARKDOWN.options, {})
    return RenderedGuide(
        title=title or fallback_title,
        title_anchor=title_anchor or Slugger(slugger.taken).slug(fallback_title),
        summary=summary,
        html=mark_safe(html),  # noqa: S308 - markdown-it escapes all text and raw HTML is off (html=False)
        headings=tuple(headings),
    )


def _align(cell: Token) -> None:
    """A column's alignment as a class (the policy forbids style attributes): right-aligned columns
    are numbers; other alignments are left as GOV.UK sets them."""
    style = str(cell.attrs.pop("style", ""))
    if cell.type == "th_open":
        cell.attrSet("scope", "col")
    if "right" in style:
        numeric = "govuk-table__header--numeric" if cell.type == "th_open" else "govuk-table__cell--numeric"
        cell.attrSet("class", f"{BLOCK_CLASSES[cell.type]} {numeric}")


def _inline(children: list[Token], *, source: Path, resolve: Resolve) -> list[Token]:
    """Links and images pointed at the service's addresses; those it does not serve taken out."""
    kept: list[Token] = []
    links_kept: list[bool] = []  # for each link opened and not yet closed: whether it stays a link
    for child in children:
        if child.type == "link_open":
            href = _address(str(child.attrGet("href") or ""), source=source, resolve=resolve, image=False)
            links_kept.append(href is not None)
            if href is None:
                continue
            child.attrs = {"href": href, "class": "govuk-link"}
        elif child.type == "link_close" and not (links_kept.pop() if links_kept else True):
            continue
        if child.type == "image":
            src = _address(str(child.attrGet("src") or ""), source=source, resolve=resolve, image=True)
            alt = plain_text(child)
            if src is None:
                kept.append(_text(alt))
                continue
            child.attrs = {"src": src, "alt": alt, "class": "app-help-image"}
            child.children = [_text(alt)]
        kept.append(child)
    return kept


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _address(href: str, *, source: Path, resolve: Resolve, image: bool) -> str | None:
    """Where a guide's link (or image) goes in the service, or None to drop it."""
    if not href:
        return None
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return href if parts.scheme in EXTERNAL_SCHEMES and not image else None
    if not parts.path:  # a section of the same guide
        return None if image else href
    if parts.path.startswith("/"):  # an address of the service, written as one
        return None if image else href
    target = (source.parent / unquote(parts.path)).resolve()
    served = resolve(target)
    if served is None:
        return None
    return f"{served}#{parts.fragment}" if parts.fragment and not image else served


TITLE_FROM_NAME = re.compile(r"[-_]+")


def title_from_name(stem: str) -> str:
    """A guide's title when it has no ``# `` heading: its file name in words."""
    words = TITLE_FROM_NAME.sub(" ", stem).strip()
    return words[:1].upper() + words[1:] if words else "Guide"
