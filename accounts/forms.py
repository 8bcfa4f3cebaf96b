"""Forms for sign-in, passwords, invitations, team management and the audit log filter."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth import forms as auth_forms
from django.http import HttpRequest

from accounts.govuk_forms import GovukFormMixin, iso_date_input
from accounts.models import Role, User, roles_for_kind
from accounts.services import password_reset_emails_queue


class SignInForm(GovukFormMixin, auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": (
            "The email address or password is not right. Check them and try again, or reset your password. "
            "After 5 failed attempts, signing in is paused for 15 minutes."
        ),
        "inactive": "This account has been closed. Ask an admin of your organisation if you need access again.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["username"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.org"
        )
        self.fields["password"].error_messages["required"] = "Enter your password"

    def clean_username(self) -> str:
        # Emails are compared without regard to case; lower-case here so django-axes counts failed
        # attempts per account, not per spelling (else changing the case would get round the lockout).
        return self.cleaned_data["username"].lower()


class PasswordResetRequestForm(GovukFormMixin, auth_forms.PasswordResetForm):
    """Ask for a reset link. The same reply is shown whether or not the address has an account."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )

    def save(self, **kwargs) -> None:  # replaces Django's synchronous email with a queued task
        password_reset_emails_queue(users=self.get_users(self.cleaned_data["email"]))


class NewPasswordForm(GovukFormMixin, forms.Form):
    """Choose a password: used after a reset link and when accepting an invitation."""

    new_password1 = forms.CharField(
        label="New password",
        strip=False,
        help_text="At least 12 characters. Avoid common words and your name; a few random words work well.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter a new password"},
    )
    new_password2 = forms.CharField(
        label="Confirm new password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter the new password again"},
    )

    def __init__(self, user: User | None, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_password2(self) -> str:
        first = self.cleaned_data.get("new_password1")
        second = self.cleaned_data.get("new_password2")
        if first and second and first != second:
            raise forms.ValidationError(
                "The two passwords do not match. Type the same password in both boxes."
            )
        if second:
            password_validation.validate_password(second, self.user)
        return second


class PasswordChangeForm(NewPasswordForm):
    """A new password, after the current one."""

    old_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your current password"},
    )
    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, user: User, *args, request: HttpRequest, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        """Checked as a sign-in is (``authenticate``), so wrong guesses count towards the account's
        lockout (``accounts.lockout``): a session left open cannot be used to guess the password."""
        password = self.cleaned_data["old_password"]
        checked = authenticate(self.request, username=self.user.email, password=password)
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError("Your current password is not right. Check it and try again.")
        return password


class InvitationAcceptForm(NewPasswordForm):
    full_name = forms.CharField(
        label="Your full name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Enter your full name"},
    )
    field_order = ["full_name", "new_password1", "new_password2"]

    def clean_new_password2(self) -> str:
        if self.user is not None and self.cleaned_data.get("full_name"):
            self.user.full_name = self.cleaned_data["full_name"]
        return super().clean_new_password2()


def _role_choices(kind: str) -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in roles_for_kind(kind)]


ROLE_HINTS = {
    Role.SUBMITTER: "uploads monthly returns and fixes validation errors",
    Role.APPROVER: "signs returns off and responds to notices (usually the registered manager)",
    Role.VIEWER: "can read but not change anything",
    Role.COMMISSIONER: "defines contracts and targets, overrides RAG ratings, chairs reviews",
    Role.CONTRACT_OFFICER: "chases returns, raises notices, records review actions",
    Role.QUALITY_OFFICER: "carries out Quality Assurance Framework assessments",
}


class MembershipForm(GovukFormMixin, forms.Form):
    role = forms.ChoiceField(
        label="Role",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a role",
            "invalid_choice": "Choose one of the roles listed: this organisation cannot have that role",
        },
    )
    is_admin = forms.BooleanField(
        label="Organisation admin: can invite, change and remove people in this organisation",
        required=False,
    )

    def __init__(self, *args, organisation_kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (value, f"{label} — {ROLE_HINTS[Role(value)]}")
            for value, label in _role_choices(organisation_kind)
        ]


class InvitationForm(MembershipForm):
    full_name = forms.CharField(
        label="Full name", max_length=150, error_messages={"required": "Enter their full name"}
    )
    email = forms.EmailField(
        label="Email address",
        help_text="We will email them a link to join. The link works for 7 days.",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
    )
    field_order = ["full_name", "email", "role", "is_admin"]


class AuditFilterForm(GovukFormMixin, forms.Form):
    actor = forms.ModelChoiceField(
        label="Person", queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    action = forms.ChoiceField(label="Action", required=False)
    object_text = forms.CharField(label="Record", required=False, help_text="Part of its name, or its ID")
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=iso_date_input(),
        error_messages={"invalid": "Enter the 'from' date as a real date, like 01/04/2026"},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=iso_date_input(),
        error_messages={"invalid": "Enter the 'to' date as a real date, like 30/06/2026"},
    )

    def __init__(self, *args, actors, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = actors
        self.fields["action"].choices = [("", "Any action"), *[(a, a) for a in actions]]

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The 'to' date must be the same as or after the 'from' date")
        return cleaned


class TwoFactorCodeForm(GovukFormMixin, forms.Form):
    """The second step of signing in: a code from the app, or a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes "
        "(like 4f7k-2m9q) if you do not have your phone.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"}
        ),
        error_messages={"required": "Enter the code from your authenticator app, or a recovery code"},
    )


class TwoFactorSetupForm(GovukFormMixin, forms.Form):
    """Setting the app up: the code it shows, to prove it was set up correctly."""

    code = forms.CharField(
        label="Code from the app",
        max_length=10,
        help_text="The 6-digit code the app shows for this service once you have added it.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={"required": "Enter the 6-digit code the app shows"},
    )


class JobTitleForm(GovukFormMixin, forms.Form):
    job_title = forms.CharField(
        label="Job title",
        required=False,
        max_length=150,
        help_text="As letters you sign give it under your name, for example Contracts Manager. Leave it "
        "empty to have them give your role.",
    )
