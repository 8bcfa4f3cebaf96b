"""Monthly returns in the API: submit a file or a nil return, follow its checks, read its validation
report, sign it off, and read each contract's months. The portal pages' rules, through the same
selectors and services: another organisation's return is a 404; only the contract's prime provider
submits (403 otherwise), and only an approver signs off.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts.access import Capability, acting_for_sign_off
from accounts.api.conditional import ETagMixin
from accounts.api.idempotency import HEADER, fingerprint, idempotent
from accounts.api.parsers import SafeJSONParser
from accounts.api.problems import Conflict
from accounts.api.views import ApiViewSet
from accounts.audit import audit_view
from accounts.jobs import retry_after_seconds
from accounts.upload_limits import upload_limit
from commissioning.access import require_prime_provider
from commissioning.models import Contract
from outcomes.api.returns_inputs import (
    MonthlyReturnFilter,
    NilReturnSerializer,
    OutstandingQuerySerializer,
    ReturnAttemptFilter,
    ReturnUploadSerializer,
    SignOffSerializer,
)
from outcomes.api.returns_serializers import MonthlyReturnSerializer as MonthSerializer
from outcomes.api.returns_serializers import (
    OutstandingReturnSerializer,
    ReturnAttemptSerializer,
    ValidationReportSerializer,
)
from outcomes.models import AttemptKind, AttemptStatus, MonthlyReturn, ReturnAttempt
from outcomes.periods import parse_month
from outcomes.returns import selectors, services

TAGS = ["returns"]
IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (e.g. a UUID) per submission. Sending the same request again with "
    "the same key gives the first answer (with 'Idempotent-Replayed: true') and changes nothing; keys "
    "are kept for 24 hours.",
)
API_SIGN_OFF_OFF = (
    "Returns are signed off in the portal by an approver. A token can sign off only when your "
    "organisation has turned on API sign-off and the token was made to sign off for an approver; "
    "this token was not (or API sign-off is off, or that person is no longer an approver)."
)


# --- Submissions --------------------------------------------------------------------------------


def _sha256(upload) -> tuple[bytes, str]:
    content = upload.read()
    return content, hashlib.sha256(content).hexdigest()


class ReturnAttemptViewSet(ETagMixin, ApiViewSet):
    """Submissions of monthly returns (files and nil returns), their checks and their sign-off."""

    also_scopes = ("submit",)  # a submitting system follows its own submissions
    etag_list = True
    lookup_value_regex = r"[0-9]+"
    filterset_class = ReturnAttemptFilter
    ordering = ("-submitted_at", "-id")
    queryset = ReturnAttempt.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReturnAttempt.objects.none()
        return selectors.attempts_for(self.acting).select_related("monthly_return__contract__provider")

    def get_serializer_class(self):
        return {
            "create": ReturnUploadSerializer,
            "nil": NilReturnSerializer,
            "sign_off": SignOffSerializer,
            "validation_report": ValidationReportSerializer,
        }.get(self.action, ReturnAttemptSerializer)

    def get_parsers(self):
        # Parsers are chosen before DRF sets self.action, so read the route's method → action map.
        action_name = getattr(self, "action", None)
        if action_name is None and getattr(self, "request", None) is not None:
            action_name = getattr(self, "action_map", {}).get(self.request.method.lower())
        if action_name == "create":
            return [MultiPartParser(), FormParser()]
        if action_name in ("nil", "sign_off"):
            return [SafeJSONParser()]
        return super().get_parsers()

    def _attempt(self) -> ReturnAttempt:
        return selectors.attempt_get_for(self.acting, int(self.kwargs["pk"]))

    def _answer(self, attempt: ReturnAttempt, code: int = status.HTTP_200_OK, *, located=False) -> Response:
        data = ReturnAttemptSerializer(attempt, context=self.get_serializer_context()).data
        headers = {}
        if located:
            location = reverse("api:returns-detail", kwargs={"pk": attempt.pk})
            headers["Location"] = self.request.build_absolute_uri(location)
        wait = retry_after_seconds(services.attempt_checks_state(attempt))
        if wait:  # still being checked: when to ask again
            headers["Retry-After"] = str(wait)
        return Response(data, status=code, headers=headers)

    def _now(self, body: dict, code: int) -> Response | None:
        """A replayed submission answers with where it stands now, not where it stood at first."""
        attempt = self.get_queryset().filter(pk=body.get("id")).first()
        return self._answer(attempt, code, located=True) if attempt else None

    def _target(self, data: dict) -> Contract:
        """The contract to submit to: 404 unless visible, 403 unless the caller is its prime provider
        and may submit, and the month within its term (else a period error), as the month page."""
        contract = selectors.return_contract_get_for(self.acting, data["contract"])
        require_prime_provider(self.acting, contract, Capability.SUBMIT_RETURNS)
        problem = selectors.month_outside_term(contract, parse_month(data["period"]))
        if problem:
            raise ValidationError({"period": problem})
        return contract

    @extend_schema(
        summary="List submissions",
        description="Every submission of the contracts whose returns you can see (a provider: contracts "
        "it is prime provider of; a commissioner: contracts it leads or is a partner in), newest first.",
        tags=TAGS,
        responses=ReturnAttemptSerializer(many=True),
    )
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = ReturnAttemptSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Follow a submission",
        description="Poll this after submitting: status moves from received/validating to rejected or "
        "valid within seconds; next_step says what to do.",
        tags=TAGS,
        responses=ReturnAttemptSerializer,
    )
    def retrieve(self, request, pk=None):
        return self._answer(self._attempt())

    @extend_schema(
        summary="Submit a return file",
        description="Upload a month's episodes file (CSV or XLSX) and optional survey CSV as "
        "multipart/form-data. The answer (202) comes at once, with a Location to poll: the checks run "
        "in the background. Only the contract's prime provider submits (a token with the submit scope).",
        tags=TAGS,
        request={"multipart/form-data": ReturnUploadSerializer},
        parameters=[IDEMPOTENCY_KEY],
        responses={202: OpenApiResponse(ReturnAttemptSerializer, description="Received; poll Location.")},
    )
    @upload_limit(services.RETURN_UPLOAD)
    def create(self, request):
        serializer = ReturnUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contract = self._target(data)
        content, checksum = _sha256(data["file"])
        survey = data.get("survey_file")
        survey_content, survey_checksum = _sha256(survey) if survey else (None, None)

        def perform() -> Response:
            attempt = services.return_submit(
                acting=self.acting,
                contract=contract,
                period=data["period"],
                file_bytes=content,
                filename=data["file"].name,
                survey_bytes=survey_content,
                survey_filename=survey.name if survey else "",
            )
            return self._answer(attempt, status.HTTP_202_ACCEPTED, located=True)

        return idempotent(
            request,
            organisation=self.acting.organisation,
            request_fingerprint=fingerprint(
                contract.pk, data["period"], checksum, survey_checksum, AttemptKind.FILE
            ),
            perform=perform,
            current=self._now,
        )

    @extend_schema(
        summary="Declare a nil return",
        description="Declare that there were no episodes of care in the month, with any survey figures. "
        "It is checked like a file (202, poll Location) and still needs an approver's sign-off.",
        tags=TAGS,
        request=NilReturnSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={202: OpenApiResponse(ReturnAttemptSerializer, description="Received; poll Location.")},
    )
    @action(detail=False, methods=["post"], url_path="nil", url_name="nil")
    def nil(self, request):
        serializer = NilReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contract = self._target(data)
        survey = [dict(row) for row in data.get("survey", [])]

        def perform() -> Response:
            attempt = services.return_declare_nil(
                acting=self.acting, contract=contract, period=data["period"], survey_entered=survey or None
            )
            return self._answer(attempt, status.HTTP_202_ACCEPTED, located=True)

        return idempotent(
            request,
            organisation=self.acting.organisation,
            request_fingerprint=fingerprint(contract.pk, data["period"], survey, AttemptKind.NIL),
            perform=perform,
            current=self._now,
        )

    @extend_schema(
        summary="A submission's validation report",
        description="Every error and warning, as the portal's report shows them, and the survey figures. "
        "One object, not paged: the checks list at most 1,000 errors and 1,000 warnings, and past that "
        "the last entry says how many more there were. The report quotes the file's rows, so each read "
        "is recorded in the provider's audit log, naming the token.",
        tags=TAGS,
        responses=ValidationReportSerializer,
    )
    @action(detail=True, methods=["get"], url_path="validation-report", url_name="validation-report")
    def validation_report(self, request, pk=None):
        attempt = self._attempt()
        data = ValidationReportSerializer(attempt, context=self.get_serializer_context()).data
        # The report quotes the return's rows (person-level data): reading it is audited, as in the portal.
        provider = attempt.monthly_return.contract.provider
        audit_view(request, attempt, "return_report", organisation=provider, details={"shown": "api"})
        return Response(data)

    @extend_schema(
        summary="Sign off a return",
        description="An approver declares a valid return true and complete: it becomes the month's newest "
        "accepted version (200). Sign-off is a person's act: with a browser session the person must be an "
        "approver; a token works only when the organisation turned on API sign-off and the token signs off "
        "for an approver, whose name (and the token's) is recorded. Signing off again is refused (409), "
        "unless the same Idempotency-Key replays the first answer.",
        tags=TAGS,
        request=SignOffSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: OpenApiResponse(ReturnAttemptSerializer, description="Accepted as a new version.")},
    )
    @action(detail=True, methods=["post"], url_path="sign-off", url_name="sign-off")
    def sign_off(self, request, pk=None):
        attempt = self._attempt()
        acting = self.acting
        if acting.token is not None:
            acting = acting_for_sign_off(acting.token)
            if acting is None:
                raise PermissionDenied(API_SIGN_OFF_OFF)
        require_prime_provider(acting, attempt.monthly_return.contract, Capability.SIGN_OFF_RETURNS)
        serializer = SignOffSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def perform() -> Response:
            try:
                accepted = services.return_sign_off(
                    acting=acting,
                    attempt=attempt,
                    declaration=data["declaration"],
                    acknowledged_warnings=data["acknowledge_warnings"],
                )
            except ValidationError as error:
                raise self._sign_off_problem(error, attempt) from None
            return self._answer(accepted)

        return idempotent(
            request,
            organisation=self.acting.organisation,
            request_fingerprint=fingerprint(
                "sign-off", attempt.pk, data["declaration"], data["acknowledge_warnings"]
            ),
            perform=perform,
        )

    def _sign_off_problem(self, error: ValidationError, attempt: ReturnAttempt) -> Exception:
        """The service's refusal in API terms: a return no longer signable is a conflict (409)."""
        if hasattr(error, "error_dict"):
            if any(key.startswith("acknowledge_") for key in error.error_dict):
                count = len(attempt.warnings)
                return ValidationError(
                    {
                        "acknowledge_warnings": (
                            f"This return has {count} warning{'' if count == 1 else 's'}. Have the approver "
                            "read each one in the validation report, then send acknowledge_warnings: true."
                        )
                    }
                )
            return error
        current = ReturnAttempt.objects.only("status").get(pk=attempt.pk)
        if current.status != AttemptStatus.VALID:
            return Conflict(" ".join(error.messages))
        return error


class MonthlyReturnViewSet(ETagMixin, ApiViewSet):
    """Each contract's months: where the return stands, its accepted versions and its submissions."""

    also_scopes = ("submit",)
    etag_list = True
    lookup_value_regex = r"[0-9]+"
    filterset_class = MonthlyReturnFilter
    ordering = ("-month", "-id")
    queryset = MonthlyReturn.objects.none()

    def get_serializer_class(self):
        return OutstandingReturnSerializer if self.action == "outstanding" else MonthSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MonthlyReturn.objects.none()
        return (
            selectors.monthly_returns_for(self.acting)
            .select_related("contract__provider")
            .prefetch_related(selectors.month_attempts())
        )

    @extend_schema(
        summary="List contracts' months",
        description="Each month of a contract for which anything was ever submitted, newest month first. "
        "A month with nothing submitted has no record here: see the outstanding list.",
        tags=TAGS,
        responses=MonthSerializer(many=True),
    )
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            MonthSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(summary="A contract's month", tags=TAGS, responses=MonthSerializer)
    def retrieve(self, request, pk=None):
        monthly_return = selectors.monthly_return_get_for(self.acting, int(pk))
        return Response(MonthSerializer(monthly_return, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Outstanding returns (commissioners)",
        description="The month's returns not yet accepted, for every contract you commission whose term "
        "covers the month, as on the portal's outstanding returns page (including months with nothing "
        "submitted). Not paged.",
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "month",
                str,
                required=False,
                description="The month, YYYY-MM; by default the latest month whose due date has passed.",
            )
        ],
        responses=OutstandingReturnSerializer(many=True),
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def outstanding(self, request):
        self.acting.require(Capability.VIEW_PORTFOLIO)
        query = OutstandingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        month = query.validated_data.get("month")
        month = parse_month(month) if month else selectors.outstanding_month_default()
        statuses = selectors.outstanding_returns(self.acting, month)
        return Response(
            OutstandingReturnSerializer(statuses, many=True, context=self.get_serializer_context()).data
        )


def register(router) -> None:
    """Add this module's collections to the API router."""
    router.register("returns", ReturnAttemptViewSet, basename="returns")
    router.register("monthly-returns", MonthlyReturnViewSet, basename="monthly-returns")
