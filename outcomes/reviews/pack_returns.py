"""The review pack's monthly returns summary: each contract's months (on time, late, missing or not
yet due) and the counts for the quarter reviewed and the year to date, from the same figures as the
scorecard's "Returns on time" row.

Rules (also in docs/guides/reviews.md):
- each count covers the period of the scorecard's cell it goes with: the quarter reviewed, and the
  year to date the scorecard shows (which may run past the quarter); its label names the period;
- where that cell holds a stored result, the counts are the result's figures: on time = numerator,
  months due = denominator, late = months due whose first accepted version was submitted after the
  due date, missing = months due with no accepted return, not yet due = the period's months in the
  contract's term that were not due when the result was worked out. The months are judged as the
  measure judges them (outcomes.results.calculators ``months_due``), as at the moment the result's
  figures were last confirmed, so the counts and the scorecard always agree;
- where there is no such result (no returns-on-time target, or nothing stored for the period), the
  months of the same period are judged by the same rule as at the pack's making, and a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from commissioning.models import Contract
from outcomes.measures.rating import percentage
from outcomes.models import ComplianceResult, ReturnAttempt
from outcomes.periods import Period, day_label, due_at, month_end, parse_period
from outcomes.results.calculators import months_due
from outcomes.results.selectors import Scorecard, figures_text

MEASURE = "RETURNS_ON_TIME"
TIMELINESS_WORDS = {
    "on_time": "Received on time",
    "late": "Received late",
    "missing": "Missing",
    "not_due": "Not yet due",
}


@dataclass(frozen=True)
class Shown:
    """What the scorecard shows for returns on time: whether the contract has the target, the year to
    date it shows (None before the year's first month has ended), and the stored results of the
    quarter reviewed and of that year to date (None where none is stored)."""

    has_target: bool
    ytd_period: Period | None
    quarter: ComplianceResult | None = None
    ytd: ComplianceResult | None = None


def returns_shown(card: Scorecard, index: int) -> Shown:
    """The results behind the scorecard's returns-on-time row (``index``: the quarter reviewed)."""
    row = next((row for row in card.rows if row.measure.code == MEASURE), None)
    if row is None:
        return Shown(False, card.ytd_period)
    quarter, ytd = row.quarters[index], row.ytd
    ytd_period = parse_period(ytd.result.period) if ytd else card.ytd_period
    return Shown(True, ytd_period, quarter.result if quarter else None, ytd.result if ytd else None)


def _term_months(contract: Contract, period: Period) -> list[date]:
    return [m for m in period.months if month_end(m) >= contract.start_date and m <= contract.end_date]


def _label(kind: str, period: Period) -> str:
    if kind == "quarter":
        return f"{period.identifier[-2:]} ({period.start:%B} to {period.end:%B %Y})"
    return f"year to date to {day_label(period.end)}"


def _judge(
    contract: Contract, period: Period, as_at: datetime, firsts: dict[tuple[int, date], ReturnAttempt]
) -> dict[date, tuple[str, ReturnAttempt | None]]:
    """Each month of the period in the contract's term: its state as at ``as_at`` and the first
    accepted version counted (the returns-on-time measure's rule)."""
    due = set(months_due(contract, period, as_at))
    judged: dict[date, tuple[str, ReturnAttempt | None]] = {}
    for month in _term_months(contract, period):
        first = firsts.get((contract.pk, month))
        if first is not None and first.accepted_at is not None and first.accepted_at > as_at:
            first = None  # accepted after the figures were worked out: not in them
        if month not in due:
            judged[month] = ("not_due", None)
        elif first is None:
            judged[month] = ("missing", None)
        else:
            on_time = first.submitted_at <= first.monthly_return.due_at
            judged[month] = ("on_time" if on_time else "late", first)
    return judged


def _counts(
    kind: str,
    period: Period,
    judged: dict,
    result: ComplianceResult | None,
    as_at: datetime,
    has_target: bool,
) -> dict:
    states = [state for state, _ in judged.values()]
    on_time, late = states.count("on_time"), states.count("late")
    due = len(states) - states.count("not_due")
    if result is not None:  # the stored figures are the counts, as the scorecard shows them
        on_time, due = result.numerator, result.denominator
        late = min(late, due - on_time)
        figures = figures_text(result)
        worked_out = day_label(timezone.localdate(as_at))
        note = f"Returns on time {figures}, as on the scorecard (worked out on {worked_out})."
    else:
        value = percentage(on_time, due)
        figures = "—" if value is None else f"{value:.1f}% ({on_time}/{due})"
        why = (
            "No returns-on-time result is stored for this period"
            if has_target
            else "This contract has no returns-on-time target"
        )
        note = f"{why}: counted from the returns when this pack was made, as that measure counts them."
    return {
        "period": period.identifier,
        "label": _label(kind, period),
        "on_time": on_time,
        "late": late,
        "missing": due - on_time - late,
        "not_due": max(len(states) - due, 0),
        "due": due,
        "figures": figures,
        "stored": result is not None,
        "note": note,
    }


def returns_add(
    sections: list[dict],
    contracts: list[Contract],
    shown: dict[int, Shown],
    quarter: Period,
    moment: datetime,
) -> None:
    """Add each contract section's ``returns``: its months and the quarter's and year to date's counts
    (one query)."""
    plans: dict[int, list[tuple[str, Period, ComplianceResult | None]]] = {}
    for contract in contracts:
        found = shown[contract.pk]
        plans[contract.pk] = [("quarter", quarter, found.quarter)]
        if found.ytd_period is not None:
            plans[contract.pk].insert(0, ("ytd", found.ytd_period, found.ytd))
    months = sorted({m for plan in plans.values() for _, period, _ in plan for m in period.months})
    firsts = {
        (a.monthly_return.contract_id, a.monthly_return.month): a
        for a in ReturnAttempt.objects.filter(
            monthly_return__contract__in=contracts, monthly_return__month__in=months, version=1
        ).select_related("monthly_return")
    }
    for section, contract in zip(sections, contracts, strict=True):
        has_target = shown[contract.pk].has_target
        counts: dict[str, dict | None] = {"quarter": None, "ytd": None}
        states: dict[date, tuple[str, ReturnAttempt | None]] = {}
        for kind, period, result in plans[contract.pk]:
            as_at = result.checked_at if result is not None else moment
            judged = _judge(contract, period, as_at, firsts)
            counts[kind] = _counts(kind, period, judged, result, as_at, has_target)
            for month, judgement in judged.items():
                states.setdefault(month, judgement)  # the year to date's judgement first
        rows = []
        for month in sorted(states):
            state, first = states[month]
            rows.append(
                {
                    "month": f"{month:%B %Y}",
                    "due": day_label(timezone.localdate(due_at(month, contract.return_due_day))),
                    "state": state,
                    "label": TIMELINESS_WORDS[state],
                    "submitted": day_label(timezone.localdate(first.submitted_at)) if first else "",
                    "in_quarter": quarter.start <= month <= quarter.end,
                }
            )
        section["returns"] = {
            "months": rows,
            "span": f"{min(states):%B %Y} to {max(states):%B %Y}" if states else "",
            **counts,
        }
