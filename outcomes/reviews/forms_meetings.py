"""Forms for the review meeting pages. They check input types; the services check the rules.

Several forms share the meeting page, so each has its own ``auto_id`` prefix: field ids stay unique
on the page while the posted names stay plain.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.govuk_forms import GovukFormMixin, date_field
from commissioning.filter_fields import provider_filter
from commissioning.models import Contract, ContractStatus, Target
from commissioning.qaf.portfolio import quarter_label
from outcomes.periods import add_months, parse_period, quarter_period
from outcomes.reviews.models import CommentaryPart, MeetingStatus, ReviewCommentary, ReviewMeeting
from providers.models import Provider

QUARTER_HINT = "Quarters run April to June (Q1) to January to March (Q4), and are written like 2026-27-Q2."


class ReviewForm(GovukFormMixin, forms.Form):
    """A form of the review pages; ``id_prefix`` keeps its field ids unique on a page of several forms."""

    id_prefix = "review"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


def quarter_choices(today: date | None = None, keep: str = "") -> list[tuple[str, str]]:
    """The quarters one may review: the four before today's quarter to three after it (meetings are
    often planned a year ahead), oldest first, plus ``keep`` (a meeting's own quarter)."""
    current = quarter_period(today or timezone.localdate())
    quarters = [quarter_period(add_months(current.start, 3 * step)) for step in range(-4, 4)]
    if keep and keep not in {q.identifier for q in quarters}:
        quarters = sorted([*quarters, parse_period(keep)])
    return [(q.identifier, quarter_label(q)) for q in quarters]


class MeetingForm(ReviewForm):
    id_prefix = "meeting"
    contracts = forms.ModelMultipleChoiceField(
        label="Contracts reviewed",
        queryset=Contract.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="One contract, or several of one provider's contracts reviewed together.",
        error_messages={
            "required": "Choose at least one contract to review",
            "invalid_choice": "Choose contracts from the list",
            "invalid_pk_value": "Choose contracts from the list",
        },
    )
    quarter = forms.ChoiceField(
        label="Quarter reviewed",
        help_text=f"Usually the quarter just before the meeting. {QUARTER_HINT}",
        error_messages={
            "required": "Choose the quarter the meeting reviews",
            "invalid_choice": f"Choose a quarter from the list. {QUARTER_HINT}",
        },
    )
    held_on = date_field("Meeting date", help_text="For example, 12/11/2026.")
    starts_at = forms.TimeField(
        label="Start time (optional)",
        required=False,
        widget=forms.TimeInput(
            format="%H:%M", attrs={"type": "time", "class": "govuk-input govuk-input--width-5"}
        ),
        error_messages={"invalid": "Enter the start time in hours and minutes, like 14:30"},
    )
    place = forms.CharField(
        label="Place",
        required=False,
        max_length=200,
        help_text="Where the meeting is held. Give a place, a video call link, or both.",
    )
    link = forms.URLField(
        label="Video call link",
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "govuk-input", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter the video call link as a full web address, like https://meet.example.org/abc"
        },
    )
    chair_name = forms.CharField(
        label="Independent chair (optional)",
        required=False,
        max_length=200,
        help_text="Leave blank when the commissioner chairs the meeting.",
    )
    chair_organisation = forms.CharField(
        label="Chair's organisation (optional)", required=False, max_length=200
    )
    commentary_due_on = date_field(
        "Commentary due (optional)",
        required=False,
        help_text="The day the provider's commentary is due, before the meeting. Commentary stays open until "
        "the pack is issued.",
    )

    def __init__(self, *args, contracts: QuerySet[Contract], meeting: ReviewMeeting | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["contracts"]
        chosen = meeting.contracts.values("pk") if meeting is not None else Contract.objects.none()
        field.queryset = (
            Contract.objects.filter(
                Q(pk__in=contracts.exclude(status=ContractStatus.DRAFT).values("pk")) | Q(pk__in=chosen)
            )
            .select_related("provider")
            .order_by("provider__name", "reference")
        )
        field.label_from_instance = lambda c: f"{c.reference}: {c.title} ({c.provider.name})"
        self.fields["quarter"].choices = quarter_choices(keep=meeting.quarter if meeting else "")

    def meeting_input(self) -> dict:
        """The keyword arguments of ``meeting_create`` and ``meeting_update``."""
        data = self.cleaned_data
        return {
            "contracts": list(data["contracts"]),
            "quarter": data["quarter"],
            "held_on": data["held_on"],
            "starts_at": data["starts_at"],
            "place": data["place"],
            "link": data["link"],
            "chair_name": data["chair_name"],
            "chair_organisation": data["chair_organisation"],
            "commentary_due_on": data["commentary_due_on"],
        }

    @staticmethod
    def initial_from(meeting: ReviewMeeting) -> dict:
        return {
            "contracts": [str(pk) for pk in meeting.contracts.values_list("pk", flat=True)],
            "quarter": meeting.quarter,
            "held_on": meeting.held_on,
            "starts_at": meeting.starts_at,
            "place": meeting.place,
            "link": meeting.link,
            "chair_name": meeting.chair_name,
            "chair_organisation": meeting.chair_organisation,
            "commentary_due_on": meeting.commentary_due_on,
        }


class AttendeeUserForm(ReviewForm):
    """Someone with an account: a person of the lead body, the provider or a partner body."""

    id_prefix = "attendee-user"
    kind = forms.CharField(widget=forms.HiddenInput, initial="user")
    user = forms.ChoiceField(
        label="Person",
        error_messages={
            "required": "Choose the person to add",
            "invalid_choice": "Choose a person from the list",
        },
    )
    role = forms.CharField(
        label="Role at the meeting (optional)",
        required=False,
        max_length=200,
        help_text="Leave blank to use their role in their organisation.",
    )

    def __init__(self, *args, candidates: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Choose a person")] + [
            (
                str(m.user_id),
                f"{m.user.full_name or m.user.email} ({m.organisation.name}, {m.role_label.lower()})",
            )
            for m in candidates
        ]


class AttendeeExternalForm(ReviewForm):
    """A partner without an account: district nursing, occupational therapy, a GP federation..."""

    id_prefix = "attendee-external"
    kind = forms.CharField(widget=forms.HiddenInput, initial="external")
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the partner's name"}
    )
    organisation = forms.CharField(
        label="Organisation",
        max_length=200,
        help_text="For example, Riverton Community Health (district nursing) or Riverton GP Federation.",
        error_messages={"required": "Enter the partner's organisation"},
    )
    role = forms.CharField(label="Role (optional)", required=False, max_length=200)
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        help_text="Where the pack is sent.",
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org"},
    )


class CancelForm(ReviewForm):
    id_prefix = "cancel"
    reason = forms.CharField(
        label="Why the meeting is cancelled",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Everyone who can see the meeting reads this.",
        error_messages={"required": "Say why the meeting is cancelled"},
    )


class MeetingFilterForm(forms.Form):
    """The meeting list's filters. Providers see only their own meetings, so they get no provider filter."""

    provider = provider_filter()
    quarter = forms.ChoiceField(
        label="Quarter reviewed",
        required=False,
        error_messages={"invalid_choice": f"Choose a quarter from the list. {QUARTER_HINT}"},
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *MeetingStatus.choices],
        error_messages={"invalid_choice": "Choose a status from the list"},
    )

    def __init__(self, *args, meetings: QuerySet[ReviewMeeting], for_provider: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if for_provider:
            del self.fields["provider"]
        else:
            self.fields["provider"].queryset = Provider.objects.filter(
                pk__in=meetings.values("provider_id")
            ).order_by("name")
        quarters = sorted(set(meetings.values_list("quarter", flat=True)), reverse=True)
        self.fields["quarter"].choices = [("", "Any quarter")] + [
            (q, quarter_label(parse_period(q))) for q in quarters
        ]

    def filters(self) -> dict:
        """The filters that are valid (a bound form's bad values are left out, and shown as errors)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


def commentary_field_name(target: Target, part: str) -> str:
    return f"c{target.pk}-{part}"


class CommentaryForm(ReviewForm):
    """One text box per part the person may write, for each target of the quarter, with the version
    they started from (hidden) so that someone else's later change is never overwritten unseen."""

    id_prefix = "commentary"

    def __init__(
        self,
        *args,
        targets: list[Target],
        parts: list[str],
        current: dict[tuple[int, str], ReviewCommentary],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        labels = dict(CommentaryPart.choices)
        for target in targets:
            for part in parts:
                name, row = commentary_field_name(target, part), current.get((target.pk, part))
                self.fields[name] = forms.CharField(
                    label=labels[part], required=False, strip=False, widget=forms.Textarea(attrs={"rows": 4})
                )
                self.fields[f"{name}-seen"] = forms.IntegerField(
                    required=False, min_value=0, widget=forms.HiddenInput
                )
                self.initial[name] = row.text if row else ""
                self.initial[f"{name}-seen"] = row.version if row else 0
        self.entries = [(target, part) for target in targets for part in parts]

    def submitted(self) -> list[tuple[Target, str, str, int | None]]:
        """(target, part, text, version seen) for each box that was posted; a box missing from the post
        is left alone rather than cleared."""
        result = []
        for target, part in self.entries:
            name = commentary_field_name(target, part)
            if name in self.data:
                result.append((target, part, self.cleaned_data[name], self.cleaned_data.get(f"{name}-seen")))
        return result
