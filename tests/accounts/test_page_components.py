"""The GOV.UK components every page shares: one error summary (GOV.UK's markup, from one template),
table captions that do not repeat the heading just above them, one CSRF token per form that posts."""

from __future__ import annotations

import re
from pathlib import Path

from django import forms
from django.conf import settings
from django.template import Context, Template

from accounts.govuk_forms import GovukFormMixin
from tests.pages import error_summaries_are_govuk, error_summary

TEMPLATES = Path(settings.BASE_DIR) / "templates"
SUMMARY_TEMPLATE = TEMPLATES / "includes" / "error_summary.html"


class ChoiceForm(GovukFormMixin, forms.Form):
    name = forms.CharField(label="Name")
    colour = forms.ChoiceField(
        label="Colour", choices=[("r", "Red"), ("g", "Green")], widget=forms.RadioSelect
    )


def _bad_form() -> ChoiceForm:
    form = ChoiceForm(data={"name": ""})
    form.is_valid()
    form.add_error(None, "Nothing was saved")
    return form


def test_only_the_one_template_draws_an_error_summary():
    drawn = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if 'class="govuk-error-summary"' in path.read_text() and path != SUMMARY_TEMPLATE
    ]
    assert drawn == []


def test_a_forms_errors_are_summarised_as_govuks_component_linking_to_each_field():
    html = Template('{% include "includes/error_summary.html" with form=form anchor="top" %}').render(
        Context({"form": _bad_form()})
    )
    assert error_summaries_are_govuk(html)
    assert "aria-labelledby" not in html
    assert '<ul class="govuk-list govuk-error-summary__list">' in html
    assert re.findall(r'<a href="#([^"]*)">', html) == ["top", "id_name", "id_colour_1"]


def test_nothing_is_drawn_without_errors():
    html = Template('{% include "includes/error_summary.html" with form=form %}').render(
        Context({"form": ChoiceForm()})
    )
    assert html.strip() == ""


def test_crispys_error_summary_tag_draws_the_same_component():
    html = Template("{% load crispy_forms_gds %}{% error_summary form %}").render(
        Context({"form": _bad_form()})
    )
    assert error_summaries_are_govuk(html)
    assert re.findall(r'<a href="#([^"]*)">', html) == ["id_name", "id_name", "id_colour_1"]


def test_the_block_tag_puts_text_before_the_list_and_escapes_once():
    html = Template(
        "{% load govuk %}{% errorsummary testid='failed' errors=links %}Checks of {{ name }} failed"
        '{% errorsummarybody %}<p class="govuk-body">Try {{ name }} again.</p>{% enderrorsummary %}'
    ).render(Context({"name": "A & B", "links": [("#rows", "Row 2 is wrong")]}))
    assert error_summaries_are_govuk(html)
    assert '<h2 class="govuk-error-summary__title">Checks of A &amp; B failed</h2>' in html
    assert '<p class="govuk-body">Try A &amp; B again.</p>' in html
    assert 'data-testid="failed"' in html
    assert '<li><a href="#rows">Row 2 is wrong</a></li>' in html


class _Response:
    def __init__(self, content: str) -> None:
        self.content = content.encode()


def test_a_single_message_links_to_its_place():
    html = Template(
        '{% load govuk %}{% include "includes/error_summary.html" with errors=problem|error_link:"#years" %}'
    ).render(Context({"problem": "Enter a number of years"}))
    assert error_summary(_Response(html)) == [("years", "Enter a number of years")]


HEADING_THEN_CAPTION = re.compile(
    r"<h[1-6]\b[^>]*>(?P<heading>(?:(?!</?h[1-6]\b).)*?)</h[1-6]>"
    r"(?:(?!<h[1-6]\b|<caption\b).)*?<caption\b[^>]*>(?P<caption>.*?)</caption>",
    re.S,
)


def _words(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", fragment).split()).lower()


def test_no_table_caption_repeats_the_heading_just_above_it():
    """A screen reader would read it twice ("Linked evidence Linked evidence"): a table under a heading
    that names it takes its name from the heading (aria-labelledby) instead."""
    doubled = [
        f"{path.relative_to(TEMPLATES)}: {_words(found['caption'])}"
        for path in TEMPLATES.rglob("*.html")
        for found in HEADING_THEN_CAPTION.finditer(path.read_text())
        if _words(found["heading"]) == _words(found["caption"])
    ]
    assert doubled == []


FORM = re.compile(r"<form\b(?P<attributes>[^>]*)>(?P<body>.*?)</form>", re.S)


def test_every_form_that_posts_has_one_token_and_a_filter_none():
    """Forms are drawn with crispy's csrf turned off (GovukFormMixin): the page's <form> carries the
    one token itself."""
    wrong = []
    for path in TEMPLATES.rglob("*.html"):
        for found in FORM.finditer(path.read_text()):
            posts = 'method="post"' in found["attributes"].lower()
            tokens = found["body"].count("{% csrf_token %}")
            if tokens != (1 if posts else 0):
                wrong.append(
                    f"{path.relative_to(TEMPLATES)}: {tokens} tokens in a {'post' if posts else 'get'} form"
                )
    assert wrong == []
