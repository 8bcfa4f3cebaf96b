"""``{% contract_reviews contract %}``: the contract page's quarterly reviews (the meetings the acting
organisation may see, newest first) and, for the lead body's managers, "Plan a review meeting".

Contracts belong to commissioning, reviews to outcomes, which commissioning never imports: the
contract page shows this section through the tag, so the Python dependencies stay one-way.
"""

from __future__ import annotations

from django import template

from commissioning.models import Contract
from outcomes.reviews.access import may_plan
from outcomes.reviews.selectors import meetings_for

register = template.Library()
SHOWN = 8


@register.inclusion_tag("outcomes/reviews/_contract_reviews.html", takes_context=True)
def contract_reviews(context: template.Context, contract: Contract) -> dict:
    acting = context["request"].acting
    return {
        "contract": contract,
        "reviews": meetings_for(acting).filter(contracts=contract).order_by("-held_on")[:SHOWN],
        "can_plan_review": may_plan(acting, contract),
    }
