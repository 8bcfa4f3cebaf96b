"""A notice's written text as paragraphs and bulleted lists (commissioning.notices.text): one reading
of the text for the pages, the PDF letter and the email."""

from __future__ import annotations

from commissioning.notices.text import Block, text_blocks, text_html, text_plain

TEXT = "Calls were missed:\n- 31 in October\n* 12 for people living alone\n\nSee the <returns>.\nThank you."


def test_lines_starting_with_a_dash_star_or_bullet_are_list_items():
    assert text_blocks(TEXT) == [
        Block(False, ("Calls were missed:",)),
        Block(True, ("31 in October", "12 for people living alone")),
        Block(False, ("See the <returns>.", "Thank you.")),
    ]
    assert text_blocks("• one\r\n•  two") == [Block(True, ("one", "two"))]
    assert text_blocks("") == [] and text_blocks("  \n\n") == []


def test_html_escapes_the_text_and_makes_real_lists():
    assert text_html(TEXT) == (
        "<p>Calls were missed:</p><ul><li>31 in October</li><li>12 for people living alone</li></ul>"
        "<p>See the &lt;returns&gt;.<br>Thank you.</p>"
    )
    page = text_html("- a", paragraph_class="govuk-body", list_class="govuk-list govuk-list--bullet")
    assert page == '<ul class="govuk-list govuk-list--bullet"><li>a</li></ul>'


def test_plain_text_uses_bullets():
    assert text_plain(TEXT) == (
        "Calls were missed:\n\n• 31 in October\n• 12 for people living alone\n\nSee the <returns>.\nThank you."
    )
