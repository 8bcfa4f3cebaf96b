"""The home page for each kind of organisation: what needs attention across returns, results, the
QAF, notices and reviews (``outcomes.home.attention``), the providers commissioned, and what the
person's role lets them do."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import CAPABILITY_DESCRIPTIONS, Capability, organisation_required
from accounts.selectors import membership_list_for
from outcomes.home.attention import commissioner_attention, provider_attention
from providers.selectors import provider_list_for, provider_rating_counts


@organisation_required
def home(request: HttpRequest) -> HttpResponse:
    acting = request.acting
    context = {
        "can_do": [CAPABILITY_DESCRIPTIONS[c] for c in Capability if c in acting.capabilities],
        "member_count": membership_list_for(acting).count(),
    }
    if acting.is_provider:
        context["provider"] = provider_list_for(acting).first()
        context["attention"] = provider_attention(acting)
        return render(request, "home/provider.html", context)
    providers = provider_list_for(acting)
    context["provider_count"] = providers.count()
    context["rating_counts"] = provider_rating_counts(acting)
    context["priority_providers"] = providers.filter(cqc_rating__in=["requires_improvement", "inadequate"])
    context["attention"] = commissioner_attention(acting)
    return render(request, "home/commissioner.html", context)
