"""Forms of the portfolio pages."""

from __future__ import annotations

from django import forms

from accounts.access import Acting
from commissioning.filter_fields import provider_filter
from commissioning.models import CommissioningBody, ContractStatus, ServiceType
from commissioning.qaf.portfolio import quarter_label
from outcomes.periods import Period, parse_period
from outcomes.portfolio.matrix import (
    SORTS,
    MatrixFilters,
    dashboard_commissioners,
    dashboard_providers,
)

# --- The dashboard -------------------------------------------------------------------------------

DASHBOARD_QUARTER_HINT = "Quarters run April to June (Q1) to January to March (Q4)."


class DashboardFilterForm(forms.Form):
    """The dashboard's quarter, filters and sort (a GET form). Bad values are left out and explained."""

    quarter = forms.ChoiceField(
        label="Quarter",
        required=False,
        error_messages={
            "invalid_choice": f"Choose a quarter with results from the list. {DASHBOARD_QUARTER_HINT}"
        },
    )
    commissioner = forms.ModelChoiceField(
        label="Commissioning body",
        queryset=CommissioningBody.objects.none(),
        required=False,
        empty_label="Any body",
        error_messages={"invalid_choice": "Choose a commissioning body from the list"},
    )
    service_type = forms.ChoiceField(
        label="Service type",
        required=False,
        choices=[("", "Any service type"), *ServiceType.choices],
        error_messages={"invalid_choice": "Choose a service type from the list"},
    )
    provider = provider_filter()
    status = forms.ChoiceField(
        label="Contract status",
        required=False,
        choices=[("", "Any status"), *ContractStatus.choices],
        error_messages={"invalid_choice": "Choose a contract status from the list"},
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=list(SORTS.items()),
        error_messages={"invalid_choice": "Choose how to sort from the list"},
    )
    reds = forms.BooleanField(label="Only contracts with a red", required=False)
    attention = forms.BooleanField(label="Only contracts that need attention", required=False)

    SELECTS = ("quarter", "commissioner", "service_type", "provider", "status", "sort")

    def __init__(
        self, *args, acting: Acting, quarters: list[Period], default_quarter: Period | None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.default_quarter = default_quarter
        self.fields["quarter"].choices = [(q.identifier, quarter_label(q)) for q in quarters]
        self.fields["commissioner"].queryset = dashboard_commissioners(acting)
        self.fields["provider"].queryset = dashboard_providers(acting)
        self.initial.setdefault("quarter", default_quarter.identifier if default_quarter else "")
        self.initial.setdefault("sort", "reference")

    def _valid(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def chosen_quarter(self) -> Period | None:
        """The quarter asked for, else the default (the latest ended quarter with results)."""
        identifier = self._valid().get("quarter")
        return parse_period(identifier) if identifier else self.default_quarter

    def filters(self) -> MatrixFilters:
        """The valid filters and sort (a bound form's bad values are left out, and shown as errors)."""
        data = self._valid()
        commissioner, provider = data.get("commissioner"), data.get("provider")
        return MatrixFilters(
            commissioner_id=commissioner.pk if commissioner else None,
            service_type=data.get("service_type") or "",
            provider_id=provider.pk if provider else None,
            status=data.get("status") or "",
            reds_only=bool(data.get("reds")),
            attention_only=bool(data.get("attention")),
            sort=data.get("sort") or "reference",
        )

    def select_fields(self) -> list[tuple[forms.BoundField, str, list]]:
        """Each select with the value it shows (what was asked for, else its initial value) and its
        options, each list read once."""
        shown = []
        for name in self.SELECTS:
            value = self[name].value() or self.initial.get(name)
            shown.append((self[name], "" if value is None else str(value), _options(self.fields[name])))
        return shown


def _options(field: forms.Field) -> list:
    """The field's choices as a list: a model choice field's in one query (its own iterator would
    count the rows first, then read them through a server-side cursor)."""
    if not isinstance(field, forms.ModelChoiceField):
        return list(field.choices)
    iterator = field.iterator(field)
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    return empty + [iterator.choice(obj) for obj in field.queryset]
