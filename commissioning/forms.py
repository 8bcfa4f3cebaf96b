"""Forms for contracts and targets. They check input types; the services check the rules."""

from __future__ import annotations

from django import forms

from accounts.govuk_forms import GovukFormMixin, date_field
from commissioning.models import CommissioningBody, ContractStatus, ServiceType
from outcomes.measures import MEASURES, Measure
from outcomes.measures.library import AGE_BANDS, CHOICE_LABELS
from providers.models import Provider


class ContractFilterForm(forms.Form):
    q = forms.CharField(label="Reference, title or area contains", required=False)
    provider = forms.ModelChoiceField(
        label="Provider", queryset=Provider.objects.none(), required=False, empty_label="Any provider"
    )
    commissioner = forms.ModelChoiceField(
        label="Commissioner",
        queryset=CommissioningBody.objects.all(),
        required=False,
        empty_label="Any commissioner",
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *ContractStatus.choices]
    )
    service_type = forms.ChoiceField(
        label="Service type", required=False, choices=[("", "Any service type"), *ServiceType.choices]
    )

    def __init__(self, *args, providers, commissioners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        self.fields["commissioner"].queryset = commissioners


class ContractForm(GovukFormMixin, forms.Form):
    reference = forms.CharField(
        label="Reference",
        max_length=50,
        error_messages={"required": "Enter the contract reference"},
        help_text="Unique among your organisation's contracts, e.g. RCC-HC-001.",
    )
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter the contract title"}
    )
    service_type = forms.ChoiceField(
        label="Service type",
        choices=ServiceType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the service type"},
    )
    provider = forms.ModelChoiceField(
        label="Prime provider",
        queryset=Provider.objects.all(),
        empty_label="Choose a provider",
        error_messages={"required": "Choose the prime provider"},
    )
    subcontractors = forms.ModelMultipleChoiceField(
        label="Subcontractors",
        queryset=Provider.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Other providers the prime provider subcontracts part of the work to. Leave empty if none.",
    )
    partner_commissioners = forms.ModelMultipleChoiceField(
        label="Partner commissioners",
        queryset=CommissioningBody.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a joint contract (for example under a Section 75 agreement). Partners can see the contract "
        "and its results; only your organisation can change it.",
    )
    start_date = date_field("Start date")
    end_date = date_field("End date")
    annual_value = forms.DecimalField(
        label="Annual value (£)",
        required=False,
        max_digits=14,
        decimal_places=2,
        error_messages={"invalid": "Enter the annual value as an amount, like 1250000.00"},
    )
    hourly_rate = forms.DecimalField(
        label="Hourly rate (£)",
        required=False,
        max_digits=7,
        decimal_places=2,
        error_messages={"invalid": "Enter the hourly rate as an amount, like 14.30"},
    )
    lot = forms.CharField(label="Lot or area", max_length=100, required=False)
    status = forms.ChoiceField(
        label="Status", choices=ContractStatus.choices, widget=forms.RadioSelect, initial=ContractStatus.DRAFT
    )
    return_due_day = forms.IntegerField(
        label="Monthly return due day",
        initial=10,
        help_text="Each month's return is due by the end of this day of the following month (1 to 28).",
        error_messages={
            "invalid": "Enter the due day as a whole number from 1 to 28",
            "required": "Enter the day of the month returns are due",
        },
    )
    qaf_compliance_window_weeks = forms.IntegerField(
        label="QAF compliance window (weeks)",
        initial=12,
        help_text="How long a provider has to become compliant after a non-compliant QAF evaluation.",
        error_messages={
            "invalid": "Enter the window as a whole number of weeks",
            "required": "Enter the QAF compliance window in weeks",
        },
    )

    def __init__(self, *args, lead: CommissioningBody, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_commissioners"].queryset = CommissioningBody.objects.exclude(pk=lead.pk)
        self.fields["partner_commissioners"].error_messages["invalid_choice"] = (
            "Choose partner commissioners from the list. "
            f"{lead.name.replace('%', '%%')} is the lead commissioner, so it cannot also be a partner"
        )
        for name in ("annual_value", "hourly_rate", "return_due_day", "qaf_compliance_window_weeks"):
            self.fields[name].widget.attrs["class"] = "govuk-input govuk-input--width-10"


class MeasureChoiceForm(GovukFormMixin, forms.Form):
    measure = forms.ChoiceField(
        label="Which measure is the target for?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a measure", "invalid_choice": "Choose a measure"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [(m.code, f"{m.name} — {m.summary}") for m in MEASURES.values()]


class TargetValuesForm(GovukFormMixin, forms.Form):
    """The values of a target version: target, tolerance, minimum denominator, and the date they apply from."""

    target_value = forms.DecimalField(
        label="Target (%)",
        help_text="A percentage from 0 to 100, like 66 or 73.8.",
        error_messages={"required": "Enter the target", "invalid": "Enter the target as a number, like 66"},
    )
    tolerance = forms.DecimalField(
        label="Amber tolerance (percentage points)",
        initial="0.5",
        help_text="Within this many points of the target the result is amber rather than red. The usual legend is "
        "'within 0.5 of target'.",
        error_messages={
            "required": "Enter the amber tolerance",
            "invalid": "Enter the tolerance as a number, like 0.5",
        },
    )
    min_denominator = forms.IntegerField(
        label="Minimum number of episodes",
        initial=5,
        help_text="Below this many episodes in the count, the result is shown but not rated ('low numbers').",
        error_messages={"required": "Enter the minimum number", "invalid": "Enter a whole number, like 5"},
    )
    effective_from = date_field(
        "Applies from", help_text="Periods ending on or after this date are judged against these values."
    )
    reason = forms.CharField(
        label="Reason for the change (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("target_value", "tolerance", "min_denominator"):
            self.fields[name].widget.attrs["class"] = "govuk-input govuk-input--width-5"


class TargetForm(TargetValuesForm):
    """A new target: the chosen measure's parameters, then the first version's values."""

    def __init__(self, *args, measure: Measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.measure = measure
        param_fields = {}
        for parameter in measure.parameters:
            param_fields[f"param_{parameter.name}"] = _parameter_field(parameter)
        self.fields = {**param_fields, **self.fields}
        self.fields["reason"].label = "Note (optional)"

    def params(self) -> dict:
        """The parameters as the measure library expects them."""
        return {p.name: self.cleaned_data.get(f"param_{p.name}") for p in self.measure.parameters}


def _parameter_field(parameter) -> forms.Field:
    help_text = f"{parameter.help} Default: {parameter.describe(parameter.default)}."
    if parameter.kind == "int":
        field = forms.IntegerField(
            label=parameter.label,
            initial=parameter.default,
            help_text=help_text,
            error_messages={
                "invalid": f"Enter {parameter.label.lower()} as a whole number",
                "required": f"Enter {parameter.label.lower()}",
            },
        )
        field.widget.attrs["class"] = "govuk-input govuk-input--width-5"
        return field
    if parameter.kind == "choice":
        return forms.ChoiceField(
            label=parameter.label,
            initial=parameter.default,
            help_text=help_text,
            choices=[(c, CHOICE_LABELS.get(c, c)) for c in parameter.choices],
            widget=forms.RadioSelect,
        )
    if parameter.kind == "multichoice":
        return forms.MultipleChoiceField(
            label=parameter.label,
            initial=parameter.default,
            help_text=help_text,
            required=False,
            choices=[(c, CHOICE_LABELS.get(c, c)) for c in parameter.choices],
            widget=forms.CheckboxSelectMultiple,
        )
    # Age bands: tick the bands; the library turns the usual sets into 65+ / 18+.
    return forms.MultipleChoiceField(
        label=parameter.label,
        initial=["65-74", "75-84", "85+"],
        help_text=help_text,
        choices=[(band, band) for band in AGE_BANDS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one age band"},
    )


class TargetEndForm(GovukFormMixin, forms.Form):
    effective_from = date_field(
        "Stops applying from",
        help_text="Periods ending on or after this date have no target on this measure.",
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the target is ending"},
    )
