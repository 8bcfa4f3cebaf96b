"""Template tags for the GOV.UK components every part of the service uses."""

from __future__ import annotations

from datetime import date

from django import template
from django.template.base import FilterExpression, Parser, Token
from django.template.context import Context
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from accounts.dates import day_label

register = template.Library()

ERROR_SUMMARY = "includes/error_summary.html"


class ErrorSummaryNode(template.Node):
    def __init__(
        self,
        title: template.NodeList | None,
        nodelist: template.NodeList,
        options: dict[str, FilterExpression],
    ) -> None:
        self.title = title
        self.nodelist = nodelist
        self.options = options

    def render(self, context: Context) -> str:
        values = {name: value.resolve(context) for name, value in self.options.items()}
        if self.title is not None:
            values["title"] = mark_safe(" ".join(self.title.render(context).split()))  # noqa: S308 - as body
        body = self.nodelist.render(context).strip()
        values["body"] = mark_safe(body) if body else ""  # noqa: S308 - rendered template text, already escaped
        with context.push(**values):
            return get_template(ERROR_SUMMARY).template.render(context)


@register.tag
def errorsummary(parser: Parser, token: Token) -> ErrorSummaryNode:
    """``{% errorsummary title=... testid=... errors=... %}text{% enderrorsummary %}``: the GOV.UK error
    summary (includes/error_summary.html) with the enclosed text before its list of links. A title that
    needs template text goes first: ``{% errorsummary %}title{% errorsummarybody %}text{% enderrorsummary %}``.
    For a form, include the template with ``form`` instead."""
    bits = token.split_contents()[1:]
    options = {}
    for bit in bits:
        name, sep, value = bit.partition("=")
        if not sep:
            raise template.TemplateSyntaxError(f"errorsummary takes name=value options, not {bit!r}")
        options[name] = parser.compile_filter(value)
    title = None
    nodelist = parser.parse(("errorsummarybody", "enderrorsummary"))
    if parser.next_token().contents == "errorsummarybody":
        title, nodelist = nodelist, parser.parse(("enderrorsummary",))
        parser.delete_first_token()
    return ErrorSummaryNode(title, nodelist, options)


@register.filter
def error_link(message: object, href: str) -> list[tuple[str, object]]:
    """One error summary entry, ``message`` linking to ``href``, for ``errors=`` of the error summary."""
    return [(href, message)] if message else []


@register.filter
def iso_day(value: object) -> object:
    """A day kept as ISO text (a recorded event's details, "2026-10-10") in the house format
    ("10 October 2026"); anything else as it is."""
    try:
        return day_label(date.fromisoformat(str(value)))
    except ValueError:
        return value
