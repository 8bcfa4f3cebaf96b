"""The suggestions work-list: its filters (a GET form), the filtered list, each row's age, and the
form that dismisses a selection with one reason.

Every function here takes suggestions already scoped to the acting body
(``commissioning.notices.suggestions.suggestions_for``). A suggestion's age is counted in whole
days from the day it was first found (the day it was raised) to today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from accounts.govuk_forms import GovukFormMixin, int_or_none
from commissioning.filter_fields import contract_filter, provider_filter
from commissioning.models import Contract
from commissioning.notices.models import NoticeSuggestion, SuggestionRule, SuggestionStatus
from providers.models import Provider

ALL = "all"  # the status filter's "every status"
PAGE_SIZE = 25
AGES = (7, 30, 90)
STATUS_CHOICES = [*SuggestionStatus.choices, (ALL, "Any status")]


class WorklistFilterForm(forms.Form):
    """Provider, contract, rule, age and status; open suggestions unless another status is chosen."""

    provider = provider_filter()
    contract = contract_filter()
    rule = forms.ChoiceField(
        label="Why it was suggested",
        required=False,
        choices=[("", "Any reason"), *SuggestionRule.choices],
        error_messages={"invalid_choice": "Choose a reason from the list"},
    )
    age = forms.TypedChoiceField(
        label="Raised",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "At any time"), *((str(days), f"More than {days} days ago") for days in AGES)],
        error_messages={"invalid_choice": "Choose how long ago from the list"},
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=STATUS_CHOICES,
        error_messages={"invalid_choice": "Choose a status from the list"},
    )

    def __init__(self, *args, suggestions: QuerySet[NoticeSuggestion], counts: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        providers = cast("forms.ModelChoiceField[Provider]", self.fields["provider"])
        providers.queryset = Provider.objects.filter(pk__in=suggestions.values("provider_id")).order_by(
            "name"
        )
        contracts = cast("forms.ModelChoiceField[Contract]", self.fields["contract"])
        contracts.queryset = Contract.objects.filter(pk__in=suggestions.values("contract_id")).order_by(
            "reference"
        )
        # The stubs declare label_from_instance a method: setting it on this instance needs the ignore.
        contracts.label_from_instance = lambda obj: f"{obj.reference}: {obj.title}"  # type: ignore[method-assign]
        status = cast(forms.ChoiceField, self.fields["status"])
        status.choices = [
            (value, f"{label} ({sum(counts.values()) if value == ALL else counts.get(value, 0)})")
            for value, label in STATUS_CHOICES
        ]

    def filters(self) -> dict:
        """The valid filters (bad values are left out, and shown as errors); open ones by default."""
        chosen: dict = {}
        if self.is_bound:
            self.is_valid()
            chosen = {name: value for name, value in self.cleaned_data.items() if value}
        chosen.setdefault("status", SuggestionStatus.OPEN)
        return chosen


def worklist_filter(
    suggestions: QuerySet[NoticeSuggestion], filters: dict, today: date | None = None
) -> QuerySet[NoticeSuggestion]:
    """The scoped suggestions narrowed by the filters (``WorklistFilterForm.filters()``), the oldest
    first: what has waited longest comes to the top of the work-list."""
    if provider := filters.get("provider"):
        suggestions = suggestions.filter(provider=provider)
    if contract := filters.get("contract"):
        suggestions = suggestions.filter(contract=contract)
    if rule := filters.get("rule"):
        suggestions = suggestions.filter(rule=rule)
    if days := filters.get("age"):
        before = (today or timezone.localdate()) - timedelta(days=days)
        suggestions = suggestions.filter(first_seen_at__date__lt=before)
    if (status := filters.get("status", SuggestionStatus.OPEN)) != ALL:
        suggestions = suggestions.filter(status=status)
    return suggestions.order_by("first_seen_at", "id")


@dataclass(frozen=True)
class WorklistRow:
    suggestion: NoticeSuggestion
    raised_on: date
    age_days: int


def worklist_rows(suggestions: list[NoticeSuggestion], today: date | None = None) -> list[WorklistRow]:
    """Each suggestion with the day it was raised and its age in days."""
    today = today or timezone.localdate()
    rows = []
    for suggestion in suggestions:
        raised_on = timezone.localdate(suggestion.first_seen_at)
        rows.append(WorklistRow(suggestion, raised_on, (today - raised_on).days))
    return rows


class SelectedField(forms.Field):
    """The ticked suggestions' ids (checkboxes named ``suggestions``)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        ids = [int_or_none(item) for item in values]
        if any(pk is None for pk in ids):
            raise forms.ValidationError(
                "The selection is not a list of suggestions. Nothing was dismissed: select them again "
                "from the list.",
                code="invalid",
            )
        return sorted({pk for pk in ids if pk is not None})


class DismissSelectedForm(GovukFormMixin, forms.Form):
    suggestions = SelectedField(error_messages={"required": "Select at least one suggestion to dismiss"})
    reason = forms.CharField(
        label="Why is no notice needed?",
        help_text="One reason for every suggestion you selected. Your name and reason are kept with each.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why no notice is needed"},
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput)
