"""Every measure commissioners can set a target on: its definition, direction and parameters.

Normative source: the measure library specification (measures.md). Commissioners never write
formulas: they pick a measure, set its parameters (each validated here) and a target. The
calculators that compute values live beside this registry and use the same codes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# The data standard owns the vocabulary of episodes; the library reuses it.
from outcomes.mds.columns import AGE_BANDS, END_REASONS, REFERRAL_SOURCES


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"

    @property
    def label(self) -> str:
        return "Higher is better" if self is Direction.HIGHER else "Lower is better"


class ParameterError(ValueError):
    """A parameter value that cannot be used; the message says how to fix it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


AGE_BAND_GROUPS = {"65+": ("65-74", "75-84", "85+"), "18+": AGE_BANDS}

CHOICE_LABELS = {
    "any": "Any",
    "short_term": "Short-term (reablement, hospital discharge)",
    "long_term": "Long-term (ongoing homecare)",
    "hospital_discharge": "Hospital discharge",
    "community": "Community",
    "other": "Other",
    "Y": "Yes",
    "N": "No",
    "R12": "Rolling twelve months ending at the period's end",
    "period": "The period itself",
    "independent": "Independent",
    "transferred": "Transferred",
    "residential_care": "Residential care",
    "nursing_care": "Nursing care",
    "hospital": "Hospital",
    "died": "Died",
    "moved_away": "Moved away",
    "65+": "65 and over",
    "18+": "All ages (18 and over)",
}


@dataclass(frozen=True)
class Parameter:
    """One setting of a measure, with its default and the rule for valid values."""

    name: str
    label: str
    kind: str  # "int", "choice", "multichoice" or "age_bands"
    default: Any
    help: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()

    def clean(self, value: Any) -> Any:
        """Return the canonical value, or raise ParameterError saying what is allowed."""
        if self.kind == "int":
            return self._clean_int(value)
        if self.kind == "choice":
            return self._clean_choice(value)
        if self.kind == "multichoice":
            return self._clean_multichoice(value)
        if self.kind == "age_bands":
            return self._clean_age_bands(value)
        raise AssertionError(f"unknown parameter kind {self.kind}")

    def _clean_int(self, value: Any) -> int:
        expected = f"{self.label} must be a whole number from {self.minimum} to {self.maximum}"
        if isinstance(value, bool) or value is None:
            raise ParameterError(self.name, f"{expected}.")
        if isinstance(value, float):
            if not value.is_integer():
                raise ParameterError(self.name, f"{expected}; {value} is not.")
            number = int(value)
        elif isinstance(value, int):
            number = value
        else:
            text = str(value).strip()
            if not re.fullmatch(r"[+-]?[0-9]+", text):
                raise ParameterError(self.name, f"{expected}; {value!r} is not.")
            number = int(text)
        # Every whole-number parameter of the library has its range.
        assert self.minimum is not None and self.maximum is not None
        if not self.minimum <= number <= self.maximum:
            raise ParameterError(
                self.name,
                f"{self.label} must be from {self.minimum} to {self.maximum}; {number} is out of range.",
            )
        return number

    def _clean_choice(self, value: Any) -> str:
        text = str(value).strip() if value is not None else ""
        if text not in self.choices:
            allowed = ", ".join(self.choices)
            raise ParameterError(self.name, f"{self.label} must be one of: {allowed}; {value!r} is not.")
        return text

    def _clean_multichoice(self, value: Any) -> list[str]:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ParameterError(self.name, f"{self.label} must be a list of: {', '.join(self.choices)}.")
        cleaned = {str(item).strip() for item in items if str(item).strip()}
        unknown = sorted(cleaned - set(self.choices))
        if unknown:
            raise ParameterError(
                self.name,
                f"{self.label} can only contain: {', '.join(self.choices)}; {', '.join(unknown)} is not one.",
            )
        return [choice for choice in self.choices if choice in cleaned]

    def _clean_age_bands(self, value: Any) -> str | list[str]:
        if isinstance(value, str) and value.strip() in AGE_BAND_GROUPS:
            return value.strip()
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not items:
            raise ParameterError(
                self.name, f"{self.label} must be 65+, 18+ or a list of age bands ({', '.join(AGE_BANDS)})."
            )
        cleaned = {str(item).strip() for item in items if str(item).strip()}
        unknown = sorted(cleaned - set(AGE_BANDS))
        if unknown or not cleaned:
            raise ParameterError(
                self.name,
                f"{self.label} must be 65+, 18+ or age bands from: {', '.join(AGE_BANDS)}; "
                f"{', '.join(unknown) or 'nothing'} is not one.",
            )
        ordered = tuple(band for band in AGE_BANDS if band in cleaned)
        for shorthand, bands in AGE_BAND_GROUPS.items():
            if ordered == bands:
                return shorthand
        return list(ordered)

    def describe(self, value: Any) -> str:
        """A plain-English rendering of a value of this parameter."""
        if isinstance(value, list | tuple):
            items: Sequence[str] = value  # the cleaned choices (or age bands): strings
            return ", ".join(CHOICE_LABELS.get(item, item) for item in items) or "none"
        if self.kind == "int" and self.name.endswith("_days"):
            return "1 day" if value == 1 else f"{value} days"
        return CHOICE_LABELS.get(str(value), str(value))


@dataclass(frozen=True)
class Measure:
    """A measure: value = 100 × numerator ÷ denominator, with a direction and parameters."""

    code: str
    name: str
    summary: str
    denominator: str
    numerator: str
    direction: Direction
    example: str
    parameters: tuple[Parameter, ...] = ()
    source: str = "episodes"  # "episodes", "survey" or "returns": what it is computed from
    notes: tuple[str, ...] = field(default_factory=tuple)

    def parameter(self, name: str) -> Parameter:
        return next(p for p in self.parameters if p.name == name)

    @property
    def defaults(self) -> dict[str, Any]:
        """The default of every parameter, as a fresh copy (changing it cannot change the library)."""
        return self.clean_params({})

    def clean_params(self, raw: Mapping[str, Any] | None) -> dict[str, Any]:
        """Every parameter, with defaults filled in, in the library's order; raises on the first problem."""
        cleaned, errors = self._validate(raw)
        if errors:
            name, message = next(iter(errors.items()))
            raise ParameterError(name, message)
        return cleaned

    def param_errors(self, raw: Mapping[str, Any] | None) -> dict[str, str]:
        """Every problem with the given parameters, by parameter name (empty when they are all valid)."""
        return self._validate(raw)[1]

    def _validate(self, raw: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, str]]:
        raw = dict(raw or {})
        errors: dict[str, str] = {}
        known = {p.name for p in self.parameters}
        for name in raw:
            if name in known:
                continue
            if known:
                errors[name] = (
                    f"{self.code} has no parameter {name!r}; its parameters are: {', '.join(sorted(known))}."
                )
            else:
                errors[name] = f"{self.code} takes no parameters; remove {name!r}."
        cleaned: dict[str, Any] = {}
        for parameter in self.parameters:
            try:
                cleaned[parameter.name] = parameter.clean(raw.get(parameter.name, parameter.default))
            except ParameterError as error:
                errors[parameter.name] = error.message
        return cleaned, errors

    def describe_params(self, params: Mapping[str, Any]) -> str:
        """A short plain-English summary of the parameters, e.g. 'within 42 days; short-term; any referral'."""
        return "; ".join(f"{p.label}: {p.describe(params.get(p.name, p.default))}" for p in self.parameters)


_SERVICE_TYPE = "service_type"


def _service_type(default: str) -> Parameter:
    return Parameter(
        _SERVICE_TYPE,
        "Service type",
        "choice",
        default,
        "Which episodes count: short-term (reablement, hospital discharge), long-term (ongoing homecare) or any.",
        choices=("short_term", "long_term", "any"),
    )


MIN_TENURE = Parameter(
    "min_tenure_days",
    "Minimum time in care",
    "int",
    90,
    "Only episodes whose first visit was at least this many days before the period's last day.",
    minimum=0,
    maximum=730,
)
PACKAGE_NOTE = "Hours are taken as they stood on the period's last day, from that month's return."
SURVEY_NOTE = "Taken from the survey figures of each month's return, added up over the period."

MEASURES_LIST: tuple[Measure, ...] = (
    Measure(
        code="HELP_48H",
        name="Help within 48 hours of referral",
        summary="The share of episodes referred in the period whose first visit came within 48 hours of the referral.",
        denominator=(
            "Episodes referred in the period, leaving out any not yet visited whose 48 hours had not run out by the "
            "end of the period."
        ),
        numerator="Those whose first visit was no more than 48 hours after the referral.",
        direction=Direction.HIGHER,
        example=(
            "Four referrals: visited after 47 hours, after exactly 48 hours, after 49 hours, and one referred three "
            "days before the period ended and not yet visited. 2 of 4 were helped within 48 hours: 50.0% (2/4). A "
            "referral one day before the period ended with no visit yet is left out: its 48 hours had not run out."
        ),
        notes=(
            "Durations are elapsed time: across the night the clocks change, 48 hours is still 48 hours.",
        ),
    ),
    Measure(
        code="INDEPENDENT_WITHIN",
        name="No further help needed within N days",
        summary=(
            "The share of episodes that ended with no further formal care needed by a set number of days after the "
            "first visit (for example six weeks of reablement)."
        ),
        denominator=(
            "Episodes of the cohort with a first visit whose judging day (first-visit date plus the window) falls in "
            "the period, less those that ended for an excluded reason (by default died or moved away) on or before "
            "the judging day."
        ),
        numerator="Those that ended 'independent' on or before the judging day.",
        direction=Direction.HIGHER,
        example=(
            "Target 66% at 42 days. 2 of 3 → 66.7% (2/3): green. 65 of 99 → 65.7%: amber, 0.3 pp short with the "
            "default 0.5 pp tolerance. 64 of 99 → 64.6%: red."
        ),
        parameters=(
            Parameter(
                "window_days",
                "Window",
                "int",
                42,
                "Days after the first visit by which the episode should end with no further help needed "
                "(42 = six weeks).",
                minimum=1,
                maximum=730,
            ),
            _service_type("short_term"),
            Parameter(
                "referral_source",
                "Referral source",
                "choice",
                "any",
                "Only count episodes referred from here (for example hospital discharge), or any source.",
                choices=("any", *REFERRAL_SOURCES),
            ),
            Parameter(
                "exclude",
                "Left out when the episode ended for",
                "multichoice",
                ("died", "moved_away"),
                "End reasons that take an episode out of the count, when it ended for them by the judging day.",
                choices=END_REASONS,
            ),
        ),
        notes=("Episodes whose judging day has not yet been reached are 'pending', never failures.",),
    ),
    Measure(
        code="RESIDENTIAL_ENTRY",
        name="Entered residential or nursing care",
        summary="The share of episodes of care that ended with a move into a care home (residential or nursing).",
        denominator=(
            "Distinct episodes of the cohort open at any time in the lookback window (by default the twelve months "
            "ending at the period's end)."
        ),
        numerator="Those that ended 'residential_care' or 'nursing_care' within that window.",
        direction=Direction.LOWER,
        example=(
            "Target 5% (lower is better). 5 of 100 → 5.0%: green. 11 of 200 → 5.5%: amber. 6 of 100 → 6.0%: red. "
            "For the dementia cohort, target 10%: 9 of 90 → 10.0%: green."
        ),
        parameters=(
            Parameter(
                "lookback",
                "Lookback window",
                "choice",
                "R12",
                "The window episodes are counted over: the rolling twelve months ending at the period's end, or the "
                "period itself.",
                choices=("R12", "period"),
            ),
            _service_type("long_term"),
            Parameter(
                "dementia",
                "Dementia",
                "choice",
                "any",
                "Only episodes of people with a dementia diagnosis (Y), only those of people without (N), or "
                "all episodes (any).",
                choices=("any", "Y", "N"),
            ),
        ),
    ),
    Measure(
        code="PACKAGE_REDUCED",
        name="Care package reduced",
        summary="The share of long-term care episodes whose planned weekly hours are now lower than at the start.",
        denominator=(
            "Long-term episodes open on the period's last day whose first visit was at least the minimum tenure "
            "(90 days by default) before it."
        ),
        numerator="Those whose weekly hours now are lower than their weekly hours at the start.",
        direction=Direction.HIGHER,
        example=(
            "On 30 June, 40 long-term episodes are open whose first visit was at least 90 days earlier; 5 now have "
            "fewer weekly hours than at the start: 12.5% (5/40), green against a 10% target."
        ),
        parameters=(MIN_TENURE,),
        notes=(PACKAGE_NOTE,),
    ),
    Measure(
        code="PACKAGE_INCREASED",
        name="Care package increased",
        summary="The share of long-term care episodes whose planned weekly hours are now higher than at the start.",
        denominator=(
            "Long-term episodes open on the period's last day whose first visit was at least the minimum tenure "
            "(90 days by default) before it."
        ),
        numerator="Those whose weekly hours now are higher than their weekly hours at the start.",
        direction=Direction.LOWER,
        example=(
            "Of the same 40 episodes, 3 now have more weekly hours than at the start: 7.5% (3/40), green against an "
            "at-most-10% target."
        ),
        parameters=(MIN_TENURE,),
        notes=(PACKAGE_NOTE,),
    ),
    Measure(
        code="AT_HOME_91D",
        name="At home 91 days after hospital discharge",
        summary=(
            "Of short-term care episodes of older people discharged from hospital, the share in which the person was "
            "still living at home 91 days after the referral (the national ASCOF 2B1 measure)."
        ),
        denominator=(
            "Short-term episodes referred from hospital discharge, of people in the chosen age bands (65 and over by "
            "default), whose referral date plus 91 days falls in the period."
        ),
        numerator="Those recorded as at home after 91 days.",
        direction=Direction.HIGHER,
        example=(
            "In 551 of 648 episodes the person was at home after 91 days: 85.0% (551/648). Against a 90% target "
            "with the default 0.5 pp tolerance that is red; with a 5 pp tolerance, amber."
        ),
        parameters=(
            Parameter(
                "age_bands",
                "Age bands",
                "age_bands",
                "65+",
                "65+ (65 and over), 18+ (everyone), or a list of the bands 18-64, 65-74, 75-84, 85+.",
            ),
        ),
        notes=(
            "Deaths count as not at home. A blank follow-up counts as not at home and is reported as missing data.",
        ),
    ),
    Measure(
        code="HOSPITAL_ADMISSION",
        name="Admitted to hospital",
        summary="The share of episodes of care open in the period that ended with a hospital admission.",
        denominator="Distinct episodes open at any time in the period.",
        numerator="Those that ended 'hospital' in the period.",
        direction=Direction.LOWER,
        example=(
            "300 episodes were open during the quarter and 18 of them ended with a hospital admission: 6.0% "
            "(18/300)."
        ),
    ),
    Measure(
        code="DIED_PREFERRED_PLACE",
        name="Died in preferred place",
        summary=(
            "Of end-of-life episodes that ended with the person's death in the period, the share in which they "
            "died where they wished."
        ),
        denominator="End-of-life episodes that ended 'died' in the period.",
        numerator="Those recorded as dying in their preferred place.",
        direction=Direction.HIGHER,
        example=(
            "12 end-of-life episodes ended with the person's death in the quarter; in 9 the person died in their "
            "preferred place: 75.0% (9/12)."
        ),
    ),
    Measure(
        code="HEALTH_NEEDS_MET",
        name="Health needs met (survey)",
        summary="The share of customers surveyed who said their health needs were met.",
        denominator="Survey respondents in the months of the period.",
        numerator="Respondents who said yes.",
        direction=Direction.HIGHER,
        example="Over a quarter 57 of 60 respondents said yes: 95.0% (57/60), green against a 95% target.",
        source="survey",
        notes=(SURVEY_NOTE,),
    ),
    Measure(
        code="CARER_SUPPORTED",
        name="Carers feel supported (survey)",
        summary="The share of carers surveyed who said they feel supported.",
        denominator="Carer survey respondents in the months of the period.",
        numerator="Respondents who said yes.",
        direction=Direction.HIGHER,
        example="Over a quarter 38 of 41 carers said yes: 92.7% (38/41), red against a 95% target.",
        source="survey",
        notes=(SURVEY_NOTE,),
    ),
    Measure(
        code="DIED_WITH_DIGNITY",
        name="Died with dignity (survey of relatives)",
        summary="The share of relatives surveyed who said the person died with dignity.",
        denominator="Relatives' survey respondents in the months of the period.",
        numerator="Respondents who said yes.",
        direction=Direction.HIGHER,
        example="Over a year 19 of 20 relatives said yes: 95.0% (19/20).",
        source="survey",
        notes=(SURVEY_NOTE,),
    ),
    Measure(
        code="RETURNS_ON_TIME",
        name="Monthly returns on time",
        summary="The share of monthly returns due in the period whose first accepted version arrived by the due date.",
        denominator="Months of the period that have ended and whose return due date has passed.",
        numerator="Months whose first accepted return was submitted by the due date.",
        direction=Direction.HIGHER,
        example="In a quarter all three months are due; two returns arrived on time and one late: 66.7% (2/3).",
        source="returns",
        notes=(
            "The due date is the contract's return due day of the following month, end of that day, London time.",
        ),
    ),
)

MEASURES: dict[str, Measure] = {measure.code: measure for measure in MEASURES_LIST}


def get_measure(code: str) -> Measure:
    """The measure with this code, or a KeyError whose message lists the valid codes."""
    try:
        return MEASURES[code]
    except KeyError:
        raise KeyError(f"There is no measure {code!r}; the measures are: {', '.join(MEASURES)}.") from None
