"""The records an officer may link to a draft notice as evidence: the contract's recent quarterly
results (red and amber first), its monthly returns, and the QAF assessments of its provider by the
contract's lead body. Each comes with the label and key figures that are copied into the notice
when it is issued.

Read by model name (django.apps), so that commissioning never imports the outcomes models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.utils import timezone

from accounts.dates import day_label
from commissioning.notices.models import Notice
from outcomes.measures import MEASURES, target_measure_name

RAG_WORDS = {"green": "Green", "amber": "Amber", "red": "Red", "not_rated": "Not rated"}
RAG_ORDER = {"red": 0, "amber": 1, "not_rated": 2, "green": 3}
QUARTERS = 6
MONTHS = 12


@dataclass(frozen=True)
class Candidate:
    app_label: str
    model: str
    object_id: int
    label: str
    key_fields: dict[str, str] = field(default_factory=dict)
    group: str = ""

    @property
    def key(self) -> str:
        return f"{self.app_label}.{self.model}:{self.object_id}"


def _percent(result) -> str:
    if result.value is None:
        return f"no value ({result.numerator}/{result.denominator})"
    return f"{result.value}% ({result.numerator}/{result.denominator})"


def _results(notice: Notice) -> list[Candidate]:
    result_model = apps.get_model("outcomes", "ComplianceResult")
    rows = list(
        result_model.objects.filter(contract_id=notice.contract_id, is_latest=True, period_kind="quarter")
        .select_related("target", "target_version")
        .order_by("-period_end", "target__measure", "target_id")
    )
    periods = sorted({row.period for row in rows}, reverse=True)[:QUARTERS]
    rows = [row for row in rows if row.period in periods]
    rows.sort(key=lambda row: (RAG_ORDER.get(row.rag, 9), -row.period_end.toordinal(), row.target_id))
    found = []
    for row in rows:
        measure = MEASURES.get(row.target.measure)
        name = target_measure_name(measure, row.target.params) if measure else row.target.measure
        found.append(
            Candidate(
                "outcomes",
                "complianceresult",
                row.pk,
                f"{name}, {row.period}: {_percent(row)}, {RAG_WORDS.get(row.rag, row.rag)}",
                {
                    "Measure": name,
                    "Period": row.period,
                    "Value": _percent(row),
                    "RAG": RAG_WORDS.get(row.rag, row.rag),
                },
                "Quarterly results",
            )
        )
    return found


def _returns(notice: Notice) -> list[Candidate]:
    return_model = apps.get_model("outcomes", "MonthlyReturn")
    attempt_model = apps.get_model("outcomes", "ReturnAttempt")
    since = timezone.localdate() - timedelta(days=31 * (MONTHS + 1))
    months = list(
        return_model.objects.filter(contract_id=notice.contract_id, month__gte=since).order_by("-month")[
            :MONTHS
        ]
    )
    accepted: dict[int, Any] = {}  # ReturnAttempt rows: outcomes models are looked up, not imported
    for attempt in attempt_model.objects.filter(monthly_return__in=months, version__isnull=False).order_by(
        "monthly_return_id", "version"
    ):
        accepted.setdefault(attempt.monthly_return_id, attempt)  # the first accepted version
    found = []
    for slot in months:
        first = accepted.get(slot.pk)
        due = timezone.localtime(slot.due_at)
        if first is None:
            state = "no accepted return"
        else:
            when = timezone.localtime(first.submitted_at)
            state = f"first accepted version submitted {day_label(when)}{' (late)' if first.late else ''}"
        found.append(
            Candidate(
                "outcomes",
                "monthlyreturn",
                slot.pk,
                f"Monthly return for {slot.month:%B %Y}: due {day_label(due)}, {state}",
                {"Month": f"{slot.month:%B %Y}", "Due": f"{day_label(due)}", "State": state},
                "Monthly returns",
            )
        )
    return found


def _assessments(notice: Notice) -> list[Candidate]:
    assessment_model = apps.get_model("commissioning", "Assessment")
    rows = assessment_model.objects.filter(
        provider_id=notice.provider_id, commissioner_id=notice.commissioner_id
    ).order_by("-created_at", "-id")[:10]
    found = []
    for row in rows:
        outcome = row.get_outcome_display() if row.outcome else row.get_status_display()
        when = row.finalised_on or row.started_on or row.scheduled_for
        label = f"{row.get_kind_display()} {f'of {day_label(when)}' if when else ''}: {outcome}".replace(
            "  ", " "
        )
        found.append(
            Candidate(
                "commissioning",
                "assessment",
                row.pk,
                label,
                {
                    "Assessment": row.get_kind_display(),
                    "Date": f"{day_label(when)}" if when else "",
                    "Outcome": outcome,
                },
                "QAF assessments",
            )
        )
    return found


def evidence_candidates(notice: Notice) -> list[Candidate]:
    """What may be linked to this draft, less what is already linked."""
    linked = {f"{link.app_label}.{link.model}:{link.object_id}" for link in notice.evidence_links.all()}
    return [c for c in (*_results(notice), *_returns(notice), *_assessments(notice)) if c.key not in linked]


def evidence_choices(candidates: list[Candidate]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a select (optgroups)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.group, []).append((candidate.key, candidate.label))
    return list(groups.items())
