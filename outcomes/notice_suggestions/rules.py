"""The four notice-suggestion rules (pure reads; the job that stores what they find:
outcomes.notice_suggestions, where the rules are set out in words)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from commissioning.models import Contract, ContractStatus
from commissioning.notices.models import NoticeKind, NoticeReason, SuggestionRule, SuggestionStatus
from commissioning.qaf.models import (
    ActionStatus,
    Assessment,
    AssessmentStatus,
    Outcome,
    QafStatus,
    QafStatusCode,
    RemedialAction,
)
from outcomes.measures import MEASURES, target_measure_name
from outcomes.periods import add_months, day_label, month_end, next_month
from outcomes.results.overrides import overrides_in_force
from outcomes.results.selectors import Cell, figures_text, results_shown, target_text
from outcomes.returns.selectors import STATE_LABELS, month_statuses

LIVE_STATUSES = (ContractStatus.ACTIVE, ContractStatus.SUSPENDED)
RED = "red"
# Statuses an officer decided: the job never raises their key again.
DECIDED = (SuggestionStatus.DRAFTED, SuggestionStatus.DISMISSED, SuggestionStatus.NOTED)


@dataclass
class Candidate:
    """What a rule found on one contract, as the suggestion will store it."""

    contract: Contract
    rule: str
    key: str
    summary: str
    kind: str
    reason: str
    facts: list[str] = field(default_factory=list)
    remedy: str = ""
    evidence: list[dict] = field(default_factory=list)

    @property
    def details(self) -> dict:
        return {"facts": self.facts, "remedy": self.remedy, "evidence": self.evidence}


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _evidence(app_label: str, model: str, object_id: int, label: str, **key_fields: str) -> dict:
    return {
        "app_label": app_label,
        "model": model,
        "object_id": object_id,
        "label": label[:300],
        "key_fields": key_fields,
    }


# --- 1. Returns two or more months overdue ---------------------------------------------------------


def two_months_after(day: date) -> date:
    """The same day of the month two calendar months later (31 December → 28 or 29 February)."""
    first = add_months(day.replace(day=1), 2)
    return first.replace(day=min(day.day, month_end(first).day))


def _owes_return(contract: Contract, month: date) -> bool:
    # The term test of outcomes.selectors.contracts_due_for, applied to contracts already loaded.
    return contract.start_date < next_month(month) and contract.end_date >= month


def returns_overdue(contracts: list[Contract], today: date) -> list[Candidate]:
    """Contracts with a return not received two or more calendar months after its due date."""
    last = add_months(today.replace(day=1), -1)
    first = min((c.start_date.replace(day=1) for c in contracts), default=last)
    months = [
        add_months(first, step)
        for step in range((last.year - first.year) * 12 + last.month - first.month + 1)
    ]
    flagged: dict[int, list] = defaultdict(list)
    recent: dict[int, list] = defaultdict(list)
    for status in month_statuses(contracts, months):
        if status.has_accepted_version or not _owes_return(status.contract, status.month):
            continue
        due_on = status.due.date()
        if today >= two_months_after(due_on):
            flagged[status.contract.pk].append(status)
        elif today > due_on:
            recent[status.contract.pk].append(status)
    found = []
    for contract in contracts:
        statuses = flagged.get(contract.pk)
        if not statuses:
            continue
        names = [f"{s.month:%B %Y}" for s in statuses]
        facts = [
            f"{s.month:%B %Y}: due {day_label(s.due.date())}, still not received "
            f"({STATE_LABELS.get(s.state, s.state).lower()})."
            for s in statuses
        ]
        if later := recent.get(contract.pk):
            facts.append(
                "Also overdue, by less than two months: "
                + _listed([f"{s.month:%B %Y} (due {day_label(s.due.date())})" for s in later])
                + "."
            )
        evidence = [
            _evidence(
                "outcomes",
                "monthlyreturn",
                s.latest.monthly_return_id,
                f"Monthly return {s.month:%B %Y} for {contract.reference}",
                Due=day_label(s.due.date()),
                State=STATE_LABELS.get(s.state, s.state),
            )
            for s in statuses
            if s.latest is not None
        ]
        found.append(
            Candidate(
                contract=contract,
                rule=SuggestionRule.RETURNS_OVERDUE,
                key=f"{SuggestionRule.RETURNS_OVERDUE}:{statuses[0].month:%Y-%m}",
                summary=(
                    f"The monthly return{'s' if len(names) > 1 else ''} for {_listed(names)} "
                    f"{'are' if len(names) > 1 else 'is'} two or more months overdue."
                ),
                kind=NoticeKind.BREACH,
                reason=NoticeReason.RETURNS,
                facts=facts,
                remedy=(
                    f"Submit the outstanding monthly return{'s' if len(names) > 1 else ''} for "
                    f"{_listed(names)} through the provider portal, and confirm in writing how future "
                    "returns will be sent by their due dates."
                ),
                evidence=evidence,
            )
        )
    return found


# --- 2. and 3. QAF ---------------------------------------------------------------------------------


def _assessment_words(a: Assessment) -> str:
    """``initial evaluation completed 1 September 2025``."""
    return f"{a.get_kind_display().lower()} completed {day_label(a.finalised_on)}"


def _assessment_evidence(a: Assessment) -> dict:
    key_fields = {"Completed": day_label(a.finalised_on), "Outcome": a.get_outcome_display()}
    if a.judgement:
        key_fields["Overall judgement"] = a.get_judgement_display()
    if a.score is not None:
        key_fields["Score"] = str(a.score)
    return _evidence(
        "commissioning",
        "assessment",
        a.pk,
        f"QAF {_assessment_words(a)}: {a.get_outcome_display().lower()}",
        **key_fields,
    )


def _in_scope(assessment: Assessment, contract: Contract) -> bool:
    """The lead body's assessment of the prime provider, for this contract or for none in particular."""
    return (
        assessment.commissioner_id == contract.lead_commissioner_id
        and assessment.provider_id == contract.provider_id
        and assessment.contract_id in (None, contract.pk)
    )


def qaf_past_window(contracts: list[Contract], today: date) -> list[Candidate]:
    """Contracts whose stored QAF status is non-compliant past the compliance window."""
    # Looked up by QafStatus.contract_id (nullable), which the query keeps to these contracts.
    by_id: dict[int | None, Contract] = {c.pk: c for c in contracts}
    statuses = [
        s
        for s in QafStatus.objects.filter(
            contract_id__in=list(by_id), status=QafStatusCode.NON_COMPLIANT_PAST_WINDOW
        )
        if s.commissioner_id == by_id[s.contract_id].lead_commissioner_id
        and s.provider_id == by_id[s.contract_id].provider_id
    ]
    if not statuses:
        return []
    finalised = list(
        Assessment.objects.filter(
            status=AssessmentStatus.FINALISED,
            finalised_on__lte=today,
            provider_id__in={s.provider_id for s in statuses},
            commissioner_id__in={s.commissioner_id for s in statuses},
        )
        .exclude(outcome="")
        .order_by("finalised_on", "id")
    )
    found = []
    for status in statuses:
        contract = by_id[status.contract_id]
        done = [a for a in finalised if _in_scope(a, contract)]
        spell: list[Assessment] = []
        for a in reversed(done):
            if a.outcome != Outcome.NON_COMPLIANT:
                break
            spell.insert(0, a)
        if not spell:
            continue  # the stored status is older than the latest finalised assessment
        ended = f" (ended {day_label(status.window_ends_on)})" if status.window_ends_on else ""
        ended_words = (
            f" ended on {day_label(status.window_ends_on)}" if status.window_ends_on else " has ended"
        )
        found.append(
            Candidate(
                contract=contract,
                rule=SuggestionRule.QAF_PAST_WINDOW,
                key=f"{SuggestionRule.QAF_PAST_WINDOW}:{spell[0].pk}",
                summary=(
                    f"Non-compliant with the QAF past its {contract.qaf_compliance_window_weeks}-week "
                    f"compliance window{ended}."
                ),
                kind=NoticeKind.BREACH,
                reason=NoticeReason.QAF_ACTIONS,
                facts=[
                    f"Found non-compliant by the {_assessment_words(spell[0])}; the "
                    f"{contract.qaf_compliance_window_weeks}-week compliance window{ended_words}.",
                    *(f"Still non-compliant at the {_assessment_words(a)}." for a in spell[1:]),
                ],
                remedy=(
                    "Complete every outstanding action of the remedial action plan, send the evidence "
                    "through the provider portal, and agree a date for the reassessment."
                ),
                evidence=[_assessment_evidence(a) for a in spell],
            )
        )
    return found


def actions_overdue(contracts: list[Contract], today: date) -> list[Candidate]:
    """Contracts whose provider has open or reopened remedial actions due before ``today``."""
    actions = list(
        RemedialAction.objects.filter(
            status__in=[ActionStatus.OPEN, ActionStatus.REOPENED],
            due_on__lt=today,
            assessment__provider_id__in={c.provider_id for c in contracts},
            assessment__commissioner_id__in={c.lead_commissioner_id for c in contracts},
        )
        .exclude(assessment__status=AssessmentStatus.CANCELLED)
        .select_related("assessment", "standard")
        .order_by("assessment_id", "due_on", "id")
    )
    by_assessment: dict[int, list[RemedialAction]] = defaultdict(list)
    for action in actions:
        by_assessment[action.assessment_id].append(action)
    by_parties: dict[tuple[int, int], list[list[RemedialAction]]] = defaultdict(list)
    for overdue in by_assessment.values():
        by_parties[(overdue[0].assessment.commissioner_id, overdue[0].assessment.provider_id)].append(overdue)
    found = []
    for contract in contracts:
        for overdue in by_parties.get((contract.lead_commissioner_id, contract.provider_id), []):
            assessment = overdue[0].assessment
            if not _in_scope(assessment, contract):
                continue
            completed = f" completed {day_label(assessment.finalised_on)}" if assessment.finalised_on else ""
            count = len(overdue)
            found.append(
                Candidate(
                    contract=contract,
                    rule=SuggestionRule.ACTIONS_OVERDUE,
                    key=f"{SuggestionRule.ACTIONS_OVERDUE}:{assessment.pk}",
                    summary=(
                        f"{count} remedial action{'s' if count != 1 else ''} from the QAF "
                        f"{assessment.get_kind_display().lower()}{completed} "
                        f"{'are' if count != 1 else 'is'} overdue."
                    ),
                    kind=NoticeKind.BREACH,
                    reason=NoticeReason.QAF_ACTIONS,
                    facts=[
                        f"Standard {a.standard.code} {a.standard.title}: {a.description.strip().rstrip('.')} "
                        f"(owner {a.owner}; due {day_label(a.due_on)}; {a.get_status_display().lower()})."
                        for a in overdue
                    ],
                    remedy=(
                        "Complete each overdue remedial action listed above, upload the evidence for it "
                        "through the provider portal and mark it done."
                    ),
                    evidence=[_assessment_evidence(assessment)] if assessment.finalised_on else [],
                )
            )
    return found


# --- 4. A target red two quarters running ----------------------------------------------------------


def _quarter_words(identifier: str) -> str:
    """``2025-26-Q1`` → ``Q1 2025-26``."""
    year, _, quarter = identifier.rpartition("-")
    return f"{quarter} {year}"


def _target_words(cell: Cell, measure) -> str:
    return target_text(cell.result.target_version, measure) if measure else "—"


def _red_fact(cell: Cell, measure) -> str:
    result = cell.result
    text = (
        f"{_quarter_words(result.period)} ({day_label(result.period_start)} to {day_label(result.period_end)}): "
        f"{figures_text(result)} against a target of {_target_words(cell, measure)}: red"
    )
    if cell.override:
        text += f" (set by {cell.override.created_by_label}: {cell.override.reason.strip()})"
    return text + "."


def target_red(contracts: list[Contract], today: date) -> list[Candidate]:
    """Targets whose latest ended quarters are red two or more times in a row (the RAG shown)."""
    by_id = {c.pk: c for c in contracts}
    results = list(
        results_shown(contract_id__in=list(by_id), period_kind="quarter", period_end__lt=today)
        .select_related("target", "target_version")
        .order_by("target_id", "period_end", "id")
    )
    overrides = overrides_in_force(list({r.target_id for r in results}), list({r.period for r in results}))
    by_target: dict[int, list[Cell]] = defaultdict(list)
    for result in results:
        by_target[result.target_id].append(Cell(result, overrides.get((result.target_id, result.period))))
    found = []
    for cells in by_target.values():
        run: list[Cell] = []
        for cell in reversed(cells):
            if cell.rag != RED:
                break
            if run and cell.result.period_start != add_months(run[0].result.period_start, -3):
                break  # a quarter without a result breaks the run
            run.insert(0, cell)
        if len(run) < 2:
            continue
        target = run[0].result.target
        contract = by_id[target.contract_id]
        measure = MEASURES.get(target.measure)
        name = target_measure_name(measure, target.params) if measure else target.measure
        quarters = [_quarter_words(c.result.period) for c in run]

        found.append(
            Candidate(
                contract=contract,
                rule=SuggestionRule.TARGET_RED,
                key=f"{SuggestionRule.TARGET_RED}:{target.pk}:{run[0].result.period}",
                summary=(
                    f"{name} was red in {_listed(quarters)}: a matter for the quarterly review "
                    "before any enforcement."
                ),
                kind=NoticeKind.NOC,
                reason=NoticeReason.UNDER_PERFORMANCE,
                facts=[_red_fact(cell, measure) for cell in run],
                remedy=(
                    f"Give an improvement plan for {name}: what is causing the shortfall, what will be "
                    "done, by whom and by when, and the figures expected in the coming quarters."
                ),
                evidence=[
                    _evidence(
                        "outcomes",
                        "complianceresult",
                        cell.result.pk,
                        f"{name}, {_quarter_words(cell.result.period)}: {figures_text(cell.result)}, red",
                        Period=_quarter_words(cell.result.period),
                        Result=figures_text(cell.result),
                        Target=_target_words(cell, measure),
                        RAG="Red (override)" if cell.override else "Red",
                    )
                    for cell in run
                ],
            )
        )
    return found
