"""Forms for the QAF pages. They check input types; the services check the rules.

Several forms share the assessment and action-plan pages, so each form gets its own ``auto_id``
prefix: field ids stay unique on the page while the posted names stay plain.
"""

from __future__ import annotations

from crispy_forms_gds.layout import Field, Fieldset, Layout, Size
from django import forms

from accounts.govuk_forms import GovukFormMixin, date_field
from commissioning.evidence import EVIDENCE_TYPES, EVIDENCE_TYPES_TEXT, EVIDENCE_UPLOAD
from commissioning.qaf.models import DelayReason, QafStandard, QafStatusCode, Rating, StandardRating
from providers.models import CqcRating


class QafForm(GovukFormMixin, forms.Form):
    """A form of the QAF pages; ``id_prefix`` keeps its field ids unique on a page of several forms."""

    id_prefix = "qaf"

    def __init__(self, *args, id_prefix: str | None = None, **kwargs):
        kwargs.setdefault("auto_id", f"{id_prefix or self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


def _text(label: str, required_message: str | None = None, rows: int = 3, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required_message is not None,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message} if required_message else {},
        **kwargs,
    )


def _standard_label(standard: QafStandard) -> str:
    return f"{standard.code} {standard.title}"


class TrackerFilterForm(forms.Form):
    """The tracker's filters (a GET form)."""

    status = forms.ChoiceField(
        label="QAF status", required=False, choices=[("", "Any QAF status"), *QafStatusCode.choices]
    )
    cqc_rating = forms.ChoiceField(
        label="CQC rating", required=False, choices=[("", "Any CQC rating"), *CqcRating.choices]
    )


class ScheduleForm(QafForm):
    id_prefix = "schedule"
    scheduled_for = date_field("Planned start date", help_text="For example, the date of the first visit.")
    contract = forms.ModelChoiceField(
        label="Contract",
        queryset=None,
        required=False,
        empty_label="All of the provider's contracts with your organisation",
        help_text="Choose a contract only if this assessment covers that contract alone.",
    )

    def __init__(self, *args, contracts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts
        self.fields["contract"].label_from_instance = lambda c: f"{c.reference}: {c.title}"
        self.fields["contract"].error_messages["invalid_choice"] = "Choose one of the provider's contracts"


class ReassessForm(QafForm):
    id_prefix = "reassess"
    scheduled_for = date_field("Planned reassessment date")


class StartForm(QafForm):
    id_prefix = "start"
    started_on = date_field(
        "Start date", help_text="The 13 weeks to complete the evaluation run from this day."
    )


class RatingsForm(QafForm):
    """One radio group per standard (the five ratings) and an evidence box, grouped by domain."""

    id_prefix = "ratings"

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.rating_rows: list[Rating] = []
        layout = []
        for section in sections:
            members = []
            for rating in section.ratings:
                standard = rating.standard
                self.rating_rows.append(rating)
                self.fields[f"rating_{standard.pk}"] = forms.ChoiceField(
                    label=_standard_label(standard),
                    help_text=standard.looks_like,
                    choices=StandardRating.choices,
                    initial=rating.rating,
                    widget=forms.RadioSelect,
                    error_messages={
                        "required": f"Choose a rating for standard {standard.code}",
                        "invalid_choice": f"Choose a rating for standard {standard.code}",
                    },
                )
                self.fields[f"evidence_{standard.pk}"] = forms.CharField(
                    label=f"Evidence and findings for {standard.code} (optional)",
                    required=False,
                    initial=rating.evidence,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
                members += [
                    Field.radios(f"rating_{standard.pk}", legend_size=Size.SMALL, small=True, inline=True),
                    Field.textarea(f"evidence_{standard.pk}", rows=2),
                ]
            if members:
                layout.append(Fieldset(*members, legend=section.domain.name, legend_size=Size.MEDIUM))
        self.helper.layout = Layout(*layout)

    def ratings(self) -> dict[int, tuple[str, str]]:
        """The ratings as the service takes them: standard id → (rating, evidence)."""
        return {
            row.standard_id: (
                self.cleaned_data[f"rating_{row.standard_id}"],
                self.cleaned_data.get(f"evidence_{row.standard_id}", ""),
            )
            for row in self.rating_rows
        }


class DelayForm(QafForm):
    id_prefix = "delay"
    delay_reason = forms.ChoiceField(
        label="Main reason for the delay",
        choices=DelayReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the main reason for the delay",
            "invalid_choice": "Choose the main reason for the delay",
        },
    )
    delay_note = forms.CharField(
        label="More about the delay (needed if the reason is Other)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.radios("delay_reason", legend_size=Size.SMALL), Field.textarea("delay_note", rows=2)
        )


class ShareForm(QafForm):
    """No fields: the button shares the draft report (errors are the service's)."""

    id_prefix = "share"


class FinaliseForm(QafForm):
    id_prefix = "finalise"
    finalised_on = date_field("Completion date")
    summary = _text("Summary of findings", "Enter a summary of the findings", rows=5)


class CommentForm(QafForm):
    id_prefix = "comment"
    standard = forms.ModelChoiceField(
        label="Standard (optional)",
        queryset=None,
        required=False,
        empty_label="The report as a whole",
        error_messages={"invalid_choice": "Choose a standard from this report"},
    )
    text = _text(
        "Your comment",
        "Enter your comment",
        rows=4,
        help_text="Say what is factually wrong and what is right.",
    )

    def __init__(self, *args, standards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = standards
        self.fields["standard"].label_from_instance = _standard_label


class CommentResponseForm(QafForm):
    response = _text("Your response", "Enter your response", rows=3)

    def __init__(self, *args, comment_id: int, **kwargs):
        super().__init__(*args, id_prefix=f"response-{comment_id}", **kwargs)


class EvidenceForm(QafForm):
    id_prefix = "evidence"
    file = forms.FileField(
        label="Evidence file",
        help_text=f"{EVIDENCE_TYPES_TEXT}; {EVIDENCE_UPLOAD.hint()}.",
        widget=forms.FileInput(
            attrs={"class": "govuk-file-upload", "accept": ",".join(sorted(EVIDENCE_TYPES))}
        ),
        error_messages={
            "required": "Choose the file to upload",
            "empty": "The chosen file is empty. Choose the file with the evidence",
            "invalid": "Choose the file to upload",
        },
    )
    description = forms.CharField(label="What the file shows (optional)", required=False, max_length=300)
    action = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, action_id: int | None = None, **kwargs):
        super().__init__(*args, id_prefix=f"evidence-{action_id}" if action_id else None, **kwargs)
        if action_id:
            self.fields["action"].initial = action_id


class ActionForm(QafForm):
    id_prefix = "action"
    standard = forms.ModelChoiceField(
        label="Standard",
        queryset=None,
        empty_label="Choose a standard",
        error_messages={
            "required": "Choose the standard the action addresses",
            "invalid_choice": "Choose the standard the action addresses",
        },
    )
    description = _text("What must be done", "Say what must be done", rows=3)
    owner = forms.CharField(
        label="Owner at the provider",
        max_length=200,
        help_text="A role or a name, for example Registered manager.",
        error_messages={"required": "Name who at the provider owns the action"},
    )
    due_on = date_field(
        "Due date", help_text="Action plans are usually due within 14 days of the final report."
    )

    def __init__(self, *args, standards, ratings: dict[int, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        ratings = ratings or {}
        self.fields["standard"].queryset = standards
        self.fields["standard"].label_from_instance = lambda s: (
            f"{_standard_label(s)} (rated {ratings[s.pk]})" if s.pk in ratings else _standard_label(s)
        )


class ActionDoneForm(QafForm):
    note = _text(
        "What was done",
        rows=3,
        help_text="Needed unless you have attached evidence to this action.",
    )

    def __init__(self, *args, action_id: int, **kwargs):
        super().__init__(*args, id_prefix=f"done-{action_id}", **kwargs)


VERIFY, REOPEN = "verify", "reopen"


class ActionReviewForm(QafForm):
    decision = forms.ChoiceField(
        label="Is the action done?",
        choices=[(VERIFY, "Yes: verify it"), (REOPEN, "No: reopen it for the provider")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to verify or reopen the action"},
    )
    note = _text(
        "Note for the provider", rows=2, help_text="Needed when you reopen: say what is still needed."
    )

    def __init__(self, *args, action_id: int, **kwargs):
        # A prefix, not only an id prefix: crispy-forms-gds builds radio ids from the field's name,
        # and several actions can be under review on one page.
        super().__init__(*args, prefix=f"review-{action_id}", auto_id="%s", **kwargs)
        self.helper.layout = Layout(
            Field.radios("decision", legend_size=Size.SMALL, small=True, inline=True),
            Field.textarea("note", rows=2),
        )
