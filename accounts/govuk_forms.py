"""The form pieces every app's forms and views share: the GOV.UK rendering, date fields, and showing
a service's refusal on the fields it names. Forms check input types; services check the rules."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Size
from django import forms
from django.core.exceptions import ValidationError


def iso_date_input() -> forms.DateInput:
    """A browser date picker; it needs the value as YYYY-MM-DD whatever the language. People see and type
    the date the UK way (31/03/2026), which the date fields also accept where there is no picker."""
    return forms.DateInput(
        format="%Y-%m-%d", attrs={"type": "date", "class": "govuk-input govuk-input--width-10"}
    )


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    """A date with a picker, and messages that name the field and show how to write it."""
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=iso_date_input(),
        error_messages={
            "required": f"Enter the {label.lower()}",
            "invalid": f"Enter the {label.lower()} as a real date, like 31/03/2026",
        },
    )


class GovukFormMixin:
    """Render with the GOV.UK template pack; the page template adds the error summary and the button."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The page's <form> carries its own {% csrf_token %} when it posts: a GET form (a filter, the
        # scrutiny report's choices) then puts no token in the address, and no form has two.
        self.helper.disable_csrf = True
        self.helper.label_size = Size.SMALL


def int_or_none(value: object) -> int | None:
    """A posted or queried id as a number; None when it is not one."""
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def apply_service_errors(
    form: forms.Form, error: ValidationError, renames: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form fields it names ("params.x" → "param_x"); anything
    else goes to the top of the form (the error summary)."""
    renames = renames or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        field_name = renames.get(name, name.replace("params.", "param_"))
        form.add_error(field_name if field_name in form.fields else None, messages)
