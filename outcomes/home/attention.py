"""What needs attention this week, for the home page of a commissioning body or a provider.

Each list is read in a fixed number of queries whatever the number of contracts, and holds its
full count with only the first few items (the home page links to the page that lists them all).
Everything is read through the scoped selectors of the pages those links open, so nothing appears
here that its own page would not show.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts.access import Acting
from commissioning.models import Contract, ContractStatus
from commissioning.notices.models import OPEN_STATUSES, Notice, NoticeStatus, SuggestionRule, SuggestionStatus
from commissioning.notices.selectors import notices_for
from commissioning.notices.suggestions import suggestions_for
from commissioning.qaf.models import ActionStatus as QafActionStatus
from commissioning.qaf.models import AssessmentStatus, RemedialAction
from commissioning.qaf.selectors import assessments_for
from outcomes.home.attention_reviews import ACTIONS_DUE_WITHIN, actions_due, meetings_needing_commentary
from outcomes.measures import MEASURES, target_measure_name
from outcomes.models import ReturnAttempt
from outcomes.periods import (
    QUARTER,
    add_months,
    latest_ended_quarter,
    next_month,
    parse_period,
    quarter_period,
    quarter_shown,
)
from outcomes.results.overrides import overrides_in_force
from outcomes.results.selectors import RAG_LABELS, Cell, result_contracts_for, results_shown
from outcomes.returns.selectors import (
    STATE_LABELS,
    MonthStatus,
    month_statuses,
    recent_months,
    return_contracts_for,
)
from outcomes.reviews.models import ActionOwner
from outcomes.reviews.selectors import actions_for, meetings_for

SHOWN = 5  # items listed under each heading; the count says how many there are in all
RETURN_MONTHS = 6  # months looked back over, as on the returns list
RAG_ORDER = ("red", "amber", "green", "not_rated")


@dataclass
class Shortlist:
    """The first few items of a list and how many there are in all."""

    items: list
    count: int

    @property
    def more(self) -> int:
        return max(self.count - len(self.items), 0)


def _shortlist(queryset: QuerySet) -> Shortlist:
    """Two queries: the count and the first few."""
    return Shortlist(list(queryset[:SHOWN]), queryset.count())


def _cut(items: list) -> Shortlist:
    return Shortlist(items[:SHOWN], len(items))


# --- Monthly returns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnMonth:
    """A contract's return for one month, and how many days overdue it is (0 if not yet due)."""

    status: MonthStatus
    days_overdue: int

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.status.state, self.status.state)


def _due_statuses(contracts: QuerySet[Contract], months: list[date]) -> list[MonthStatus]:
    """The statuses of the returns owed for the months (three queries: contracts, slots, attempts)."""
    owing = list(
        contracts.filter(
            status__in=[ContractStatus.ACTIVE, ContractStatus.SUSPENDED],
            start_date__lt=next_month(max(months)),
            end_date__gte=min(months),
        )
        .select_related("provider")
        .order_by("provider__name", "reference")
    )
    return [
        status
        for status in month_statuses(owing, months)
        if status.contract.start_date < next_month(status.month) and status.contract.end_date >= status.month
    ]


def _days_overdue(status: MonthStatus, today: date) -> int:
    """Whole days since the due day ended; 0 while the return is not yet overdue."""
    return max((today - timezone.localtime(status.due).date()).days, 0)


def _overdue(statuses: list[MonthStatus], today: date) -> list[ReturnMonth]:
    overdue = [
        ReturnMonth(s, _days_overdue(s, today))
        for s in statuses
        if not s.has_accepted_version and _days_overdue(s, today) > 0
    ]
    return sorted(
        overdue, key=lambda o: (-o.days_overdue, o.status.contract.provider.name, o.status.contract.reference)
    )


# --- Results turned red ------------------------------------------------------------------------


@dataclass(frozen=True)
class TurnedRed:
    cell: Cell
    measure_name: str
    before: str  # the RAG shown the quarter before, in words ("no result" when there was none)


def _turned_red(acting: Acting, today: date) -> tuple[str, Shortlist]:
    """Targets shown red in the latest ended quarter with results but not red the quarter before
    (three queries). A quarter still running raises nothing: its figures are not final."""
    quarterly = results_shown(
        contract__in=result_contracts_for(acting),
        period_kind=QUARTER,
        period_end__lt=today,
    )
    newest = quarterly.order_by("-period_end").values_list("period", flat=True).first()
    if newest is None:
        return "", Shortlist([], 0)
    previous = quarter_period(add_months(parse_period(newest).start, -3)).identifier
    results = list(
        quarterly.filter(period__in=[newest, previous]).select_related(
            "contract__provider", "target", "target_version"
        )
    )
    overrides = overrides_in_force(list({r.target_id for r in results}), [newest, previous])
    cells = {(r.target_id, r.period): Cell(r, overrides.get((r.target_id, r.period))) for r in results}
    found = []
    for (target_id, period), cell in cells.items():
        if period != newest or cell.rag != "red":
            continue
        before = cells.get((target_id, previous))
        if before is not None and before.rag == "red":
            continue
        before_text = before.rag_label if before else "No result"
        found.append(
            TurnedRed(
                cell,
                target_measure_name(MEASURES[cell.result.target.measure], cell.result.target.params),
                before_text,
            )
        )
    found.sort(
        key=lambda t: (t.cell.result.contract.provider.name, t.cell.result.contract.reference, t.measure_name)
    )
    return newest, _cut(found)


# --- Commissioners -----------------------------------------------------------------------------


@dataclass
class CommissionerAttention:
    """What a commissioning body should look at this week."""

    today: date
    returns_overdue: Shortlist
    red_quarter: str
    turned_red: Shortlist
    suggestions: list[tuple[str, int]]  # (rule in words, count), open suggestions only
    suggestion_count: int
    actions_due: Shortlist
    notices_past_remedy: Shortlist
    meetings_needing_commentary: Shortlist


def commissioner_attention(acting: Acting, today: date | None = None) -> CommissionerAttention:
    """Overdue returns, targets turned red, suggestions awaiting decision, review actions due this week,
    open notices past their remedy date and meetings in the next fortnight still lacking commentary."""
    today = today or timezone.localdate()
    statuses = _due_statuses(return_contracts_for(acting), recent_months(today, RETURN_MONTHS))
    red_quarter, turned_red = _turned_red(acting, today)
    by_rule = dict(
        suggestions_for(acting, SuggestionStatus.OPEN)
        .order_by()
        .values_list("rule")
        .annotate(n=Count("id"))
        .values_list("rule", "n")
    )
    suggestions = [(label, by_rule[rule]) for rule, label in SuggestionRule.choices if by_rule.get(rule)]
    body_id = acting.organisation.pk
    own_meetings = meetings_for(acting).filter(commissioner_id=body_id)
    past_remedy = notices_for(acting).filter(status__in=OPEN_STATUSES, remedy_due_on__lt=today)
    return CommissionerAttention(
        today=today,
        returns_overdue=_cut(_overdue(statuses, today)),
        red_quarter=red_quarter,
        turned_red=turned_red,
        suggestions=suggestions,
        suggestion_count=sum(by_rule.values()),
        # The actions the action tracker lists, joint contracts' included (a partner's own actions too).
        actions_due=_shortlist(actions_due(actions_for(acting), today)),
        notices_past_remedy=_shortlist(past_remedy.order_by("remedy_due_on", "id")),
        meetings_needing_commentary=_cut(meetings_needing_commentary(own_meetings, today)),
    )


# --- Providers ---------------------------------------------------------------------------------


@dataclass
class ContractReturns:
    """One contract's returns: this month's, the earlier ones still to do, and the last check of a file."""

    contract: Contract
    current: ReturnMonth | None
    outstanding: list[ReturnMonth]
    last_checked: ReturnAttempt | None


@dataclass
class ContractSummary:
    """One contract's latest quarter on its scorecard: how many targets show each RAG."""

    contract: Contract
    quarter: str
    counts: Counter = field(default_factory=Counter)

    @property
    def items(self) -> list[tuple[str, int]]:
        return [(RAG_LABELS[rag], self.counts[rag]) for rag in RAG_ORDER if self.counts[rag]]


@dataclass(frozen=True)
class NoticeToAnswer:
    notice: Notice
    next_step: str  # "Acknowledge" or "Respond"


def _notices_to_answer(acting: Acting) -> Shortlist:
    """Issued notices the provider has still to acknowledge, or to respond to (two queries)."""
    open_notices = notices_for(acting).filter(
        status__in=[NoticeStatus.ISSUED, NoticeStatus.ACKNOWLEDGED, NoticeStatus.EXTENDED]
    )
    found = _shortlist(open_notices.order_by("remedy_due_on", "id"))
    found.items = [NoticeToAnswer(n, "Respond" if n.acknowledged_at else "Acknowledge") for n in found.items]
    return found


@dataclass
class ProviderAttention:
    """What a provider must do next."""

    today: date
    returns: list[ContractReturns]
    returns_to_do: int  # the months listed below still to submit or sign off, across the contracts
    returns_overdue: int  # of those, the months past their due date with no accepted return
    scorecards_quarter: str  # the latest ended quarter with results, the same for every contract
    scorecards: list[ContractSummary]
    notices: Shortlist
    actions_due: Shortlist
    qaf_actions_due: Shortlist
    meetings_needing_commentary: Shortlist


def _listed_to_do(row: ContractReturns) -> list[ReturnMonth]:
    """The months the home page lists for a contract that still need a file or a sign-off: this
    month's unless it is accepted (with no newer file waiting), and every earlier one listed."""
    current = row.current
    pending = current is not None and (
        current.status.state == "awaiting_sign_off" or not current.status.has_accepted_version
    )
    return ([current] if pending and current is not None else []) + row.outstanding


def _needs_doing(status: MonthStatus, today: date) -> bool:
    return status.state == "awaiting_sign_off" or (
        not status.has_accepted_version and _days_overdue(status, today) > 0
    )


def _contract_returns(contracts: QuerySet[Contract], today: date) -> list[ContractReturns]:
    """Per contract: this month's return, earlier months to do, and the last file checked (four queries)."""
    months = recent_months(today, RETURN_MONTHS)
    statuses = _due_statuses(contracts, months)
    owing = list({s.contract.pk: s.contract for s in statuses}.values())
    newest_checked = ReturnAttempt.objects.filter(
        monthly_return__contract=OuterRef("pk"), validated_at__isnull=False
    ).order_by("-validated_at", "-id")
    newest_ids = (
        Contract.objects.filter(pk__in=[c.pk for c in owing])
        .annotate(newest=Subquery(newest_checked.values("pk")[:1]))
        .values_list("newest", flat=True)
    )
    last_checked = {
        a.monthly_return.contract_id: a
        for a in ReturnAttempt.objects.filter(pk__in=[pk for pk in newest_ids if pk]).select_related(
            "monthly_return"
        )
    }
    rows = []
    for contract in owing:
        mine = [s for s in statuses if s.contract.pk == contract.pk]
        current = next((ReturnMonth(s, _days_overdue(s, today)) for s in mine if s.month == months[0]), None)
        earlier = [
            ReturnMonth(s, _days_overdue(s, today))
            for s in mine
            if s.month != months[0] and _needs_doing(s, today)
        ]
        rows.append(ContractReturns(contract, current, earlier, last_checked.get(contract.pk)))
    return rows


def _scorecard_summaries(contracts: QuerySet[Contract], today: date) -> tuple[str, list[ContractSummary]]:
    """The latest ended quarter with results (one quarter for every contract: ``quarter_shown``), and
    each contract's results in it counted by the RAG shown (three queries)."""
    quarterly = results_shown(contract__in=contracts, period_kind=QUARTER)
    identifiers = quarterly.order_by().values_list("period", flat=True).distinct()
    quarters = [parse_period(identifier) for identifier in identifiers]
    quarter = quarter_shown(quarters, today) or latest_ended_quarter(today)
    results = list(quarterly.filter(period=quarter.identifier).select_related("contract"))
    overrides = overrides_in_force([r.target_id for r in results], [quarter.identifier])
    summaries: dict[int, ContractSummary] = {}
    for r in results:
        summary = summaries.setdefault(r.contract_id, ContractSummary(r.contract, r.period))
        summary.counts[Cell(r, overrides.get((r.target_id, r.period))).rag] += 1
    return quarter.identifier, sorted(summaries.values(), key=lambda s: s.contract.reference)


def provider_attention(acting: Acting, today: date | None = None) -> ProviderAttention:
    """Returns due and their status, the latest scorecard per contract, notices to acknowledge or answer,
    the provider's review actions and QAF actions due, and meetings waiting for its commentary."""
    today = today or timezone.localdate()
    contracts = return_contracts_for(acting)
    returns = _contract_returns(contracts, today)
    qaf_due = (
        RemedialAction.objects.filter(
            assessment__in=assessments_for(acting),
            status__in=[QafActionStatus.OPEN, QafActionStatus.REOPENED],
            due_on__lte=today + timedelta(days=ACTIONS_DUE_WITHIN),
        )
        .exclude(assessment__status=AssessmentStatus.CANCELLED)
        .select_related("assessment", "standard")
        .order_by("due_on", "id")
    )
    scorecards_quarter, scorecards = _scorecard_summaries(result_contracts_for(acting), today)
    return ProviderAttention(
        today=today,
        returns=returns,
        returns_to_do=sum(len(_listed_to_do(r)) for r in returns),
        returns_overdue=sum(
            1
            for r in returns
            for m in _listed_to_do(r)
            if not m.status.has_accepted_version and m.days_overdue > 0
        ),
        scorecards_quarter=scorecards_quarter,
        scorecards=scorecards,
        notices=_notices_to_answer(acting),
        actions_due=_shortlist(
            actions_due(actions_for(acting).filter(owner_kind=ActionOwner.PROVIDER), today)
        ),
        qaf_actions_due=_shortlist(qaf_due),
        meetings_needing_commentary=_cut(meetings_needing_commentary(meetings_for(acting), today)),
    )
