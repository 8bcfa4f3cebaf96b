"""The measure library pages: every measure commissioners can set a target on, readable by everyone.

These views only read the registry in ``outcomes.measures.library``; the definitions, defaults and
validation rules live there. Anything a template cannot compute (a method call with an argument)
is prepared here as plain row data.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import organisation_required
from outcomes.measures.library import (
    AGE_BAND_GROUPS,
    AGE_BANDS,
    CHOICE_LABELS,
    MEASURES,
    Direction,
    Measure,
    Parameter,
    get_measure,
)

# How each source is named: short in the library table, in full on a measure's page.
SOURCE_LABELS = {"episodes": "Episodes", "survey": "Survey", "returns": "Returns"}
SOURCE_DESCRIPTIONS = {
    "episodes": "The episode rows of accepted monthly returns",
    "survey": "The survey figures of accepted monthly returns",
    "returns": "When each month's return was submitted and accepted",
}
BETTER_WHEN = {Direction.HIGHER: "Higher", Direction.LOWER: "Lower"}


def _allowed_values(parameter: Parameter) -> dict[str, Any]:
    """What a parameter accepts: a sentence, or a list of (value, label) choices."""
    if parameter.kind == "int":
        return {"text": f"{parameter.minimum} to {parameter.maximum}", "choices": []}
    if parameter.kind == "age_bands":
        return {"text": f"{', '.join(AGE_BAND_GROUPS)} or bands {', '.join(AGE_BANDS)}", "choices": []}
    choices = [(choice, CHOICE_LABELS.get(choice, choice)) for choice in parameter.choices]
    text = "Any combination of:" if parameter.kind == "multichoice" else "One of:"
    return {"text": text, "choices": choices}


def _parameter_rows(measure: Measure) -> list[dict[str, Any]]:
    return [
        {
            "name": parameter.name,
            "label": parameter.label,
            "default": parameter.describe(parameter.default),
            "help": parameter.help,
            "allowed": _allowed_values(parameter),
        }
        for parameter in measure.parameters
    ]


@organisation_required
def measure_list(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "code": measure.code,
            "name": measure.name,
            "summary": measure.summary,
            "better_when": BETTER_WHEN[measure.direction],
            "source": SOURCE_LABELS.get(measure.source, measure.source),
        }
        for measure in MEASURES.values()
    ]
    return render(request, "outcomes/measure_list.html", {"measures": rows})


@organisation_required
def measure_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        measure = get_measure(code)
    except KeyError:
        raise Http404(f"There is no measure {code!r}.") from None
    return render(
        request,
        "outcomes/measure_detail.html",
        {
            "measure": measure,
            "better_when": BETTER_WHEN[measure.direction],
            "direction_label": measure.direction.label,
            "source": SOURCE_DESCRIPTIONS.get(measure.source, measure.source),
            "parameters": _parameter_rows(measure),
        },
    )
