"""Forms for the result pages: the year picker and the RAG override. The service checks the rules."""

from __future__ import annotations

from crispy_forms_gds.layout import Field, Layout, Size
from django import forms

from accounts.govuk_forms import GovukFormMixin

WITHDRAW = "withdraw"
OVERRIDE_RAG_CHOICES = [
    ("green", "Green"),
    ("amber", "Amber"),
    ("red", "Red"),
    (WITHDRAW, "Withdraw the override (show the computed RAG again)"),
]


class ScorecardYearForm(GovukFormMixin, forms.Form):
    year = forms.ChoiceField(
        label="Financial year", error_messages={"invalid_choice": "Choose a financial year from the list"}
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [
            (str(year), f"{year}-{(year + 1) % 100:02d} (April {year} to March {year + 1})") for year in years
        ]


class OverrideForm(GovukFormMixin, forms.Form):
    rag = forms.ChoiceField(
        label="RAG to show",
        choices=OVERRIDE_RAG_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the RAG to show, or withdraw the override",
            "invalid_choice": "Choose green, amber or red, or withdraw the override",
        },
    )
    reason = forms.CharField(
        label="Reason",
        help_text="What the review meeting agreed, and why. It is kept with the override and in the audit log.",
        required=False,  # the service says what a reason must hold
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.radios("rag", legend_size=Size.SMALL),
            Field.textarea("reason"),
        )

    @property
    def rag_value(self) -> str:
        """The RAG for the service: empty to withdraw."""
        value = self.cleaned_data.get("rag", "")
        return "" if value == WITHDRAW else value
