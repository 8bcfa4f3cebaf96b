"""Measure calculators: set-based SQL over the stored episodes, one aggregate query per measure.

Which row of an episode is read (measures.md): for dates, end reasons, flags and follow-ups, the
episode's row in the latest month that contains it, taking each month's newest accepted version
(``latest_rows``). For the package measures' hours on day D, the row of the newest accepted version
of the month containing D (or, if that month has no accepted return, of the latest month before it
that has one). Nothing here loops over episodes in Python: each measure is one aggregate query for
all the periods and contracts asked for (see ``figures_for``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BooleanField,
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
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber

from commissioning.models import Contract
from outcomes.measures.library import AGE_BAND_GROUPS
from outcomes.models import EpisodeRecord, ReturnAttempt, SurveyFigure
from outcomes.periods import LONDON, Period, due_at, month_end, months_between, rolling_twelve_period

SURVEY_MEASURES = ("HEALTH_NEEDS_MET", "CARER_SUPPORTED", "DIED_WITH_DIGNITY")
CARE_HOME_REASONS = ("residential_care", "nursing_care")


@dataclass(frozen=True)
class Figures:
    """What a calculator counted for one period."""

    numerator: int
    denominator: int
    pending: int = 0
    missing: int = 0


# A contract, or several computed together (the nightly run counts a whole portfolio per query).
# Where None is allowed, it means every contract: a query built once, then narrowed to each set of
# contracts it counts (``_grouped_built``).
Contracts = Contract | tuple[Contract, ...]


def of_contracts(contracts: Contracts | None, field: str = "contract") -> Q:
    if contracts is None:
        return Q()
    if isinstance(contracts, Contract):
        return Q(**{field: contracts})
    return Q(**{f"{field}__in": [contract.pk for contract in contracts]})


def current_attempts(contracts: Contracts | None) -> tuple[tuple[int, date, int], ...]:
    """The newest accepted version of each month of the contracts: (contract id, month, version id)."""
    return tuple(
        ReturnAttempt.objects.filter(of_contracts(contracts, "monthly_return__contract"), is_current=True)
        .values_list("monthly_return__contract_id", "monthly_return__month", "pk")
        .order_by("pk")
    )


@dataclass(frozen=True)
class Inputs:
    """What every calculator needs: the contract (or contracts), the period, the data coverage and
    the time of computing. ``attempts`` (from ``current_attempts``) saves reading them per period."""

    contract: Contracts | None
    period: Period
    last_covered_day: date | None  # the last day of the latest month with an accepted return
    now: datetime
    attempts: tuple[tuple[int, date, int], ...] | None = None


@dataclass(frozen=True)
class Basis:
    """What every period is computed from: the contracts (all with the same coverage), the last day
    covered by their accepted returns, and the time of computing."""

    contracts: tuple[Contract, ...]
    last_covered_day: date | None  # the last day of the latest month with an accepted return
    now: datetime
    # The contracts' ``current_attempts``, where the caller has read them already.
    known_attempts: tuple[tuple[int, date, int], ...] | None = None

    @cached_property
    def attempts(self) -> tuple[tuple[int, date, int], ...]:
        if self.known_attempts is not None:
            return self.known_attempts
        return current_attempts(self.contracts)

    def at(self, period: Period) -> Inputs:
        contracts = self.contracts[0] if len(self.contracts) == 1 else self.contracts
        return Inputs(contracts, period, self.last_covered_day, self.now, self.attempts)


def current_rows(contract: Contract) -> QuerySet[EpisodeRecord]:
    """Rows of the newest accepted version of each month of the contract."""
    return EpisodeRecord.objects.filter(contract=contract, attempt__is_current=True)


def latest_rows_computed(contract: Contract) -> QuerySet[EpisodeRecord]:
    """One row per episode: its row in the latest month that contains it (later months correct earlier)."""
    rows = current_rows(contract)
    later = rows.filter(episode_ref=OuterRef("episode_ref"), month__gt=OuterRef("month"))
    return rows.filter(~Exists(later))


def latest_rows(contracts: Contracts | None) -> QuerySet[EpisodeRecord]:
    """The same rows as latest_rows_computed, read from the flag kept at acceptance (much cheaper)."""
    return EpisodeRecord.objects.filter(of_contracts(contracts), is_latest=True)


def latest_rows_ranked(contract: Contract, refs: QuerySet | None = None) -> QuerySet[EpisodeRecord]:
    """The rows of latest_rows_computed, found by ranking each episode's rows newest month first.

    A sort, whatever the planner knows: the anti-join above can be planned as a nested loop over
    the whole contract when the tables' statistics are stale (a first load), which takes minutes.
    """
    rows = current_rows(contract)
    if refs is not None:
        rows = rows.filter(episode_ref__in=refs)  # whole episodes, so the ranking is unchanged
    ranked = rows.annotate(
        newest=Window(RowNumber(), partition_by=[F("episode_ref")], order_by=[F("month").desc()])
    )
    return ranked.filter(newest=1)


def latest_flags_suspect(contracts: Contracts) -> set[int]:
    """The contracts (ids) whose latest-row flags fail a cheap check, in three grouped queries for
    all of them: every flagged row is of a current version with no later current row of its
    episode, and there are as many flagged rows as episodes."""
    ids = [contracts.pk] if isinstance(contracts, Contract) else [contract.pk for contract in contracts]
    current = EpisodeRecord.objects.filter(of_contracts(contracts), attempt__is_current=True)
    flagged = latest_rows(contracts)
    later = EpisodeRecord.objects.filter(
        contract=OuterRef("contract"),
        attempt__is_current=True,
        episode_ref=OuterRef("episode_ref"),
        month__gt=OuterRef("month"),
    )
    misplaced = set(
        flagged.filter(Q(attempt__is_current=False) | Exists(later))
        .values_list("contract_id", flat=True)
        .distinct()
        .order_by()
    )
    counts = dict(
        flagged.values("contract_id").annotate(n=Count("pk")).values_list("contract_id", "n").order_by()
    )
    episodes = dict(
        current.values("contract_id")
        .annotate(n=Count("episode_ref", distinct=True))
        .values_list("contract_id", "n")
        .order_by()
    )
    return {pk for pk in ids if pk in misplaced or counts.get(pk, 0) != episodes.get(pk, 0)}


def latest_flags_broken(contract: Contract) -> int:
    """How many episode rows break the latest-row invariant: exactly one flagged row per episode,
    the row in the latest month that contains it (0 when the flags are right).

    First the cheap check of ``latest_flags_suspect``. Only when that fails are the two sets
    compared row by row, to say how many are wrong.
    """
    if contract.pk not in latest_flags_suspect(contract):
        return 0
    found = set(latest_rows(contract).values_list("pk", flat=True))
    ranked = set(latest_rows_ranked(contract).values_list("pk", flat=True))
    return len(found ^ ranked)


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


@dataclass(frozen=True)
class Counting:
    """How an episode-based measure counts one period, as filters over the measure's rows.

    ``rows`` (made when asked for: only one period's are read when many are counted together) do
    not depend on the period (so every period of a contract can be counted in one query), except where ``per_period`` says the conditions read other rows of the period's own
    (the package measures' hours on the period's last day): those are counted one period at a
    time, each count in its own query so that the database can join rather than look up row by
    row. The denominator is the rows in ``scope`` meeting ``denominator``; the numerator, those
    also meeting ``numerator``; pending, the rows in scope meeting ``pending``; missing, the
    denominator's rows meeting ``missing``. ``shown`` are annotations for listing the rows.
    """

    rows: Callable[[], QuerySet[EpisodeRecord]]
    scope: Q
    denominator: Q
    numerator: Q
    pending: Q | None = None
    missing: Q | None = None
    per_period: bool = False
    shown: dict | None = None

    def counted(self) -> QuerySet[EpisodeRecord]:
        """The denominator's rows (with the ``shown`` annotations)."""
        return self.rows().filter(self.scope & self.denominator).annotate(**(self.shown or {}))

    def conditions(self) -> dict[str, Q]:
        """Each count's condition on the measure's rows."""
        counted = self.scope & self.denominator
        wanted = {"denominator": counted, "numerator": counted & self.numerator}
        if self.pending is not None:
            wanted["pending"] = self.scope & self.pending
        if self.missing is not None:
            wanted["missing"] = counted & self.missing
        return wanted

    def aggregates(self, suffix: str = "") -> dict[str, Count]:
        return {f"{name}{suffix}": _count(condition) for name, condition in self.conditions().items()}


EVERY_ROW = Q(pk__isnull=False)


def help_48h(inputs: Inputs, params: dict) -> Counting:
    """Referrals in the period; visited within 48 elapsed hours; unvisited ones still inside 48 h left out."""
    start, end = inputs.period.start, inputs.period.end
    # In UTC: subtracting hours from a London datetime is clock arithmetic, wrong across a clock change.
    end_instant = datetime.combine(end + timedelta(days=1), time.min, tzinfo=LONDON).astimezone(UTC)
    still_running = Q(first_visit_at__isnull=True, referred_at__gt=end_instant - timedelta(hours=48))
    within = Q(first_visit_at__isnull=False, first_visit_at__lte=F("referred_at") + timedelta(hours=48))
    return Counting(
        rows=lambda: latest_rows(inputs.contract),
        scope=Q(referred_on__gte=start, referred_on__lte=end),
        denominator=~still_running,
        numerator=within,
    )


def independent_within(inputs: Inputs, params: dict) -> Counting:
    """First-visit cohort judged at first visit + N days, less excluded endings by then; pending if not yet covered."""
    days = params["window_days"]
    start, end = inputs.period.start, inputs.period.end

    def rows() -> QuerySet[EpisodeRecord]:
        found = latest_rows(inputs.contract).filter(
            service_type_filter(params["service_type"]), first_visit_on__isnull=False
        )
        if params["referral_source"] != "any":
            found = found.filter(referral_source=params["referral_source"])
        return found.annotate(judging_day=plus_days("first_visit_on", days))

    judged = judged_by("first_visit_on", days, inputs)
    excluded = Q(end_reason__in=params["exclude"], ended_on__isnull=False, ended_on__lte=F("judging_day"))
    independent = Q(end_reason="independent", ended_on__isnull=False, ended_on__lte=F("judging_day"))
    return Counting(
        rows=rows,
        scope=Q(
            first_visit_on__gte=start - timedelta(days=days), first_visit_on__lte=end - timedelta(days=days)
        ),
        denominator=judged & ~excluded,
        numerator=independent,
        pending=~judged,
    )


def lookback_window(period: Period, lookback: str) -> tuple[date, date]:
    """RESIDENTIAL_ENTRY's window: the twelve months ending at the period's end, or the period itself."""
    if lookback == "R12":
        window = rolling_twelve_period(period.end)
        return window.start, window.end
    return period.start, period.end


def residential_entry(inputs: Inputs, params: dict) -> Counting:
    """Distinct episodes of the cohort open in the lookback window; those that ended in a care home in it."""
    start, end = lookback_window(inputs.period, params["lookback"])

    def rows() -> QuerySet[EpisodeRecord]:
        found = latest_rows(inputs.contract).filter(service_type_filter(params["service_type"]))
        if params["dementia"] != "any":
            found = found.filter(dementia=params["dementia"] == "Y")
        return found

    return Counting(
        rows=rows,
        scope=open_during(start, end),
        denominator=EVERY_ROW,
        numerator=Q(end_reason__in=CARE_HOME_REASONS, ended_on__gte=start, ended_on__lte=end),
    )


def snapshot_attempts(inputs: Inputs, day: date) -> list[int]:
    """For each contract, the newest accepted version of the month containing ``day`` (or, if that
    month has none, of the latest month before it with one)."""
    known = inputs.attempts if inputs.attempts is not None else current_attempts(inputs.contract)
    newest: dict[int, tuple[date, int]] = {}
    for contract_id, month, pk in known:
        if month <= day and (contract_id not in newest or month > newest[contract_id][0]):
            newest[contract_id] = (month, pk)
    return [pk for _, pk in newest.values()]


def _package(inputs: Inputs, params: dict, *, reduced: bool) -> Counting:
    day = inputs.period.end
    same_episode = EpisodeRecord.objects.filter(
        attempt_id__in=snapshot_attempts(inputs, day),
        contract=OuterRef("contract"),
        episode_ref=OuterRef("episode_ref"),
    )
    hours = "weekly_hours_now__lt" if reduced else "weekly_hours_now__gt"
    changed = same_episode.filter(**{hours: OuterRef("weekly_hours_start")})
    return Counting(
        rows=lambda: latest_rows(inputs.contract).filter(service_type="long_term"),
        scope=open_during(day, day) & Q(first_visit_on__lte=day - timedelta(days=params["min_tenure_days"])),
        denominator=EVERY_ROW,
        numerator=Q(Exists(changed)),
        per_period=True,
        shown={"hours_then": Subquery(same_episode.values("weekly_hours_now")[:1])},
    )


def package_reduced(inputs: Inputs, params: dict) -> Counting:
    """Long-term episodes open on the period's last day after the minimum tenure; hours now below the start."""
    return _package(inputs, params, reduced=True)


def package_increased(inputs: Inputs, params: dict) -> Counting:
    """As package_reduced; hours now above the start."""
    return _package(inputs, params, reduced=False)


def at_home_91d(inputs: Inputs, params: dict) -> Counting:
    """Hospital-discharge short-term episodes in the age bands judged at referral + 91 days; blank = not at home."""
    bands = params["age_bands"]
    bands = list(AGE_BAND_GROUPS.get(bands, bands)) if isinstance(bands, str) else list(bands)
    start, end = inputs.period.start, inputs.period.end
    judged = judged_by("referred_on", 91, inputs)
    return Counting(
        rows=lambda: latest_rows(inputs.contract).filter(
            referral_source="hospital_discharge", service_type="short_term", age_band__in=bands
        ),
        scope=Q(referred_on__gte=start - timedelta(days=91), referred_on__lte=end - timedelta(days=91)),
        denominator=judged,
        numerator=Q(at_home_91_days=True),
        pending=~judged,
        missing=Q(at_home_91_days__isnull=True),
    )


def hospital_admission(inputs: Inputs, params: dict) -> Counting:
    """Distinct episodes open in the period; those that ended 'hospital' in it."""
    start, end = inputs.period.start, inputs.period.end
    return Counting(
        rows=lambda: latest_rows(inputs.contract),
        scope=open_during(start, end),
        denominator=EVERY_ROW,
        numerator=Q(end_reason="hospital", ended_on__gte=start, ended_on__lte=end),
    )


def died_preferred_place(inputs: Inputs, params: dict) -> Counting:
    """End-of-life episodes that ended 'died' in the period; those who died in their preferred place."""
    start, end = inputs.period.start, inputs.period.end
    return Counting(
        rows=lambda: latest_rows(inputs.contract).filter(end_of_life=True, end_reason="died"),
        scope=Q(ended_on__gte=start, ended_on__lte=end),
        denominator=EVERY_ROW,
        numerator=Q(died_in_preferred_place=True),
        missing=Q(died_in_preferred_place__isnull=True),
    )


COUNTINGS: dict[str, Any] = {
    "HELP_48H": help_48h,
    "INDEPENDENT_WITHIN": independent_within,
    "RESIDENTIAL_ENTRY": residential_entry,
    "PACKAGE_REDUCED": package_reduced,
    "PACKAGE_INCREASED": package_increased,
    "AT_HOME_91D": at_home_91d,
    "HOSPITAL_ADMISSION": hospital_admission,
    "DIED_PREFERRED_PLACE": died_preferred_place,
}

PERIODS_PER_QUERY = 40  # at most four counts a period: well inside any database's column limit

# Figures by contract id, then by period.
ByContract = dict[int, dict[Period, Figures]]


def _by_contract(
    rows: Iterable[dict], names: Iterable[str], contracts: tuple[Contract, ...]
) -> dict[int, dict]:
    """Grouped rows (each with its ``contract_id``) by contract; a contract without a row gets None
    for each of the ``names``."""
    found = {row.pop("contract_id"): row for row in rows}
    return {contract.pk: found.get(contract.pk, dict.fromkeys(names)) for contract in contracts}


def _grouped(rows: QuerySet, aggregates: dict, contracts: tuple[Contract, ...]) -> dict[int, dict]:
    """The aggregates per contract (one GROUP BY query); a contract without rows gets None for each."""
    return _by_contract(rows.values("contract_id").annotate(**aggregates).order_by(), aggregates, contracts)


@dataclass(frozen=True)
class Compiled:
    """An aggregate query's SQL for any set of contracts, whose ids are the parameter at ``slot``
    (no SQL: the query can match no row), and the names of its aggregates."""

    sql: str | None
    params: tuple
    slot: int
    using: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, grouped: QuerySet) -> Compiled:
        slot = object()
        operations = connections[grouped.db].ops
        column = (
            f"{operations.quote_name(grouped.model._meta.db_table)}.{operations.quote_name('contract_id')}"
        )
        within = RawSQL(f"{column} = ANY(%s)", (slot,), output_field=BooleanField())  # noqa: S611 - names from the model
        names = tuple(grouped.query.annotation_select)
        try:
            sql, params = grouped.filter(within).query.get_compiler(using=grouped.db).as_sql()
        except EmptyResultSet:
            return cls(None, (), -1, grouped.db, names)
        return cls(sql, tuple(params), [id(param) for param in params].index(id(slot)), grouped.db, names)

    def rows(self, contracts: tuple[Contract, ...]) -> list[dict]:
        """The query's rows for the contracts, by column name."""
        if self.sql is None:
            return []
        params = list(self.params)
        params[self.slot] = [contract.pk for contract in contracts]
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, params)
            columns = [column.name for column in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# The aggregate queries kept for reuse inside ``queries_kept``, by what each is built from.
_KEPT: ContextVar[dict[tuple, Compiled] | None] = ContextVar("kept_queries", default=None)


@contextmanager
def queries_kept() -> Iterator[None]:
    """Inside it, each aggregate query for every contract is built once per key and reused for
    each set of contracts (``_grouped_built``): for a run that counts the same periods of many
    chunks of contracts (the nightly check, a full recompute). Nothing is kept after it."""
    token = _KEPT.set({})
    try:
        yield
    finally:
        _KEPT.reset(token)


def _grouped_built(
    key: tuple, build: Callable[[], QuerySet], contracts: tuple[Contract, ...]
) -> dict[int, dict]:
    """``_grouped`` of a query that ``build`` makes for every contract (grouped by contract and
    aggregated), narrowed to the contracts. Inside ``queries_kept`` (on PostgreSQL) it is built and
    compiled once per ``key`` (everything it is built from), the contracts' ids one array parameter:
    building and compiling many conditional aggregates costs more than running them, and a bulk run
    counts the same periods of every 50 contracts."""
    kept = _KEPT.get()
    if kept is None or connections[EpisodeRecord.objects.db].vendor != "postgresql":
        grouped = build()
        return _by_contract(
            grouped.filter(of_contracts(contracts)), grouped.query.annotation_select, contracts
        )
    if key not in kept:
        kept[key] = Compiled.of(build())
    return _by_contract(kept[key].rows(contracts), kept[key].names, contracts)


def _params_key(params: dict) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def _counted(measure: str, basis: Basis, periods: list[Period], params: dict) -> ByContract:
    """Every period of an episode-based measure for every contract of the basis, in one aggregate
    query (per 40 periods), grouped by contract. Measures whose rows carry a figure of the period's
    own take one query per distinct period end."""
    first_counting = COUNTINGS[measure](basis.at(periods[0]), params)
    figures: ByContract = {contract.pk: {} for contract in basis.contracts}

    def read(batch: list[Period], counts: dict[int, dict]) -> None:
        for contract_id, row in counts.items():
            values: list[dict[str, int]] = [{} for _ in batch]
            for key, value in row.items():
                name, index = key.rsplit("__", 1)
                values[int(index)][name] = value or 0
            for index, period in enumerate(batch):
                figures[contract_id][period] = Figures(**values[index])

    if first_counting.per_period:  # a property of the measure: the same for every period
        by_end: dict[date, list[Period]] = {}
        for period in periods:
            by_end.setdefault(period.end, []).append(period)
        for same_end in by_end.values():
            counting = COUNTINGS[measure](basis.at(same_end[0]), params)
            counts: dict[int, dict] = {contract.pk: {} for contract in basis.contracts}
            measured = counting.rows()
            for name, condition in counting.conditions().items():
                rows = measured.filter(condition)  # in WHERE: a semi-join, not a lookup per row
                for contract_id, row in _grouped(rows, {f"{name}__0": Count("pk")}, basis.contracts).items():
                    counts[contract_id].update(row)
            for period in same_end:
                read([period], counts)
        return figures
    for first in range(0, len(periods), PERIODS_PER_QUERY):
        batch = periods[first : first + PERIODS_PER_QUERY]

        def counted(batch: list[Period] = batch) -> QuerySet:
            """The batch's counts for every contract (narrowed to the basis's by ``_grouped_built``)."""
            countings = [
                COUNTINGS[measure](Inputs(None, period, basis.last_covered_day, basis.now), params)
                for period in batch
            ]
            aggregates: dict[str, Count] = {}
            for index, counting in enumerate(countings):
                aggregates.update(counting.aggregates(f"__{index}"))
            return countings[0].rows().values("contract_id").annotate(**aggregates).order_by()

        key = ("counted", measure, _params_key(params), tuple(batch), basis.last_covered_day, basis.now)
        read(batch, _grouped_built(key, counted, basis.contracts))
    return figures


def _survey_sums(code: str, basis: Basis, periods: list[Period]) -> ByContract:
    """Sums of the survey figures of each period's months (newest accepted version of each), one query."""

    def summed() -> QuerySet:
        aggregates = {}
        for index, period in enumerate(periods):
            months = Q(month__gte=period.start, month__lte=period.end)
            aggregates[f"numerator__{index}"] = Sum("numerator", filter=months)
            aggregates[f"denominator__{index}"] = Sum("denominator", filter=months)
        rows = SurveyFigure.objects.filter(attempt__is_current=True, measure_code=code)
        return rows.values("contract_id").annotate(**aggregates).order_by()

    return {
        contract_id: {
            period: Figures(sums[f"numerator__{index}"] or 0, sums[f"denominator__{index}"] or 0)
            for index, period in enumerate(periods)
        }
        for contract_id, sums in _grouped_built(
            ("survey", code, tuple(periods)), summed, basis.contracts
        ).items()
    }


def months_due(contract: Contract, period: Period, now: datetime) -> list[date]:
    """Months of the period within the contract's term that have ended and whose due date has passed."""
    months = []
    for month in period.months:
        if month_end(month) < contract.start_date or month > contract.end_date:
            continue
        if month_end(month) < now.astimezone(LONDON).date() and due_at(month, contract.return_due_day) < now:
            months.append(month)
    return months


def _returns_on_time(basis: Basis, periods: list[Period]) -> ByContract:
    """Months due in each period; those whose first accepted return was submitted by the due date."""
    first_versions = ReturnAttempt.objects.filter(
        of_contracts(basis.contracts, "monthly_return__contract"), version=1
    ).values_list(
        "monthly_return__contract_id", "monthly_return__month", "submitted_at", "monthly_return__due_at"
    )
    on_time = {
        (contract_id, month): submitted <= due for contract_id, month, submitted, due in first_versions
    }
    figures: ByContract = {}
    for contract in basis.contracts:
        figures[contract.pk] = {}
        for period in periods:
            months = months_due(contract, period, basis.now)
            timely = sum(1 for month in months if on_time.get((contract.pk, month)))
            figures[contract.pk][period] = Figures(timely, len(months))
    return figures


def figures_for(measure: str, basis: Basis, periods: list[Period], params: dict) -> ByContract:
    """A measure's figures for every given period of every contract of the basis."""
    if not periods:
        return {contract.pk: {} for contract in basis.contracts}
    if measure in COUNTINGS:
        return _counted(measure, basis, periods, params)
    if measure in SURVEY_MEASURES:
        return _survey_sums(measure, basis, periods)
    if measure == "RETURNS_ON_TIME":
        return _returns_on_time(basis, periods)
    raise KeyError(f"No calculator for {measure}")


def calculate(measure: str, inputs: Inputs, params: dict) -> Figures:
    """A measure's figures for one contract and one period."""
    contract = inputs.contract
    assert isinstance(contract, Contract)  # the inputs of one contract, not of several
    basis = Basis((contract,), inputs.last_covered_day, inputs.now)
    return figures_for(measure, basis, [inputs.period], params)[contract.pk][inputs.period]


def data_window(period: Period, measure: str, params: dict) -> tuple[date, date]:
    """The months a result reads: the period, or RESIDENTIAL_ENTRY's lookback window."""
    if measure == "RESIDENTIAL_ENTRY":
        return lookback_window(period, params["lookback"])
    return period.start, period.end


def window_months(contract: Contract, start: date, end: date) -> tuple[list[date], list[date]]:
    """The window's months within the contract's term (a return is owed for each), and those outside
    it (before the contract started or after it ended: no return is owed, and none can cover them)."""
    inside: list[date] = []
    outside: list[date] = []
    for month in months_between(start, end):
        in_term = month_end(month) >= contract.start_date and month <= contract.end_date
        (inside if in_term else outside).append(month)
    return inside, outside
