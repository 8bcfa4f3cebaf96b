"""Compliance results: each target's stored figures and RAG per period, with any RAG override in force.

Seen by the contract's prime provider and its commissioners (lead and partners), as on the
result pages; subcontractors and everyone else get 404. The list holds the latest figures unless
``?history=true``; both list and detail carry an ETag, so a polling system gets 304 until
something changes.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.response import Response

from accounts.api.conditional import ETagMixin
from accounts.api.links import link
from accounts.api.pagination import Cursor
from accounts.api.renderers import JSONRenderer
from accounts.api.schema import EnumField
from accounts.api.views import ApiViewSet
from commissioning.api.references import (
    ContractLinkSerializer,
    IdFilter,
    MeasureRefSerializer,
    YesNoFilter,
    contract_link,
    measure_ref,
    person_name,
)
from outcomes.api import result_json
from outcomes.measures import MEASURES
from outcomes.models import ComplianceResult
from outcomes.periods import MONTH, QUARTER, ROLLING_12, YEAR_TO_DATE, parse_period
from outcomes.results.overrides import overrides_in_force, with_rag_in_force
from outcomes.results.selectors import RAG_LABELS, figures_text, result_contracts_for, result_get_for

TAGS = ["results"]
RAG_CHOICES = list(RAG_LABELS.items())  # green, amber, red, not_rated
PERIOD_KINDS = [
    (MONTH, "Month"),
    (QUARTER, "Quarter"),
    (YEAR_TO_DATE, "Year to date"),
    (ROLLING_12, "Rolling twelve months"),
]


class ProviderRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The prime provider's id.")
    name = serializers.CharField(help_text="The prime provider's name.")


class OverrideSerializer(serializers.Serializer):
    rag = EnumField("OverrideRag", RAG_CHOICES[:3], help_text="The RAG the commissioner set.")
    reason = serializers.CharField(help_text="Why (for example what the review meeting agreed).")
    computed_rag = serializers.CharField(help_text="The computed RAG when the override was made.")
    by = serializers.CharField(help_text="Who set it (a name, or the lead body's).")
    at = serializers.DateTimeField(help_text="When it was set.")


class SourceSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="The month read, e.g. 2025-05.")
    attempt_id = serializers.IntegerField(allow_null=True, help_text="The accepted return version read.")
    version = serializers.IntegerField(allow_null=True, help_text="Its version number among the month's.")
    url = serializers.URLField(allow_null=True, help_text="That return version in the API.")


class ResultSerializer(serializers.Serializer):
    """One stored result: a target's figures for a period, judged by the target version in force."""

    id = serializers.IntegerField(help_text="The result's id.")
    url = serializers.URLField(help_text="This result in the API.")
    web_url = serializers.URLField(help_text="The result's page, with the episodes behind it.")
    contract = ContractLinkSerializer(help_text="The contract.")
    provider = ProviderRefSerializer(help_text="The contract's prime provider.")
    target = serializers.IntegerField(help_text="The target's id (see the contract's targets).")
    target_version = serializers.IntegerField(help_text="The id of the target version that judged it.")
    measure = MeasureRefSerializer(help_text="The target's measure.")
    period = serializers.CharField(help_text="The period, e.g. 2025-26-Q1, 2025-26-YTD-06 or 2025-05.")
    period_kind = EnumField("PeriodKind", PERIOD_KINDS, help_text="The kind of period.")
    period_start = serializers.DateField(help_text="First day of the period.")
    period_end = serializers.DateField(help_text="Last day of the period.")
    numerator = serializers.IntegerField(
        help_text="Episodes (or survey respondents, or months) counted in the numerator."
    )
    denominator = serializers.IntegerField(
        help_text="Episodes (or survey respondents, or months) counted in the denominator."
    )
    value = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        allow_null=True,
        help_text="100 × numerator ÷ denominator, rounded half up to one decimal place; null when the "
        "denominator is 0.",
    )
    figures_text = serializers.CharField(help_text="Value and figures together, e.g. '85.0% (551/648)'.")
    target_value = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="The target, in percent (from target_version).",
    )
    tolerance = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="The amber tolerance in percentage points."
    )
    min_denominator = serializers.IntegerField(
        allow_null=True, help_text="The fewest episodes counted for the result to be rated."
    )
    rag = EnumField(
        "Rag",
        RAG_CHOICES,
        help_text="The RAG in force, as the scorecard shows it: the override's when one is in force for the "
        "target and period (earlier figures of the period show it too, as the result page does), else "
        "computed_rag.",
    )
    computed_rag = EnumField("Rag", RAG_CHOICES, help_text="The RAG the figures give.")
    override = OverrideSerializer(
        allow_null=True, help_text="The RAG override in force for the target and period, or null."
    )
    not_rated_reason = EnumField(
        "NotRatedReason",
        ["low_numbers", "no_data"],
        allow_null=True,
        help_text="Why it is not rated (null when rated).",
    )
    direction = EnumField(
        "DirectionOfTravel",
        ["improved", "stable", "worsened", "none"],
        help_text="Direction of travel against the previous period of the same kind (1.0 pp or more).",
    )
    pending = serializers.IntegerField(
        help_text="Episodes judged after the last day returns cover; left out."
    )
    missing = serializers.IntegerField(help_text="Episodes with a blank the measure needed.")
    missing_months = serializers.ListField(
        child=serializers.CharField(),
        help_text="Months of the data window within the contract's term whose return is owed and not accepted.",
    )
    outside_term_months = serializers.ListField(
        child=serializers.CharField(),
        help_text="Months of the data window before the contract started or after it ended (no return is owed).",
    )
    incomplete = serializers.BooleanField(
        help_text="True when some month of the data window has no accepted return: missing, or outside the term."
    )
    restated = serializers.BooleanField(help_text="Figures changed after the data window was complete.")
    restates = serializers.IntegerField(
        allow_null=True, help_text="The id of the earlier figure it replaces."
    )
    restated_because = serializers.CharField(help_text="Which return versions changed ('' if not restated).")
    sources = SourceSerializer(many=True, help_text="The return versions read, by month.")
    is_latest = serializers.BooleanField(help_text="False for an earlier figure, replaced by a later one.")
    computed_at = serializers.DateTimeField(help_text="When these figures were computed.")
    checked_at = serializers.DateTimeField(help_text="When a recomputation last confirmed them.")

    def to_representation(self, result: ComplianceResult) -> dict:
        request = self.context["request"]
        override = self.context["overrides"].get((result.target_id, result.period))
        version = result.target_version
        contract = result.contract
        data = {
            "id": result.pk,
            "url": link(request, "api:results-detail", result.pk),
            "web_url": link(request, "results:detail", result.pk),
            "contract": contract_link(contract, request),
            "provider": contract.provider,
            "target": result.target_id,
            "target_version": result.target_version_id,
            "measure": measure_ref(result.target.measure, request),
            "period": result.period,
            "period_kind": result.period_kind,
            "period_start": result.period_start,
            "period_end": result.period_end,
            "numerator": result.numerator,
            "denominator": result.denominator,
            "value": result.value,
            "figures_text": figures_text(result),
            "target_value": version.target_value,
            "tolerance": version.tolerance,
            "min_denominator": version.min_denominator,
            "rag": override.rag if override else result.rag,
            "computed_rag": result.rag,
            "override": None
            if override is None
            else {
                "rag": override.rag,
                "reason": override.reason,
                "computed_rag": override.computed_rag,
                "by": person_name(None, override.created_by_label, fallback=contract.lead_commissioner.name),
                "at": override.created_at,
            },
            "not_rated_reason": result.not_rated_reason,
            "direction": result.direction,
            "pending": result.pending,
            "missing": result.missing,
            "missing_months": result.missing_months,
            "outside_term_months": result.outside_term_months,
            "incomplete": result.incomplete,
            "restated": result.restated,
            "restates": result.restates_id,
            "restated_because": result.restated_because,
            "sources": [
                {
                    "month": month,
                    "attempt_id": source.get("attempt"),
                    "version": source.get("version"),
                    "url": link(request, "api:returns-detail", source["attempt"])
                    if source.get("attempt")
                    else None,
                }
                for month, source in sorted(result.sources.items())
            ],
            "is_latest": result.is_latest,
            "computed_at": result.computed_at,
            "checked_at": result.checked_at,
        }
        return super().to_representation(data)


def _valid_period(text: str) -> None:
    try:
        parse_period(text)
    except ValueError:
        raise ValidationError(
            "Give a period like 2025-26-Q1 (quarter), 2025-26-YTD-06 (year to date), 2025-05 (month) "
            "or R12-2025-06 (rolling twelve months)."
        ) from None


class ResultFilterSet(django_filters.FilterSet):
    """Filters of the result list; the latest figures only unless history=true."""

    history = YesNoFilter(
        method="keep",
        help_text="true: every stored figure, including earlier ones replaced by a restatement or "
        "recomputation. Default false: only the latest figure of each target and period.",
    )
    contract = IdFilter(field_name="contract_id", help_text="A contract's id.")
    contract_reference = django_filters.CharFilter(
        field_name="contract__reference", lookup_expr="iexact", help_text="A contract's reference (any case)."
    )
    provider = IdFilter(field_name="contract__provider_id", help_text="The prime provider's id.")
    target = IdFilter(field_name="target_id", help_text="A target's id.")
    measure = django_filters.ChoiceFilter(
        field_name="target__measure",
        choices=[(code, measure.name) for code, measure in MEASURES.items()],
        help_text="A measure's code, e.g. INDEPENDENT_WITHIN.",
    )
    period = django_filters.CharFilter(
        validators=[_valid_period], help_text="One period exactly, e.g. 2025-26-Q1 or 2025-26-YTD-06."
    )
    period_kind = django_filters.ChoiceFilter(choices=PERIOD_KINDS, help_text="The kind of period.")
    period_from = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", help_text="Periods starting on or after this day."
    )
    period_to = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", help_text="Periods starting on or before this day."
    )
    rag = django_filters.ChoiceFilter(
        choices=RAG_CHOICES,
        method="filter_rag_in_force",
        help_text="The RAG in force, after any override (as the scorecard shows it).",
    )
    computed_rag = django_filters.ChoiceFilter(
        field_name="rag", choices=RAG_CHOICES, help_text="The computed RAG, whatever any override says."
    )
    restated = YesNoFilter(
        method="filter_restated", help_text="true: only restated figures; false: only the others."
    )

    class Meta:
        model = ComplianceResult
        fields = [
            "history",
            "contract",
            "contract_reference",
            "provider",
            "target",
            "measure",
            "period",
            "period_kind",
            "period_from",
            "period_to",
            "rag",
            "computed_rag",
            "restated",
        ]

    def keep(self, queryset, name, value):
        return queryset  # applied in filter_queryset, since its default (false) filters too

    def filter_restated(self, queryset, name, value):
        return queryset.filter(restated=value)

    def filter_rag_in_force(self, queryset, name, value):
        return with_rag_in_force(queryset).filter(rag_in_force=value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("history") is not True:
            queryset = self.unfiltered(queryset)
        return queryset

    @staticmethod
    def unfiltered(queryset):
        """What the filters leave when none is given (a BI tool's export): the latest figures."""
        return queryset.filter(is_latest=True)


class ResultCursor(Cursor):
    """Newest computed first, by id: unique and never reused, so a system paging with the cursor
    neither skips nor repeats a row while results are being recomputed."""

    ordering = "-id"


@extend_schema_view(
    list=extend_schema(
        summary="List compliance results",
        description="The latest figures of each target and period (every stored figure with history=true), "
        "newest computed first. Cursor-paged: follow `next`. Send the ETag back in If-None-Match to get "
        "304 when nothing changed.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="One compliance result",
        description="Any stored figure, latest or earlier; 404 for a contract whose results you may not see.",
        tags=TAGS,
    ),
)
class ResultViewSet(ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Compliance results of contracts whose results you may see; anyone else's is a 404."""

    etag_list = True
    queryset = ComplianceResult.objects.none()
    serializer_class = ResultSerializer
    filterset_class = ResultFilterSet
    pagination_class = ResultCursor
    renderer_classes = [JSONRenderer]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ComplianceResult.objects.none()
        return ComplianceResult.objects.filter(contract__in=result_contracts_for(self.acting)).select_related(
            "contract__provider", "contract__lead_commissioner", "target", "target_version"
        )

    def filter_queryset(self, queryset):
        if self.request.query_params.keys() & ResultFilterSet.base_filters.keys():
            return super().filter_queryset(queryset)
        return ResultFilterSet.unfiltered(queryset)  # no filter given: no filter form to build

    def list(self, request, *args, **kwargs):
        """On PostgreSQL, a page is chosen by id (the cursor's own query, reading ids only), its
        validator is made from facts and compared before anything is written, and PostgreSQL writes
        the page's results (``outcomes.api.result_json``); elsewhere the serializer does."""
        paginator = self.paginator
        if not result_json.available() or not isinstance(paginator, Cursor):
            return super().list(request, *args, **kwargs)
        page = paginator.paginate_queryset(
            self.filter_queryset(self.get_queryset()).values("id"), request, self
        )
        ids = [row["id"] for row in page]
        links = (paginator.get_next_link(), paginator.get_previous_link())
        if request.headers.get("If-None-Match"):
            etag = result_json.results_page_etag(request, result_json.results_page_facts(ids), ids, *links)
            if self.etag_matches(request, etag):
                return self.not_modified(etag)
        facts, results = result_json.results_page_written(request, ids)
        response = Response(paginator.rendered_page(results))
        response["ETag"] = result_json.results_page_etag(request, facts, ids, *links)
        return response

    def get_object(self) -> ComplianceResult:
        return result_get_for(self.acting, int(self.kwargs["pk"]))

    def get_serializer(self, *args, **kwargs):
        context = kwargs.setdefault("context", self.get_serializer_context())
        if args:  # the schema asks for one without data: nothing to look up then
            results = list(args[0]) if kwargs.get("many") else [args[0]]
            context["overrides"] = overrides_in_force(
                sorted({r.target_id for r in results}), sorted({r.period for r in results})
            )
        return ResultSerializer(*args, **kwargs)


def register(router) -> None:
    """Add this module's collections to the API router."""
    router.register("results", ResultViewSet, basename="results")
