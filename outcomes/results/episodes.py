"""What is behind a stored result: the episodes it counted, each with why it counts or not, and the
month-by-month figures of survey and returns-on-time measures.

The episodes listed are the same ``Counting``'s denominator rows the engine counted
(``outcomes.results.calculators``), flagged by its numerator, so what is listed is exactly what was
counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.utils import timezone

from outcomes.measures import MEASURES
from outcomes.measures.library import CHOICE_LABELS
from outcomes.measures.rating import plain_number
from outcomes.models import ComplianceResult, ReturnAttempt, SurveyFigure
from outcomes.periods import LONDON, day_label, month_end, parse_period
from outcomes.results.calculators import (
    COUNTINGS,
    SURVEY_MEASURES,
    Counting,
    Inputs,
    lookback_window,
    months_due,
)

EPISODE_ROW_LIMIT = 500
EPISODE_MEASURES = (
    "HELP_48H",
    "INDEPENDENT_WITHIN",
    "RESIDENTIAL_ENTRY",
    "PACKAGE_REDUCED",
    "PACKAGE_INCREASED",
    "AT_HOME_91D",
    "HOSPITAL_ADMISSION",
    "DIED_PREFERRED_PLACE",
)


@dataclass(frozen=True)
class EpisodeRow:
    episode_ref: str
    in_numerator: bool
    reason: str


@dataclass(frozen=True)
class MonthRow:
    month: date
    numerator: int | None
    denominator: int | None
    note: str


@dataclass
class EpisodeTable:
    """The episodes behind a result (episode measures), or its monthly figures (survey, returns on time)."""

    kind: str  # "episodes", "months" or "none"
    rows: list = field(default_factory=list)
    total: int = 0
    limit: int = EPISODE_ROW_LIMIT

    @property
    def capped(self) -> bool:
        return self.total > len(self.rows)


def _reason_label(reason: str | None) -> str:
    return CHOICE_LABELS.get(reason or "", reason or "").lower()


def _inputs(result: ComplianceResult) -> Inputs:
    contract = result.contract
    months = ReturnAttempt.objects.filter(monthly_return__contract=contract, is_current=True).values_list(
        "monthly_return__month", flat=True
    )
    last_covered = month_end(max(months)) if months else None
    period = parse_period(result.period)
    return Inputs(contract, period, last_covered, timezone.now())


def _flagged(counting: Counting) -> QuerySet:
    """The counting's denominator rows, each flagged with whether it is in the numerator."""
    return (
        counting.counted()
        .annotate(
            in_numerator=Case(
                When(counting.numerator, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .order_by("episode_ref")
    )


def _help_48h_reason(inputs: Inputs, params: dict):
    def reason(row) -> str:
        referred = timezone.localtime(row.referred_at, LONDON)
        if row.first_visit_at is None:
            return f"referred {day_label(referred.date())} at {referred:%H:%M}; no first visit recorded"
        hours = (row.first_visit_at - row.referred_at).total_seconds() / 3600
        return (
            f"referred {day_label(referred.date())} at {referred:%H:%M}; first visit {hours:.1f} hours later"
        )

    return reason


def _independent_within_reason(inputs: Inputs, params: dict):
    days = params["window_days"]

    def reason(row) -> str:
        judging_day = row.first_visit_on + timedelta(days=days)  # the SQL annotation is a timestamp
        judged = f"judged on {day_label(judging_day)}"
        if row.ended_on and row.ended_on <= judging_day:
            after = (row.ended_on - row.first_visit_on).days
            return f"ended {_reason_label(row.end_reason)} on {day_label(row.ended_on)}, {after} days after first visit"
        if row.ended_on:
            return f"still receiving help when {judged} (ended {_reason_label(row.end_reason)} on {day_label(row.ended_on)})"
        return f"still receiving help when {judged}"

    return reason


def _residential_entry_reason(inputs: Inputs, params: dict):
    start, end = lookback_window(inputs.period, params["lookback"])

    def reason(row) -> str:
        if row.ended_on and row.ended_on <= end:
            return f"ended {_reason_label(row.end_reason)} on {day_label(row.ended_on)}"
        return f"open between {day_label(start)} and {day_label(end)}; not ended in a care home"

    return reason


def _package_reason(inputs: Inputs, params: dict):
    day = inputs.period.end

    def reason(row) -> str:
        then = "not given" if row.hours_then is None else f"{plain_number(row.hours_then)}"
        return f"{plain_number(row.weekly_hours_start)} hours a week at the start; {then} on {day_label(day)}"

    return reason


def _at_home_91d_reason(inputs: Inputs, params: dict):
    def reason(row) -> str:
        judged = f"referred {day_label(row.referred_on)}, judged on {day_label(row.referred_on + timedelta(days=91))}"
        if row.at_home_91_days is None:
            return f"{judged}: answer blank (counted as not at home; missing data)"
        return f"{judged}: {'at home' if row.at_home_91_days else 'not at home'}"

    return reason


def _hospital_admission_reason(inputs: Inputs, params: dict):
    end = inputs.period.end

    def reason(row) -> str:
        if row.ended_on and row.ended_on <= end:
            return f"ended {_reason_label(row.end_reason)} on {day_label(row.ended_on)}"
        return "open in the period; not admitted to hospital in it"

    return reason


def _died_preferred_place_reason(inputs: Inputs, params: dict):
    where = {True: "in their preferred place", False: "not in their preferred place", None: "place not given"}

    def reason(row) -> str:
        return f"died on {day_label(row.ended_on)}, {where[row.died_in_preferred_place]}"

    return reason


# Why each listed episode is in or out; which episodes are listed is the calculator's own counting.
EPISODE_REASONS = {
    "HELP_48H": _help_48h_reason,
    "INDEPENDENT_WITHIN": _independent_within_reason,
    "RESIDENTIAL_ENTRY": _residential_entry_reason,
    "PACKAGE_REDUCED": _package_reason,
    "PACKAGE_INCREASED": _package_reason,
    "AT_HOME_91D": _at_home_91d_reason,
    "HOSPITAL_ADMISSION": _hospital_admission_reason,
    "DIED_PREFERRED_PLACE": _died_preferred_place_reason,
}


def _monthly_figures(result: ComplianceResult, inputs: Inputs) -> list[MonthRow]:
    code, period = result.target.measure, inputs.period
    if code in SURVEY_MEASURES:
        figures = {
            f.month: f
            for f in SurveyFigure.objects.filter(
                contract=result.contract,
                attempt__is_current=True,
                measure_code=code,
                month__gte=period.start,
                month__lte=period.end,
            )
        }
        return [
            MonthRow(
                month,
                figures[month].numerator if month in figures else None,
                figures[month].denominator if month in figures else None,
                "" if month in figures else "No survey figures",
            )
            for month in period.months
        ]
    due = months_due(result.contract, period, inputs.now)
    first = {
        a.monthly_return.month: a
        for a in ReturnAttempt.objects.filter(
            monthly_return__contract=result.contract, monthly_return__month__in=due, version=1
        ).select_related("monthly_return")
    }
    rows = []
    for month in period.months:
        if month not in due:
            rows.append(MonthRow(month, None, None, "Not yet due, or outside the contract's term"))
            continue
        attempt = first.get(month)
        if attempt is None:
            rows.append(MonthRow(month, 0, 1, "No accepted return"))
        elif attempt.submitted_at <= attempt.monthly_return.due_at:
            rows.append(
                MonthRow(
                    month, 1, 1, f"On time: submitted {day_label(timezone.localdate(attempt.submitted_at))}"
                )
            )
        else:
            rows.append(
                MonthRow(
                    month, 0, 1, f"Late: submitted {day_label(timezone.localdate(attempt.submitted_at))}"
                )
            )
    return rows


def result_episodes(result: ComplianceResult, limit: int = EPISODE_ROW_LIMIT) -> EpisodeTable:
    """The episodes in the result's denominator and whether each is in its numerator (data as it stands now).

    Episode measures re-apply the calculator's cohort rules; survey and returns-on-time measures
    give their monthly figures instead. At most ``limit`` rows; ``total`` says how many there are.
    """
    code = result.target.measure
    params = MEASURES[code].clean_params(result.target.params)
    inputs = _inputs(result)
    if code in COUNTINGS:
        rows = _flagged(COUNTINGS[code](inputs, params))
        reason = EPISODE_REASONS[code](inputs, params)
        total = rows.count()
        return EpisodeTable(
            "episodes",
            [EpisodeRow(row.episode_ref, row.in_numerator, reason(row)) for row in rows[:limit]],
            total,
            limit,
        )
    if code in SURVEY_MEASURES or code == "RETURNS_ON_TIME":
        months = _monthly_figures(result, inputs)
        return EpisodeTable("months", months, len(months), limit)
    return EpisodeTable("none")
