"""Contracts visible to the caller, each with its outcome targets and their append-only versions.

The same rules as the contract pages: a provider sees the contracts it holds as prime provider
or works on as a subcontractor; a commissioner those its body leads or partners. Any other
contract is a 404. Links to results and monthly returns are given only where the caller may
follow them (the prime provider and the commissioners, not subcontractors).
"""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.urls import reverse as url_reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.reverse import reverse

from accounts.api.access import request_acting
from accounts.api.conditional import ETagMixin
from accounts.api.pagination import Cursor
from accounts.api.schema import EnumField
from accounts.api.views import ApiViewSet
from commissioning.api.references import IdFilter, MeasureRefSerializer, measure_ref, person_name
from commissioning.models import Contract, ContractStatus, ServiceType, TargetVersion
from commissioning.selectors import (
    ContractFilter,
    TargetRow,
    contract_get_for,
    contract_list_for,
    contract_returns_visible_to,
    target_rows_for,
)

TAGS = ["contracts"]


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The organisation's id.")
    name = serializers.CharField(help_text="The organisation's name.")


class TargetVersionSerializer(serializers.Serializer):
    """One version of a target: the values that judge periods ending from its date."""

    id = serializers.IntegerField(help_text="The version's id (results name the version that judged them).")
    effective_from = serializers.DateField(
        help_text="The version judges periods ending on or after this day."
    )
    effective_to = serializers.DateField(
        allow_null=True,
        help_text="The last day it judges: the day before the next version's date. Null while no later "
        "version follows, and for a version corrected by a later one from the same date.",
    )
    corrected = serializers.BooleanField(
        help_text="A version recorded later from the same date replaced it, so it judges no period."
    )
    is_end = serializers.BooleanField(help_text="True for an end: the target stops applying from this date.")
    target_value = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="The target, in percent (null for an end)."
    )
    tolerance = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="Amber tolerance in percentage points: within this of the target is amber (null for an end).",
    )
    min_denominator = serializers.IntegerField(
        allow_null=True,
        help_text="Fewer episodes counted than this: not rated, low numbers (null for an end).",
    )
    reason = serializers.CharField(help_text="Why the version was recorded ('' when none was given).")
    recorded_at = serializers.DateTimeField(help_text="When the version was recorded.")
    recorded_by = serializers.CharField(help_text="Who recorded it (a name, or the lead body's).")


class TargetSerializer(serializers.Serializer):
    """An outcome target: a measure with fixed parameters, judged by the version in force."""

    id = serializers.IntegerField(help_text="The target's id (the results filter ?target= takes it).")
    measure = MeasureRefSerializer(help_text="The measure the target is set on.")
    params = serializers.DictField(help_text="Every parameter of the measure, defaults filled in.")
    params_text = serializers.CharField(help_text="The parameters in words ('' when the measure has none).")
    state = EnumField(
        "TargetState", ["in_force", "not_yet_in_force", "ended"], help_text="Where the target stands today."
    )
    in_force = TargetVersionSerializer(allow_null=True, help_text="The version in force today, or null.")
    versions = TargetVersionSerializer(many=True, help_text="Every version, oldest first. Never overwritten.")
    results_url = serializers.URLField(
        allow_null=True, help_text="This target's results in the API (null when you may not see results)."
    )


class ContractSerializer(serializers.Serializer):
    """A contract between a lead commissioner (and any partners) and a prime provider."""

    id = serializers.IntegerField(help_text="The contract's id.")
    url = serializers.URLField(help_text="The contract in the API.")
    web_url = serializers.URLField(help_text="The contract's page in the web application.")
    reference = serializers.CharField(help_text="The contract reference, unique for its lead commissioner.")
    title = serializers.CharField(help_text="The contract's name.")
    status = EnumField("ContractStatus", ContractStatus.choices, help_text="The contract's status.")
    service_type = EnumField("ServiceType", ServiceType.choices, help_text="The service contracted.")
    service_type_label = serializers.CharField(help_text="The service type in words.")
    lot = serializers.CharField(help_text="Lot or area ('' when none).")
    start_date = serializers.DateField(help_text="First day of the contract's term.")
    end_date = serializers.DateField(help_text="Last day of the contract's term.")
    annual_value = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text="Annual value in pounds, if recorded; null for a subcontractor, who does not see the "
        "prime provider's terms.",
    )
    hourly_rate = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        allow_null=True,
        help_text="Hourly rate in pounds, if recorded; null for a subcontractor.",
    )
    return_due_day = serializers.IntegerField(
        help_text="Day of the following month by which each monthly return is due (end of day, London time)."
    )
    qaf_compliance_window_weeks = serializers.IntegerField(help_text="QAF compliance window, in weeks.")
    provider = PartySerializer(help_text="The prime provider.")
    lead_commissioner = PartySerializer(help_text="The commissioning body that leads the contract.")
    partner_commissioners = PartySerializer(many=True, help_text="Partner bodies of a joint contract.")
    subcontractors = PartySerializer(many=True, help_text="Providers subcontracted on the contract.")
    results_url = serializers.URLField(
        allow_null=True,
        help_text="The contract's compliance results in the API; null when you may not see them "
        "(subcontractors do not).",
    )
    monthly_returns_url = serializers.URLField(
        allow_null=True,
        help_text="Where each month's return stands, in the API; null when you may not see returns.",
    )
    returns_url = serializers.URLField(
        allow_null=True,
        help_text="The contract's return submissions in the API; null when you may not see returns.",
    )
    scorecard_web_url = serializers.URLField(
        allow_null=True, help_text="The contract's scorecard page; null when you may not see results."
    )
    created_at = serializers.DateTimeField(help_text="When the contract was recorded.")
    updated_at = serializers.DateTimeField(help_text="When its details last changed.")

    def to_representation(self, contract: Contract) -> dict:
        return super().to_representation(self.contract_data(contract))

    def contract_data(self, contract: Contract) -> dict:
        request = self.context["request"]
        sees_results = contract.pk in self.context["sees_results"]
        absolute = request.build_absolute_uri
        return {
            "id": contract.pk,
            "url": reverse("api:contracts-detail", args=[contract.pk], request=request),
            "web_url": absolute(url_reverse("commissioning:contract-detail", args=[contract.pk])),
            "reference": contract.reference,
            "title": contract.title,
            "status": contract.status,
            "service_type": contract.service_type,
            "service_type_label": contract.get_service_type_display(),
            "lot": contract.lot,
            "start_date": contract.start_date,
            "end_date": contract.end_date,
            "annual_value": contract.annual_value if sees_results else None,
            "hourly_rate": contract.hourly_rate if sees_results else None,
            "return_due_day": contract.return_due_day,
            "qaf_compliance_window_weeks": contract.qaf_compliance_window_weeks,
            "provider": contract.provider,
            "lead_commissioner": contract.lead_commissioner,
            "partner_commissioners": list(contract.partner_commissioners.all()),
            "subcontractors": list(contract.subcontractors.all()),
            "results_url": _collection_url("api:results-list", contract.pk, request)
            if sees_results
            else None,
            "monthly_returns_url": _collection_url("api:monthly-returns-list", contract.pk, request)
            if sees_results
            else None,
            "returns_url": _collection_url("api:returns-list", contract.pk, request)
            if sees_results
            else None,
            "scorecard_web_url": absolute(url_reverse("results:scorecard", args=[contract.pk]))
            if sees_results
            else None,
            "created_at": contract.created_at,
            "updated_at": contract.updated_at,
        }


class ContractDetailSerializer(ContractSerializer):
    targets = TargetSerializer(many=True, help_text="The contract's outcome targets, with every version.")

    def contract_data(self, contract: Contract) -> dict:
        data = super().contract_data(contract)
        sees_results = contract.pk in self.context["sees_results"]
        request = self.context["request"]
        lead_name = contract.lead_commissioner.name
        data["targets"] = [
            _target_data(row, request, sees_results, lead_name) for row in self.context["target_rows"]
        ]
        return data


def _collection_url(route: str, contract_id: int, request) -> str:
    return f"{reverse(route, request=request)}?contract={contract_id}"


def _version_data(versions: list[TargetVersion], lead_name: str) -> list[dict]:
    """Each version with the span it judges (versions come oldest first, as the contract page lists them)."""
    rows = []
    for index, version in enumerate(versions):
        following = versions[index + 1] if index + 1 < len(versions) else None
        corrected = following is not None and following.effective_from == version.effective_from
        rows.append(
            {
                "id": version.pk,
                "effective_from": version.effective_from,
                "effective_to": following.effective_from - timedelta(days=1)
                if following is not None and not corrected
                else None,
                "corrected": corrected,
                "is_end": version.is_end,
                "target_value": version.target_value,
                "tolerance": version.tolerance,
                "min_denominator": version.min_denominator,
                "reason": version.reason,
                "recorded_at": version.recorded_at,
                "recorded_by": person_name(None, version.recorded_by_label, fallback=lead_name),
            }
        )
    return rows


def _target_data(row: TargetRow, request, sees_results: bool, lead_name: str) -> dict:
    versions = _version_data(row.history, lead_name)
    in_force = next((v for v in versions if row.current is not None and v["id"] == row.current.pk), None)
    target = row.target
    return {
        "id": target.pk,
        "measure": measure_ref(target.measure, request),
        "params": target.params,
        "params_text": row.params_text,
        "state": "in_force" if in_force else ("ended" if row.ended else "not_yet_in_force"),
        "in_force": in_force,
        "versions": versions,
        "results_url": f"{reverse('api:results-list', request=request)}?target={target.pk}"
        if sees_results
        else None,
    }


class ContractFilterSet(django_filters.FilterSet):
    """The contract list page's filters, plus an exact reference and the lead commissioner."""

    q = django_filters.CharFilter(
        method="page_filter", help_text="Text in the reference, title or lot (as the page's search box)."
    )
    reference = django_filters.CharFilter(
        field_name="reference", lookup_expr="iexact", help_text="The exact reference (any letter case)."
    )
    provider = IdFilter(
        method="page_filter", help_text="A provider's id: contracts it holds as prime or subcontractor."
    )
    commissioner = IdFilter(
        method="page_filter", help_text="A commissioning body's id: contracts it leads or is a partner in."
    )
    lead_commissioner = IdFilter(
        field_name="lead_commissioner_id", help_text="A commissioning body's id: contracts it leads."
    )
    status = django_filters.ChoiceFilter(choices=ContractStatus.choices, help_text="The contract's status.")
    service_type = django_filters.ChoiceFilter(choices=ServiceType.choices, help_text="The service type.")

    PAGE_FILTER_FIELDS = {"q": "text", "provider": "provider_id", "commissioner": "commissioner_id"}

    class Meta:
        model = Contract
        fields = ["q", "reference", "provider", "commissioner", "lead_commissioner", "status", "service_type"]

    def page_filter(self, queryset, name: str, value):
        """The contract list page's own filter (contract_list_for), so both always agree."""
        value = value.strip() if isinstance(value, str) else int(value)
        chosen = contract_list_for(
            request_acting(self.request), ContractFilter(**{self.PAGE_FILTER_FIELDS[name]: value})
        )
        return queryset.filter(pk__in=chosen.values("pk"))


class ContractCursor(Cursor):
    """By reference, as on the contract list page (ties by id)."""

    ordering = ("reference", "id")


@extend_schema_view(
    list=extend_schema(
        summary="List contracts",
        description="Contracts your organisation is party to, by reference. Cursor-paged: follow `next`.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="One contract, with its targets and their versions",
        description="404 for a contract your organisation is not party to.",
        tags=TAGS,
    ),
)
class ContractViewSet(ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Contracts you are party to, as on the contract pages; anyone else's is a 404."""

    etag_list = True
    queryset = Contract.objects.none()
    filterset_class = ContractFilterSet
    pagination_class = ContractCursor
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Contract.objects.none()
        return contract_list_for(self.acting)

    def get_object(self) -> Contract:
        return contract_get_for(self.acting, int(self.kwargs["pk"]))

    def get_serializer_class(self):
        return ContractDetailSerializer if self.action == "retrieve" else ContractSerializer

    def get_serializer(self, *args, **kwargs):
        context = kwargs.setdefault("context", self.get_serializer_context())
        if args:  # the schema asks for one without data: nothing to look up then
            contracts = list(args[0]) if kwargs.get("many") else [args[0]]
            context["sees_results"] = set(
                contract_returns_visible_to(self.acting)
                .filter(pk__in=[contract.pk for contract in contracts])
                .values_list("pk", flat=True)
            )
            if self.action == "retrieve":
                context["target_rows"] = target_rows_for(contracts[0])
        return self.get_serializer_class()(*args, **kwargs)


def register(router) -> None:
    """Add this module's collections to the API router."""
    router.register("contracts", ContractViewSet, basename="contracts")
