"""The provider register (commissioners) and each provider's page, with the contracts the acting
organisation holds with it and their enforcement stage (at /providers/, namespace "providers")."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import Capability, capability_required, organisation_required
from commissioning.notices.selectors import contract_enforcement_stages
from commissioning.selectors import contract_list_for
from providers.models import CqcRating
from providers.selectors import provider_get_for, provider_list_for


@capability_required(Capability.VIEW_PORTFOLIO)
def provider_list(request: HttpRequest) -> HttpResponse:
    providers = provider_list_for(request.acting)
    query = request.GET.get("q", "").strip()
    rating = request.GET.get("rating", "")
    if query:
        providers = providers.filter(name__icontains=query)
    if rating in CqcRating.values:
        providers = providers.filter(cqc_rating=rating)
    page = Paginator(providers, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "providers/provider_list.html",
        {
            "page": page,
            "query": query,
            "rating": rating,
            "ratings": CqcRating.choices,
        },
    )


CQC_HISTORY_SHOWN = 10


@organisation_required
def provider_detail(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = provider_get_for(request.acting, provider_id)
    # Only the contracts the acting organisation is itself party to.
    contracts = list(
        contract_list_for(request.acting).filter(Q(provider=provider) | Q(subcontractors=provider)).distinct()
    )
    stages = contract_enforcement_stages(contract.pk for contract in contracts)
    for contract in contracts:
        contract.enforcement_stage = stages.get(contract.pk)
    history = provider.cqc_ratings.select_related("recorded_by_organisation")[:CQC_HISTORY_SHOWN]
    return render(
        request,
        "providers/provider_detail.html",
        {"provider": provider, "contracts": contracts, "cqc_history": history},
    )
