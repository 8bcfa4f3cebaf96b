"""Forms for the monthly return pages. They check input types and sizes; the services and the
validator check the data standard's rules."""

from __future__ import annotations

from crispy_forms_gds.layout import HTML, Field, Fieldset, Layout, Size
from django import forms
from django.core.exceptions import ValidationError

from accounts.govuk_forms import GovukFormMixin
from outcomes.mds import MAX_FILE_BYTES
from outcomes.mds.columns import SURVEY_MEASURE_CODES

SURVEY_MEASURE_LABELS = {
    "HEALTH_NEEDS_MET": "People who said their health needs were met",
    "CARER_SUPPORTED": "Carers who feel supported",
    "DIED_WITH_DIGNITY": "Relatives who said the person died with dignity",
}
_MB = 1024 * 1024


def _count_field(label: str, measure: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "invalid": f"{measure}: enter the {label.lower()} as a whole number, like 12",
            "min_value": f"{measure}: the {label.lower()} must be 0 or more",
        },
    )


class SurveyFiguresMixin:
    """Optional survey figures typed in: a numerator and a denominator for each survey measure."""

    def add_survey_fields(self) -> None:
        for code in SURVEY_MEASURE_CODES:
            measure = SURVEY_MEASURE_LABELS[code]
            self.fields[f"{code}_numerator"] = _count_field("Number answering yes", measure)
            self.fields[f"{code}_denominator"] = _count_field("Number who answered", measure)

    def survey_layout(self) -> list:
        """A heading, then one fieldset per measure holding its two numbers."""
        return [
            HTML(
                '<h2 class="govuk-heading-m">Survey figures (optional)</h2>'
                '<p class="govuk-body">If you ran the survey this month, give each measure\'s figures: '
                "how many answered yes, out of how many answered. Leave a measure blank if you have no "
                "figures for it.</p>"
            ),
            *(
                Fieldset(
                    Field.text(f"{code}_numerator", field_width=4),
                    Field.text(f"{code}_denominator", field_width=4),
                    legend=f"{SURVEY_MEASURE_LABELS[code]} ({code})",
                    legend_size=Size.SMALL,
                )
                for code in SURVEY_MEASURE_CODES
            ),
        ]

    def clean_survey_figures(self, cleaned: dict) -> list[dict]:
        """The figures typed in, as survey table rows; both numbers of a measure, or neither."""
        rows = []
        for code in SURVEY_MEASURE_CODES:
            numerator, denominator = cleaned.get(f"{code}_numerator"), cleaned.get(f"{code}_denominator")
            if numerator is None and denominator is None:
                continue
            if numerator is None or denominator is None:
                missing = f"{code}_numerator" if numerator is None else f"{code}_denominator"
                if missing not in self.errors:
                    self.add_error(
                        missing,
                        f"Enter both numbers for “{SURVEY_MEASURE_LABELS[code]}”, or leave both blank",
                    )
                continue
            rows.append({"measure_code": code, "numerator": numerator, "denominator": denominator})
        return rows


def _check_size(upload, what: str) -> None:
    if upload is not None and upload.size > MAX_FILE_BYTES:
        raise ValidationError(
            f"The {what} is {upload.size / _MB:.1f} MB; a file may be at most {MAX_FILE_BYTES // _MB} MB. "
            "Remove anything that is not part of the return (pictures, extra sheets, formatting of "
            "empty rows) and upload it again."
        )


class ReturnUploadForm(SurveyFiguresMixin, GovukFormMixin, forms.Form):
    file = forms.FileField(
        label="Return file",
        help_text="A CSV or Excel (.xlsx) file with one row per episode of care, at most 20 MB.",
        widget=forms.FileInput(attrs={"class": "govuk-file-upload", "accept": ".csv,.xlsx"}),
        error_messages={
            "required": "Choose the return file to upload",
            "empty": "The chosen file is empty. Choose the return file with its header row and episodes",
            "invalid": "Choose the return file to upload",
        },
    )
    survey_file = forms.FileField(
        label="Survey file (optional)",
        required=False,
        help_text="A CSV file with the survey table. Or type the figures in below, or leave both out.",
        widget=forms.FileInput(attrs={"class": "govuk-file-upload", "accept": ".csv"}),
        error_messages={"empty": "The chosen survey file is empty. Choose the survey CSV file, or none"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_survey_fields()
        self.helper.layout = Layout(
            Field("file"),
            Field("survey_file"),
            *self.survey_layout(),
        )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        _check_size(upload, "return file")
        return upload

    def clean_survey_file(self):
        upload = self.cleaned_data.get("survey_file")
        _check_size(upload, "survey file")
        return upload

    def clean(self):
        cleaned = super().clean()
        cleaned["survey_entered"] = self.clean_survey_figures(cleaned)
        if cleaned.get("survey_file") and cleaned["survey_entered"]:
            self.add_error(
                "survey_file",
                "Give the survey figures once: upload the survey file or type the figures in, not both",
            )
        return cleaned


class NilReturnForm(SurveyFiguresMixin, GovukFormMixin, forms.Form):
    """A nil return: no episodes this month, with any survey figures typed in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_survey_fields()
        self.helper.layout = Layout(*self.survey_layout())

    def clean(self):
        cleaned = super().clean()
        cleaned["survey_entered"] = self.clean_survey_figures(cleaned)
        return cleaned


class SignOffForm(GovukFormMixin, forms.Form):
    """The approver's declaration; the service refuses a sign-off without it."""

    declaration = forms.BooleanField(
        label="I confirm this return is complete and accurate to the best of my knowledge", required=False
    )
    acknowledge_warnings = forms.BooleanField(label="I have read each warning above", required=False)

    def __init__(self, *args, has_warnings: bool, **kwargs):
        super().__init__(*args, **kwargs)
        checkboxes = [Field.checkbox("declaration")]
        if has_warnings:
            checkboxes.append(Field.checkbox("acknowledge_warnings"))
        else:
            del self.fields["acknowledge_warnings"]
        self.helper.layout = Layout(Fieldset(*checkboxes, legend="Declaration", legend_size=Size.MEDIUM))


class OutstandingMonthForm(GovukFormMixin, forms.Form):
    month = forms.ChoiceField(
        label="Month", error_messages={"invalid_choice": "Choose a month from the list"}
    )

    def __init__(self, *args, months, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(f"{m:%Y-%m}", f"{m:%B %Y}") for m in months]
