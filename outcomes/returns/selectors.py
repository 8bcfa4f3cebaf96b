"""Reads about monthly returns, scoped to what the acting organisation may see.

A month's returns belong to the contract's prime provider: its people and the contract's
commissioners (lead and partners) see them; subcontractors and every other provider do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import Acting
from commissioning.models import Contract, ContractStatus
from commissioning.selectors import contract_returns_visible_to
from outcomes.mds.reading import file_format
from outcomes.models import AttemptKind, AttemptStatus, MonthlyReturn, ReturnAttempt
from outcomes.periods import add_months, due_at, next_month, parse_month


def return_contracts_for(acting: Acting) -> QuerySet[Contract]:
    """Contracts whose returns the acting organisation may see (``contract_returns_visible_to``)."""
    return contract_returns_visible_to(acting)


def return_contract_get_for(acting: Acting, contract_id: int) -> Contract:
    """One contract whose returns the acting organisation may see; 404 otherwise."""
    return get_object_or_404(
        return_contracts_for(acting).select_related("provider", "lead_commissioner"), pk=contract_id
    )


def monthly_return_find(contract: Contract, period: str) -> MonthlyReturn | None:
    """The month's return slot if anything was ever submitted for it (404 for a malformed month)."""
    try:
        month = parse_month(period)
    except ValueError:
        raise Http404("No such month") from None
    return MonthlyReturn.objects.filter(contract=contract, month=month).first()


def attempts_for(acting: Acting) -> QuerySet[ReturnAttempt]:
    """Every submission on the contracts whose returns the acting organisation may see."""
    return ReturnAttempt.objects.filter(monthly_return__contract__in=return_contracts_for(acting))


def attempt_get_for(acting: Acting, attempt_id: int) -> ReturnAttempt:
    """One submission, if the acting organisation may see its contract's returns; 404 otherwise."""
    return get_object_or_404(
        attempts_for(acting).select_related(
            "monthly_return__contract__provider", "monthly_return__contract__lead_commissioner"
        ),
        pk=attempt_id,
    )


def monthly_returns_for(acting: Acting) -> QuerySet[MonthlyReturn]:
    """The months (with anything ever submitted) of the contracts whose returns the acting
    organisation may see, each marked ``has_accepted_version``."""
    accepted = ReturnAttempt.objects.filter(monthly_return=OuterRef("pk"), is_current=True)
    return MonthlyReturn.objects.filter(contract__in=return_contracts_for(acting)).annotate(
        has_accepted_version=Exists(accepted)
    )


def month_attempts() -> Prefetch:
    """A month's attempts for its status and versions (without the long problem lists)."""
    return Prefetch("attempts", queryset=ReturnAttempt.objects.defer("errors", "warnings"))


def monthly_return_get_for(acting: Acting, monthly_return_id: int) -> MonthlyReturn:
    """One contract's month, if the acting organisation may see the contract's returns; 404 otherwise."""
    return get_object_or_404(
        monthly_returns_for(acting).select_related("contract__provider").prefetch_related(month_attempts()),
        pk=monthly_return_id,
    )


def month_outside_term(contract: Contract, month: date, today: date | None = None) -> str | None:
    """Why the contract owes no return for the month (outside its term, or not begun); None if it does."""
    today = today or timezone.localdate()
    if month < contract.start_date.replace(day=1) or month > contract.end_date:
        return (
            f"{month:%B %Y} is outside contract {contract.reference}'s term "
            f"({contract.start_date:%B %Y} to {contract.end_date:%B %Y}). Give a month within it."
        )
    if month > today.replace(day=1):
        return f"{month:%B %Y} has not begun. A month's return is sent once the month has begun."
    return None


def attempt_survey_figures(attempt: ReturnAttempt) -> list[dict] | None:
    """The survey figures of a submission: as stored when it was accepted, or as typed in; None when
    they are still only in its file (they are read from it when the return is signed off)."""
    if attempt.version is not None:
        return [
            {"measure_code": f.measure_code, "numerator": f.numerator, "denominator": f.denominator}
            for f in attempt.survey_figures.all()
        ]
    if attempt.survey_entered:
        return list(attempt.survey_entered)
    if attempt.survey_file or (attempt.kind == AttemptKind.FILE and file_format(attempt.filename) != "csv"):
        return None  # in the survey file, or perhaps in the workbook's survey sheet
    return []


def attempts_for_month(monthly_return: MonthlyReturn | None) -> list[ReturnAttempt]:
    """Every attempt of the month, newest first (rejected, awaiting sign-off, accepted, superseded)."""
    if monthly_return is None:
        return []
    return list(monthly_return.attempts.order_by("-submitted_at", "-id"))


@dataclass(frozen=True)
class MonthStatus:
    """Where a contract's return for one month stands."""

    contract: Contract
    month: date
    due: datetime  # aware
    state: str  # "accepted", "awaiting_sign_off", "checking", "rejected", "not_submitted", "not_due"
    current: ReturnAttempt | None
    latest: ReturnAttempt | None
    first: ReturnAttempt | None = None  # the month's first accepted version (version 1)

    @property
    def period(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def has_accepted_version(self) -> bool:
        """The month has an accepted version (a correction may be waiting besides it)."""
        return self.current is not None

    @property
    def overdue(self) -> bool:
        return not self.has_accepted_version and timezone.now() > self.due

    @property
    def late(self) -> bool:
        """The month's first accepted version arrived after the due date (a correction sent later
        does not make an on-time month late: the returns-on-time measure counts the first version)."""
        return bool(self.first and self.first.late)


STATE_LABELS = {
    "accepted": "Accepted",
    "awaiting_sign_off": "Awaiting sign-off",
    "checking": "Being checked",
    "rejected": "Rejected: needs a corrected file",
    "not_submitted": "Not submitted",
}


def _state(current: ReturnAttempt | None, latest: ReturnAttempt | None) -> str:
    if latest is not None and latest.status == AttemptStatus.VALID:
        return "awaiting_sign_off"
    if latest is not None and latest.status in (AttemptStatus.RECEIVED, AttemptStatus.VALIDATING):
        return "checking"
    if current is not None:
        return "accepted"
    if latest is not None and latest.status == AttemptStatus.REJECTED:
        return "rejected"
    return "not_submitted"


def month_status_of(monthly_return: MonthlyReturn) -> MonthStatus:
    """Where one month stands, from its attempts (prefetch ``attempts`` when reading several months)."""
    attempts = sorted(monthly_return.attempts.all(), key=lambda attempt: (attempt.submitted_at, attempt.pk))
    current = next((attempt for attempt in attempts if attempt.is_current), None)
    latest = attempts[-1] if attempts else None
    return MonthStatus(
        contract=monthly_return.contract,
        month=monthly_return.month,
        due=monthly_return.due_at,
        state=_state(current, latest),
        current=current,
        latest=latest,
        first=next((attempt for attempt in attempts if attempt.version == 1), None),
    )


def month_statuses(contracts: list[Contract], months: list[date]) -> list[MonthStatus]:
    """The status of each contract's return for each month (three queries in all)."""
    slots = MonthlyReturn.objects.filter(contract__in=contracts, month__in=months)
    attempts = (
        ReturnAttempt.objects.filter(monthly_return__in=slots)
        .select_related("monthly_return")
        .order_by("submitted_at", "id")
    )
    latest: dict[tuple[int, date], ReturnAttempt] = {}
    current: dict[tuple[int, date], ReturnAttempt] = {}
    first: dict[tuple[int, date], ReturnAttempt] = {}
    for attempt in attempts:
        key = (attempt.monthly_return.contract_id, attempt.monthly_return.month)
        latest[key] = attempt
        if attempt.is_current:
            current[key] = attempt
        if attempt.version == 1:
            first[key] = attempt
    result = []
    for contract in contracts:
        for month in months:
            key = (contract.pk, month)
            result.append(
                MonthStatus(
                    contract=contract,
                    month=month,
                    due=due_at(month, contract.return_due_day),
                    state=_state(current.get(key), latest.get(key)),
                    current=current.get(key),
                    latest=latest.get(key),
                    first=first.get(key),
                )
            )
    return result


def contracts_due_for(month: date, contracts: QuerySet[Contract]) -> list[Contract]:
    """Active or suspended contracts whose term covers some of the month: each owes a return for it."""
    return list(
        contracts.filter(
            Q(status__in=[ContractStatus.ACTIVE, ContractStatus.SUSPENDED])
            & Q(start_date__lt=next_month(month))
            & Q(end_date__gte=month)
        )
        .select_related("provider", "lead_commissioner")
        .order_by("provider__name", "reference")
    )


def outstanding_returns(acting: Acting, month: date) -> list[MonthStatus]:
    """The month's returns not yet accepted, for the contracts the acting commissioner can see."""
    contracts = contracts_due_for(month, return_contracts_for(acting))
    return [status for status in month_statuses(contracts, [month]) if not status.has_accepted_version]


def outstanding_month_default() -> date:
    """The latest month whose (standard) due date has passed: what "outstanding" means by default."""
    now = timezone.now()
    standard_due_day = Contract._meta.get_field("return_due_day").default
    return next(m for m in recent_months(count=3) if now > due_at(m, standard_due_day))


def recent_months(today: date | None = None, count: int = 6) -> list[date]:
    """The last ``count`` months whose returns have fallen due or are being prepared, newest first."""
    today = today or timezone.localdate()
    last_complete = add_months(today.replace(day=1), -1)
    return [add_months(last_complete, -step) for step in range(count)]


def last_month_source(contract: Contract, month: date) -> ReturnAttempt | None:
    """The newest accepted version of the month before ``month``, if it has one."""
    return (
        ReturnAttempt.objects.filter(
            monthly_return__contract=contract, monthly_return__month=add_months(month, -1), is_current=True
        )
        .select_related("monthly_return")
        .first()
    )
