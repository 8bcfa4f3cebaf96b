"""A guide's Markdown as a GOV.UK page: escaped, with GitHub's heading ids and the service's links."""

from __future__ import annotations

from pathlib import Path

import pytest

from accounts.help.rendering import Slugger, github_slug, render_guide

DOCS = Path("/docs")
SERVED = {
    DOCS / "guides" / "results.md": "/help/results/",
    DOCS / "statistics.md": "/help/statistics/",
    DOCS / "guides" / "images" / "scorecard.png": "/help/images/scorecard.png",
}


def _render(text: str, source: Path = DOCS / "guides" / "this.md"):
    return render_guide(text, source=source, resolve=SERVED.get, fallback_title="This guide")


@pytest.mark.parametrize(
    "heading, anchor",
    [
        ("Overrides", "overrides"),
        ("A result's page", "a-results-page"),
        ("Non-compliant — past the compliance window", "non-compliant--past-the-compliance-window"),
        ("Retrying submissions safely: `Idempotency-Key`", "retrying-submissions-safely-idempotency-key"),
        ("Help within 48 hours of referral (`HELP_48H`)", "help-within-48-hours-of-referral-help_48h"),
        ("Q1–Q4 and the year to date", "q1q4-and-the-year-to-date"),
    ],
)
def test_heading_ids_are_githubs(heading, anchor):
    page = _render(f"# Title\n\n## {heading}\n")
    assert f'<h2 id="{anchor}" class="govuk-heading-m">' in page.html
    assert github_slug(heading.replace("`", "")) == anchor


def test_repeated_headings_and_the_pages_own_ids_get_the_next_free_id():
    page = _render("# Title\n\n## Audit\n\n### Audit\n\n## Navigation\n\n## Main content\n")
    assert [heading.anchor for heading in page.headings] == [
        "audit",
        "audit-1",
        "navigation-1",
        "main-content-1",
    ]
    assert Slugger().slug("!!!") == "section"


def test_the_title_is_the_first_heading_and_the_contents_are_the_h2s():
    page = _render(
        "# Results and overrides\n\nFor everyone.\n\n## The scorecard\n\n### Marks\n\n## Overrides\n"
    )
    assert (page.title, page.title_anchor, page.summary) == (
        "Results and overrides",
        "results-and-overrides",
        "For everyone.",
    )
    assert "<h1" not in page.html  # the page shows the title above the contents list
    assert [(h.text, h.anchor) for h in page.contents] == [
        ("The scorecard", "the-scorecard"),
        ("Overrides", "overrides"),
    ]
    assert '<h3 id="marks" class="govuk-heading-s">' in page.html
    assert _render("No heading here.\n").title == "This guide"


def test_the_page_outline_skips_no_level():
    page = _render("# Glossary\n\n### ASCOF\n\n#### Measure\n\n## Part two\n\n### Term\n")
    assert '<h2 id="ascof" class="govuk-heading-s">ASCOF</h2>' in page.html
    assert '<h3 id="measure" class="govuk-heading-s">Measure</h3>' in page.html
    assert '<h2 id="part-two" class="govuk-heading-m">Part two</h2>' in page.html
    assert '<h3 id="term" class="govuk-heading-s">Term</h3>' in page.html
    assert [heading.text for heading in page.contents] == ["Part two"]


def test_govuk_classes():
    page = _render(
        "# T\n\nA paragraph with `code`.\n\n- one\n- two\n\n1. first\n\n> Note\n\n---\n\n"
        "| Name | Count |\n|---|--:|\n| A | 1 |\n\n```\nlong code\n```\n"
    )
    html = page.html
    assert '<p class="govuk-body">A paragraph with <code>code</code>.</p>' in html
    assert '<ul class="govuk-list govuk-list--bullet">' in html
    assert '<ol class="govuk-list govuk-list--number">' in html
    assert '<blockquote class="govuk-inset-text">' in html
    assert 'class="govuk-section-break govuk-section-break--l govuk-section-break--visible"' in html
    assert '<table class="govuk-table">' in html and 'role="region" tabindex="0"' in html
    assert '<th class="govuk-table__header" scope="col">Name</th>' in html
    # Alignment is a class: the Content-Security-Policy forbids style attributes.
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in html
    assert "style=" not in html
    assert '<pre class="app-code-block" tabindex="0"><code>long code\n</code></pre>' in html


def test_raw_html_is_shown_as_text_never_run():
    page = _render(
        "# T\n\n<script>alert(1)</script>\n\nText <img src=x onerror=alert(1)> and <b>bold</b>.\n\n"
        "[click](javascript:alert(1)) ![x](javascript:alert(1))\n\n```\n<script>code</script>\n```\n"
    )
    html = page.html
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html and 'src="javascript' not in html


def test_a_paragraph_that_is_only_a_comment_to_editors_is_left_out():
    page = _render("<!-- Written by a script:\nchange the source. -->\n# T\n\nFirst. <!-- kept as text -->\n")
    assert "Written by" not in page.html and page.title == "T"
    assert page.summary == "First. <!-- kept as text -->"
    assert "First. &lt;!-- kept as text --&gt;" in page.html


def test_links_between_documents_point_at_their_pages():
    page = _render(
        "# T\n\nSee [results](results.md#overrides), [the method](../statistics.md#funnel-plot-limits), "
        "[this section](#overrides), [GOV.UK](https://www.gov.uk/) and [privacy](/privacy/).\n"
    )
    html = page.html
    assert '<a href="/help/results/#overrides" class="govuk-link">results</a>' in html
    assert '<a href="/help/statistics/#funnel-plot-limits" class="govuk-link">the method</a>' in html
    assert '<a href="#overrides" class="govuk-link">this section</a>' in html
    assert '<a href="https://www.gov.uk/" class="govuk-link">GOV.UK</a>' in html
    assert '<a href="/privacy/" class="govuk-link">privacy</a>' in html


def test_links_to_files_that_are_not_served_become_words():
    page = _render(
        "# T\n\nRun [the script](../../scripts/bench.sh), read [settings](../../config/settings.py) "
        "or [readings](../spec-readings.md). [**Bold**](missing.md) stays bold.\n"
    )
    html = page.html
    assert "<a " not in html
    assert "Run the script, read settings or readings." in html
    assert "<strong>Bold</strong> stays bold." in html


def test_images_are_served_from_the_images_folder_only():
    page = _render(
        "# T\n\n![The scorecard, with one red target](images/scorecard.png)\n\n"
        "![Settings](../../config/settings.py) ![Remote](https://example.org/x.png)\n"
    )
    html = page.html
    assert (
        '<img src="/help/images/scorecard.png" alt="The scorecard, with one red target" class="app-help-image">'
        in html
    )
    assert html.count("<img") == 1
    assert "Settings Remote" in html  # the others are shown as their alternative text
