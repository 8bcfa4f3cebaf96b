"""Measure calculators: set-based SQL over the stored episodes, one aggregate query per measure.

Which row of an episode is read (measures.md): for dates, end reasons, flags and follow-ups, the
episode's row in the latest month that contains it, taking each month's newest accepted version
(``latest_rows``). For the package measures' hours on day D, the row of the newest accepted version
of the month containing D (or, if that month has no accepted return, the latest month before it).
Nothing here loops over episodes in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from commissioning.models import Contract
from outcomes.deadlines import LONDON, due_at
from outcomes.models import EpisodeRecord, ReturnAttempt, SurveyFigure
from outcomes.periods import Period, add_months, month_end, rolling_twelve_period

SURVEY_MEASURES = ("HEALTH_NEEDS_MET", "CARER_SUPPORTED", "DIED_WITH_DIGNITY")
CARE_HOME_REASONS = ("residential_care", "nursing_care")


@dataclass(frozen=True)
class Figures:
    """What a calculator counted for one period."""

    numerator: int
    denominator: int
    pending: int = 0
    missing: int = 0


@dataclass(frozen=True)
class Inputs:
    """What every calculator needs: the contract, the period, the data coverage and the time of computing."""

    contract: Contract
    period: Period
    last_covered_day: date | None  # the last day of the latest month with an accepted return
    now: datetime


def current_rows(contract: Contract) -> QuerySet[EpisodeRecord]:
    """Rows of the newest accepted version of each month of the contract."""
    return EpisodeRecord.objects.filter(contract=contract, attempt__is_current=True)


def latest_rows_computed(contract: Contract) -> QuerySet[EpisodeRecord]:
    """One row per episode: its row in the latest month that contains it (later months correct earlier)."""
    rows = current_rows(contract)
    later = rows.filter(episode_ref=OuterRef("episode_ref"), month__gt=OuterRef("month"))
    return rows.filter(~Exists(later))


def latest_rows(contract: Contract) -> QuerySet[EpisodeRecord]:
    """The same rows as latest_rows_computed, read from the flag kept at acceptance (much cheaper)."""
    return EpisodeRecord.objects.filter(contract=contract, is_latest=True)


def latest_flags_refresh(contract: Contract, attempts: list | None = None) -> None:
    """Set is_latest for the episodes of the given attempts (or of the whole contract), set-based."""
    rows = EpisodeRecord.objects.filter(contract=contract)
    if attempts is not None:
        refs = EpisodeRecord.objects.filter(attempt__in=attempts).values("episode_ref")
        rows = rows.filter(episode_ref__in=refs)
    rows.filter(is_latest=True).update(is_latest=False)
    latest = latest_rows_computed(contract)
    if attempts is not None:
        latest = latest.filter(
            episode_ref__in=EpisodeRecord.objects.filter(attempt__in=attempts).values("episode_ref")
        )
    EpisodeRecord.objects.filter(pk__in=latest.values("pk")).update(is_latest=True)


def plus_days(field: str, days: int) -> ExpressionWrapper:
    return ExpressionWrapper(F(field) + timedelta(days=days), output_field=DateField())


def _count(condition: Q) -> Count:
    return Count("pk", filter=condition)


def service_type_filter(value: str) -> Q:
    return Q() if value == "any" else Q(service_type=value)


def open_during(start: date, end: date) -> Q:
    """Open on at least one day of [start, end]: first visit on or before its end, not ended before its start."""
    return Q(first_visit_on__isnull=False, first_visit_on__lte=end) & (
        Q(ended_on__isnull=True) | Q(ended_on__gte=start)
    )


def judged_by(field: str, days: int, inputs: Inputs) -> Q:
    """The judging day (field + days) is on or before the last day covered by accepted returns."""
    if inputs.last_covered_day is None:
        return Q(pk__isnull=True)  # nothing is covered yet: every judging day is still to come
    return Q(**{f"{field}__lte": inputs.last_covered_day - timedelta(days=days)})


def help_48h(inputs: Inputs, params: dict) -> Figures:
    """Referrals in the period; visited within 48 elapsed hours; unvisited ones still inside 48 h left out."""
    start, end = inputs.period.start, inputs.period.end
    # In UTC: subtracting hours from a London datetime is clock arithmetic, wrong across a clock change.
    end_instant = datetime.combine(end + timedelta(days=1), time.min, tzinfo=LONDON).astimezone(UTC)
    still_running = Q(first_visit_at__isnull=True, referred_at__gt=end_instant - timedelta(hours=48))
    within = Q(first_visit_at__isnull=False, first_visit_at__lte=F("referred_at") + timedelta(hours=48))
    result = (
        latest_rows(inputs.contract)
        .filter(referred_on__gte=start, referred_on__lte=end)
        .aggregate(denominator=_count(~still_running), numerator=_count(~still_running & within))
    )
    return Figures(result["numerator"], result["denominator"])


def independent_within(inputs: Inputs, params: dict) -> Figures:
    """First-visit cohort judged at first visit + N days, less excluded endings by then; pending if not yet covered."""
    days = params["window_days"]
    start, end = inputs.period.start, inputs.period.end
    cohort = latest_rows(inputs.contract).filter(
        service_type_filter(params["service_type"]),
        first_visit_on__isnull=False,
        first_visit_on__gte=start - timedelta(days=days),
        first_visit_on__lte=end - timedelta(days=days),
    )
    if params["referral_source"] != "any":
        cohort = cohort.filter(referral_source=params["referral_source"])
    cohort = cohort.annotate(judging_day=plus_days("first_visit_on", days))
    judged = judged_by("first_visit_on", days, inputs)
    excluded = Q(end_reason__in=params["exclude"], ended_on__isnull=False, ended_on__lte=F("judging_day"))
    independent = Q(end_reason="independent", ended_on__isnull=False, ended_on__lte=F("judging_day"))
    result = cohort.aggregate(
        denominator=_count(judged & ~excluded),
        numerator=_count(judged & ~excluded & independent),
        pending=_count(~judged),
    )
    return Figures(result["numerator"], result["denominator"], pending=result["pending"])


def lookback_window(period: Period, lookback: str) -> tuple[date, date]:
    """RESIDENTIAL_ENTRY's window: the twelve months ending at the period's end, or the period itself."""
    if lookback == "R12":
        window = rolling_twelve_period(period.end)
        return window.start, window.end
    return period.start, period.end


def residential_entry(inputs: Inputs, params: dict) -> Figures:
    """Distinct episodes of the cohort open in the lookback window; those that ended in a care home in it."""
    start, end = lookback_window(inputs.period, params["lookback"])
    cohort = latest_rows(inputs.contract).filter(service_type_filter(params["service_type"]))
    if params["dementia"] != "any":
        cohort = cohort.filter(dementia=params["dementia"] == "Y")
    open_in_window = open_during(start, end)
    entered = Q(end_reason__in=CARE_HOME_REASONS, ended_on__gte=start, ended_on__lte=end)
    result = cohort.aggregate(denominator=_count(open_in_window), numerator=_count(open_in_window & entered))
    return Figures(result["numerator"], result["denominator"])


def package_cohort(inputs: Inputs, params: dict) -> QuerySet[EpisodeRecord]:
    """Long-term episodes open on the period's last day D after the minimum tenure, with ``hours_then``:
    the hours in the row of the newest accepted version of the month containing D (or the latest
    month before it)."""
    day = inputs.period.end
    hours_then = (
        current_rows(inputs.contract)
        .filter(episode_ref=OuterRef("episode_ref"), month__lte=day.replace(day=1))
        .order_by("-month")
        .values("weekly_hours_now")[:1]
    )
    return (
        latest_rows(inputs.contract)
        .filter(
            open_during(day, day),
            service_type="long_term",
            first_visit_on__lte=day - timedelta(days=params["min_tenure_days"]),
        )
        .annotate(hours_then=Subquery(hours_then))
    )


def package_changed(*, reduced: bool) -> Q:
    """Hours then below (reduced) or above (increased) the hours at the start."""
    return Q(hours_then__lt=F("weekly_hours_start")) if reduced else Q(hours_then__gt=F("weekly_hours_start"))


def _package(inputs: Inputs, params: dict, *, reduced: bool) -> Figures:
    cohort = package_cohort(inputs, params)
    changed = package_changed(reduced=reduced)
    result = cohort.aggregate(denominator=Count("pk"), numerator=_count(changed))
    return Figures(result["numerator"], result["denominator"])


def package_reduced(inputs: Inputs, params: dict) -> Figures:
    """Long-term episodes open on the period's last day after the minimum tenure; hours now below the start."""
    return _package(inputs, params, reduced=True)


def package_increased(inputs: Inputs, params: dict) -> Figures:
    """As package_reduced; hours now above the start."""
    return _package(inputs, params, reduced=False)


def at_home_91d(inputs: Inputs, params: dict) -> Figures:
    """Hospital-discharge short-term episodes in the age bands judged at referral + 91 days; blank = not at home."""
    from outcomes.measures.library import AGE_BAND_GROUPS

    bands = params["age_bands"]
    bands = list(AGE_BAND_GROUPS.get(bands, bands)) if isinstance(bands, str) else list(bands)
    start, end = inputs.period.start, inputs.period.end
    cohort = latest_rows(inputs.contract).filter(
        referral_source="hospital_discharge",
        service_type="short_term",
        age_band__in=bands,
        referred_on__gte=start - timedelta(days=91),
        referred_on__lte=end - timedelta(days=91),
    )
    judged = judged_by("referred_on", 91, inputs)
    result = cohort.aggregate(
        denominator=_count(judged),
        numerator=_count(judged & Q(at_home_91_days=True)),
        missing=_count(judged & Q(at_home_91_days__isnull=True)),
        pending=_count(~judged),
    )
    return Figures(
        result["numerator"], result["denominator"], pending=result["pending"], missing=result["missing"]
    )


def hospital_admission(inputs: Inputs, params: dict) -> Figures:
    """Distinct episodes open in the period; those that ended 'hospital' in it."""
    start, end = inputs.period.start, inputs.period.end
    open_in_period = open_during(start, end)
    admitted = Q(end_reason="hospital", ended_on__gte=start, ended_on__lte=end)
    result = latest_rows(inputs.contract).aggregate(
        denominator=_count(open_in_period), numerator=_count(open_in_period & admitted)
    )
    return Figures(result["numerator"], result["denominator"])


def died_preferred_place(inputs: Inputs, params: dict) -> Figures:
    """End-of-life episodes that ended 'died' in the period; those who died in their preferred place."""
    start, end = inputs.period.start, inputs.period.end
    result = (
        latest_rows(inputs.contract)
        .filter(end_of_life=True, end_reason="died", ended_on__gte=start, ended_on__lte=end)
        .aggregate(
            denominator=Count("pk"),
            numerator=_count(Q(died_in_preferred_place=True)),
            missing=_count(Q(died_in_preferred_place__isnull=True)),
        )
    )
    return Figures(result["numerator"], result["denominator"], missing=result["missing"])


def survey(code: str):
    def calculate(inputs: Inputs, params: dict) -> Figures:
        """Sums of the survey figures of the period's months (newest accepted version of each)."""
        result = SurveyFigure.objects.filter(
            contract=inputs.contract,
            attempt__is_current=True,
            measure_code=code,
            month__gte=inputs.period.start,
            month__lte=inputs.period.end,
        ).aggregate(numerator=Sum("numerator"), denominator=Sum("denominator"))
        return Figures(result["numerator"] or 0, result["denominator"] or 0)

    calculate.__doc__ = f"Survey sums for {code}."
    return calculate


def months_due(contract: Contract, period: Period, now: datetime) -> list[date]:
    """Months of the period within the contract's term that have ended and whose due date has passed."""
    months = []
    for month in period.months:
        if month_end(month) < contract.start_date or month > contract.end_date:
            continue
        if month_end(month) < now.astimezone(LONDON).date() and due_at(month, contract.return_due_day) < now:
            months.append(month)
    return months


def returns_on_time(inputs: Inputs, params: dict) -> Figures:
    """Months due in the period; those whose first accepted return was submitted by the due date."""
    months = months_due(inputs.contract, inputs.period, inputs.now)
    first_versions = ReturnAttempt.objects.filter(
        monthly_return__contract=inputs.contract, monthly_return__month__in=months, version=1
    ).values_list("submitted_at", "monthly_return__due_at")
    on_time = sum(1 for submitted, due in first_versions if submitted <= due)  # at most 12 rows, not episodes
    return Figures(on_time, len(months))


CALCULATORS: dict[str, Any] = {
    "HELP_48H": help_48h,
    "INDEPENDENT_WITHIN": independent_within,
    "RESIDENTIAL_ENTRY": residential_entry,
    "PACKAGE_REDUCED": package_reduced,
    "PACKAGE_INCREASED": package_increased,
    "AT_HOME_91D": at_home_91d,
    "HOSPITAL_ADMISSION": hospital_admission,
    "DIED_PREFERRED_PLACE": died_preferred_place,
    **{code: survey(code) for code in SURVEY_MEASURES},
    "RETURNS_ON_TIME": returns_on_time,
}


def data_window(period: Period, measure: str, params: dict) -> tuple[date, date]:
    """The months a result reads: the period, or RESIDENTIAL_ENTRY's lookback window."""
    if measure == "RESIDENTIAL_ENTRY":
        return lookback_window(period, params["lookback"])
    return period.start, period.end


def window_months(contract: Contract, start: date, end: date) -> list[date]:
    """The window's months that fall within the contract's term (months outside owe no return)."""
    months, month = [], start.replace(day=1)
    while month <= end:
        if month_end(month) >= contract.start_date and month <= contract.end_date:
            months.append(month)
        month = add_months(month, 1)
    return months
