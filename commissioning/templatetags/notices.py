"""``{% enforcement_stage contract %}``: the contract's current step on the enforcement ladder, as a
tag. List pages set ``contract.enforcement_stage`` for all rows in one query
(commissioning.notices.selectors.contract_enforcement_stages); otherwise it is read here.

``{% if contract|terms_visible_to:request.acting %}``: ``commissioning.access.sees_terms`` for a
template (a subcontractor does not see the prime's terms or enforcement stage)."""

from django import template

from commissioning.access import sees_terms
from commissioning.notices.selectors import contract_enforcement_stage
from commissioning.notices.text import text_html, text_plain

register = template.Library()
UNSET = object()


@register.inclusion_tag("commissioning/notices/_stage_tag.html")
def enforcement_stage(contract) -> dict:
    stage = getattr(contract, "enforcement_stage", UNSET)
    if stage is UNSET:
        stage = contract_enforcement_stage(contract)
    return {"stage": stage}


@register.filter
def terms_visible_to(contract, acting) -> bool:
    return acting is not None and sees_terms(acting, contract)


@register.filter
def notice_text(text: str, style: str = "") -> str:
    """A notice's facts or remedy as paragraphs and bulleted lists (``commissioning.notices.text``):
    ``|notice_text:"govuk"`` for a page, plain ``|notice_text`` for the PDF letter."""
    if style == "govuk":
        return text_html(text, paragraph_class="govuk-body", list_class="govuk-list govuk-list--bullet")
    return text_html(text)


@register.filter
def notice_text_plain(text: str) -> str:
    """The same text for an email, with "•" bullets."""
    return text_plain(text)
