"""What the monthly-returns endpoints read and answer: submissions, their reports, and months."""

from __future__ import annotations

import re

from django.urls import reverse as page_reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from outcomes.api.returns_inputs import SurveyFigureSerializer
from outcomes.mds.problems import MAX_PROBLEMS_LISTED
from outcomes.models import AttemptKind, AttemptStatus, MonthlyReturn, ReturnAttempt
from outcomes.returns import selectors
from outcomes.returns.services import attempt_checks_state

MONTH_STATES = tuple(selectors.STATE_LABELS)


# Named components of their own: "status", "kind" and "source" mean other things in other collections.
def _enum(values) -> dict:
    return {"type": "string", "enum": list(values)}


@extend_schema_field(_enum(AttemptStatus.values), component_name="ReturnAttemptStatus")
class AttemptStatusField(serializers.CharField):
    pass


@extend_schema_field(_enum(AttemptKind.values), component_name="ReturnKind")
class AttemptKindField(serializers.CharField):
    pass


@extend_schema_field(_enum(["portal", "api", "import"]), component_name="ReturnSource")
class SourceField(serializers.CharField):
    pass


@extend_schema_field(_enum(MONTH_STATES), component_name="ReturnMonthState")
class MonthStateField(serializers.CharField):
    pass


def _absolute(request, name: str, **kwargs) -> str:
    return reverse(name, kwargs=kwargs, request=request)


def _page(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(page_reverse(name, kwargs=kwargs))


_ADDRESS_IN_BRACKETS = re.compile(r"\s*<[^<>@]*@[^<>]*>")
_ADDRESS = re.compile(r"[^\s<>'()]+@[^\s<>'()]+")


def person_label(label: str, organisation: str) -> str:
    """Who acted, as the API names them: the stored label without email addresses (a person known
    only by address shows as their organisation). Labels are ``str(user)``, "Name <address>"."""
    return _ADDRESS.sub(organisation, _ADDRESS_IN_BRACKETS.sub("", label or "")).strip()


class PersonLabelField(serializers.CharField):
    """A stored who-did-it label (``source``), shown without email addresses."""

    def get_attribute(self, instance):
        return (super().get_attribute(instance), _provider_of(instance).name)

    def to_representation(self, value) -> str:
        label, organisation = value
        return person_label(label, organisation)


def _provider_of(attempt: ReturnAttempt):
    return attempt.monthly_return.contract.provider


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- Output ------------------------------------------------------------------------------------


class OutputSerializer(serializers.Serializer):
    """An answer's shape: every field is read-only."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


class ReturnContractSerializer(OutputSerializer):
    id = serializers.IntegerField(help_text="The contract's id.")
    reference = serializers.CharField(help_text="The contract's reference.")
    title = serializers.CharField(help_text="The contract's title.")
    provider = serializers.CharField(source="provider.name", help_text="The prime provider.")


class ReturnAttemptLinksSerializer(OutputSerializer):
    self = serializers.URLField(help_text="This submission (poll it while the checks run).")
    validation_report = serializers.URLField(help_text="Every error and warning the checks found.")
    sign_off = serializers.URLField(help_text="POST here to sign the return off (approvers only).")
    monthly_return = serializers.URLField(help_text="The contract's month: its versions and attempts.")
    web_url = serializers.URLField(help_text="The submission's page in the portal.")


def next_step(attempt: ReturnAttempt) -> str:
    """What the provider does next with a submission, in plain English."""
    what = "nil return" if attempt.kind == AttemptKind.NIL else "file"
    if attempt.status in (AttemptStatus.RECEIVED, AttemptStatus.VALIDATING):
        checks = attempt_checks_state(attempt)
        saved = f"The {what} was received and saved at {timezone.localtime(attempt.submitted_at):%H:%M on %d %B %Y}"
        if checks is not None and checks.failed:
            return (
                f"{saved}, but it could not be checked after {checks.tries} tries; the service desk has been "
                "told. Press Try again on the submission's page (web_url). Do not submit it again."
            )
        if checks is not None and checks.delayed:
            return (
                f"{saved}. Checking it is delayed and will carry on automatically: poll this submission "
                "again after the seconds in Retry-After. Do not submit it again."
            )
        return (
            f"Waiting for checks: the {what} is being checked. Poll this submission again in a few seconds."
        )
    if attempt.status == AttemptStatus.REJECTED:
        again = "declare the nil return again" if attempt.kind == AttemptKind.NIL else "upload the file again"
        return (
            f"Fix the {_plural(len(attempt.errors), 'error')} listed in the validation report, then {again}. "
            "Nothing from this submission has been used."
        )
    if attempt.status == AttemptStatus.VALID:
        if attempt.warnings:
            return (
                f"Ready for an approver to sign off, after reading the "
                f"{_plural(len(attempt.warnings), 'warning')} in the validation report."
            )
        return "Ready for an approver to sign off."
    if attempt.status == AttemptStatus.ACCEPTED:
        return f"Nothing to do: this is version {attempt.version}, the month's accepted return."
    return f"Nothing to do: version {attempt.version} was replaced by a later version of the month's return."


class AttemptFiguresMixin:
    """What to do next and how many errors and warnings the report lists, for any view of an attempt."""

    def get_next_step(self, attempt: ReturnAttempt) -> str:
        return next_step(attempt)

    def get_error_count(self, attempt: ReturnAttempt) -> int:
        return len(attempt.errors)

    def get_warning_count(self, attempt: ReturnAttempt) -> int:
        return len(attempt.warnings)


class ReturnAttemptSerializer(AttemptFiguresMixin, OutputSerializer):
    """One submission of a month's return and where it stands."""

    id = serializers.IntegerField(help_text="The submission's id.")
    contract = ReturnContractSerializer(source="monthly_return.contract", help_text="The contract.")
    period = serializers.CharField(source="monthly_return.period", help_text="The month, YYYY-MM.")
    monthly_return_id = serializers.IntegerField(help_text="The contract's month (see monthly-returns).")
    kind = AttemptKindField(help_text="file (an uploaded return) or nil (no episodes in the month).")
    status = AttemptStatusField(
        help_text="received and validating: being checked; rejected: errors, nothing used; valid: "
        "awaiting sign-off; accepted: the month's current version; superseded: replaced by a later version."
    )
    status_label = serializers.CharField(source="get_status_display", help_text="The status in words.")
    next_step = serializers.SerializerMethodField(help_text="What to do next, in plain English.")
    source = SourceField(help_text="How it came: portal, api or import (by the data team).")
    filename = serializers.CharField(help_text="The uploaded file's name (blank for a nil return).")
    size = serializers.IntegerField(help_text="The file's size in bytes.")
    checksum = serializers.CharField(help_text="The file's SHA-256, in hex (blank for a nil return).")
    survey_filename = serializers.CharField(help_text="The survey file's name, if one was sent.")
    submitted_at = serializers.DateTimeField(help_text="When it was received.")
    submitted_by = PersonLabelField(
        source="submitted_by_label", help_text="Who sent it: a person, or the API token by name."
    )
    late = serializers.BooleanField(help_text="Received after the month's due date.")
    validated_at = serializers.DateTimeField(allow_null=True, help_text="When the checks finished.")
    error_count = serializers.SerializerMethodField(help_text="Errors listed in the validation report.")
    warning_count = serializers.SerializerMethodField(help_text="Warnings listed in the validation report.")
    episode_count = serializers.IntegerField(help_text="Episode rows read (0 until checked, and for nil).")
    signed_off_at = serializers.DateTimeField(allow_null=True, help_text="When an approver signed it off.")
    signed_off_by = PersonLabelField(
        source="signed_off_by_label",
        help_text="The approver (and the API token, when signed off through the API); blank if not yet.",
    )
    accepted_at = serializers.DateTimeField(allow_null=True, help_text="When it became a version.")
    version = serializers.IntegerField(allow_null=True, help_text="Its version number once accepted.")
    is_current = serializers.BooleanField(help_text="It is the month's accepted version now.")
    superseded_at = serializers.DateTimeField(allow_null=True, help_text="When a later version replaced it.")
    links = serializers.SerializerMethodField(help_text="Related addresses.")

    @extend_schema_field(ReturnAttemptLinksSerializer)
    def get_links(self, attempt: ReturnAttempt) -> dict:
        request = self.context["request"]
        return {
            "self": _absolute(request, "api:returns-detail", pk=attempt.pk),
            "validation_report": _absolute(request, "api:returns-validation-report", pk=attempt.pk),
            "sign_off": _absolute(request, "api:returns-sign-off", pk=attempt.pk),
            "monthly_return": _absolute(request, "api:monthly-returns-detail", pk=attempt.monthly_return_id),
            "web_url": _page(request, "returns:attempt", attempt_id=attempt.pk),
        }


class ProblemEntrySerializer(OutputSerializer):
    severity = serializers.CharField(help_text="error or warning.")
    sheet = serializers.CharField(help_text="episodes, survey, or file (the file as a whole).")
    row = serializers.IntegerField(
        allow_null=True, help_text="The row as a spreadsheet shows it (header = 1)."
    )
    column = serializers.CharField(allow_null=True, help_text="The column's name in the data standard.")
    value = serializers.CharField(
        allow_null=True, help_text="The value found (references masked, long values shortened)."
    )
    message = serializers.CharField(help_text="What is wrong and how to fix it.")


class ValidationReportSerializer(AttemptFiguresMixin, OutputSerializer):
    """A submission's validation report, whole: the checks list at most 1,000 errors and 1,000 warnings."""

    id = serializers.IntegerField(help_text="The submission's id.")
    status = AttemptStatusField(help_text="The submission's status (see the submission).")
    next_step = serializers.SerializerMethodField(help_text="What to do next, in plain English.")
    error_count = serializers.SerializerMethodField(help_text="How many errors are listed.")
    warning_count = serializers.SerializerMethodField(help_text="How many warnings are listed.")
    episode_count = serializers.IntegerField(help_text="Episode rows read.")
    listing_limit = serializers.SerializerMethodField(
        help_text="At most this many errors (and warnings) are listed; past it, the list's last entry "
        "says how many more there were. Fix the listed ones first: they usually share a cause."
    )
    errors = ProblemEntrySerializer(
        many=True, help_text="Every error, in file order; any one rejects the return."
    )
    warnings = ProblemEntrySerializer(
        many=True, help_text="Every warning: the approver reads them before sign-off."
    )
    survey_figures = serializers.SerializerMethodField(
        help_text="The month's survey figures: as accepted (accepted and superseded versions) or as "
        "sent in the request; null while they are only in a survey file or sheet (they are read from it "
        "at sign-off)."
    )
    links = serializers.SerializerMethodField(help_text="Related addresses.")

    def get_listing_limit(self, attempt: ReturnAttempt) -> int:
        return MAX_PROBLEMS_LISTED

    @extend_schema_field(SurveyFigureSerializer(many=True, allow_null=True))
    def get_survey_figures(self, attempt: ReturnAttempt) -> list[dict] | None:
        return selectors.attempt_survey_figures(attempt)

    @extend_schema_field(ReturnAttemptLinksSerializer)
    def get_links(self, attempt: ReturnAttempt) -> dict:
        return ReturnAttemptSerializer(context=self.context).get_links(attempt)


class ReturnVersionSerializer(OutputSerializer):
    version = serializers.IntegerField(help_text="1, 2, … in the order accepted.")
    attempt_id = serializers.IntegerField(source="pk", help_text="The submission that became this version.")
    url = serializers.SerializerMethodField(help_text="The submission in the API.")
    kind = AttemptKindField(help_text="file or nil.")
    accepted_at = serializers.DateTimeField(help_text="When it was accepted.")
    signed_off_by = PersonLabelField(source="signed_off_by_label", help_text="Who signed it off.")
    source = SourceField(help_text="portal, api or import.")
    episode_count = serializers.IntegerField(help_text="Episodes in this version.")
    changes = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Against the previous version: episodes added, changed and removed (empty for version 1).",
    )
    is_current = serializers.BooleanField(help_text="The month's accepted version now.")
    superseded_at = serializers.DateTimeField(allow_null=True, help_text="When a later version replaced it.")
    late = serializers.BooleanField(help_text="Received after the due date.")

    def get_url(self, attempt: ReturnAttempt) -> str:
        return _absolute(self.context["request"], "api:returns-detail", pk=attempt.pk)


class MonthAttemptSerializer(OutputSerializer):
    id = serializers.IntegerField(help_text="The submission's id.")
    url = serializers.SerializerMethodField(help_text="The submission in the API.")
    kind = AttemptKindField(help_text="file or nil.")
    status = AttemptStatusField(help_text="The submission's status.")
    submitted_at = serializers.DateTimeField(help_text="When it was received.")
    submitted_by = PersonLabelField(source="submitted_by_label", help_text="Who sent it.")
    late = serializers.BooleanField(help_text="Received after the due date.")

    def get_url(self, attempt: ReturnAttempt) -> str:
        return _absolute(self.context["request"], "api:returns-detail", pk=attempt.pk)


class MonthlyReturnSerializer(OutputSerializer):
    """One contract's month: where its return stands, every accepted version and every submission."""

    id = serializers.IntegerField(help_text="The month's id.")
    url = serializers.SerializerMethodField(help_text="This month in the API.")
    contract = ReturnContractSerializer(help_text="The contract.")
    period = serializers.CharField(help_text="The month, YYYY-MM.")
    due_at = serializers.DateTimeField(help_text="When the return is due (end of the due day, London).")
    status = serializers.SerializerMethodField(
        help_text="As in the portal: awaiting_sign_off, checking, accepted, rejected, not_submitted. "
        "The newest submission decides, so a correction being checked shows as checking."
    )
    status_label = serializers.SerializerMethodField(help_text="The status in words.")
    overdue = serializers.SerializerMethodField(help_text="Due date passed with no accepted version.")
    late = serializers.SerializerMethodField(
        help_text="The accepted version was received after the due date."
    )
    current_version = serializers.SerializerMethodField(help_text="The accepted version now; null if none.")
    versions = serializers.SerializerMethodField(help_text="Every accepted version, oldest first.")
    attempts = serializers.SerializerMethodField(help_text="Every submission, newest first.")
    web_url = serializers.SerializerMethodField(help_text="The month's page in the portal.")

    def _status(self, monthly_return: MonthlyReturn) -> selectors.MonthStatus:
        if getattr(monthly_return, "_api_status", None) is None:
            monthly_return._api_status = selectors.month_status_of(monthly_return)
        return monthly_return._api_status

    def get_url(self, monthly_return: MonthlyReturn) -> str:
        return _absolute(self.context["request"], "api:monthly-returns-detail", pk=monthly_return.pk)

    @extend_schema_field(MonthStateField())
    def get_status(self, monthly_return: MonthlyReturn) -> str:
        return self._status(monthly_return).state

    def get_status_label(self, monthly_return: MonthlyReturn) -> str:
        state = self._status(monthly_return).state
        return selectors.STATE_LABELS.get(state, state)

    def get_overdue(self, monthly_return: MonthlyReturn) -> bool:
        return self._status(monthly_return).overdue

    def get_late(self, monthly_return: MonthlyReturn) -> bool:
        return self._status(monthly_return).late

    @extend_schema_field(ReturnVersionSerializer(allow_null=True))
    def get_current_version(self, monthly_return: MonthlyReturn) -> dict | None:
        current = self._status(monthly_return).current
        return None if current is None else ReturnVersionSerializer(current, context=self.context).data

    @extend_schema_field(ReturnVersionSerializer(many=True))
    def get_versions(self, monthly_return: MonthlyReturn) -> list[dict]:
        versions = sorted((a for a in monthly_return.attempts.all() if a.version), key=lambda a: a.version)
        return ReturnVersionSerializer(versions, many=True, context=self.context).data

    @extend_schema_field(MonthAttemptSerializer(many=True))
    def get_attempts(self, monthly_return: MonthlyReturn) -> list[dict]:
        attempts = sorted(monthly_return.attempts.all(), key=lambda a: (a.submitted_at, a.pk), reverse=True)
        return MonthAttemptSerializer(attempts, many=True, context=self.context).data

    def get_web_url(self, monthly_return: MonthlyReturn) -> str:
        return _page(
            self.context["request"],
            "returns:month",
            contract_id=monthly_return.contract_id,
            period=monthly_return.period,
        )


class OutstandingReturnSerializer(OutputSerializer):
    """A contract's month with no accepted version yet, as on the portal's outstanding returns page."""

    contract = ReturnContractSerializer(help_text="The contract.")
    period = serializers.CharField(help_text="The month, YYYY-MM.")
    due_at = serializers.DateTimeField(source="due", help_text="When the return is due.")
    status = MonthStateField(
        source="state", help_text="not_submitted, checking, rejected or awaiting_sign_off."
    )
    status_label = serializers.SerializerMethodField(help_text="The status in words.")
    overdue = serializers.BooleanField(help_text="The due date has passed.")
    monthly_return = serializers.SerializerMethodField(
        help_text="The month in the API, once anything was submitted for it; else null."
    )
    web_url = serializers.SerializerMethodField(help_text="The month's page in the portal.")

    def get_status_label(self, status: selectors.MonthStatus) -> str:
        return selectors.STATE_LABELS.get(status.state, status.state)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_monthly_return(self, status: selectors.MonthStatus) -> str | None:
        if status.latest is None:
            return None
        return _absolute(
            self.context["request"], "api:monthly-returns-detail", pk=status.latest.monthly_return_id
        )

    def get_web_url(self, status: selectors.MonthStatus) -> str:
        return _page(
            self.context["request"], "returns:month", contract_id=status.contract.pk, period=status.period
        )
