"""The provider register (commissioners) and each provider's page, with the contracts the acting
organisation holds with it and their enforcement stage (at /providers/, namespace "providers")."""

from __future__ import annotations

from dataclasses import fields

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.access import Capability, capability_required, organisation_required
from accounts.govuk_forms import GovukFormMixin, apply_service_errors
from commissioning.notices.selectors import contract_enforcement_stages
from commissioning.selectors import contract_list_for, providers_led_by
from commissioning.services import providers as provider_services
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
        {
            "provider": provider,
            "contracts": contracts,
            "cqc_history": history,
            "can_record_address": provider_services.can_record_address(request.acting)
            and providers_led_by(request.acting).filter(pk=provider.pk).exists(),
        },
    )


class RegisteredAddressForm(GovukFormMixin, forms.Form):
    """The provider's registered name and address (the service checks and tidies them)."""

    legal_name = forms.CharField(
        label="Registered name (optional)",
        required=False,
        max_length=200,
        help_text="The provider's legal name, as registered at Companies House or with the Charity "
        "Commission, if it is not the name the service uses.",
    )
    address_line_1 = forms.CharField(label="Address line 1", required=False, max_length=200)
    address_line_2 = forms.CharField(label="Address line 2 (optional)", required=False, max_length=200)
    address_town = forms.CharField(label="Town or city", required=False, max_length=100)
    address_postcode = forms.CharField(label="Postcode", required=False, max_length=10)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["address_line_1"].widget.attrs["autocomplete"] = "address-line1"
        self.fields["address_line_2"].widget.attrs["autocomplete"] = "address-line2"
        self.fields["address_town"].widget.attrs["autocomplete"] = "address-level2"
        self.fields["address_postcode"].widget.attrs["autocomplete"] = "postal-code"


@organisation_required
def provider_address(request: HttpRequest, provider_id: int) -> HttpResponse:
    """Record a provider's registered name and address, the addressee of its notices' letters; back
    to the page it was asked from (a notice's check page) or the provider's page."""
    acting = request.acting
    provider = provider_services.address_provider_get_for(acting, provider_id)
    provider_services.address_require(acting)
    back = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    current = provider_services.RegisteredAddress.of(provider)
    initial = {f.name: getattr(current, f.name) for f in fields(current)}
    form = RegisteredAddressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            provider_services.provider_address_set(
                acting=acting,
                provider=provider,
                address=provider_services.RegisteredAddress(**form.cleaned_data),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"The registered name and address of {provider.name} are saved.")
            return redirect(back) if back else redirect("providers:detail", provider_id=provider.pk)
    return render(
        request,
        "providers/provider_address.html",
        {"provider": provider, "form": form, "back": back},
        status=400 if form.errors else 200,
    )
