"""The scrutiny report: a commissioning body's portfolio for a quarter, as a public paper for councillors.

Every figure is an aggregate. Counts of people, and percentages built from them, are suppressed by
the one rule of outcomes.measures.disclosure (a count of 1 to 4 shown as "fewer than 5", a percentage
that would give one back left out, and the next smallest count of people in a row that adds up to a
total suppressed too), printed in the report's notes. Facts about contracts and providers (counts of
contracts and providers, CQC ratings, RAG counts of contracts, notices, returns on time) are not about
people and are shown as they are. The page and the PDF print the same ``ScrutinyReport``.

Providers are never named unless the commissioner asks for them; their table follows the same rule.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone

from accounts.access import Acting
from commissioning.models import Contract, ContractStatus
from commissioning.notices.figures import issued_in, notice_figures
from commissioning.notices.models import NoticeKind
from commissioning.notices.selectors import notices_for
from commissioning.qaf import selectors as qaf_selectors
from commissioning.qaf.models import QafStatusCode
from commissioning.qaf.portfolio import quarter_label
from outcomes.measures import MEASURES, target_measure_name
from outcomes.measures.disclosure import Rate, count_shown, rate_shown, row_shown
from outcomes.measures.library import Direction
from outcomes.models import ComplianceResult, EpisodeRecord, ReturnAttempt
from outcomes.periods import (
    Period,
    add_months,
    latest_ended_quarter,
    parse_period,
    quarter_period,
    year_to_date_period,
)
from outcomes.results.calculators import months_due
from outcomes.results.forecasts import TargetForecast, first_month, portfolio_forecast
from outcomes.results.overrides import overrides_in_force
from outcomes.results.selectors import result_contracts_for, results_shown, target_text
from outcomes.statistics.significance import rate_change
from providers.models import CqcRating, Provider

FOOTER = "Counts of people below 5 are suppressed to protect privacy."
NOTES = (
    "Only counts of people are suppressed: people receiving care, and the people counted in each "
    "measure's rate. A count of 1 to 4 people is shown as “fewer than 5”. A percentage is left out "
    "(“suppressed”) when its numerator, its denominator, or the difference between them is 1 to 4. Where "
    "exactly one count of people in a row that adds up to a total is below 5, the next smallest count "
    "in the row is suppressed too, so that it cannot be worked out from the total. Counts of contracts "
    "and providers, CQC ratings, RAG counts of contracts, notices and returns are not about people and "
    "are shown as they are."
)
RAGS = (("green", "Green"), ("amber", "Amber"), ("red", "Red"), ("not_rated", "Not rated"))
COMPLIANT = (QafStatusCode.COMPLIANT, QafStatusCode.COMPLIANT_ACTIONS_OPEN)


# --- The report's figures ------------------------------------------------------------------------


@dataclass
class MeasureLine:
    name: str
    contracts: str
    rate: Rate
    target: str
    rag: list[tuple[str, str]]
    year_before: Rate
    direction: str
    forecast: TargetForecast | None = None  # the year-end forecast as at the quarter's end


@dataclass
class ProviderLine:
    name: str
    contracts: str
    rag: list[tuple[str, str]]
    breach_notices: str
    cqc_rating: str
    qaf_status: str
    people: str = "—"


@dataclass
class ScrutinyReport:
    body: str
    title: str
    quarter: Period
    year_before: Period
    named: bool
    contracts: str
    providers: str
    people: str
    measures: list[MeasureLine]
    qaf_compliant: Rate
    cqc: list[tuple[str, str]]
    breach_now: str
    breach_year_before: str
    returns_on_time: Rate
    provider_lines: list[ProviderLine] = field(default_factory=list)
    generated_at: datetime | None = None
    footer: str = FOOTER
    notes: str = NOTES

    @property
    def quarter_label(self) -> str:
        return quarter_label(self.quarter)

    @property
    def year_before_label(self) -> str:
        return quarter_label(self.year_before)

    @property
    def has_forecasts(self) -> bool:
        return any(line.forecast for line in self.measures)


def _year_before(quarter: Period) -> Period:
    return quarter_period(add_months(quarter.start, -12))


def portfolio_contracts(acting: Acting, quarter: Period):
    """The body's contracts (led or joint) in force at some time in the quarter, drafts left out."""
    return (
        Contract.objects.filter(pk__in=result_contracts_for(acting).values("pk"))
        .exclude(status=ContractStatus.DRAFT)
        .filter(start_date__lte=quarter.end, end_date__gte=quarter.start)
        .select_related("provider")
        .order_by("reference")
    )


def scrutiny_quarters(acting: Acting, today: date | None = None) -> list[Period]:
    """Ended quarters with stored quarterly results on the body's contracts, newest first (at least
    the latest ended quarter, so the form always has a choice)."""
    today = today or timezone.localdate()
    latest_ended = latest_ended_quarter(today)
    identifiers = set(
        results_shown(
            period_kind="quarter",
            period_end__lt=today,
            contract__in=result_contracts_for(acting),
        ).values_list("period", flat=True)
    )
    quarters = {parse_period(identifier) for identifier in identifiers} or {latest_ended}
    return sorted(quarters, key=lambda q: q.start, reverse=True)


def _people(contracts: list[Contract], quarter: Period) -> Counter[int]:
    """Distinct people receiving care at some time in the quarter, by contract (pseudonyms are the
    provider's, so a person is counted once per contract): they add up to the portfolio's total."""
    pairs = (
        EpisodeRecord.objects.filter(contract__in=contracts, is_latest=True, first_visit_on__lte=quarter.end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=quarter.start))
        .values_list("contract_id", "person_ref")
        .distinct()
    )
    return Counter(contract_id for contract_id, _ in pairs)


def _shown_rags(results: list[ComplianceResult]) -> dict[int, str]:
    overrides = overrides_in_force(list({r.target_id for r in results}), list({r.period for r in results}))
    return {
        r.pk: overrides[(r.target_id, r.period)].rag if (r.target_id, r.period) in overrides else r.rag
        for r in results
    }


def _rag_cells(rags: list[str]) -> list[tuple[str, str]]:
    """Counts of contracts by RAG: not about people, so shown as they are."""
    counts = Counter(rags)
    cells = row_shown([counts[key] for key, _ in RAGS], of_people=False)
    return list(zip([label for _, label in RAGS], cells, strict=True))


def _results(contracts: list[Contract], quarter: Period) -> list[ComplianceResult]:
    return list(
        results_shown(contract__in=contracts, period=quarter.identifier)
        .select_related("target", "target_version")
        .order_by("target__measure", "contract__reference")
    )


def _group_key(result: ComplianceResult) -> tuple[str, str]:
    measure = MEASURES.get(result.target.measure)
    params = measure.describe_params(result.target.params) if measure and measure.parameters else ""
    return result.target.measure, params


def _forecasts(contracts: list[Contract], quarter: Period) -> dict[tuple[str, str], TargetForecast]:
    """Each measure's year-end forecast as at the quarter's end: the contracts' years to date added
    up (``portfolio_forecast``), rated where every contract has the same target; left out where the
    year to date's own rate is suppressed (the forecast would give it back)."""
    ytd = year_to_date_period(quarter.end)
    ytds: dict[tuple[str, str], list[ComplianceResult]] = defaultdict(list)
    firsts: dict[tuple[str, str], list[ComplianceResult]] = defaultdict(list)
    for row in (
        results_shown(contract__in=contracts, period__in=[ytd.identifier, first_month(ytd).identifier])
        .select_related("target", "target_version", "contract")
        .order_by("target__measure", "contract__reference")
    ):
        (ytds if row.period == ytd.identifier else firsts)[_group_key(row)].append(row)
    found = {}
    for key, rows in ytds.items():
        if not rate_shown(
            sum(r.numerator for r in rows), sum(r.denominator for r in rows), of_people=True
        ).shown:
            continue
        versions = {(r.target_version.target_value, r.target_version.tolerance) for r in rows}
        forecast = portfolio_forecast(
            rows,
            firsts.get(key, []),
            measure_code=key[0],
            version=rows[0].target_version if len(versions) == 1 else None,
        )
        if forecast is not None:
            found[key] = forecast
    return found


def _measure_lines(contracts: list[Contract], quarter: Period, year_before: Period) -> list[MeasureLine]:
    now, then = _results(contracts, quarter), _results(contracts, year_before)
    forecasts = _forecasts(contracts, quarter)
    shown = _shown_rags(now)
    groups: dict[tuple[str, str], list[ComplianceResult]] = defaultdict(list)
    for result in now:
        groups[_group_key(result)].append(result)
    earlier: dict[tuple[str, str], list[ComplianceResult]] = defaultdict(list)
    for result in then:
        earlier[_group_key(result)].append(result)
    lines = []
    for (code, params), results in sorted(groups.items()):
        measure = MEASURES.get(code)
        rate = rate_shown(
            sum(r.numerator for r in results), sum(r.denominator for r in results), of_people=True
        )
        before = earlier.get((code, params), [])
        year_rate = rate_shown(
            sum(r.numerator for r in before), sum(r.denominator for r in before), of_people=True
        )
        targets = {r.target_version.target_value for r in results}
        direction = "—"
        if measure and rate.shown and year_rate.shown:
            # Improved or worsened only when the change is more than chance would explain (95%).
            change = rate_change(
                (sum(r.numerator for r in results), sum(r.denominator for r in results)),
                (sum(r.numerator for r in before), sum(r.denominator for r in before)),
                higher_is_better=measure.direction == Direction.HIGHER,
            )
            direction = f"{change.label} ({change.p_text})" if change.p_text else change.label
        lines.append(
            MeasureLine(
                name=target_measure_name(measure, results[0].target.params) if measure else code,
                contracts=count_shown(len(results), of_people=False),
                rate=rate,
                target=target_text(results[0].target_version, measure)
                if measure and len(targets) == 1
                else "differs between contracts",
                rag=_rag_cells([shown[r.pk] for r in results]),
                year_before=year_rate,
                direction=direction,
                forecast=forecasts.get((code, params)),
            )
        )
    return lines


def _returns_on_time(contracts: list[Contract], quarter: Period) -> Rate:
    """Months due in the quarter whose first accepted return was submitted by the due date."""
    now = timezone.now()
    first = {
        (contract_id, month): submitted <= due
        for contract_id, month, submitted, due in ReturnAttempt.objects.filter(
            monthly_return__contract__in=contracts, version=1
        ).values_list(
            "monthly_return__contract_id", "monthly_return__month", "submitted_at", "monthly_return__due_at"
        )
    }
    due = [(contract.pk, month) for contract in contracts for month in months_due(contract, quarter, now)]
    return rate_shown(sum(1 for key in due if first.get(key)), len(due), of_people=False)


def _provider_lines(contracts, providers, results, statuses, breach_notices, people) -> list[ProviderLine]:
    shown = _shown_rags(results)
    provider_of = {c.pk: c.provider_id for c in contracts}
    breaches = Counter(notice.provider_id for notice in breach_notices)
    by_provider = Counter({p.pk: 0 for p in providers})
    for contract_id, count in people.items():
        by_provider[provider_of[contract_id]] += count
    # The providers' people add up to the portfolio's total, which is printed: secondary suppression.
    people_cells = row_shown([by_provider[p.pk] for p in providers], of_people=True)
    lines = []
    for provider, people_cell in zip(providers, people_cells, strict=True):
        status = statuses.get(provider.pk)
        lines.append(
            ProviderLine(
                name=provider.name,
                contracts=count_shown(
                    sum(1 for c in contracts if c.provider_id == provider.pk), of_people=False
                ),
                rag=_rag_cells([shown[r.pk] for r in results if provider_of[r.contract_id] == provider.pk]),
                breach_notices=count_shown(breaches[provider.pk], of_people=False),
                cqc_rating=provider.get_cqc_rating_display(),
                qaf_status=status.get_status_display() if status else "Not yet computed",
                people=people_cell,
            )
        )
    return lines


def scrutiny_report(
    acting: Acting, quarter: Period, *, named: bool = False, title: str = ""
) -> ScrutinyReport:
    """The body's portfolio for the quarter, small counts of people suppressed; providers named only when asked."""
    year_before = _year_before(quarter)
    contracts = list(portfolio_contracts(acting, quarter))
    providers = sorted({c.provider_id: c.provider for c in contracts}.values(), key=lambda p: p.name)
    provider_ids = [p.pk for p in providers]

    statuses = {
        s.provider_id: s
        for s in qaf_selectors.statuses_for(acting).filter(
            contract__isnull=True, provider_id__in=provider_ids
        )
    }
    compliant = sum(1 for s in statuses.values() if s.status in COMPLIANT)
    ratings = Counter(Provider.objects.filter(pk__in=provider_ids).values_list("cqc_rating", flat=True))
    cqc_cells = row_shown([ratings[value] for value in CqcRating.values], of_people=False)
    people = _people(contracts, quarter)

    notices = notices_for(acting).filter(contract__in=contracts)
    breach = notice_figures(notices, quarter).breach
    results = _results(contracts, quarter) if named else []
    return ScrutinyReport(
        body=acting.organisation.name,
        title=title.strip() or f"Homecare outcomes: {quarter_label(quarter)}",
        quarter=quarter,
        year_before=year_before,
        named=named,
        contracts=count_shown(len(contracts), of_people=False),
        providers=count_shown(len(providers), of_people=False),
        people=count_shown(sum(people.values()), of_people=True),
        measures=_measure_lines(contracts, quarter, year_before),
        qaf_compliant=rate_shown(compliant, len(statuses), of_people=False),
        cqc=list(zip(CqcRating.labels, cqc_cells, strict=True)),
        breach_now=count_shown(breach.current.count, of_people=False),
        breach_year_before=count_shown(breach.baseline.count, of_people=False),
        returns_on_time=_returns_on_time(contracts, quarter),
        provider_lines=_provider_lines(
            contracts,
            providers,
            results,
            statuses,
            issued_in(notices, quarter)[NoticeKind.BREACH].notices,
            people,
        )
        if named
        else [],
        generated_at=timezone.localtime(),
    )
