"""What callers send to the monthly-returns endpoints: request bodies, and the lists' query filters."""

from __future__ import annotations

from datetime import UTC

import django_filters
from django import forms
from django.utils import timezone
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.upload_limits import megabytes
from commissioning.api.references import MAX_ID, IdFilter, YesNoFilter
from outcomes.mds.columns import SURVEY_MEASURE_CODES
from outcomes.models import AttemptKind, AttemptStatus, MonthlyReturn, ReturnAttempt
from outcomes.periods import parse_month
from outcomes.returns.services import RETURN_UPLOAD

DECLARATION = "I confirm this return is complete and accurate to the best of my knowledge"


@extend_schema_field(
    {"type": "string", "enum": list(SURVEY_MEASURE_CODES)}, component_name="SurveyMeasureCode"
)
class SurveyMeasureCodeField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=SURVEY_MEASURE_CODES, **kwargs)


# --- Bodies --------------------------------------------------------------------------------------


class PeriodInputField(serializers.CharField):
    """A month as YYYY-MM, within the years the data standard covers."""

    def to_internal_value(self, data) -> str:
        text = super().to_internal_value(data)
        try:
            first_day = parse_month(text)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None
        return f"{first_day:%Y-%m}"


def _check_size(upload, what: str):
    if upload is not None and upload.size > RETURN_UPLOAD.file_bytes:
        raise serializers.ValidationError(
            f"The {what} is {megabytes(upload.size)}; a file may be at most {RETURN_UPLOAD.size_text}. "
            f"{RETURN_UPLOAD.advice}"
        )
    return upload


class ReturnTargetSerializer(serializers.Serializer):
    contract = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="The contract's id (an integer, as in the contract's API and portal addresses), "
        "not its reference. Only the contract's prime provider submits returns.",
    )
    period = PeriodInputField(
        help_text="The month the return covers, as YYYY-MM (e.g. 2025-06): a month of the contract's "
        "term that has begun."
    )


class ReturnUploadSerializer(ReturnTargetSerializer):
    file = serializers.FileField(
        help_text=f"The episodes table: a CSV file (UTF-8, comma separated, header row) or an Excel "
        f"workbook (.xlsx, sheet 'episodes', optional sheet 'survey'); at most {RETURN_UPLOAD.size_text}.",
        error_messages={
            "required": "Send the return file (CSV or XLSX) as the 'file' part of the multipart form",
            "empty": "The file is empty. Send the return file with its header row and one row per episode",
            "invalid": "Send the return file (CSV or XLSX) as the 'file' part of the multipart form",
            "no_name": "Send the file with its file name (ending .csv or .xlsx)",
        },
    )
    survey_file = serializers.FileField(
        required=False,
        help_text="Optional: the survey table as a second CSV file (columns measure_code, numerator, "
        "denominator). Leave it out if there are no survey figures or they are in the workbook's "
        "'survey' sheet.",
        error_messages={"empty": "The survey file is empty. Send the survey CSV file, or none"},
    )

    def validate_file(self, upload):
        return _check_size(upload, "return file")

    def validate_survey_file(self, upload):
        return _check_size(upload, "survey file")


class SurveyFigureSerializer(serializers.Serializer):
    measure_code = SurveyMeasureCodeField(help_text="The survey measure.")
    numerator = serializers.IntegerField(min_value=0, help_text="How many answered yes.")
    denominator = serializers.IntegerField(min_value=0, help_text="How many answered.")


class NilReturnSerializer(ReturnTargetSerializer):
    survey = SurveyFigureSerializer(
        many=True,
        required=False,
        help_text="Optional survey figures for the month, each measure at most once.",
    )

    def validate_survey(self, rows: list[dict]) -> list[dict]:
        codes = [row["measure_code"] for row in rows]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise serializers.ValidationError(
                f"Give each survey measure once: {', '.join(repeated)} is given more than once"
            )
        return rows


class SignOffSerializer(serializers.Serializer):
    declaration = serializers.BooleanField(
        help_text=f"Must be true: the approver's declaration, as in the portal: “{DECLARATION}”."
    )
    acknowledge_warnings = serializers.BooleanField(
        default=False,
        help_text="Set true to confirm the approver has read each warning in the validation report "
        "(needed when the return has warnings).",
    )


class OutstandingQuerySerializer(serializers.Serializer):
    month = PeriodInputField(
        required=False, help_text="The month, YYYY-MM; by default the latest month whose due date has passed."
    )


# --- Query filters ---------------------------------------------------------------------------------


class PeriodFormField(forms.CharField):
    """A YYYY-MM month in a query string, as the first day of the month."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_month(value)
        except ValueError as error:
            # As a parameter, so a '%' the caller typed is shown, not read as a format.
            raise forms.ValidationError("%(problem)s", params={"problem": str(error)}) from None


class PeriodFilter(django_filters.CharFilter):
    field_class = PeriodFormField


class MomentField(IsoDateTimeField):
    """An ISO 8601 date and time, held in UTC (PostgreSQL refuses offsets beyond ±16 hours)."""

    def clean(self, value):
        moment = super().clean(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("Give a date and time between the years 1 and 9999.") from None


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


class ReturnAttemptFilter(django_filters.FilterSet):
    contract = IdFilter(field_name="monthly_return__contract_id", help_text="Only this contract's (by id).")
    contract_reference = django_filters.CharFilter(
        field_name="monthly_return__contract__reference",
        lookup_expr="iexact",
        help_text="Only this contract's (by reference).",
    )
    period = PeriodFilter(field_name="monthly_return__month", help_text="Only this month, YYYY-MM.")
    status = django_filters.ChoiceFilter(choices=AttemptStatus.choices, help_text="Only with this status.")
    kind = django_filters.ChoiceFilter(choices=AttemptKind.choices, help_text="file or nil.")
    current = YesNoFilter(
        field_name="is_current", help_text="true: only each month's accepted version; false: the others."
    )
    submitted_after = MomentFilter(
        field_name="submitted_at", lookup_expr="gte", help_text="Received at or after (ISO 8601)."
    )
    submitted_before = MomentFilter(
        field_name="submitted_at", lookup_expr="lt", help_text="Received before (ISO 8601)."
    )

    class Meta:
        model = ReturnAttempt
        fields = ["contract", "contract_reference", "period", "status", "kind", "current"]


class MonthlyReturnFilter(django_filters.FilterSet):
    contract = IdFilter(field_name="contract_id", help_text="Only this contract's (by id).")
    contract_reference = django_filters.CharFilter(
        field_name="contract__reference",
        lookup_expr="iexact",
        help_text="Only this contract's (by reference).",
    )
    period = PeriodFilter(field_name="month", help_text="Only this month, YYYY-MM.")
    period_from = PeriodFilter(
        field_name="month", lookup_expr="gte", help_text="This month or later, YYYY-MM."
    )
    period_to = PeriodFilter(
        field_name="month", lookup_expr="lte", help_text="This month or earlier, YYYY-MM."
    )
    overdue = YesNoFilter(
        method="filter_overdue",
        help_text="true: due date passed with no accepted version; false: the others.",
    )

    class Meta:
        model = MonthlyReturn
        fields = ["contract", "contract_reference", "period", "period_from", "period_to", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = {"has_accepted_version": False, "due_at__lt": timezone.now()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)
