"""QAF status and the QAF portfolio measures: pure rules over the facts of assessments.

Status of a provider (for one commissioner, or one contract where assessments are scoped), in
this order (docs/guides/qaf.md):
1. **Not yet assessed**: no assessment has been completed.
2. The latest completed assessment found the provider **non-compliant**: the compliance window
   runs from the completion of the *initial* evaluation of that spell (the first non-compliant
   finding after the last compliant one) for the contract's window (default 12 weeks = 84 days).
   Day 84 after that completion is the window's last day: **within the window** up to and
   including it, **past the window** from day 85.
3. **Assessment overdue**: the latest completed assessment (compliant) was completed more than
   12 months ago (an assessment is due by the same date a year after the last one).
4. **Compliant — actions open**: compliant, but actions of the provider's plans are not yet
   verified.
5. **Compliant**.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeGuard

from outcomes.measures.rating import IMPROVED, NONE, STABLE, WORSENED, percentage
from outcomes.periods import Period, add_months, day_label, quarter_period
from outcomes.statistics import significance

COMPLIANT = "compliant"
COMPLIANT_ACTIONS_OPEN = "compliant_actions_open"
NON_COMPLIANT_IN_WINDOW = "non_compliant_in_window"
NON_COMPLIANT_PAST_WINDOW = "non_compliant_past_window"
OVERDUE = "overdue"
NOT_ASSESSED = "not_assessed"

INITIAL = "initial"
NON_COMPLIANT = "non_compliant"
EVALUATION_TARGET_DAYS = 91  # 13 weeks from start to completion


@dataclass(frozen=True)
class Facts:
    """What the rules need of one assessment."""

    id: int
    kind: str  # "initial" or "reassessment"
    started_on: date | None
    finalised_on: date | None  # the completion date; None while not finalised
    outcome: str  # "compliant", "non_compliant" or "" while not finalised
    open_actions: int = 0


@dataclass(frozen=True)
class Decision:
    status: str
    reason: str
    assessment_id: int | None = None
    window_ends_on: date | None = None
    next_due_on: date | None = None


def _started_on(assessment: Facts) -> date:
    assert assessment.started_on is not None  # asked only of assessments that have started
    return assessment.started_on


def _completed_on(assessment: Facts) -> date:
    assert assessment.finalised_on is not None  # asked only of completed assessments
    return assessment.finalised_on


def one_year_after(day: date) -> date:
    """The same date a year later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def window_end(completed_on: date, weeks: int) -> date:
    """The last day within a compliance window of ``weeks`` from a completion (day 7 × weeks)."""
    return completed_on + timedelta(days=7 * weeks)


def qaf_status(assessments: list[Facts], *, today: date, window_weeks: int = 12) -> Decision:
    """The QAF status on ``today`` from a provider's assessments (see the module's rules)."""
    completed = sorted(
        (a for a in assessments if a.finalised_on is not None and a.finalised_on <= today and a.outcome),
        key=lambda a: (a.finalised_on, a.id),
    )
    open_actions = sum(a.open_actions for a in assessments)
    if not completed:
        running = [a for a in assessments if a.started_on and a.finalised_on is None]
        if running:
            first = min(running, key=_started_on)
            return Decision(
                NOT_ASSESSED,
                f"No assessment has been completed; the one started on {day_label(first.started_on)} is in progress.",
                first.id,
            )
        return Decision(NOT_ASSESSED, "No assessment has been completed.")
    latest = completed[-1]
    if latest.outcome == NON_COMPLIANT:
        spell_start = latest
        for earlier in reversed(completed[:-1]):
            if earlier.outcome != NON_COMPLIANT:
                break
            spell_start = earlier
        ends = window_end(_completed_on(spell_start), window_weeks)
        day_number = (today - _completed_on(spell_start)).days
        found = (
            f"Found non-compliant by the evaluation completed on {day_label(spell_start.finalised_on)}"
            if spell_start is latest
            else f"Still non-compliant at the reassessment completed on {day_label(latest.finalised_on)}; "
            f"first found non-compliant on {day_label(spell_start.finalised_on)}"
        )
        if today <= ends:
            return Decision(
                NON_COMPLIANT_IN_WINDOW,
                f"{found}. The {window_weeks}-week compliance window ends on {day_label(ends)} (today is day {day_number}).",
                latest.id,
                window_ends_on=ends,
            )
        return Decision(
            NON_COMPLIANT_PAST_WINDOW,
            f"{found}. The {window_weeks}-week compliance window ended on {day_label(ends)} (today is day {day_number}).",
            latest.id,
            window_ends_on=ends,
        )
    due = one_year_after(_completed_on(latest))
    if today > due:
        return Decision(
            OVERDUE,
            f"The last assessment was completed on {day_label(latest.finalised_on)}; the next was due by {day_label(due)}.",
            latest.id,
            next_due_on=due,
        )
    if open_actions:
        return Decision(
            COMPLIANT_ACTIONS_OPEN,
            f"Compliant at the assessment completed on {day_label(latest.finalised_on)}; "
            f"{open_actions} action{'s' if open_actions != 1 else ''} not yet verified.",
            latest.id,
            next_due_on=due,
        )
    return Decision(
        COMPLIANT,
        f"Compliant at the assessment completed on {day_label(latest.finalised_on)}.",
        latest.id,
        next_due_on=due,
    )


# --- Portfolio measures --------------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioFigure:
    """A QAF portfolio measure for one quarter, with the assessments counted."""

    code: str
    name: str
    period: Period
    numerator: int
    denominator: int
    value: Decimal | None
    counted: list[int] = field(default_factory=list)  # assessment ids in the denominator
    met: list[int] = field(default_factory=list)  # of those, in the numerator
    baseline: Decimal | None = None  # the same quarter a year earlier
    direction: str = "none"  # against the quarter before, improved or worsened only when significant


PORTFOLIO_MEASURES = {
    "QAF_COMPLIANT_AT_ASSESSMENT": "Providers compliant at the point of assessment",
    "QAF_COMPLIANT_WITHIN_WINDOW": "Non-compliant providers compliant within the window of their initial evaluation",
    "QAF_COMPLETED_WITHIN_13_WEEKS": "Evaluations completed within 13 weeks of their start",
}


def _in(day: date | None, period: Period) -> TypeGuard[date]:
    return day is not None and period.start <= day <= period.end


def _counts(code: str, by_provider: dict[int, list[Facts]], period: Period, window_weeks: dict[int, int]):
    counted, met = [], []
    for provider_id, assessments in by_provider.items():
        done = sorted(
            (a for a in assessments if a.finalised_on and a.outcome), key=lambda a: (a.finalised_on, a.id)
        )
        for index, a in enumerate(done):
            if code == "QAF_COMPLIANT_AT_ASSESSMENT":
                if a.kind == INITIAL and _in(a.finalised_on, period):
                    counted.append(a.id)
                    if a.outcome != NON_COMPLIANT:
                        met.append(a.id)
            elif code == "QAF_COMPLIANT_WITHIN_WINDOW":
                if a.kind != INITIAL or a.outcome != NON_COMPLIANT:
                    continue
                ends = window_end(_completed_on(a), window_weeks.get(provider_id, 12))
                if not _in(ends, period):
                    continue
                counted.append(a.id)
                later = done[index + 1 :]
                if any(b.outcome != NON_COMPLIANT and _completed_on(b) <= ends for b in later):
                    met.append(a.id)
            elif _in(a.finalised_on, period) and a.started_on is not None:
                counted.append(a.id)
                if (a.finalised_on - a.started_on).days <= EVALUATION_TARGET_DAYS:
                    met.append(a.id)
    return counted, met


def _travel(change: significance.Change) -> str:
    """The direction shown for a portfolio figure: improved or worsened only when the change is
    significant at 95% (``outcomes.statistics.significance``); else stable, said "no significant change"."""
    return {
        significance.IMPROVED: IMPROVED,
        significance.WORSENED: WORSENED,
        significance.NO_CHANGE: STABLE,
    }.get(change.judgement, NONE)


def portfolio_figure(
    code: str,
    by_provider: dict[int, list[Facts]],
    quarter: Period,
    window_weeks: dict[int, int] | None = None,
) -> PortfolioFigure:
    """A portfolio measure for a quarter over every provider's assessments (by provider id),
    with its baseline (the same quarter a year earlier) and direction (against the quarter before).

    - QAF_COMPLIANT_AT_ASSESSMENT: initial evaluations completed in the quarter; those compliant.
    - QAF_COMPLIANT_WITHIN_WINDOW: initial evaluations found non-compliant whose compliance window
      ended in the quarter; those with a compliant reassessment completed by the window's last day.
    - QAF_COMPLETED_WITHIN_13_WEEKS: evaluations completed in the quarter; those completed within
      91 days of their start.
    """
    weeks = window_weeks or {}
    counted, met = _counts(code, by_provider, quarter, weeks)
    previous = quarter_period(add_months(quarter.start, -3))
    year_before = quarter_period(add_months(quarter.start, -12))
    before_counted, before_met = _counts(code, by_provider, previous, weeks)
    base_counted, base_met = _counts(code, by_provider, year_before, weeks)
    value = percentage(len(met), len(counted))
    return PortfolioFigure(
        code=code,
        name=PORTFOLIO_MEASURES[code],
        period=quarter,
        numerator=len(met),
        denominator=len(counted),
        value=value,
        counted=counted,
        met=met,
        baseline=percentage(len(base_met), len(base_counted)),
        direction=_travel(
            significance.rate_change(
                (len(met), len(counted)), (len(before_met), len(before_counted)), higher_is_better=True
            )
        ),
    )
