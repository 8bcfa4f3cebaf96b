"""A target's measure named with its parameters in words, e.g. "Independent 42 days after first
visit (short-term care)" where the library's name is "No further help needed within N days".

The library's ``Measure.name`` names a measure before its parameters are chosen (the measure
library, "Add a target"); wherever a target's measure is named (the portfolio, the scorecard, the
trend page, the review pack, the exports) it is named by ``target_measure_name``, so that two
targets of one measure with different parameters never read the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any

from outcomes.measures.library import CHOICE_LABELS, Measure, ParameterError

SERVICE_TYPE_WORDS = {
    "short_term": "short-term care",
    "long_term": "long-term care",
    "any": "any service type",
}
DEFAULT_EXCLUDE = ["died", "moved_away"]


def _days(value: Any) -> str:
    return "1 day" if value == 1 else f"{value} days"


def _words(items: list[str]) -> str:
    words = [CHOICE_LABELS.get(item, item).lower() for item in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _independent(p: Mapping[str, Any]) -> tuple[str, list[str]]:
    qualifiers = [SERVICE_TYPE_WORDS.get(p["service_type"], str(p["service_type"]))]
    if p["referral_source"] != "any":
        qualifiers.append(
            f"referred from {CHOICE_LABELS.get(p['referral_source'], p['referral_source']).lower()}"
        )
    exclude = list(p["exclude"])
    if exclude != DEFAULT_EXCLUDE:
        qualifiers.append(f"leaving out those who {_words(exclude)}" if exclude else "leaving none out")
    return f"Independent {_days(p['window_days'])} after first visit", qualifiers


def _residential(p: Mapping[str, Any]) -> tuple[str, list[str]]:
    window = "rolling 12 months" if p["lookback"] == "R12" else "in the period"
    qualifiers = [window, SERVICE_TYPE_WORDS.get(p["service_type"], str(p["service_type"]))]
    if p["dementia"] == "Y":
        qualifiers.append("people with dementia")
    elif p["dementia"] == "N":
        qualifiers.append("people without dementia")
    return "Entered residential or nursing care", qualifiers


def _package(verb: str) -> Callable[[Mapping[str, Any]], tuple[str, list[str]]]:
    def name(p: Mapping[str, Any]) -> tuple[str, list[str]]:
        tenure = p["min_tenure_days"]
        return f"Care package {verb}", [f"in care {_days(tenure)} or more" if tenure else "any time in care"]

    return name


def _at_home(p: Mapping[str, Any]) -> tuple[str, list[str]]:
    bands = p["age_bands"]
    if bands == "65+":
        ages = "aged 65 and over"
    elif bands == "18+":
        ages = "all ages"
    else:
        ages = "aged " + ", ".join(bands)
    return "At home 91 days after hospital discharge", [ages]


NAMERS: dict[str, Callable[[Mapping[str, Any]], tuple[str, list[str]]]] = {
    "INDEPENDENT_WITHIN": _independent,
    "RESIDENTIAL_ENTRY": _residential,
    "PACKAGE_REDUCED": _package("reduced"),
    "PACKAGE_INCREASED": _package("increased"),
    "AT_HOME_91D": _at_home,
}


def target_measure_parts(measure: Measure, params: Mapping[str, Any] | None) -> tuple[str, list[str]]:
    """The headline (with the main parameter in it) and the other parameters in words."""
    if not measure.parameters:
        return measure.name, []
    values = {p.name: (params or {}).get(p.name, p.default) for p in measure.parameters}
    with suppress(ParameterError):  # a target stored before a rule changed is still named
        values = measure.clean_params(params)
    namer = NAMERS.get(measure.code)
    if namer is None:
        return measure.name, [measure.describe_params(values)]
    return namer(values)


def target_measure_name(measure: Measure, params: Mapping[str, Any] | None) -> str:
    """A target's measure with its parameters in words: "Independent 42 days after first visit
    (short-term care)"; a measure without parameters keeps its library name."""
    headline, qualifiers = target_measure_parts(measure, params)
    return f"{headline} ({'; '.join(qualifiers)})" if qualifiers else headline
