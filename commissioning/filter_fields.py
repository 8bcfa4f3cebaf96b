"""The provider and contract filters of the product's lists (the notice register, the suggestions
work-list, the portfolio, the review meetings and the action tracker): one wording and one message
each. Every form narrows the field's queryset to what the acting organisation may see."""

from __future__ import annotations

from django import forms

from commissioning.models import Contract
from providers.models import Provider


def provider_filter() -> forms.ModelChoiceField:
    """ "Any provider" or one of the providers the form lets the organisation see."""
    return forms.ModelChoiceField(
        label="Provider",
        queryset=Provider.objects.none(),
        required=False,
        empty_label="Any provider",
        error_messages={"invalid_choice": "Choose a provider from the list"},
    )


def contract_filter() -> forms.ModelChoiceField:
    """ "Any contract" or one of the contracts the form lets the organisation see."""
    return forms.ModelChoiceField(
        label="Contract",
        queryset=Contract.objects.none(),
        required=False,
        empty_label="Any contract",
        error_messages={"invalid_choice": "Choose a contract from the list"},
    )
