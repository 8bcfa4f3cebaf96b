"""A notice's written text (its facts and remedy) as paragraphs and bulleted lists.

Officers type the text in a box: lines starting "- ", "* " or "• " are list items, a blank line
starts a new paragraph, and other lines break within a paragraph. ``text_blocks`` reads the text
once; the notice pages, the check page and the PDF letter show it as HTML paragraphs and lists
(``text_html``), and the email as plain text with "•" bullets (``text_plain``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe

BULLET = re.compile(r"^\s*[-*•]\s+")


@dataclass(frozen=True)
class Block:
    """A paragraph (its lines) or a bulleted list (its items)."""

    is_list: bool
    lines: tuple[str, ...]


def text_blocks(text: str) -> list[Block]:
    """The text as paragraphs and lists, in order."""
    blocks: list[Block] = []
    current: list[str] = []
    current_is_list = False

    def close() -> None:
        if current:
            blocks.append(Block(current_is_list, tuple(current)))
            current.clear()

    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            close()
            continue
        is_item = bool(BULLET.match(line))
        if is_item != current_is_list:
            close()
            current_is_list = is_item
        current.append(BULLET.sub("", line) if is_item else line)
    close()
    return blocks


def text_html(text: str, *, paragraph_class: str = "", list_class: str = "") -> SafeString:
    """The text as <p> paragraphs and <ul> lists (escaped), with optional CSS classes."""
    p_open = f'<p class="{escape(paragraph_class)}">' if paragraph_class else "<p>"
    ul_open = f'<ul class="{escape(list_class)}">' if list_class else "<ul>"
    parts = []
    for block in text_blocks(text):
        if block.is_list:
            parts.append(
                ul_open + format_html_join("", "<li>{}</li>", ((line,) for line in block.lines)) + "</ul>"
            )
        else:
            parts.append(p_open + "<br>".join(escape(line) for line in block.lines) + "</p>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of the text is escaped above


def text_plain(text: str) -> str:
    """The text for an email: paragraphs apart, list items as "• " lines."""
    return "\n\n".join(
        "\n".join(f"• {line}" if block.is_list else line for line in block.lines)
        for block in text_blocks(text)
    )
