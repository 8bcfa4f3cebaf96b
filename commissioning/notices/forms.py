"""Forms for the notice pages. They check input types; the services check the rules.

Several forms share the notice page, so each has its own ``auto_id`` prefix: field ids stay unique
on the page while the posted names stay plain.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.db.models import QuerySet

from accounts.govuk_forms import GovukFormMixin, date_field
from commissioning.evidence import EVIDENCE_TYPES_TEXT, EVIDENCE_UPLOAD
from commissioning.models import Contract
from commissioning.notices.drafts import NoticeInput
from commissioning.notices.models import (
    Complexity,
    NocCategory,
    NoticeClosedReason,
    NoticeKind,
    NoticeReason,
)
from commissioning.notices.rules import RESPONSE_UPLOAD


class NoticeForm(GovukFormMixin, forms.Form):
    """A form of the notice pages; ``id_prefix`` keeps its field ids unique on a page of several forms."""

    id_prefix = "notice"

    def __init__(self, *args, id_prefix: str | None = None, **kwargs):
        kwargs.setdefault("auto_id", f"{id_prefix or self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


def _text(label: str, required_message: str | None = None, rows: int = 4, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required_message is not None,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message} if required_message else {},
        **kwargs,
    )


class DraftForm(NoticeForm):
    """The content of a draft. Clause, facts, remedy and due date may stay blank until it is issued."""

    id_prefix = "draft"
    kind = forms.ChoiceField(
        label="Type of notice",
        choices=NoticeKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of notice"},
    )
    reason = forms.ChoiceField(
        label="Reason category",
        choices=[("", "Choose a reason"), *NoticeReason.choices],
        error_messages={"required": "Choose the reason category"},
    )
    noc_category = forms.ChoiceField(
        label="Category of concern (Notices of Concern only)",
        required=False,
        choices=[("", "Not a Notice of Concern"), *NocCategory.choices],
    )
    complexity = forms.ChoiceField(
        label="Complexity (Notices of Concern only)",
        required=False,
        choices=[("", "Not a Notice of Concern"), *Complexity.choices],
        help_text="It sets the target closure date, counted in working days from the day the notice is issued.",
    )
    clause = forms.CharField(
        label="Contract clause",
        required=False,
        max_length=200,
        help_text="The clause the notice relies on, for example “Clause 14.2 (Information and returns)”. Left "
        "empty, a new draft takes the clause of the last notice for the same reason on this contract (or "
        "another your organisation leads): check it.",
    )
    facts = _text(
        "Facts and evidence",
        rows=8,
        help_text="What happened, when, and how you know. Linked evidence is listed in the letter too. Start "
        "a line with “- ” for a bulleted list.",
    )
    remedy = _text(
        "Remedy required",
        rows=5,
        help_text="What the provider must do to put things right. Start a line with “- ” for a bulleted list.",
    )
    remedy_due_on = date_field("Remedy due", required=False, help_text="For example, 18/12/2026.")

    def __init__(self, *args, kind_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if kind_locked:
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = "An escalation or a correction keeps its type of notice."

    def notice_input(self) -> NoticeInput:
        data = self.cleaned_data
        is_noc = data["kind"] == NoticeKind.NOC
        return NoticeInput(
            kind=data["kind"],
            reason=data["reason"],
            clause=data["clause"],
            facts=data["facts"],
            remedy=data["remedy"],
            remedy_due_on=data["remedy_due_on"],
            noc_category=data["noc_category"] if is_noc else "",
            complexity=data["complexity"] if is_noc else "",
        )

    @staticmethod
    def initial_from(notice) -> dict:
        return {
            "kind": notice.kind,
            "reason": notice.reason,
            "noc_category": notice.noc_category,
            "complexity": notice.complexity,
            "clause": notice.clause,
            "facts": notice.facts,
            "remedy": notice.remedy,
            "remedy_due_on": notice.remedy_due_on,
        }


class EvidenceLinkForm(NoticeForm):
    id_prefix = "evidence"
    source = forms.ChoiceField(
        label="Evidence from this contract",
        choices=[],
        error_messages={
            "required": "Choose the result, return or assessment to link",
            "invalid_choice": "Choose one of the listed results, returns or assessments",
        },
    )

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", "Choose evidence to link"), *choices]


class FileForm(NoticeForm):
    id_prefix = "file"
    file = forms.FileField(
        label="Evidence file",
        help_text=f"{EVIDENCE_TYPES_TEXT}; {EVIDENCE_UPLOAD.hint()}.",
        error_messages={"required": "Choose a file to upload", "empty": "The file is empty"},
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (none included); each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class RespondForm(NoticeForm):
    id_prefix = "respond"
    text = _text(
        "Your response",
        "Write your response: what you have done and what you will do",
        rows=8,
        help_text="What you have done, what you will do and by when. The commissioner reads this with the evidence.",
    )
    files = MultipleFileField(
        label="Evidence files (optional)",
        required=False,
        help_text=f"{EVIDENCE_TYPES_TEXT}; {RESPONSE_UPLOAD.hint()}.",
    )


class ExtendForm(NoticeForm):
    id_prefix = "extend"
    new_due_on = date_field("New remedy date")
    reason = _text("Why the remedy date is extended", "Say why the remedy date is extended", rows=3)


class CloseForm(NoticeForm):
    id_prefix = "close"
    reason = forms.ChoiceField(
        label="Outcome",
        choices=[
            (NoticeClosedReason.REMEDIED, "Remedied: the provider has put things right"),
            (NoticeClosedReason.WITHDRAWN, "Withdrawn: the notice should not stand"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose remedied or withdrawn"},
    )
    note = _text("Reasons for the decision", "Say why the notice is closed", rows=4)


class WithdrawForm(NoticeForm):
    id_prefix = "withdraw"
    note = _text("Why the draft is withdrawn", "Say why the draft is withdrawn", rows=3)


def _days(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=260,
        widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-3"}),
        error_messages={
            "required": f"Enter the {label.lower()}",
            "invalid": "Enter a whole number of working days, like 20",
            "min_value": "Enter a whole number of working days from 1 to 260",
            "max_value": "Enter a whole number of working days from 1 to 260",
        },
    )


class SettingsForm(NoticeForm):
    id_prefix = "settings"
    noc_low_days = _days("Low complexity (working days)")
    noc_medium_days = _days("Medium complexity (working days)")
    noc_high_days = _days("High complexity (working days)")


class NoticeStartForm(GovukFormMixin, forms.Form):
    """Raise a notice from the register: which of the body's contracts it is about (a GET form)."""

    contract = forms.ModelChoiceField(
        label="Which contract is the notice about?",
        queryset=Contract.objects.none(),
        empty_label="Choose a contract",
        error_messages={
            "required": "Choose the contract the notice is about",
            "invalid_choice": "Choose a contract from the list",
        },
    )

    def __init__(self, *args, contracts: QuerySet[Contract], **kwargs):
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[Contract]", self.fields["contract"])
        field.queryset = contracts
        # The stubs declare label_from_instance a method: setting it on this instance needs the ignore.
        field.label_from_instance = (  # type: ignore[method-assign]
            lambda obj: f"{obj.reference}: {obj.title} ({obj.provider.name})"
        )
