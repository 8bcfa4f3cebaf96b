"""The portfolio dashboard's matrix: for one quarter, the contracts a commissioning body can see
(rows) against the measures of their targets (columns), each cell a stored result with its RAG.

Reads only stored results (``is_latest``); nothing is computed again. Every read is one query for
all the contracts at once, so the number of queries does not grow with the number of contracts.
A measure column is a measure with its parameters: two targets of one measure with different
parameters are two columns.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.access import Acting
from commissioning.models import CommissioningBody, Contract, Target, TargetVersion
from commissioning.notices.models import LADDER
from commissioning.notices.selectors import contract_enforcement_stages
from commissioning.qaf.models import QafStatus, QafStatusCode
from commissioning.selectors import ContractFilter, contract_list_for, version_in_force
from outcomes.measures import MEASURES, Measure, ParameterError, target_measure_name
from outcomes.models import months_incomplete
from outcomes.periods import Period, parse_period, quarter_shown
from outcomes.portfolio.dashboard_facts import open_notices, qaf_statuses, returns_outstanding
from outcomes.results.overrides import overrides_in_force
from outcomes.results.selectors import (
    DIRECTION_LABELS,
    NOT_RATED_LABELS,
    RAG_LABELS,
    Cell,
    result_contracts_for,
    results_shown,
)
from providers.models import Provider

MEASURE_ORDER = {code: index for index, code in enumerate(MEASURES)}
# Worst first: the order the "QAF status" sort puts contracts in.
QAF_SEVERITY: dict[str, int] = {
    QafStatusCode.NON_COMPLIANT_PAST_WINDOW: 0,
    QafStatusCode.OVERDUE: 1,
    QafStatusCode.NON_COMPLIANT_IN_WINDOW: 2,
    QafStatusCode.COMPLIANT_ACTIONS_OPEN: 3,
    QafStatusCode.NOT_ASSESSED: 4,
    QafStatusCode.COMPLIANT: 5,
}
SORTS = {
    "reference": "Contract reference",
    "provider": "Provider",
    "reds": "Number of reds (most first)",
    "stage": "Enforcement stage (furthest first)",
    "qaf": "QAF status (worst first)",
}


class ShownResult(NamedTuple):
    """A stored result as a matrix cell shows it: the fields it reads, as plain values (a model
    instance apiece would cost several times the read itself at 800 contracts); the rest of a
    result (its sources above all) is left unread. ``pk`` and ``incomplete`` as on the model."""

    id: int
    contract_id: int
    target_id: int
    period: str
    numerator: int
    denominator: int
    value: Decimal | None
    rag: str
    not_rated_reason: str | None
    direction: str
    pending: int
    missing_months: list[str]
    outside_term_months: list[str]
    restated: bool

    @property
    def pk(self) -> int:
        return self.id

    @property
    def incomplete(self) -> bool:
        return months_incomplete(self.missing_months, self.outside_term_months)


DIRECTION_ARROWS = {"improved": "↑", "stable": "→", "worsened": "↓"}


@dataclass(frozen=True)
class MatrixFilters:
    """What narrows and orders the matrix; every field is optional."""

    commissioner_id: int | None = None
    service_type: str = ""
    provider_id: int | None = None
    status: str = ""
    reds_only: bool = False
    sort: str = "reference"

    @property
    def narrowing(self) -> bool:
        return bool(
            self.commissioner_id or self.service_type or self.provider_id or self.status or self.reds_only
        )


@dataclass
class MatrixCell(Cell):
    """A stored result in the matrix: the shown RAG (any override), the computed one, direction, marks."""

    result: ShownResult  # type: ignore[assignment]  # read as plain values; Cell reads only these

    @property
    def computed_label(self) -> str:
        return RAG_LABELS.get(self.result.rag, self.result.rag)

    @property
    def direction_label(self) -> str:
        return DIRECTION_LABELS.get(self.result.direction, "—")

    @property
    def direction_arrow(self) -> str:
        return DIRECTION_ARROWS.get(self.result.direction, "")

    @property
    def marks(self) -> list[str]:
        """Short words for what the reader must know about the figure (the page's key explains them)."""
        result, marks = self.result, []
        if result.not_rated_reason in NOT_RATED_LABELS:
            marks.append(NOT_RATED_LABELS[result.not_rated_reason])
        if result.incomplete:
            marks.append("incomplete")
        if result.restated:
            marks.append("restated")
        if self.override:
            marks.append("overridden")
        if result.pending:
            marks.append(f"{result.pending} pending")
        return marks


# The matrix's column headers: a few words per measure; the key under the table names each column
# in full (``Column.label``, the measure with its parameters in words).
SHORT_NAMES = {
    "HELP_48H": "Help in 48 hours",
    "INDEPENDENT_WITHIN": "Independent",
    "RESIDENTIAL_ENTRY": "Care home entry",
    "PACKAGE_REDUCED": "Package reduced",
    "PACKAGE_INCREASED": "Package increased",
    "AT_HOME_91D": "At home 91 days",
    "HOSPITAL_ADMISSION": "Hospital admission",
    "DIED_PREFERRED_PLACE": "Died in preferred place",
    "HEALTH_NEEDS_MET": "Health needs met",
    "CARER_SUPPORTED": "Carers supported",
    "DIED_WITH_DIGNITY": "Died with dignity",
    "RETURNS_ON_TIME": "Returns on time",
}
# Worst first, what puts a contract in "Needs attention" besides its reds and enforcement stage.
QAF_ATTENTION: dict[str, str] = {
    QafStatusCode.NON_COMPLIANT_PAST_WINDOW: "QAF non-compliant, past its window",
    QafStatusCode.NON_COMPLIANT_IN_WINDOW: "QAF non-compliant",
    QafStatusCode.OVERDUE: "QAF assessment overdue",
}
STAGE_WORDS = {
    "noc": "Notice of Concern open",
    "breach": "Breach notice open",
    "suspension": "New placements suspended",
    "termination": "Termination recommended",
}


@dataclass
class Column:
    """A measure with its parameters, and the RAG totals of its cells in the visible matrix."""

    key: tuple[str, str]
    measure: Measure
    params_text: str
    name: str = ""  # the measure with its parameters in words (``target_measure_name``)
    short: str = ""  # the header: a few words, unique among the columns
    totals: Counter = field(default_factory=Counter)

    @property
    def label(self) -> str:
        return self.name or self.measure.name

    @property
    def totals_items(self) -> list[tuple[str, int]]:
        return _items(self.totals)

    @property
    def heat(self) -> list[tuple[str, str, int]]:
        """(RAG key, label, count) for green, amber, red and not rated, in that order."""
        return [(key, RAG_LABELS[key], self.totals[key]) for key in ("green", "amber", "red", "not_rated")]


@dataclass
class MatrixRow:
    """A contract: per column its cells (None: a target in force with no stored result; an empty list:
    not measured), and its QAF status, returns outstanding, open notices and enforcement stage."""

    contract: Contract
    entries: list[list[MatrixCell | None]]
    qaf: QafStatus | None
    returns_outstanding: int
    open_notices: int
    stage: str
    totals: Counter

    @property
    def reds(self) -> int:
        return self.totals["red"]

    reasons: list[str] = field(default_factory=list)  # why it needs attention, in words (none: it does not)

    @property
    def returns_only(self) -> bool:
        """It needs attention only for its returns outstanding."""
        return bool(self.reasons) and not (
            self.reds or self.stage or self.open_notices or (self.qaf and self.qaf.status in QAF_ATTENTION)
        )

    @property
    def stage_label(self) -> str:
        return STAGE_WORDS.get(self.stage, "")


@dataclass
class Matrix:
    quarter: Period
    columns: list[Column]
    rows: list[MatrixRow]
    totals: Counter
    contracts_in_quarter: int

    @property
    def totals_items(self) -> list[tuple[str, int]]:
        return _items(self.totals)

    @property
    def contracts_with_red(self) -> int:
        return sum(1 for row in self.rows if row.reds)

    @property
    def contracts_with_open_notice(self) -> int:
        return sum(1 for row in self.rows if row.open_notices)

    @property
    def returns_outstanding(self) -> int:
        return sum(row.returns_outstanding for row in self.rows)

    @property
    def attention(self) -> list[MatrixRow]:
        """The rows that need attention (a red, an open notice or enforcement stage, QAF non-compliant
        or its assessment overdue, returns outstanding), the most pressing first."""
        return sorted((row for row in self.rows if row.reasons), key=_attention_key)

    @property
    def attention_parts(self) -> tuple[list[MatrixRow], list[MatrixRow]]:
        """``attention`` split in two: the rows with a red, enforcement or a QAF concern; the rows
        whose only reason is returns outstanding (the page folds these away)."""
        rows = self.attention
        return [r for r in rows if not r.returns_only], [r for r in rows if r.returns_only]


def _items(totals: Counter) -> list[tuple[str, int]]:
    return [(RAG_LABELS[key], totals[key]) for key in RAG_LABELS]


# --- Quarters and choices ------------------------------------------------------------------------


def dashboard_quarters(acting: Acting) -> list[Period]:
    """Quarters with stored results on contracts the acting body can see, newest first."""
    identifiers = (
        results_shown(contract__in=result_contracts_for(acting), period_kind="quarter")
        .order_by()
        .values_list("period", flat=True)
        .distinct()
    )
    return sorted(
        (parse_period(identifier) for identifier in identifiers), key=lambda p: p.start, reverse=True
    )


def dashboard_default_quarter(quarters: list[Period], today: date | None = None) -> Period | None:
    """The latest quarter that has ended and has results (``quarter_shown``): never one still running."""
    return quarter_shown(quarters, today or timezone.localdate())


def dashboard_commissioners(acting: Acting) -> QuerySet[CommissioningBody]:
    """The acting body and the bodies it works with on the contracts it can see (lead or partner)."""
    visible = result_contracts_for(acting)
    return CommissioningBody.objects.filter(
        Q(pk=acting.organisation.pk)
        | Q(pk__in=visible.values("lead_commissioner_id"))
        | Q(
            pk__in=Contract.partner_commissioners.through.objects.filter(contract__in=visible).values(
                "commissioningbody_id"
            )
        )
    ).order_by("name")


def dashboard_providers(acting: Acting) -> QuerySet[Provider]:
    """The prime providers of the contracts the acting body can see."""
    return Provider.objects.filter(pk__in=result_contracts_for(acting).values("provider_id")).order_by("name")


# --- The matrix ----------------------------------------------------------------------------------


def _params_key(measure: Measure, params: dict) -> str:
    with suppress(ParameterError):  # stored before a parameter changed: still a column of its own
        params = measure.clean_params(params)
    return json.dumps(params, sort_keys=True, default=str)


@dataclass(frozen=True)
class _Target:
    pk: int
    contract_id: int
    measure: str
    params: str  # as PostgreSQL writes the JSON: equal parameters, equal text


class _VersionDates(NamedTuple):
    """A target version's dates, read as plain values: ``version_in_force`` needs nothing more."""

    effective_from: date
    recorded_at: datetime
    id: int
    is_end: bool


def _targets(contract_ids: list[int], with_result: set[int], on: date) -> list[_Target]:
    """The contracts' targets with a stored result, or in force on ``on`` (the latest version from on
    or before that day exists and is not an end, as ``target_version_in_force``): the versions are
    read only for the targets without a result, which are few. Parameters are read as JSON text, to
    be decoded once for each distinct text (``portfolio_matrix``)."""
    targets = [
        _Target(*row)
        for row in Target.objects.filter(contract_id__in=contract_ids)
        .order_by("id")
        .values_list("id", "contract_id", "measure", Cast("params", TextField()))
        if row[2] in MEASURES
    ]
    without = [t.pk for t in targets if t.pk not in with_result]
    versions: dict[int, list[_VersionDates]] = defaultdict(list)
    if without:
        for target_id, effective_from, recorded_at, pk, is_end in (
            TargetVersion.objects.filter(target_id__in=without, effective_from__lte=on)
            .order_by()
            .values_list("target_id", "effective_from", "recorded_at", "id", "is_end")
        ):
            versions[target_id].append(_VersionDates(effective_from, recorded_at, pk, is_end))
    return [
        t
        for t in targets
        if t.pk in with_result or (t.pk in versions and version_in_force(versions[t.pk], on) is not None)
    ]


def _stage_rank(row: MatrixRow) -> int:
    return -(LADDER.index(row.stage) + 1) if row.stage else 0


def _qaf_rank(row: MatrixRow) -> int:
    return QAF_SEVERITY.get(row.qaf.status, 4) if row.qaf else 4


def _attention_key(row: MatrixRow) -> tuple:
    """Reds first (most first), then enforcement (furthest first), QAF (worst first), returns owed."""
    return (
        -row.reds,
        _stage_rank(row),
        _qaf_rank(row),
        -row.returns_outstanding,
        row.contract.reference.lower(),
    )


def _reasons(row: MatrixRow, columns: list[Column]) -> list[str]:
    """Why a contract needs attention, in words: its reds (by column), enforcement, QAF, returns."""
    reasons = []
    red_columns = [
        column.short
        for column, entries in zip(columns, row.entries, strict=True)
        if any(cell and cell.rag == "red" for cell in entries)
    ]
    if red_columns:
        reasons.append(f"Red on {', '.join(red_columns)}")
    if row.stage:
        reasons.append(STAGE_WORDS.get(row.stage, row.stage))
    elif row.open_notices:
        reasons.append(f"{row.open_notices} open notice{'s' if row.open_notices != 1 else ''}")
    if row.qaf and row.qaf.status in QAF_ATTENTION:
        reasons.append(QAF_ATTENTION[row.qaf.status])
    if row.returns_outstanding:
        n = row.returns_outstanding
        reasons.append(f"{n} monthly return{'s' if n != 1 else ''} overdue")
    return reasons


def _short_names(columns: list[Column]) -> None:
    """Each column's header: its measure's few words, with the main parameter where two columns
    share a measure, and a number where that is not enough."""
    for column in columns:
        short = SHORT_NAMES.get(column.measure.code, column.measure.name)
        if (
            column.measure.code == "INDEPENDENT_WITHIN"
        ):  # its window is in its headline: "Independent 42 days"
            short = column.name.split(" (")[0].removesuffix(" after first visit")
        column.short = short
    seen = Counter(column.short for column in columns)
    numbers: Counter = Counter()
    for column in columns:
        if seen[column.short] > 1:
            numbers[column.short] += 1
            column.short = f"{column.short} ({numbers[column.short]})"


def _sort_key(sort: str):
    stage, qaf = _stage_rank, _qaf_rank
    keys = {
        "provider": lambda row: (row.contract.provider.name.lower(), row.contract.reference.lower()),
        "reds": lambda row: (-row.reds, row.contract.reference.lower()),
        "stage": lambda row: (stage(row), row.contract.reference.lower()),
        "qaf": lambda row: (qaf(row), row.contract.reference.lower()),
    }
    return keys.get(sort, lambda row: row.contract.reference.lower())


def portfolio_matrix(acting: Acting, quarter: Period, filters: MatrixFilters | None = None) -> Matrix:
    """The quarter's matrix for the contracts the acting body can see whose term overlaps the quarter,
    filtered and sorted; a fixed number of queries however many contracts there are."""
    filters = filters or MatrixFilters()
    contracts = list(
        contract_list_for(
            acting,
            ContractFilter(
                provider_id=filters.provider_id,
                commissioner_id=filters.commissioner_id,
                status=filters.status,
                service_type=filters.service_type,
            ),
        )
        .filter(start_date__lte=quarter.end, end_date__gte=quarter.start)
        .prefetch_related(None)  # the parties beyond lead and provider are not shown here
    )
    ids = [c.pk for c in contracts]
    results = [
        ShownResult(*row)
        for row in results_shown(contract_id__in=ids, period=quarter.identifier)
        .order_by()
        .values_list(*ShownResult._fields)
    ]
    with_result = {r.target_id for r in results}
    targets = _targets(ids, with_result, quarter.end)
    overrides = overrides_in_force(list(with_result), [quarter.identifier])
    by_target = {r.target_id: r for r in results}

    columns: dict[tuple[str, str], Column] = {}
    params_keys: dict[tuple[str, str], tuple[str, str]] = {}
    target_column: dict[int, tuple[str, str]] = {}
    for t in targets:
        raw = (t.measure, t.params)
        if raw not in params_keys:  # many contracts share a target set: read and clean each one once
            measure, params = MEASURES[t.measure], json.loads(t.params)
            key = params_keys[raw] = (t.measure, _params_key(measure, params))
            if key not in columns:
                params_text = measure.describe_params(params) if measure.parameters else ""
                columns[key] = Column(key, measure, params_text, target_measure_name(measure, params))
        target_column[t.pk] = params_keys[raw]
    ordered = sorted(columns.values(), key=lambda c: (MEASURE_ORDER[c.key[0]], c.params_text))
    index = {column.key: position for position, column in enumerate(ordered)}
    _short_names(ordered)

    qaf = qaf_statuses(contracts)
    outstanding = returns_outstanding(contracts)
    notices = open_notices(ids)
    stages = contract_enforcement_stages(ids)
    rows = {
        c.pk: MatrixRow(
            c,
            [[] for _ in ordered],
            qaf.get(c.pk),
            outstanding[c.pk],
            notices.get(c.pk, 0),
            stages.get(c.pk, ""),
            Counter(),
        )
        for c in contracts
    }
    for t in targets:
        row = rows[t.contract_id]
        result = by_target.get(t.pk)
        cell = MatrixCell(result, overrides.get((t.pk, quarter.identifier))) if result else None
        row.entries[index[target_column[t.pk]]].append(cell)
        if cell:
            row.totals[cell.rag] += 1

    shown = [row for row in rows.values() if row.reds or not filters.reds_only]
    shown.sort(key=_sort_key(filters.sort))
    totals: Counter = Counter()
    for row in shown:
        row.reasons = _reasons(row, ordered)
        totals.update(row.totals)
        for column, entries in zip(ordered, row.entries, strict=True):
            column.totals.update(cell.rag for cell in entries if cell)
    return Matrix(quarter, ordered, shown, totals, len(contracts))
