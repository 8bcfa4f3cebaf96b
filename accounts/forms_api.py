"""Forms for the API token pages: making a token, and the provider's API sign-off setting."""

from __future__ import annotations

from datetime import datetime, timedelta

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.govuk_forms import GovukFormMixin
from accounts.models import ApiScope, Organisation, User

NO_EXPIRY = "never"
EXPIRY_DAYS = {"30": 30, "90": 90, "365": 365, NO_EXPIRY: None}
EXPIRY_CHOICES = [
    Choice("30", "30 days"),
    Choice("90", "90 days"),
    Choice("365", "1 year"),
    Choice(
        NO_EXPIRY,
        "No expiry",
        hint="Only for a system you look after: revoke the token when the system no longer needs it.",
    ),
]


def _scope_choices(organisation: Organisation) -> list[Choice]:
    read = Choice(
        ApiScope.READ.value, "Read", hint="See your organisation's contracts, returns, results and notices."
    )
    if not organisation.is_provider:
        return [read]
    submit = Choice(
        ApiScope.SUBMIT.value,
        "Submit returns",
        hint="Upload monthly returns. Each upload is recorded as made by this token.",
    )
    return [read, submit]


class ApiTokenForm(GovukFormMixin, forms.Form):
    """What a new token is for, what it may do, who it signs off as and when it stops working."""

    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What will use the token, so you can tell it apart later. For example, 'Care planning system'.",
        error_messages={
            "required": "Enter a name that says what will use the token, for example 'Care planning system'",
            "max_length": "The name must be 100 characters or fewer",
        },
    )
    scopes = forms.MultipleChoiceField(
        label="What may the token do?",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose what the token may do: read, or read and submit returns"},
    )
    sign_off_as = forms.ChoiceField(
        label="Sign off returns as",
        required=False,
        help_text=(
            "Leave as 'Nobody' unless a system should sign off returns. The token then signs off in this "
            "approver's name, as if they had done it on the website, so it also needs 'Submit returns'."
        ),
        error_messages={"invalid_choice": "Choose an approver of your organisation, or 'Nobody'"},
    )
    expires = forms.ChoiceField(
        label="When should the token stop working?",
        choices=EXPIRY_CHOICES,
        initial="90",
        widget=forms.RadioSelect,
        help_text="You can revoke a token at any time before then.",
        error_messages={
            "required": "Choose when the token should stop working",
            "invalid_choice": "Choose when the token should stop working",
        },
    )

    def __init__(self, *args, organisation: Organisation, approvers: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        scopes = self.fields["scopes"]
        scopes.choices = _scope_choices(organisation)
        scopes.initial = [ApiScope.READ.value]
        if organisation.is_provider:
            scopes.help_text = "Choose both for a care planning system that sends your monthly returns."
            invalid = "Choose what the token may do: read, or read and submit returns"
        else:
            scopes.help_text = "Commissioners' tokens are read-only: only providers submit returns."
            invalid = "Commissioners' tokens are read-only: only providers submit returns"
            scopes.error_messages = {
                **scopes.error_messages,
                "required": "Tick 'Read': a token must be able to read",
            }
        scopes.error_messages = {**scopes.error_messages, "invalid_choice": invalid}
        self.approvers = {str(user.pk): user for user in approvers}
        fields = [
            Field.text("name", field_width=20),
            Field.checkboxes("scopes", legend_size=Size.SMALL),
        ]
        if organisation.is_provider and organisation.api_sign_off_enabled:
            self.fields["sign_off_as"].choices = [
                ("", "Nobody: the token does not sign off returns"),
                *[(pk, user.get_full_name()) for pk, user in self.approvers.items()],
            ]
            fields.append(Field.select("sign_off_as"))
        else:
            del self.fields["sign_off_as"]
        fields.append(Field.radios("expires", legend_size=Size.SMALL))
        self.helper.layout = Layout(*fields)

    def clean_sign_off_as(self) -> User | None:
        value = self.cleaned_data.get("sign_off_as")
        return self.approvers.get(value) if value else None

    def expires_at(self) -> datetime | None:
        """The moment the token stops working, from the period chosen (None: never)."""
        days = EXPIRY_DAYS[self.cleaned_data["expires"]]
        return None if days is None else timezone.now() + timedelta(days=days)

    def add_service_errors(self, error: ValidationError) -> None:
        """Show the service's field → message errors on the fields (the rest above the form)."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class ApiSignOffForm(GovukFormMixin, forms.Form):
    """A provider's switch for signing off returns through the API."""

    enabled = forms.BooleanField(
        label="Let tokens made for a named approver sign off returns in that approver's name",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(Field.checkbox("enabled"))
