"""Forms for the monthly return pages. They check input types and sizes; the services and the
validator check the data standard's rules."""

from __future__ import annotations

from crispy_forms_gds.layout import HTML, Field, Fieldset, Layout, Size
from django import forms
from django.core.exceptions import ValidationError

from accounts.govuk_forms import GovukFormMixin
from accounts.upload_limits import megabytes
from outcomes.mds.columns import EPISODE_COLUMN_SPECS, SURVEY_MEASURE_CODES
from outcomes.models import ReturnAttempt
from outcomes.returns.services import RETURN_UPLOAD

SURVEY_MEASURE_LABELS = {
    "HEALTH_NEEDS_MET": "People who said their health needs were met",
    "CARER_SUPPORTED": "Carers who feel supported",
    "DIED_WITH_DIGNITY": "Relatives who said the person died with dignity",
}


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
    if upload is not None and upload.size > RETURN_UPLOAD.file_bytes:
        raise ValidationError(
            f"The {what} is {megabytes(upload.size)}; a file may be at most {RETURN_UPLOAD.size_text}. "
            f"{RETURN_UPLOAD.advice}"
        )


class ReturnUploadForm(SurveyFiguresMixin, GovukFormMixin, forms.Form):
    file = forms.FileField(
        label="Return file",
        help_text=f"A CSV or Excel (.xlsx) file with one row per episode of care, at most {RETURN_UPLOAD.size_text}.",
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
    """A nil return: no episodes this month, with any survey figures typed in. When the month already
    has an accepted version with episodes, the provider confirms that the nil return will replace it."""

    replace_confirmed = forms.BooleanField(required=False)

    def __init__(self, *args, replaces: ReturnAttempt | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_survey_fields()
        self.replaces = replaces
        parts = list(self.survey_layout())
        if replaces is not None:
            field = self.fields["replace_confirmed"]
            field.label = (
                f"I understand that, once signed off, this nil return replaces version {replaces.version} "
                f"of this month's return, with its {replaces.episode_count} episodes"
            )
            parts.append(Fieldset(Field.checkbox("replace_confirmed"), legend="Replace the accepted return"))
        else:
            del self.fields["replace_confirmed"]
        self.helper.layout = Layout(*parts)

    def clean(self):
        cleaned = super().clean()
        cleaned["survey_entered"] = self.clean_survey_figures(cleaned)
        if self.replaces is not None and not cleaned.get("replace_confirmed"):
            self.add_error(
                "replace_confirmed",
                f"Confirm that the nil return replaces version {self.replaces.version} and its "
                f"{self.replaces.episode_count} episodes, or upload a corrected file instead",
            )
        return cleaned


def warning_place(warning: dict) -> str:
    """Where a warning is: "episodes, row 5, service_type" (or the file as a whole)."""
    parts = [warning.get("sheet") or "file"]
    if warning.get("row"):
        parts.append(f"row {warning['row']}")
    if warning.get("column"):
        parts.append(str(warning["column"]))
    return ", ".join(parts)


class SignOffForm(GovukFormMixin, forms.Form):
    """The approver's declaration, and each warning acknowledged one by one with an optional note
    (return-format v1.1); the service refuses a sign-off without them."""

    declaration = forms.BooleanField(
        label="I confirm this return is complete and accurate to the best of my knowledge", required=False
    )

    def __init__(self, *args, warnings: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.warning_count = len(warnings)
        parts = []
        for index, warning in enumerate(warnings):
            number = index + 1
            self.fields[f"acknowledge_{index}"] = forms.BooleanField(
                label=f"I have read warning {number}", required=False
            )
            self.fields[f"note_{index}"] = forms.CharField(
                label=f"Note on warning {number} (optional)",
                help_text="Say what you checked or why it is right, for the council to read with the return.",
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            parts.append(
                Fieldset(
                    Field.checkbox(f"acknowledge_{index}"),
                    Field.textarea(f"note_{index}", rows=2),
                    legend=f"Warning {number} ({warning_place(warning)}): {warning.get('message', '')}",
                    legend_size=Size.SMALL,
                )
            )
        self.helper.layout = Layout(
            *parts, Fieldset(Field.checkbox("declaration"), legend="Declaration", legend_size=Size.MEDIUM)
        )

    def acknowledgements(self) -> dict[int, str]:
        """The warnings ticked as read, by position, each with its note ("" when none)."""
        data = getattr(self, "cleaned_data", {})
        return {
            index: (data.get(f"note_{index}") or "").strip()
            for index in range(self.warning_count)
            if data.get(f"acknowledge_{index}")
        }


class EpisodeRowForm(forms.Form):
    """One episode in the browser editor: each column as text, or a list of its allowed values. The
    values are checked by the data standard when the return is saved, as for a file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        number = (int(self.prefix.rsplit("-", 1)[-1]) + 1) if self.prefix else 1
        for column in EPISODE_COLUMN_SPECS:
            label = f"Episode {number}: {column.name}"
            if column.allowed:
                self.fields[column.name] = forms.ChoiceField(
                    label=label, required=False, choices=[("", "—"), *((v, v) for v in column.allowed)]
                )
            else:
                self.fields[column.name] = forms.CharField(label=label, required=False, max_length=200)
        self.fields["remove"] = forms.BooleanField(label=f"Remove episode {number}", required=False)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any((data.get(column.name) or "").strip() for column in EPISODE_COLUMN_SPECS)


EpisodeRowFormSet = forms.formset_factory(EpisodeRowForm, extra=0, max_num=2000, absolute_max=2000)


class EditorSurveyForm(SurveyFiguresMixin, GovukFormMixin, forms.Form):
    """The survey figures typed in beside the editor's episodes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_survey_fields()
        self.helper.form_tag = False
        self.helper.layout = Layout(*self.survey_layout())

    def clean(self):
        cleaned = super().clean()
        cleaned["survey_entered"] = self.clean_survey_figures(cleaned)
        return cleaned


class OutstandingMonthForm(GovukFormMixin, forms.Form):
    month = forms.ChoiceField(
        label="Month", error_messages={"invalid_choice": "Choose a month from the list"}
    )

    def __init__(self, *args, months, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(f"{m:%Y-%m}", f"{m:%B %Y}") for m in months]
