"""The QAF portfolio page's reads: the three portfolio measures of a commissioning body for a
quarter (outcomes.qaf_status.portfolio_figure), each with the assessments behind it.

Facts come from the body's assessments (not cancelled), grouped by provider; each provider's
compliance window is the shortest of its contracts' windows with the body (12 weeks without one).
The list behind a figure is exactly the figure's counted assessments, flagged by its numerator.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Min
from django.http import Http404
from django.utils import timezone

from accounts.access import Acting, Capability
from commissioning.models import Contract
from commissioning.qaf.models import Assessment, AssessmentKind, AssessmentStatus
from commissioning.qaf.status_rules import (
    EVALUATION_TARGET_DAYS,
    NON_COMPLIANT,
    PORTFOLIO_MEASURES,
    Facts,
    PortfolioFigure,
    portfolio_figure,
    window_end,
)
from outcomes.measures.rating import IMPROVED, NONE, STABLE, WORSENED
from outcomes.periods import Period, add_months, day_label, latest_ended_quarter, quarter_period

DEFAULT_WINDOW_WEEKS = 12
MAX_QUARTERS = 20  # five years of quarters in the picker
DIRECTION_LABELS = {
    IMPROVED: "Improved",
    STABLE: "No significant change",
    WORSENED: "Worsened",
    NONE: "Not compared",
}
WHAT_IS_COUNTED = {
    "QAF_COMPLIANT_AT_ASSESSMENT": (
        "Initial evaluations completed in the quarter; the numerator is those that found the provider compliant."
    ),
    "QAF_COMPLIANT_WITHIN_WINDOW": (
        "Initial evaluations that found the provider non-compliant and whose compliance window ended in the "
        "quarter; the numerator is those followed by a compliant assessment completed by the window's last day."
    ),
    "QAF_COMPLETED_WITHIN_13_WEEKS": (
        "Evaluations (initial and reassessments) completed in the quarter; the numerator is those completed "
        f"within 13 weeks ({EVALUATION_TARGET_DAYS} days) of their start."
    ),
}


def figure_text(figure: PortfolioFigure) -> str:
    """``84.4% (27/32)``; "No data (0/0)" when nothing was counted."""
    value = "No data" if figure.value is None else f"{figure.value:.1f}%"
    return f"{value} ({figure.numerator}/{figure.denominator})"


def quarter_label(quarter: Period) -> str:
    """``2025-26 Q2 (July to September 2025)``."""
    year, number = quarter.identifier.rsplit("-Q", 1)
    return f"{year} Q{number} ({quarter.start:%B} to {quarter.end:%B %Y})"


# --- Quarters ------------------------------------------------------------------------------------


def portfolio_default_quarter(today: date | None = None) -> Period:
    """The latest quarter that has ended (``latest_ended_quarter``)."""
    return latest_ended_quarter(today or timezone.localdate())


def portfolio_quarters(acting: Acting, today: date | None = None) -> list[Period]:
    """Quarters to choose from, newest first: from the quarter of the body's first completed
    assessment (or two years back) to the current quarter, at most five years."""
    today = today or timezone.localdate()
    current = quarter_period(today)
    first = (
        _assessments(acting)
        .filter(status=AssessmentStatus.FINALISED, finalised_on__isnull=False)
        .aggregate(first=Min("finalised_on"))["first"]
    )
    earliest = quarter_period(first) if first else quarter_period(add_months(current.start, -24))
    earliest = min(earliest, quarter_period(add_months(current.start, -24)))
    quarters: list[Period] = []
    start = current.start
    while start >= earliest.start and len(quarters) < MAX_QUARTERS:
        quarters.append(quarter_period(start))
        start = add_months(start, -3)
    return quarters


# --- Figures and the lists behind them -----------------------------------------------------------


@dataclass(frozen=True)
class CountedAssessment:
    """One assessment in a figure's denominator, and why it is (or is not) in the numerator."""

    assessment_id: int
    provider_name: str
    kind: str
    started_on: date | None
    completed_on: date | None
    in_numerator: bool
    why: str
    related_id: int | None = None  # the compliant reassessment that met the window, where there is one


@dataclass(frozen=True)
class PortfolioMeasure:
    figure: PortfolioFigure
    previous: PortfolioFigure  # the quarter before (direction of travel)
    year_before: PortfolioFigure  # the same quarter a year earlier (baseline)
    what_is_counted: str
    rows: list[CountedAssessment]

    @property
    def text(self) -> str:
        return figure_text(self.figure)

    @property
    def previous_text(self) -> str:
        return figure_text(self.previous)

    @property
    def baseline_text(self) -> str:
        return figure_text(self.year_before)

    @property
    def direction_label(self) -> str:
        return DIRECTION_LABELS.get(self.figure.direction, "Not compared")


@dataclass(frozen=True)
class Portfolio:
    quarter: Period
    previous_quarter: Period
    year_before_quarter: Period
    measures: list[PortfolioMeasure]
    providers_assessed: int  # providers with at least one assessment (not cancelled)

    @property
    def quarter_label(self) -> str:
        return quarter_label(self.quarter)

    @property
    def previous_label(self) -> str:
        return quarter_label(self.previous_quarter)

    @property
    def year_before_label(self) -> str:
        return quarter_label(self.year_before_quarter)


def _assessments(acting: Acting):
    return Assessment.objects.filter(commissioner_id=acting.organisation.pk).exclude(
        status=AssessmentStatus.CANCELLED
    )


def _facts(assessment: Assessment) -> Facts:
    finalised = assessment.status == AssessmentStatus.FINALISED
    return Facts(
        assessment.pk,
        assessment.kind,
        assessment.started_on,
        assessment.finalised_on if finalised else None,
        assessment.outcome if finalised else "",
        0,
    )


def _completed_on(assessment: Assessment) -> date:
    assert assessment.finalised_on is not None  # asked only of completed assessments
    return assessment.finalised_on


def _why(
    code: str, assessment: Assessment, met: bool, done: list[Assessment], weeks: int
) -> tuple[str, int | None]:
    if code == "QAF_COMPLIANT_AT_ASSESSMENT":
        return (
            "Compliant at this initial evaluation."
            if met
            else "Found non-compliant at this initial evaluation."
        ), None
    if code == "QAF_COMPLIANT_WITHIN_WINDOW":
        ends = window_end(_completed_on(assessment), weeks)
        later = [
            b
            for b in done
            if (b.finalised_on, b.pk) > (assessment.finalised_on, assessment.pk)
            and b.outcome != NON_COMPLIANT
            and _completed_on(b) <= ends
        ]
        if met and later:
            first = later[0]
            return (
                f"Compliant at the {first.get_kind_display().lower()} completed on {day_label(first.finalised_on)}, "
                f"within the {weeks}-week window that ended on {day_label(ends)}.",
                first.pk,
            )
        return (
            f"No compliant assessment was completed by the end of the {weeks}-week window on {day_label(ends)}.",
            None,
        )
    assert assessment.started_on is not None  # the 13-week measure counts only started assessments
    days = (_completed_on(assessment) - assessment.started_on).days
    if met:
        return f"Completed in {days} days (13 weeks is {EVALUATION_TARGET_DAYS}).", None
    reason = (
        f"Reason for the delay: {assessment.get_delay_reason_display()}"
        + (f" ({assessment.delay_note})" if assessment.delay_note else "")
        + "."
        if assessment.delay_reason
        else "No reason for the delay was recorded."
    )
    return f"Took {days} days, {days - EVALUATION_TARGET_DAYS} more than 13 weeks. {reason}", None


def portfolio_for(acting: Acting, quarter: Period) -> Portfolio:
    """The body's three QAF portfolio measures for the quarter, with baseline, direction and the
    assessments counted in each. Commissioning bodies only (404 for anyone else)."""
    if not acting.is_commissioner:
        raise Http404("The QAF portfolio belongs to commissioning bodies.")
    acting.require(Capability.VIEW_PORTFOLIO)
    assessments = list(_assessments(acting).select_related("provider"))
    by_provider: dict[int, list[Facts]] = defaultdict(list)
    done_by_provider: dict[int, list[Assessment]] = defaultdict(list)
    for assessment in assessments:
        by_provider[assessment.provider_id].append(_facts(assessment))
        if assessment.status == AssessmentStatus.FINALISED and assessment.finalised_on and assessment.outcome:
            done_by_provider[assessment.provider_id].append(assessment)
    for done in done_by_provider.values():
        done.sort(key=lambda a: (a.finalised_on, a.pk))
    windows = {
        row["provider_id"]: row["weeks"]
        for row in Contract.objects.filter(lead_commissioner_id=acting.organisation.pk)
        .values("provider_id")
        .annotate(weeks=Min("qaf_compliance_window_weeks"))
    }
    weeks = {provider_id: windows.get(provider_id, DEFAULT_WINDOW_WEEKS) for provider_id in by_provider}
    by_id = {assessment.pk: assessment for assessment in assessments}
    previous_quarter = quarter_period(add_months(quarter.start, -3))
    year_before_quarter = quarter_period(add_months(quarter.start, -12))
    measures = []
    for code in PORTFOLIO_MEASURES:
        figure = portfolio_figure(code, by_provider, quarter, weeks)
        met = set(figure.met)
        rows = []
        for assessment_id in figure.counted:
            assessment = by_id[assessment_id]
            why, related = _why(
                code,
                assessment,
                assessment_id in met,
                done_by_provider[assessment.provider_id],
                weeks[assessment.provider_id],
            )
            rows.append(
                CountedAssessment(
                    assessment_id=assessment_id,
                    provider_name=assessment.provider.name,
                    kind=AssessmentKind(assessment.kind).label,
                    started_on=assessment.started_on,
                    completed_on=assessment.finalised_on,
                    in_numerator=assessment_id in met,
                    why=why,
                    related_id=related,
                )
            )
        rows.sort(key=lambda row: (row.provider_name.lower(), row.completed_on, row.assessment_id))
        measures.append(
            PortfolioMeasure(
                figure=figure,
                previous=portfolio_figure(code, by_provider, previous_quarter, weeks),
                year_before=portfolio_figure(code, by_provider, year_before_quarter, weeks),
                what_is_counted=WHAT_IS_COUNTED[code],
                rows=rows,
            )
        )
    return Portfolio(
        quarter=quarter,
        previous_quarter=previous_quarter,
        year_before_quarter=year_before_quarter,
        measures=measures,
        providers_assessed=len(by_provider),
    )
