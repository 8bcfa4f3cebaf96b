"""Forms for the meeting record and the action tracker. They check input types; the services in
outcomes.reviews.record check the rules.

Several forms share the meeting page and the record page, so each has its own ``auto_id`` prefix:
field ids stay unique on the page while the posted names stay plain. Radio and checkbox ids are
built from the field's name, so no two forms on one page share a radio field's name.
"""

from __future__ import annotations

from crispy_forms_gds.layout import Field, Layout, Size
from django import forms

from accounts.govuk_forms import GovukFormMixin, date_field
from commissioning.filter_fields import provider_filter
from commissioning.qaf.portfolio import quarter_label
from outcomes.periods import parse_period
from outcomes.reviews.models import ActionOwner, ActionStatus, ReviewAttendee
from outcomes.reviews.selectors import NOT_STARTED, OPEN

RAG_CHOICES = [("green", "Green"), ("amber", "Amber"), ("red", "Red")]


class RecordForm(GovukFormMixin, forms.Form):
    """A form of the record pages; ``id_prefix`` keeps its field ids unique on a page of several forms."""

    id_prefix = "record"

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


def attendee_label(attendee: ReviewAttendee) -> str:
    role = f", {attendee.role}" if attendee.role else ""
    return f"{attendee.name} ({attendee.organisation}{role})"


class MeetingRecordForm(RecordForm):
    """Minutes, decisions and who attended."""

    id_prefix = "minutes"
    minutes = _text(
        "Minutes",
        "Write the minutes: what was discussed",
        rows=12,
        help_text="What was discussed for each measure and by whom. Everyone who can see the meeting reads this.",
    )
    decisions = _text(
        "Decisions",
        rows=6,
        help_text="What the meeting agreed, one decision to a line. RAG overrides and actions are recorded separately.",
    )
    attended = forms.MultipleChoiceField(
        label="Who attended",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick everyone who was there; anyone not ticked is recorded as absent.",
        error_messages={"invalid_choice": "Tick only people invited to this meeting"},
    )

    def __init__(self, *args, attendees: list[ReviewAttendee], **kwargs):
        super().__init__(*args, **kwargs)
        self.attendee_ids = [attendee.pk for attendee in attendees]
        if attendees:
            self.fields["attended"].choices = [(str(a.pk), attendee_label(a)) for a in attendees]
        else:
            del self.fields["attended"]
        self.helper.layout = Layout(
            Field.textarea("minutes", rows=12),
            Field.textarea("decisions", rows=6),
            *([Field.checkboxes("attended", legend_size=Size.SMALL, small=True)] if attendees else []),
        )

    @staticmethod
    def initial_from(meeting, attendees: list[ReviewAttendee]) -> dict:
        return {
            "minutes": meeting.minutes,
            "decisions": meeting.decisions,
            "attended": [str(a.pk) for a in attendees if a.attended],
        }

    def attendance(self) -> dict[int, bool]:
        """Every invited attendee: True when ticked."""
        ticked = {int(value) for value in self.cleaned_data.get("attended", [])}
        return {attendee_id: attendee_id in ticked for attendee_id in self.attendee_ids}


class OverrideAgreeForm(RecordForm):
    """A RAG override the meeting agreed for one target's result for the quarter."""

    id_prefix = "override"
    target = forms.ChoiceField(
        label="Target",
        error_messages={
            "required": "Choose the target whose RAG the meeting agreed to override",
            "invalid_choice": "Choose one of the listed targets",
        },
    )
    rag = forms.ChoiceField(
        label="RAG agreed",
        choices=RAG_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose green, amber or red",
            "invalid_choice": "Choose green, amber or red",
        },
    )
    reason = _text(
        "Reason",
        "Give the reason the meeting agreed the override",
        rows=3,
        help_text="Shown beside the RAG on the scorecard; the computed RAG stays visible.",
    )

    def __init__(self, *args, targets: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            ("", "Choose a target"),
            *((str(pk), label) for pk, label in targets),
        ]
        self.helper.layout = Layout(
            Field("target"),
            Field.radios("rag", legend_size=Size.SMALL, small=True, inline=True),
            Field.textarea("reason", rows=3),
        )


class ActionAddForm(RecordForm):
    """An action agreed at the meeting."""

    id_prefix = "action"
    description = _text("What will be done", "Say what will be done", rows=3)
    owner_kind = forms.ChoiceField(
        label="Who owns it",
        choices=ActionOwner.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who owns the action"},
    )
    owner_organisation = forms.CharField(
        label="Owner's organisation",
        required=False,
        max_length=200,
        help_text=(
            "Needed for a system partner, for example Riverton Community Nursing. Leave it blank for "
            "the provider or the commissioner: their name is filled in."
        ),
    )
    owner_name = forms.CharField(
        label="Owner",
        max_length=200,
        help_text="A name or a role, for example Registered manager.",
        error_messages={"required": "Name the person or role who owns the action"},
    )
    due_on = date_field("Due date", help_text="For example, 18/12/2026.")
    contract = forms.TypedChoiceField(label="Contract", coerce=int, required=False)
    target = forms.TypedChoiceField(label="Target (optional)", coerce=int, required=False)

    def __init__(self, *args, contracts: list, targets: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        if len(contracts) > 1:
            self.fields["contract"].choices = [
                ("", "All the meeting's contracts"),
                *((c.pk, f"{c.reference}: {c.title}") for c in contracts),
            ]
        else:
            del self.fields["contract"]
        self.fields["target"].choices = [("", "No particular target"), *targets]
        self.fields["target"].error_messages["invalid_choice"] = "Choose one of the listed targets"
        self.helper.layout = Layout(
            Field.textarea("description", rows=3),
            Field.radios("owner_kind", legend_size=Size.SMALL, small=True),
            *(Field(name) for name in self.fields if name not in ("description", "owner_kind")),
        )


PROVIDER_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE)


class ActionUpdateForm(RecordForm):
    """A new status for an action, with a note. A provider does not drop its actions."""

    status = forms.ChoiceField(
        label="Status",
        error_messages={"required": "Choose a status", "invalid_choice": "Choose a status from the list"},
    )
    note = _text(
        "Note",
        rows=2,
        help_text="Needed when the action is done or no longer needed: say what was done, or why.",
    )

    def __init__(self, *args, action, for_provider: bool, **kwargs):
        kwargs.setdefault("initial", {"status": action.status})
        super().__init__(*args, id_prefix=f"update-{action.pk}", **kwargs)
        allowed = PROVIDER_STATUSES if for_provider else tuple(ActionStatus)
        self.fields["status"].choices = [(s.value, s.label) for s in ActionStatus if s in allowed]
        self.helper.layout = Layout(Field("status"), Field.textarea("note", rows=2))


# --- The tracker's filters (a GET form) -----------------------------------------------------------


def _quarter_text(identifier: str) -> str:
    try:
        return quarter_label(parse_period(identifier))
    except ValueError:
        return identifier


class ActionFilterForm(forms.Form):
    """The tracker's filters. Providers see only their own meetings' actions, so no provider filter.
    With no filters chosen the tracker shows the open actions."""

    provider = provider_filter()
    owner = forms.ChoiceField(
        label="Owned by",
        required=False,
        choices=[("", "Anyone"), *ActionOwner.choices],
        error_messages={"invalid_choice": "Choose who owns the actions from the list"},
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", "Any status"),
            (OPEN, "Open or in progress"),
            (NOT_STARTED, "Open, not started"),
            *((value, label) for value, label in ActionStatus.choices if value != ActionStatus.OPEN),
        ],
        error_messages={"invalid_choice": "Choose a status from the list"},
    )
    overdue = forms.ChoiceField(
        label="Due",
        required=False,
        choices=[("", "Any due date"), ("yes", "Overdue only")],
        error_messages={"invalid_choice": "Choose any due date or overdue only"},
    )
    quarter = forms.ChoiceField(
        label="Raised at a review of",
        required=False,
        error_messages={
            "invalid_choice": "Choose a quarter from the list. Quarters are written like 2025-26-Q1."
        },
    )

    def __init__(self, *args, providers, quarters: list[str], for_provider: bool, **kwargs):
        kwargs.setdefault("initial", {"status": OPEN})
        super().__init__(*args, **kwargs)
        if for_provider:
            del self.fields["provider"]
        else:
            self.fields["provider"].queryset = providers
        self.fields["quarter"].choices = [("", "Any quarter"), *((q, _quarter_text(q)) for q in quarters)]

    def filters(self) -> dict:
        """The valid filters; with none chosen, the open actions. A bound form's bad values are
        left out, and shown as errors."""
        if not self.is_bound:
            return {"status": OPEN}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
