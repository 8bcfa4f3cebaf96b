"""Computing and storing results: every target of a contract for a period, judged and kept append-only.

Results are computed under a lock on the contract, so two runs for one contract never interleave.
A recomputation with the same figures only records when it was checked; changed figures make a
new row beside the old; when the data window was complete before the change, the new row is
marked restated, naming the return versions that changed it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.audit import audit_record
from commissioning.models import Contract, Target, TargetVersion
from commissioning.selectors import target_version_in_force
from outcomes.measures import MEASURES
from outcomes.measures.rating import direction_of_travel, percentage, rag
from outcomes.models import (
    ComplianceResult,
    MonthlyReturn,
    RecomputeRequest,
    RecomputeRun,
    ReturnAttempt,
)
from outcomes.periods import (
    LONDON,
    ROLLING_12,
    YEAR_TO_DATE,
    Period,
    add_months,
    due_at,
    latest_ended_month,
    month_end,
    parse_period,
    periods_kept,
    quarter_period,
    rolling_twelve_period,
    year_to_date_period,
)
from outcomes.results.affected import Horizon, periods_reading
from outcomes.results.calculators import (
    Basis,
    Figures,
    data_window,
    figures_for,
    latest_flags_broken,
    latest_flags_suspect,
    queries_kept,
    window_months,
)
from outcomes.results.latest import latest_flags_refresh

logger = logging.getLogger(__name__)


def previous_period(period: Period) -> Period:
    """The period of the same kind and length just before it, not overlapping it.

    The month before, the quarter before, and for a year to date or a rolling twelve months the
    same window a year earlier.
    """
    step = {"month": 1, "quarter": 3}.get(period.kind, 12)
    identifier = period.identifier
    if period.kind == "month":
        return parse_period(f"{add_months(period.start, -step):%Y-%m}")
    if period.kind == "quarter":
        return quarter_period(add_months(period.start, -step))
    last = add_months(period.end.replace(day=1), -12)
    return year_to_date_period(last) if identifier.count("YTD") else rolling_twelve_period(last)


@dataclass(frozen=True)
class Judged:
    """A target's figures for a period, judged against the version in force at the period's end."""

    target: Target
    version: TargetVersion
    period: Period
    figures: Figures
    value: Decimal | None
    rag: str
    not_rated_reason: str | None
    missing_months: list[str]
    outside_term_months: list[str]
    sources: dict


Coverage = tuple[set, dict]  # the months with an accepted return; the version read of each, by "YYYY-MM"


def _coverage_all(contracts: list[Contract]) -> dict[int, Coverage]:
    """Each contract's coverage, in one query."""
    coverage: dict[int, Coverage] = {contract.pk: (set(), {}) for contract in contracts}
    attempts = ReturnAttempt.objects.filter(
        monthly_return__contract__in=[contract.pk for contract in contracts], is_current=True
    ).values_list("monthly_return__contract_id", "monthly_return__month", "pk", "version")
    for contract_id, month, pk, version in attempts:
        covered, sources = coverage[contract_id]
        covered.add(month)
        sources[f"{month:%Y-%m}"] = {"attempt": pk, "version": version}
    return coverage


@dataclass(frozen=True)
class Window:
    """What a result's data window holds: the months owed a return and not covered, those outside
    the contract's term, whether any owed month is covered, and the return versions read."""

    missing_months: list[str]
    outside_term_months: list[str]
    covered_any: bool
    sources: dict


Windows = dict[tuple[int, date, date], Window]  # each contract's windows, by (contract id, start, end)


def _window(contract: Contract, start: date, end: date, coverage: Coverage, windows: Windows) -> Window:
    """The window's facts, worked out once per contract and window (many targets share one)."""
    key = (contract.pk, start, end)
    if key not in windows:
        covered, all_sources = coverage
        months, outside = window_months(contract, start, end)
        first = f"{start:%Y-%m}"
        windows[key] = Window(
            missing_months=[f"{m:%Y-%m}" for m in months if m not in covered],
            outside_term_months=[f"{m:%Y-%m}" for m in outside],
            covered_any=any(m in covered for m in months),
            sources={month: source for month, source in all_sources.items() if month >= first},
        )
    return windows[key]


def _judged(
    target: Target,
    params: dict,
    period: Period,
    figures: Figures,
    coverage: Coverage,
    windows: Windows | None = None,
) -> Judged | None:
    """A target's figures for a period judged against the version in force at the period's end."""
    version = target_version_in_force(target, period.end)
    if version is None:
        return None
    # Not an end, so it has its values (the database's check constraint).
    assert version.target_value is not None and version.tolerance is not None
    assert version.min_denominator is not None
    measure = MEASURES[target.measure]
    start, end = data_window(period, target.measure, params)
    window = _window(target.contract, start, end, coverage, {} if windows is None else windows)
    has_data = target.measure == "RETURNS_ON_TIME" or window.covered_any
    value = percentage(figures.numerator, figures.denominator)
    rating, reason = rag(
        value,
        target=version.target_value,
        tolerance=version.tolerance,
        direction=measure.direction,
        denominator=figures.denominator,
        min_denominator=version.min_denominator,
        has_data=has_data,
    )
    # Each result keeps lists and a mapping of its own: stored rows must not share them.
    return Judged(
        target,
        version,
        period,
        figures,
        value,
        rating,
        reason,
        list(window.missing_months),
        list(window.outside_term_months),
        dict(window.sources),
    )


def judge_all(
    wanted: dict[Contract, list[Period]], *, now: datetime, coverage: dict[int, Coverage]
) -> dict[tuple[int, Period], Judged | None]:
    """Compute and judge every target of the contracts for their wanted periods, by (target id, period).

    Targets that share a measure and parameters, on contracts with the same coverage, are counted
    together: one query per measure for all their contracts and periods.
    """
    groups: dict[tuple, list[Target]] = {}
    targets = Target.objects.filter(contract__in=[contract.pk for contract in wanted]).prefetch_related(
        "versions"
    )
    contracts = {contract.pk: contract for contract in wanted}
    for target in targets.order_by("id"):
        target.contract = contracts[target.contract_id]
        covered = coverage[target.contract_id][0]
        params = MEASURES[target.measure].clean_params(target.params)
        key = (target.measure, json.dumps(params, sort_keys=True, default=str), max(covered, default=None))
        groups.setdefault(key, []).append(target)
    judged: dict[tuple[int, Period], Judged | None] = {}
    windows: Windows = {}
    for (measure, _, last_month), members in groups.items():
        group_contracts = tuple({target.contract_id: target.contract for target in members}.values())
        periods = sorted(
            {p for c in group_contracts for p in wanted[c]}, key=lambda p: (p.end, p.kind, p.start)
        )
        known = tuple(
            sorted(
                (
                    (contract.pk, date(int(key[:4]), int(key[5:7]), 1), source["attempt"])
                    for contract in group_contracts
                    for key, source in coverage[contract.pk][1].items()
                ),
                key=lambda attempt: attempt[2],
            )
        )
        basis = Basis(group_contracts, month_end(last_month) if last_month else None, now, known)
        params = MEASURES[measure].clean_params(members[0].params)
        computed = figures_for(measure, basis, periods, params)
        for target in members:
            for period in wanted[target.contract]:
                figures = computed[target.contract_id][period]
                judged[target.pk, period] = _judged(
                    target, params, period, figures, coverage[target.contract_id], windows
                )
    return judged


def _restatement_reason(previous_sources: dict, sources: dict) -> str:
    changed = [
        f"{month} version {source['version']}"
        for month, source in sorted(sources.items())
        if previous_sources.get(month) != source
    ]
    return "Changed by " + ", ".join(changed) if changed else "Recomputed with corrected data"


# What a stored result keeps from its judgement (``_values``): a recomputation giving the same is unchanged.
STORED_VALUES = (
    "target_version_id",
    "numerator",
    "denominator",
    "value",
    "rag",
    "not_rated_reason",
    "direction",
    "pending",
    "missing",
    "missing_months",
    "outside_term_months",
)


def _values(judged: Judged, direction: str) -> dict:
    figures = judged.figures
    return {
        "target_version_id": judged.version.pk,
        "numerator": figures.numerator,
        "denominator": figures.denominator,
        "value": judged.value,
        "rag": judged.rag,
        "not_rated_reason": judged.not_rated_reason,
        "direction": direction,
        "pending": figures.pending,
        "missing": figures.missing,
        "missing_months": judged.missing_months,
        "outside_term_months": judged.outside_term_months,
    }


STORED_JSON = ("missing_months", "outside_term_months", "sources")  # read as text, decoded once each


def _latest_stored(
    contract_ids: list[int], identifiers: set[str], *, sources: bool = True
) -> dict[tuple[int, str], dict]:
    """The latest stored results of the contracts' periods, by (target id, period): what a
    recomputation compares with and what a new row restates (no model instances: many thousands).
    Without ``sources``: only what a comparison reads (``STORED_VALUES``), not what a new row keeps.

    The JSON columns come as text, each distinct text decoded once: results repeat a few month lists
    and, for each contract and period, one set of sources. Rows share the decoded values, which
    nothing changes.
    """
    names = ["pk", "contract_id", "target_id", "period", *STORED_VALUES]
    if sources:
        names += ["restated", "sources"]
    columns = [Cast(name, TextField()) if name in STORED_JSON else name for name in names]
    rows = ComplianceResult.objects.filter(
        contract__in=contract_ids, is_latest=True, period__in=identifiers
    ).values_list(*columns)
    decoded: dict[str, object] = {}
    json_at = [index for index, name in enumerate(names) if name in STORED_JSON]
    latest: dict[tuple[int, str], dict] = {}
    for found in rows:
        row = dict(zip(names, found, strict=True))
        for index in json_at:
            text = found[index]
            if text not in decoded:
                decoded[text] = json.loads(text)
            row[names[index]] = decoded[text]
        latest[row["target_id"], row["period"]] = row
    return latest


def _json_ready(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _results_insert(rows: list[ComplianceResult]) -> None:
    """Insert new results, setting their ids. On PostgreSQL the rows go as one JSON document per
    batch (turned into rows by the database), which is far cheaper to send than one parameter per
    value; elsewhere, as ``bulk_create``."""
    if connection.vendor != "postgresql":
        ComplianceResult.objects.bulk_create(rows, batch_size=500)
        return
    fields = [f for f in ComplianceResult._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = ComplianceResult._meta.db_table
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608 - names from the model
        f"FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb) WITH ORDINALITY AS r "
        "ORDER BY r.ordinality RETURNING id"
    )
    with connection.cursor() as cursor:
        for first in range(0, len(rows), 5000):
            batch = rows[first : first + 5000]
            document = [{f.column: _json_ready(getattr(row, f.attname)) for f in fields} for row in batch]
            cursor.execute(sql, [json.dumps(document)])
            for row, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                row.pk = pk
                row._state.adding = False
                row._state.db = connection.alias


Stored = list[int | ComplianceResult]  # an unchanged result's id, or the new row


def _store_all(
    work: dict[Contract, list[Period]], judgements: list[tuple[Judged, str]], now: datetime
) -> Stored:
    """Store judged results in a few statements: unchanged rows are marked checked; changed figures
    make a new latest row beside the old (restated when the old one's data window was complete)."""
    identifiers = {period.identifier for periods in work.values() for period in periods}
    latest_rows = _latest_stored([contract.pk for contract in work], identifiers)
    checked: list[int] = []
    resourced: list[ComplianceResult] = []
    superseded: list[int] = []
    created: list[ComplianceResult] = []
    stored: Stored = []
    for judged, direction in judgements:
        values = _values(judged, direction)
        latest = latest_rows.get((judged.target.pk, judged.period.identifier))
        if latest is not None and all(latest[key] == value for key, value in values.items()):
            if latest["sources"] != judged.sources:
                resourced.append(ComplianceResult(pk=latest["pk"], sources=judged.sources))
            checked.append(latest["pk"])
            stored.append(latest["pk"])
            continue
        figures = judged.figures
        figures_changed = latest is not None and (
            (latest["numerator"], latest["denominator"], latest["value"])
            != (figures.numerator, figures.denominator, judged.value)
        )
        restates = latest is not None and figures_changed and not latest["missing_months"]
        if latest is not None:
            superseded.append(latest["pk"])
        row = ComplianceResult(
            contract=judged.target.contract,
            target=judged.target,
            period=judged.period.identifier,
            period_kind=judged.period.kind,
            period_start=judged.period.start,
            period_end=judged.period.end,
            sources=judged.sources,
            restated=latest is not None and (latest["restated"] or restates),
            restates_id=latest["pk"] if latest is not None and restates else None,
            restated_because=_restatement_reason(latest["sources"], judged.sources)
            if latest is not None and restates
            else "",
            computed_at=now,
            checked_at=now,
            **values,
        )
        created.append(row)
        stored.append(row)
    # A stored result whose target no longer applies at the period's end (it ended) is withdrawn.
    judged_keys = {(judged.target.pk, judged.period.identifier) for judged, _ in judgements}
    withdrawn = [row["pk"] for key, row in latest_rows.items() if key not in judged_keys]
    ComplianceResult.objects.filter(pk__in=withdrawn).update(is_latest=False)
    ComplianceResult.objects.filter(pk__in=checked).update(checked_at=now)
    ComplianceResult.objects.bulk_update(resourced, ["sources"], batch_size=500)
    ComplianceResult.objects.filter(pk__in=superseded).update(is_latest=False)  # before the new rows
    _results_insert(created)
    return stored


def _judgements(work: dict[Contract, list[Period]], now: datetime) -> list[tuple[Judged, str]]:
    """Every target's judged figures and direction of travel for each contract's given periods.

    Figures come from one query per measure for all the contracts and periods (and the periods
    before them, for the direction of travel). In order: by contract, then period as given, then target.
    """
    coverage = _coverage_all(list(work))
    before = {period: previous_period(period) for periods in work.values() for period in periods}
    wanted = {
        contract: sorted(set(periods) | {before[p] for p in periods}) for contract, periods in work.items()
    }
    judged = judge_all(wanted, now=now, coverage=coverage)
    targets: dict[int, list[Target]] = {}
    for judgement in judged.values():
        if judgement is not None:
            targets.setdefault(judgement.target.contract_id, []).append(judgement.target)
    judgements: list[tuple[Judged, str]] = []
    for contract, periods in work.items():
        contract_targets = sorted(
            {t.pk: t for t in targets.get(contract.pk, [])}.values(), key=lambda t: t.pk
        )
        for period in periods:
            for target in contract_targets:
                current = judged.get((target.pk, period))
                if current is None:
                    continue
                earlier = judged.get((target.pk, before[period]))
                both_rated = (
                    current.not_rated_reason is None
                    and earlier is not None
                    and earlier.not_rated_reason is None
                )
                direction = direction_of_travel(
                    current.value,
                    earlier.value if earlier else None,
                    direction=MEASURES[target.measure].direction,
                    both_rated=both_rated,
                )
                judgements.append((current, direction))
    return judgements


def results_compute_all(
    work: dict[Contract, list[Period]], *, now: datetime | None = None
) -> list[ComplianceResult]:
    """Compute, judge and store every target's result for each contract's given periods.

    Results are stored in a few statements. The run holds the contracts' locks (taken in id order),
    so two runs for a contract, or a run and an acceptance, never interleave. Results are returned
    by contract, then period in the order given, then target.
    """
    return _as_results(_compute_store(work, now=now or timezone.now()))


def _as_results(stored: Stored) -> list[ComplianceResult]:
    """Stored results as rows, the unchanged ones (given by id) read in one query."""
    unchanged = ComplianceResult.objects.in_bulk([row for row in stored if isinstance(row, int)])
    return [unchanged[row] if isinstance(row, int) else row for row in stored]


def _compute_store(work: dict[Contract, list[Period]], *, now: datetime) -> Stored:
    """``results_compute_all``, giving unchanged results by id (a bulk run needs only the count)."""
    work = {contract: periods for contract, periods in work.items() if periods and _computable(contract)}
    if not work:
        return []
    with transaction.atomic():
        locked = Contract.objects.select_for_update().filter(pk__in=[c.pk for c in work]).order_by("pk")
        contracts = {contract.pk: contract for contract in locked}
        work = {contracts[c.pk]: periods for c, periods in work.items() if c.pk in contracts}
        return _store_all(work, _judgements(work, now), now)


def _compute_locked(contract: Contract, periods: list[Period], now: datetime) -> list[ComplianceResult]:
    """``results_compute_periods`` for a contract whose lock the caller holds (and read under it)."""
    if not periods or not _computable(contract):
        return []
    return _as_results(_store_all({contract: periods}, _judgements({contract: periods}, now), now))


def _computable(contract: Contract) -> bool:
    """A contract whose person-level data has gone under its retention period (outcomes.retention)
    keeps its stored figures as final: nothing is left to compute them from."""
    return contract.person_data_deleted_on is None


FreshFigures = dict[tuple[int, str], dict]  # what a fresh computation gives, by (target id, period)


def results_fresh(
    work: dict[Contract, list[Period]], *, now: datetime | None = None, with_contract: bool = False
) -> FreshFigures:
    """What a fresh computation gives for each contract's periods, stored nowhere: the values a
    stored result keeps (figures, RAG, direction, months), by (target id, period identifier)."""
    now = now or timezone.now()
    work = {contract: periods for contract, periods in work.items() if periods and _computable(contract)}
    return {
        (judged.target.pk, judged.period.identifier): {
            **_values(judged, direction),
            **({"contract_id": judged.target.contract_id} if with_contract else {}),
        }
        for judged, direction in _judgements(work, now)
    }


def results_compute_periods(
    *, contract: Contract, periods: list[Period], now: datetime | None = None, locked: bool = False
) -> list[ComplianceResult]:
    """Compute, judge and store every target's result for every given period of one contract;
    ``locked``: the caller holds the contract's lock and read the contract under it."""
    if locked:
        return _compute_locked(contract, periods, now or timezone.now())
    return results_compute_all({contract: periods}, now=now)


def results_compute(
    *, contract: Contract, period: Period, now: datetime | None = None
) -> list[ComplianceResult]:
    """Compute, judge and store every target's result for one period (the CLI and tests)."""
    return results_compute_all({contract: [period]}, now=now)


def accepted_months_all(contracts: list[Contract]) -> dict[int, list[date]]:
    """Each contract's months with an accepted return, oldest first, by contract id (one query)."""
    months: dict[int, list[date]] = {contract.pk: [] for contract in contracts}
    found = MonthlyReturn.objects.filter(
        contract__in=[contract.pk for contract in contracts], attempts__is_current=True
    ).values_list("contract_id", "month")
    for contract_id, month in found.order_by("month"):
        months[contract_id].append(month)
    return months


def accepted_months(contract: Contract) -> list[date]:
    """The contract's months with an accepted return, oldest first."""
    return accepted_months_all([contract])[contract.pk]


def contract_periods(
    contract: Contract, today: date | None = None, *, months: list[date] | None = None
) -> list[Period]:
    """The periods whose results are kept for the contract as at today (``periods_kept``), from its
    accepted months (read unless given)."""
    return periods_kept(
        accepted_months(contract) if months is None else months, today or timezone.localdate()
    )


def results_recompute(*, contract_id: int, months: list[str] | None = None) -> list[str]:
    """Recompute every kept period whose data window holds one of the given months (or of those
    waiting in the contract's request). Returns the periods' identifiers.

    The request is taken and its results stored in one transaction, under the contract's lock (taken
    first, as acceptances take it): a worker that dies part-way leaves the request for the next try,
    and a second run for the contract waits, then finds the request gone and nothing to do.
    """
    with transaction.atomic():
        contract = Contract.objects.select_for_update().filter(pk=contract_id).first()
        if contract is None:
            return []
        request = RecomputeRequest.objects.select_for_update().filter(contract_id=contract_id).first()
        if request is not None:
            months = sorted(set(months or []) | set(request.months))
            request.delete()
        if not months:
            return []
        lookback = Horizon.of(contract).lookback_r12
        kept = contract_periods(contract)
        # A period's direction of travel reads the period before it: a change there reaches it too.
        reading = set(periods_reading([*kept, *map(previous_period, kept)], months, lookback_r12=lookback))
        periods = [period for period in kept if period in reading or previous_period(period) in reading]
        results_compute_periods(contract=contract, periods=periods, locked=True)
    return [period.identifier for period in periods]


CONTRACTS_PER_RUN = 50  # the nightly run computes (and locks) this many contracts at a time
CHECK_LABEL = "Nightly check of stored results"
DUE_LOOKBACK = timedelta(days=7)  # the nightly run recomputes periods whose months fell due this recently


def _periods_stored_all(contracts: list[Contract]) -> dict[int, set[str]]:
    """The periods with a latest stored result, by contract id (one query)."""
    stored: dict[int, set[str]] = {contract.pk: set() for contract in contracts}
    found = (
        ComplianceResult.objects.filter(contract__in=[contract.pk for contract in contracts], is_latest=True)
        .values_list("contract_id", "period")
        .distinct()
        .order_by()
    )
    for contract_id, period in found:
        stored[contract_id].add(period)
    return stored


def _time_moved(contract: Contract, kept: list[Period], stored: set[str], now: datetime) -> list[Period]:
    """The kept periods that time alone changes: those not stored yet (a month has ended), and those
    holding a month whose return fell due lately (returns on time counts months once due)."""
    recent = now - DUE_LOOKBACK
    return [
        period
        for period in kept
        if period.identifier not in stored
        or any(recent <= due_at(month, contract.return_due_day) <= now for month in period.months)
    ]


@dataclass
class ResultsCheck:
    """What the nightly check found: contracts checked, periods rolled forward, results withdrawn
    (a "to date" figure reaching a month still to come), latest-row flags and drift repaired."""

    contracts: int = 0
    rolled_forward: int = 0
    latest_rows_repaired: int = 0
    withdrawn: list[str] = field(default_factory=list)
    drifted: list[dict] = field(default_factory=list)


def _future_withdraw(contract: Contract, not_kept: set[str], today: date) -> list[str]:
    """Withdraw stored years to date and rolling twelve months that run past the latest ended month
    (stored before that rule, or computed on request): no "to date" figure reaches a month to come.
    They stay as history; the withdrawal is audited."""
    last_day = month_end(latest_ended_month(today))
    future = sorted(
        identifier
        for identifier in not_kept
        if (period := parse_period(identifier)).kind in (YEAR_TO_DATE, ROLLING_12) and period.end > last_day
    )
    if future:
        with transaction.atomic():
            ComplianceResult.objects.filter(contract=contract, is_latest=True, period__in=future).update(
                is_latest=False
            )
            audit_record(
                actor=None,
                actor_label=CHECK_LABEL,
                action="results.withdrawn",
                obj=contract,
                organisation=contract.lead_commissioner,
                details={
                    "contract": contract.reference,
                    "periods": future,
                    "reason": "runs past the latest ended month",
                },
            )
    return future


def _drift(work: dict[Contract, list[Period]], now: datetime) -> dict[int, list[dict]]:
    """The stored results of the contracts' periods that differ from a fresh computation, by contract
    (one query per measure for all of them, and one for what is stored)."""
    fresh = results_fresh(work, now=now, with_contract=True)
    identifiers = {period.identifier for periods in work.values() for period in periods}
    latest = _latest_stored([contract.pk for contract in work], identifiers, sources=False)
    stored_by: dict[int, dict[tuple[int, str], dict]] = {contract.pk: {} for contract in work}
    for key, stored_row in latest.items():
        stored_by[stored_row["contract_id"]][key] = stored_row
    fresh_by: dict[int, dict[tuple[int, str], dict]] = {contract.pk: {} for contract in work}
    for key, values in fresh.items():
        fresh_by[values["contract_id"]][key] = values
    found: dict[int, list[dict]] = {}
    for contract, periods in work.items():
        wanted = {period.identifier for period in periods}
        stored = {key: row for key, row in stored_by[contract.pk].items() if key[1] in wanted}
        mine = fresh_by[contract.pk]
        drifted = [
            {"target": target_id, "period": period, "stored": True, "fields": ["withdrawn"]}
            for target_id, period in sorted(stored.keys() - mine.keys())
        ]
        for (target_id, period), values in sorted(mine.items()):
            row = stored.get((target_id, period))
            compared = {key: value for key, value in values.items() if key != "contract_id"}
            changed = (
                sorted(compared)
                if row is None
                else [key for key, value in sorted(compared.items()) if row[key] != value]
            )
            if changed:
                drifted.append(
                    {"target": target_id, "period": period, "stored": row is not None, "fields": changed}
                )
        if drifted:
            found[contract.pk] = drifted
    return found


def _flags_repair(contract: Contract) -> int:
    """Repair the contract's latest-row flags if they break the invariant; how many rows were wrong.
    (The nightly run calls it only for the contracts ``latest_flags_suspect`` names.)"""
    if not latest_flags_broken(contract):
        return 0
    with transaction.atomic():
        Contract.objects.select_for_update().filter(pk=contract.pk).first()
        broken = latest_flags_broken(contract)
        if broken:
            latest_flags_refresh(contract).write()
            audit_record(
                actor=None,
                actor_label=CHECK_LABEL,
                action="results.latest_rows_repaired",
                obj=contract,
                organisation=contract.lead_commissioner,
                details={"contract": contract.reference, "rows": broken},
            )
    return broken


def _drift_repair(contract: Contract, periods: list[Period], now: datetime) -> list[dict]:
    """Check again under the contract's lock (an acceptance in between is not drift), then recompute
    what differs and record it in the audit log."""
    with transaction.atomic():
        Contract.objects.select_for_update().filter(pk=contract.pk).first()
        drifted = _drift({contract: periods}, now).get(contract.pk, [])
        if drifted:
            repair = {parse_period(item["period"]) for item in drifted}
            results_compute_periods(contract=contract, periods=sorted(repair), now=now)
            audit_record(
                actor=None,
                actor_label=CHECK_LABEL,
                action="results.drift_repaired",
                obj=contract,
                organisation=contract.lead_commissioner,
                details={"contract": contract.reference, "results": drifted[:200], "count": len(drifted)},
            )
    if drifted:
        logger.warning(
            "Stored results of %s differed from a fresh computation: %s", contract.reference, drifted
        )
    return drifted


def results_check_all(
    contracts: list[Contract] | None = None, *, now: datetime | None = None
) -> ResultsCheck:
    """The nightly run: check the stored results of every contract with accepted returns (or of the
    given ones) against the invariant, and repair what breaks it.

    For each contract: the latest-row flags (exactly one latest row per episode, the one the
    measures read); work still waiting is finished; "to date" figures reaching a month to come are
    withdrawn; the periods time alone changes are computed (rolled forward, as expected). Then every
    kept or stored period is compared with a fresh computation, 50 contracts at a time: a stored
    result that differs is drift, recomputed and recorded in the audit log with what differed.
    """
    now = now or timezone.now()
    today = now.astimezone(LONDON).date()
    if contracts is None:
        contracts = list(
            Contract.objects.filter(monthly_returns__attempts__is_current=True)
            .distinct()
            .order_by("pk")
            .select_related("lead_commissioner")
        )
    contracts = [contract for contract in contracts if _computable(contract)]
    with queries_kept():  # every chunk counts with the same queries
        return _check_chunks(contracts, now, today)


def _check_chunks(contracts: list[Contract], now: datetime, today: date) -> ResultsCheck:
    """``results_check_all`` of the given contracts, 50 at a time."""
    total = ResultsCheck()
    for first in range(0, len(contracts), CONTRACTS_PER_RUN):
        chunk = contracts[first : first + CONTRACTS_PER_RUN]
        work: dict[Contract, list[Period]] = {}
        suspect = latest_flags_suspect(tuple(chunk))
        requested = set(
            RecomputeRequest.objects.filter(contract__in=[c.pk for c in chunk]).values_list(
                "contract_id", flat=True
            )
        )
        for contract in chunk:
            total.contracts += 1
            if contract.pk in suspect:
                total.latest_rows_repaired += _flags_repair(contract)
            if contract.pk in requested:
                results_recompute(contract_id=contract.pk)  # finish the background work first: not drift
        # Read after the work above (which may have stored results).
        months = accepted_months_all(chunk)
        stored_all = _periods_stored_all(chunk)
        rolling: dict[Contract, list[Period]] = {}
        for contract in chunk:
            kept = contract_periods(contract, today, months=months[contract.pk])
            stored = stored_all[contract.pk]
            withdrawn = _future_withdraw(contract, stored - {period.identifier for period in kept}, today)
            total.withdrawn += withdrawn
            stored -= set(withdrawn)
            rolling[contract] = _time_moved(contract, kept, stored, now)
            known = {period.identifier: period for period in kept}
            known.update({identifier: parse_period(identifier) for identifier in stored - known.keys()})
            work[contract] = sorted(known.values(), key=lambda p: (p.end, p.kind, p.start))
        total.rolled_forward += len(_compute_store(rolling, now=now))
        for contract_id in _drift(work, now):
            contract = next(c for c in work if c.pk == contract_id)
            total.drifted += _drift_repair(contract, work[contract], now)
    return total


def results_check(contract: Contract, *, now: datetime | None = None) -> ResultsCheck:
    """The nightly check of one contract (``results_check_all``)."""
    return results_check_all([contract], now=now)


def results_recompute_all(*, now: datetime | None = None) -> int:
    """Every kept period of every contract with accepted returns, computed and stored (bulk loads),
    as at ``now`` (the moment of the run unless given)."""
    now = now or timezone.now()
    today = now.astimezone(LONDON).date()
    contracts = list(
        Contract.objects.filter(
            monthly_returns__attempts__is_current=True, person_data_deleted_on__isnull=True
        )
        .distinct()
        .order_by("pk")
    )
    count = 0
    with queries_kept():  # every chunk counts with the same queries
        for first in range(0, len(contracts), CONTRACTS_PER_RUN):
            chunk = contracts[first : first + CONTRACTS_PER_RUN]
            # Every kept period is computed below, so what the chunk's requests ask for is done too
            # (an acceptance from now on makes a new request).
            RecomputeRequest.objects.filter(contract__in=chunk).delete()
            work = {contract: contract_periods(contract, today) for contract in chunk}
            count += len(_compute_store(work, now=now))
    return count


def recompute_run_execute(run_id: int) -> str:
    """Compute a "Recompute now", one period at a time, recording progress after each.

    Safe to run twice: a finished run is left as it is; a run interrupted part-way starts again
    (each period's results are stored whole or not at all).
    """
    run = RecomputeRun.objects.select_related("contract").filter(pk=run_id).first()
    if run is None or not run.active:
        return run.status if run else "missing"
    run.status, run.started_at, run.done, run.results = RecomputeRun.Status.RUNNING, timezone.now(), 0, 0
    run.save(update_fields=["status", "started_at", "done", "results"])
    try:
        for identifier in run.periods:
            run.results += len(results_compute(contract=run.contract, period=parse_period(identifier)))
            run.done += 1
            run.save(update_fields=["done", "results"])
    except Exception as error:  # logged with its traceback, and recorded for the commissioner to see
        logger.exception("Recompute run %s failed", run.pk)
        run.status, run.finished_at = RecomputeRun.Status.FAILED, timezone.now()
        run.error = f"{type(error).__name__}: {error}"[:500]
        run.save(update_fields=["status", "finished_at", "error"])
        return run.status
    run.status, run.finished_at = RecomputeRun.Status.DONE, timezone.now()
    run.save(update_fields=["status", "finished_at"])
    return run.status
