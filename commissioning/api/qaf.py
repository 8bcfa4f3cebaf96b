"""QAF status, read-only: each provider's stored status for a commissioning body, overall and per
contract the body leads with it, with the reason the pages give and the remedial actions behind it.

Who sees what (commissioning.qaf.selectors.status_list_for): a commissioning body its own statuses,
as its QAF tracker and provider pages show them (a partner body of a joint contract has none: the
lead body assesses); a provider its own, from each body that assesses it, as its review packs show
them. Anything else is a 404. The assessment a status rests on is shown to a provider only from the
draft report on, as on the QAF pages.
"""

from __future__ import annotations

import django_filters
from django.urls import reverse as url_reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.reverse import reverse

from accounts.api.access import request_acting
from accounts.api.conditional import ETagMixin
from accounts.api.views import ApiViewSet
from commissioning.api.contracts import PartySerializer
from commissioning.api.references import ContractLinkSerializer, IdFilter, contract_link
from commissioning.qaf import selectors
from commissioning.qaf.models import Assessment, QafStatus, QafStatusCode

TAGS = ["qaf"]
LEVELS = [("provider", "provider"), ("contract", "contract")]


class QafProviderSerializer(serializers.Serializer):
    """The provider a status is about, with its CQC rating (shown beside QAF, never instead of it)."""

    id = serializers.IntegerField(help_text="The provider's id.")
    name = serializers.CharField(help_text="The provider's name.")
    cqc_location_id = serializers.CharField(
        help_text="The provider's CQC location ID ('' when not recorded)."
    )
    cqc_rating = serializers.CharField(
        help_text="The CQC rating: outstanding, good, requires_improvement, inadequate or not_yet_inspected."
    )
    cqc_rating_label = serializers.CharField(help_text="The CQC rating in words.")
    cqc_rating_date = serializers.DateField(allow_null=True, help_text="The date of the CQC rating.")


class QafAssessmentSummarySerializer(serializers.Serializer):
    """The assessment a status rests on."""

    id = serializers.IntegerField(help_text="The assessment's id.")
    kind = serializers.CharField(help_text="initial or reassessment.")
    kind_label = serializers.CharField(help_text="The kind in words.")
    status = serializers.CharField(
        help_text="scheduled, started, draft_shared, finalised or cancelled (where the assessment is now)."
    )
    status_label = serializers.CharField(help_text="The assessment's status in words.")
    started_on = serializers.DateField(allow_null=True, help_text="When the assessment started.")
    completed_on = serializers.DateField(allow_null=True, help_text="Its completion date, once finalised.")
    outcome = serializers.CharField(help_text="compliant or non_compliant once finalised; '' before.")
    outcome_label = serializers.CharField(help_text="The outcome in words ('' before it is finalised).")
    web_url = serializers.URLField(help_text="The assessment's page in the web application.")


class QafStatusSerializer(serializers.Serializer):
    """A provider's QAF status for a commissioning body: overall (contract null) or for one contract."""

    id = serializers.IntegerField(help_text="The status's id.")
    url = serializers.URLField(help_text="This status in the API.")
    web_url = serializers.URLField(
        help_text="Where the web application shows it: the provider's QAF page for the body; for a "
        "provider, its own QAF page (its assessments)."
    )
    provider = QafProviderSerializer(help_text="The provider assessed.")
    commissioner = PartySerializer(help_text="The commissioning body whose status this is.")
    level = serializers.ChoiceField(
        choices=LEVELS,
        help_text="provider: over all the body's assessments of the provider; contract: for one contract "
        "the body leads with it (the assessments for that contract or for none in particular).",
    )
    contract = ContractLinkSerializer(
        allow_null=True, help_text="The contract (null for the overall status)."
    )
    status = serializers.ChoiceField(choices=QafStatusCode.choices, help_text="The QAF status.")
    status_label = serializers.CharField(help_text="The QAF status in words, as the pages show it.")
    reason = serializers.CharField(help_text="Why: the pages' explanation, naming the assessment and dates.")
    as_at = serializers.DateTimeField(
        help_text="When the status was last worked out (after every change, and every night)."
    )
    window_ends_on = serializers.DateField(
        allow_null=True, help_text="The last day of the compliance window, while non-compliant."
    )
    next_due_on = serializers.DateField(
        allow_null=True, help_text="When the next assessment is due (a year after the last compliant one)."
    )
    assessment = QafAssessmentSummarySerializer(
        allow_null=True,
        help_text="The assessment the status rests on: the latest completed one, or the one in progress "
        "when none is completed. Null when there is none, or when it is not yet shared with the provider.",
    )
    open_actions = serializers.IntegerField(help_text="Remedial actions not yet verified by the officer.")
    overdue_actions = serializers.IntegerField(
        help_text="Of those, the ones still waiting on the provider (open or reopened) past their due date."
    )

    def to_representation(self, status: QafStatus) -> dict:
        return super().to_representation(self.status_data(status))

    def status_data(self, status: QafStatus) -> dict:
        request = self.context["request"]
        acting = request_acting(request)
        absolute = request.build_absolute_uri
        provider = status.provider
        page = (
            url_reverse("qaf:provider", args=[provider.pk])
            if acting.is_commissioner
            else url_reverse("qaf:tracker")
        )
        return {
            "id": status.pk,
            "url": reverse("api:qaf-status-detail", args=[status.pk], request=request),
            "web_url": absolute(page),
            "provider": {
                "id": provider.pk,
                "name": provider.name,
                "cqc_location_id": provider.cqc_location_id or "",
                "cqc_rating": provider.cqc_rating,
                "cqc_rating_label": provider.get_cqc_rating_display(),
                "cqc_rating_date": provider.cqc_rating_date,
            },
            "commissioner": status.commissioner,
            "level": "provider" if status.contract_id is None else "contract",
            "contract": contract_link(status.contract, request),
            "status": status.status,
            "status_label": status.get_status_display(),
            "reason": status.reason,
            "as_at": status.computed_at,
            "window_ends_on": status.window_ends_on,
            "next_due_on": status.next_due_on,
            "assessment": _assessment_data(selectors.status_assessment_for(acting, status), request),
            "open_actions": status.open_action_count,
            "overdue_actions": status.overdue_action_count,
        }


def _assessment_data(assessment: Assessment | None, request) -> dict | None:
    if assessment is None:
        return None
    finalised = assessment.is_finalised
    return {
        "id": assessment.pk,
        "kind": assessment.kind,
        "kind_label": assessment.get_kind_display(),
        "status": assessment.status,
        "status_label": assessment.get_status_display(),
        "started_on": assessment.started_on,
        "completed_on": assessment.finalised_on if finalised else None,
        "outcome": assessment.outcome if finalised else "",
        "outcome_label": assessment.get_outcome_display() if finalised else "",
        "web_url": request.build_absolute_uri(url_reverse("qaf:assessment", args=[assessment.pk])),
    }


class QafStatusFilterSet(django_filters.FilterSet):
    provider = IdFilter(field_name="provider_id", help_text="A provider's id.")
    contract = IdFilter(field_name="contract_id", help_text="A contract's id: that contract's status only.")
    status = django_filters.ChoiceFilter(choices=QafStatusCode.choices, help_text="One QAF status.")
    level = django_filters.ChoiceFilter(
        choices=LEVELS,
        method="by_level",
        help_text="provider: only the overall statuses; contract: only the per-contract ones.",
    )

    class Meta:
        model = QafStatus
        fields = ["provider", "contract", "status", "level"]

    def by_level(self, queryset, name: str, value: str):
        return queryset.filter(contract__isnull=value == "provider")


class QafStatusViewSet(ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """QAF statuses your organisation may read; anyone else's is a 404."""

    etag_list = True
    queryset = QafStatus.objects.none()
    serializer_class = QafStatusSerializer
    filterset_class = QafStatusFilterSet
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return QafStatus.objects.none()
        return selectors.status_list_for(self.acting, timezone.localdate())

    @extend_schema(
        summary="List QAF statuses",
        description="Each provider's QAF status for a commissioning body, overall and per contract. "
        "A commissioning body sees its own (a provider contracted since the nightly run is worked out "
        "first, as on the QAF tracker); a provider sees its own. Cursor-paged: follow `next`.",
        tags=TAGS,
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="One QAF status",
        description="404 for a status your organisation may not read.",
        tags=TAGS,
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


def register(router) -> None:
    """Add this module's collections to the API router."""
    router.register("qaf-status", QafStatusViewSet, basename="qaf-status")
