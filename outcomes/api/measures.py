"""The measure library, read-only: every measure a target can be set on, as the library pages show it.

The library is data in ``outcomes.measures.library`` (no database), so the list is one short
array without paging; ``?source=`` and ``?direction=`` narrow it.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts.api.conditional import ETagMixin
from accounts.api.schema import EnumField
from accounts.api.views import ApiViewSet
from outcomes.measure_pages.views import SOURCE_DESCRIPTIONS, SOURCE_LABELS
from outcomes.measures.library import (
    AGE_BAND_GROUPS,
    AGE_BANDS,
    CHOICE_LABELS,
    MEASURES,
    Direction,
    Parameter,
)

TAGS = ["measures"]
UNIT = "percent"


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="The value to use in a target's parameters.")
    label = serializers.CharField(help_text="The value in words, as the pages show it.")


class ParameterSerializer(serializers.Serializer):
    """One setting of a measure: its default and the values it accepts."""

    name = serializers.CharField(help_text="The parameter's key in a target's ``params``.")
    label = serializers.CharField(help_text="The parameter's name in words.")
    kind = EnumField(
        "ParameterKind",
        ["int", "choice", "multichoice", "age_bands"],
        help_text="int: a whole number from minimum to maximum; choice: one of choices; multichoice: a list "
        "of choices; age_bands: 65+, 18+ or a list of age bands.",
    )
    default = serializers.JSONField(help_text="The value used when a target does not set one.")
    default_text = serializers.CharField(help_text="The default in words, e.g. '42 days'.")
    help = serializers.CharField(help_text="What the parameter changes.")
    allowed_text = serializers.CharField(help_text="What the parameter accepts, in words.")
    minimum = serializers.IntegerField(allow_null=True, help_text="The smallest value (int parameters).")
    maximum = serializers.IntegerField(allow_null=True, help_text="The largest value (int parameters).")
    choices = ChoiceSerializer(many=True, help_text="The values allowed (choice, multichoice, age_bands).")


class MeasureSerializer(serializers.Serializer):
    """A measure of the library: value = 100 × numerator ÷ denominator, rounded half up to 1 dp."""

    code = serializers.CharField(help_text="The measure's code, e.g. INDEPENDENT_WITHIN; targets name it.")
    name = serializers.CharField(help_text="The measure's name.")
    summary = serializers.CharField(help_text="What the measure shows, in one sentence.")
    denominator = serializers.CharField(help_text="What is counted (the definition's denominator).")
    numerator = serializers.CharField(help_text="Which of them count towards the value (the numerator).")
    direction = EnumField(
        "MeasureDirection", [d.value for d in Direction], help_text="higher or lower: which way is better."
    )
    direction_label = serializers.CharField(help_text="'Higher is better' or 'Lower is better'.")
    unit = EnumField(
        "MeasureUnit", [UNIT], help_text="Every value is a percentage (0 to 100, one decimal place)."
    )
    source = EnumField(
        "MeasureSource",
        list(SOURCE_LABELS),
        help_text="What the measure is computed from: episodes (the episode rows of monthly returns), "
        "survey (their survey figures) or returns (when each return arrived).",
    )
    source_description = serializers.CharField(help_text="The source in words.")
    example = serializers.CharField(help_text="A worked example with figures and RAG.")
    notes = serializers.ListField(child=serializers.CharField(), help_text="Further rules of the definition.")
    parameters = ParameterSerializer(many=True, help_text="The measure's settings; targets fix each one.")
    defaults = serializers.DictField(help_text="Every parameter's default, as a target's ``params``.")
    url = serializers.URLField(help_text="This measure in the API.")
    web_url = serializers.URLField(help_text="The measure's page in the web application.")


class MeasureQuerySerializer(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=list(SOURCE_LABELS), required=False, help_text="Only measures computed from this source."
    )
    direction = serializers.ChoiceField(
        choices=[d.value for d in Direction], required=False, help_text="Only measures better this way."
    )


def _allowed(parameter: Parameter) -> tuple[str, list[dict]]:
    if parameter.kind == "int":
        return f"{parameter.minimum} to {parameter.maximum}", []
    if parameter.kind == "age_bands":
        values = [*AGE_BAND_GROUPS, *AGE_BANDS]
        text = f"{', '.join(AGE_BAND_GROUPS)} or a list of the bands {', '.join(AGE_BANDS)}"
    else:
        values = list(parameter.choices)
        text = "A list of any of the choices" if parameter.kind == "multichoice" else "One of the choices"
    return text, [{"value": value, "label": CHOICE_LABELS.get(value, value)} for value in values]


def _measure_data(measure, request) -> dict:
    parameters = []
    for parameter in measure.parameters:
        allowed_text, choices = _allowed(parameter)
        default = parameter.default
        parameters.append(
            {
                "name": parameter.name,
                "label": parameter.label,
                "kind": parameter.kind,
                "default": list(default) if isinstance(default, tuple) else default,
                "default_text": parameter.describe(default),
                "help": parameter.help,
                "allowed_text": allowed_text,
                "minimum": parameter.minimum,
                "maximum": parameter.maximum,
                "choices": choices,
            }
        )
    return {
        "code": measure.code,
        "name": measure.name,
        "summary": measure.summary,
        "denominator": measure.denominator,
        "numerator": measure.numerator,
        "direction": measure.direction.value,
        "direction_label": measure.direction.label,
        "unit": UNIT,
        "source": measure.source,
        "source_description": SOURCE_DESCRIPTIONS.get(measure.source, measure.source),
        "example": measure.example,
        "notes": list(measure.notes),
        "parameters": parameters,
        "defaults": measure.defaults,
        "url": reverse("api:measures-detail", args=[measure.code], request=request),
        "web_url": request.build_absolute_uri(reverse("outcomes:measure-detail", args=[measure.code])),
    }


class MeasureViewSet(ETagMixin, ApiViewSet):
    """The measure library: the same for every organisation, readable by any member or read token."""

    etag_list = True
    pagination_class = None
    filter_backends: list = []
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    serializer_class = MeasureSerializer

    @extend_schema(
        summary="List the measure library",
        description="Every measure a target can be set on, in the library's order (one short list, not paged).",
        tags=TAGS,
        parameters=[MeasureQuerySerializer],
        responses=MeasureSerializer(many=True),
    )
    def list(self, request):
        query = MeasureQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        measures = [
            measure
            for measure in MEASURES.values()
            if wanted.get("source", measure.source) == measure.source
            and wanted.get("direction", measure.direction.value) == measure.direction.value
        ]
        return Response([_measure_data(measure, request) for measure in measures])

    @extend_schema(summary="One measure of the library", tags=TAGS, responses=MeasureSerializer)
    def retrieve(self, request, code: str):
        measure = MEASURES.get(code)
        if measure is None:
            raise NotFound(f"There is no measure {code!r}. GET /api/v1/measures/ lists the measures' codes.")
        return Response(_measure_data(measure, request))


def register(router) -> None:
    """Add this module's collections to the API router."""
    router.register("measures", MeasureViewSet, basename="measures")
