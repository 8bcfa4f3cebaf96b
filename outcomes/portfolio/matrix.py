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
from functools import cached_property
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.access import Acting
from accounts.id_lists import in_ids
from commissioning.models import CommissioningBody, Contract, Target, TargetVersion
from commissioning.notices.models import LADDER
from commissioning.notices.selectors import contract_enforcement_stages
from commissioning.qaf.models import QafStatus, QafStatusCode
from commissioning.selectors import ContractFilter, contract_list_for, version_in_force
from outcomes.measures import MEASURES, Measure, ParameterError, target_measure_name
from outcomes.models import ComplianceResult, months_incomplete
from outcomes.periods import Period, parse_period, quarter_shown
from outcomes.portfolio.dashboard_facts import Listed, open_notices, qaf_statuses, returns_outstanding
from outcomes.results.overrides import overrides_in_force
from outcomes.results.selectors import (
    DIRECTION_LABELS,
    RAG_LABELS,
    Cell,
    result_contracts_for,
    result_marks,
    results_shown,
)
from outcomes.results.spc import contracts_spc_icons
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
    "attention": "Needs attention (most urgent first)",
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
    attention_only: bool = False
    sort: str = "reference"

    @property
    def narrowing(self) -> bool:
        return bool(
            self.commissioner_id
            or self.service_type
            or self.provider_id
            or self.status
            or self.reds_only
            or self.attention_only
        )

    def keeps(self, standing: Standing) -> bool:
        """Whether the contract is shown: a red when only those are asked for, and likewise for
        needing attention."""
        return bool(standing.reds or not self.reds_only) and (
            standing.needs_attention or not self.attention_only
        )


@dataclass
class MatrixCell(Cell):
    """A stored result in the matrix: the shown RAG (any override), the computed one, direction, marks."""

    result: ShownResult  # type: ignore[assignment]  # read as plain values; Cell reads only these
    spc: dict | None = None  # the target's SPC icons as at the quarter's last month (``contracts_spc_icons``)

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
        return result_marks(self.result, "overridden" if self.override else "")


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
class Standing:
    """A contract's standing in the quarter, read for every contract matching the filters: its RAG
    totals (after overrides), the columns where it has a red, QAF status, returns outstanding, open
    notices and enforcement stage. What the page counts, sorts, filters and lists in "Needs
    attention" comes from these; only the shown page's contracts have their cells built."""

    contract: Listed
    qaf: QafStatus | None
    returns_outstanding: int
    open_notices: int
    stage: str
    totals: Counter
    red_columns: set[int] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)  # set for the rows "Needs attention" shows

    @property
    def reds(self) -> int:
        return self.totals["red"]

    @property
    def needs_attention(self) -> bool:
        """A red, an open notice or enforcement stage, QAF non-compliant or its assessment overdue, or
        returns outstanding."""
        return bool(
            self.reds or self.stage or self.open_notices or self.qaf_concern or self.returns_outstanding
        )

    @property
    def qaf_concern(self) -> bool:
        return bool(self.qaf and self.qaf.status in QAF_ATTENTION)

    @property
    def returns_only(self) -> bool:
        """It needs attention only for its returns outstanding."""
        return self.needs_attention and not (self.reds or self.stage or self.open_notices or self.qaf_concern)

    @property
    def stage_label(self) -> str:
        return STAGE_WORDS.get(self.stage, "")


@dataclass
class MatrixRow:
    """A contract of the shown page: per column its cells (None: a target in force with no stored
    result; an empty list: not measured), with its standing (QAF status, returns outstanding, open
    notices, enforcement stage, reds)."""

    contract: Contract
    entries: list[list[MatrixCell | None]]
    standing: Standing

    @property
    def reds(self) -> int:
        return self.standing.reds

    @property
    def qaf(self) -> QafStatus | None:
        return self.standing.qaf

    @property
    def returns_outstanding(self) -> int:
        return self.standing.returns_outstanding

    @property
    def open_notices(self) -> int:
        return self.standing.open_notices

    @property
    def stage(self) -> str:
        return self.standing.stage


ATTENTION_SHOWN = 10  # "Needs attention" lists this many of each kind; the matrix filter lists them all
PAGE_SIZE = 50  # contracts per page of the matrix


@dataclass
class Matrix:
    """The quarter's matrix: ``standings`` of every contract shown (filtered and sorted), and ``rows``
    built only for those on the page (every one when the matrix is built for a download)."""

    quarter: Period
    columns: list[Column]
    standings: list[Standing]
    rows: list[MatrixRow]
    totals: Counter
    contracts_in_quarter: int
    page: Page | None = None  # the page shown; None when every row is built

    @property
    def count(self) -> int:
        return len(self.standings)

    @property
    def totals_items(self) -> list[tuple[str, int]]:
        return _items(self.totals)

    @property
    def contracts_with_red(self) -> int:
        return sum(1 for s in self.standings if s.reds)

    @property
    def contracts_with_open_notice(self) -> int:
        return sum(1 for s in self.standings if s.open_notices)

    @property
    def returns_outstanding(self) -> int:
        return sum(s.returns_outstanding for s in self.standings)

    @cached_property
    def attention(self) -> list[Standing]:
        """The contracts that need attention, the most pressing first (reasons not yet in words)."""
        return sorted((s for s in self.standings if s.needs_attention), key=_attention_key)

    def attention_parts(self, limit: int | None = ATTENTION_SHOWN) -> tuple[list[Standing], list[Standing]]:
        """``attention`` split in two, at most ``limit`` of each, with their reasons in words: the
        contracts with a red, enforcement or a QAF concern; those whose only reason is returns
        outstanding (the page folds these away)."""
        urgent = [s for s in self.attention if not s.returns_only][:limit]
        returns_only = [s for s in self.attention if s.returns_only][:limit]
        for standing in urgent + returns_only:
            standing.reasons = _reasons(standing, self.columns)
        return urgent, returns_only

    @property
    def attention_counts(self) -> tuple[int, int]:
        """How many contracts need attention: with a red, enforcement or QAF concern; returns only."""
        returns_only = sum(1 for s in self.attention if s.returns_only)
        return len(self.attention) - returns_only, returns_only


def _items(totals: Counter) -> list[tuple[str, int]]:
    return [(RAG_LABELS[key], totals[key]) for key in RAG_LABELS]


# --- Quarters and choices ------------------------------------------------------------------------


def dashboard_quarters(acting: Acting) -> list[Period]:
    """Quarters with stored results (``results_shown``: the latest) on contracts the acting body can
    see, newest first.

    Read without reading every result: the quarters stored at all are walked one at a time down the
    index of latest results by period (``results_latest_by_period``), and each is kept when a
    contract the body can see has a result in it, which the same index answers at its first row.
    Reading every quarter result of the body's contracts to find their few distinct quarters took
    longer the more contracts the body has."""
    visible, params = result_contracts_for(acting).values("pk").query.sql_with_params()
    results = ComplianceResult._meta.db_table
    latest_quarter = "r.is_latest AND r.period_kind = 'quarter'"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH RECURSIVE stored(period) AS (
                SELECT MIN(r.period) FROM {results} r WHERE {latest_quarter}
                UNION ALL
                SELECT (SELECT MIN(r.period) FROM {results} r WHERE {latest_quarter} AND r.period > stored.period)
                FROM stored WHERE stored.period IS NOT NULL
            )
            SELECT stored.period FROM stored WHERE stored.period IS NOT NULL AND EXISTS (
                SELECT 1 FROM {results} r
                WHERE {latest_quarter} AND r.period = stored.period AND r.contract_id IN ({visible})
            )""",  # noqa: S608 - table names and the compiled visibility query; every value a parameter
            params,
        )
        identifiers = [identifier for (identifier,) in cursor.fetchall()]
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


def _target_rows(contract_ids: list[int]) -> list[tuple[int, int, str, str]]:
    """The contracts' targets as (id, contract id, measure, parameters as JSON text), by id: read once
    a page, for the results' columns and the cells alike."""
    return list(
        Target.objects.filter(in_ids("contract_id", contract_ids))
        .order_by("id")
        .values_list("id", "contract_id", "measure", Cast("params", TextField()))
    )


def _targets(
    contract_ids: list[int],
    period: str,
    on: date,
    with_result: set[int],
    without_result: bool = False,
    rows: list[tuple[int, int, str, str]] | None = None,
) -> list[_Target]:
    """The contracts' targets with a stored result for ``period`` (``with_result``: the ids of the
    targets that have one, as read with the results), or in force on ``on`` (the latest version from
    on or before that day exists and is not an end, as ``target_version_in_force``): the versions are
    read only for the targets without a result, which are few. ``without_result``: only those.
    Parameters are read as JSON text, to be decoded once for each distinct text; ``rows`` are the
    targets as ``_target_rows`` read them, when already read (those of other contracts are passed over)."""
    targets = []
    wanted = set(contract_ids)
    for pk, contract_id, measure, params in _target_rows(contract_ids) if rows is None else rows:
        if contract_id not in wanted:
            continue
        if measure in MEASURES and not (without_result and pk in with_result):
            targets.append(_Target(pk, contract_id, measure, params))
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


def _stage_rank(standing: Standing) -> int:
    return -(LADDER.index(standing.stage) + 1) if standing.stage else 0


def _qaf_rank(standing: Standing) -> int:
    return QAF_SEVERITY.get(standing.qaf.status, 4) if standing.qaf else 4


def _attention_key(standing: Standing) -> tuple:
    """Reds first (most first), then enforcement (furthest first), QAF (worst first), returns owed."""
    return (
        -standing.reds,
        _stage_rank(standing),
        _qaf_rank(standing),
        -standing.returns_outstanding,
        standing.contract.reference.lower(),
    )


def _reasons(standing: Standing, columns: list[Column]) -> list[str]:
    """Why a contract needs attention, in words: its reds (by column), enforcement, QAF, returns."""
    reasons = []
    red_columns = [columns[index].short for index in sorted(standing.red_columns)]
    if red_columns:
        reasons.append(f"Red on {', '.join(red_columns)}")
    if standing.stage:
        reasons.append(STAGE_WORDS.get(standing.stage, standing.stage))
    elif standing.open_notices:
        n = standing.open_notices
        reasons.append(f"{n} open notice{'s' if n != 1 else ''}")
    if standing.qaf and standing.qaf.status in QAF_ATTENTION:
        reasons.append(QAF_ATTENTION[standing.qaf.status])
    if standing.returns_outstanding:
        n = standing.returns_outstanding
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
        "provider": lambda s: (s.contract.provider_name.lower(), s.contract.reference.lower()),
        "reds": lambda s: (-s.reds, s.contract.reference.lower()),
        "stage": lambda s: (stage(s), s.contract.reference.lower()),
        "qaf": lambda s: (qaf(s), s.contract.reference.lower()),
        "attention": _attention_key,
    }
    return keys.get(sort, lambda s: s.contract.reference.lower())


class _Columns:
    """The measure columns met so far, each measure with its cleaned parameters; many contracts share
    a target set, so each distinct (measure, parameters text) is decoded and cleaned once."""

    def __init__(self) -> None:
        self.columns: dict[tuple[str, str], Column] = {}
        self._keys: dict[tuple[str, str], tuple[str, str]] = {}

    def key(self, code: str, params_text: str) -> tuple[str, str]:
        raw = (code, params_text)
        if raw not in self._keys:
            measure, params = MEASURES[code], json.loads(params_text)
            key = self._keys[raw] = (code, _params_key(measure, params))
            if key not in self.columns:
                described = measure.describe_params(params) if measure.parameters else ""
                self.columns[key] = Column(key, measure, described, target_measure_name(measure, params))
        return self._keys[raw]

    def ordered(self) -> list[Column]:
        ordered = sorted(self.columns.values(), key=lambda c: (MEASURE_ORDER[c.key[0]], c.params_text))
        _short_names(ordered)
        return ordered


def _listed(acting: Acting, quarter: Period, filters: MatrixFilters) -> list[Listed]:
    """The contracts the acting body can see whose term overlaps the quarter, filtered: plain values."""
    contracts = (
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
        .prefetch_related(None)
    )
    fields = ["provider__name" if name == "provider_name" else name for name in Listed._fields]
    return [Listed(*row) for row in contracts.values_list(*fields)]


def portfolio_matrix(
    acting: Acting, quarter: Period, filters: MatrixFilters | None = None, page: str | int | None = None
) -> Matrix:
    """The quarter's matrix for the contracts the acting body can see whose term overlaps the quarter,
    filtered and sorted; a fixed number of queries however many contracts there are.

    Every contract's standing (RAG totals, reds, QAF, returns, notices, enforcement) is read as plain
    values, for the totals, heat map, counts, order and "Needs attention"; cells are built only for
    the page asked for (``page``, a number as the query string gives it: past the last page is the
    last page, anything else not a page number the first), or for every contract when ``page`` is None
    (the downloads)."""
    filters = filters or MatrixFilters()
    period = quarter.identifier
    listed = _listed(acting, quarter, filters)
    ids = [c.pk for c in listed]
    overrides = overrides_in_force(Target.objects.filter(in_ids("contract_id", ids)).values("pk"), [period])
    target_rows = _target_rows(ids)
    about = {pk: (measure, params) for pk, _, measure, params in target_rows}
    columns = _Columns()
    shown_rags = []  # (contract, column key, RAG shown) of every stored result
    with_result = set()  # the targets with a stored result
    for target_id, contract_id, rag in (
        results_shown(period=period)
        .filter(in_ids("contract_id", ids))
        .order_by()
        .values_list("target_id", "contract_id", "rag")
    ):
        with_result.add(target_id)
        measure, params = about[target_id]
        if measure in MEASURES:
            override = overrides.get((target_id, period))
            shown_rags.append((contract_id, columns.key(measure, params), override.rag if override else rag))
    for t in _targets(ids, period, quarter.end, with_result, without_result=True, rows=target_rows):
        columns.key(t.measure, t.params)
    ordered = columns.ordered()
    index = {column.key: position for position, column in enumerate(ordered)}

    qaf = qaf_statuses(listed)
    outstanding = returns_outstanding(listed)
    notices = open_notices(ids)
    stages = contract_enforcement_stages(ids)
    standings = {
        c.pk: Standing(
            c, qaf.get(c.pk), outstanding[c.pk], notices.get(c.pk, 0), stages.get(c.pk, ""), Counter()
        )
        for c in listed
    }
    for contract_id, key, rag in shown_rags:
        standing = standings[contract_id]
        standing.totals[rag] += 1
        if rag == "red":
            standing.red_columns.add(index[key])
    shown = [s for s in standings.values() if filters.keeps(s)]
    shown.sort(key=_sort_key(filters.sort))
    kept = {s.contract.pk for s in shown}
    totals: Counter = Counter()
    for contract_id, key, rag in shown_rags:
        if contract_id in kept:
            totals[rag] += 1
            ordered[index[key]].totals[rag] += 1

    paged = Paginator(shown, PAGE_SIZE).get_page(page) if page is not None else None
    on_page = list(paged.object_list) if paged is not None else shown
    rows = _rows(
        on_page,
        period,
        quarter.end,
        columns,
        index,
        overrides,
        spc=paged is not None,
        target_rows=target_rows,
    )
    return Matrix(quarter, ordered, shown, rows, totals, len(listed), paged)


def _rows(
    standings: list[Standing],
    period: str,
    on: date,
    columns: _Columns,
    index: dict[tuple[str, str], int],
    overrides: dict,
    *,
    spc: bool = False,
    target_rows: list[tuple[int, int, str, str]] | None = None,
) -> list[MatrixRow]:
    """The matrix rows of these contracts, in this order: each cell its stored result (or None), and
    with ``spc`` (a page, not a download) its target's SPC icons; ``target_rows`` as ``_targets`` takes them."""
    ids = [s.contract.pk for s in standings]
    contracts = Contract.objects.select_related("provider", "lead_commissioner").in_bulk(ids)
    by_target = {
        r.target_id: r
        for r in (
            ShownResult(*row)
            for row in results_shown(contract_id__in=ids, period=period)
            .order_by()
            .values_list(*ShownResult._fields)
        )
    }
    rows = {s.contract.pk: MatrixRow(contracts[s.contract.pk], [[] for _ in index], s) for s in standings}
    targets = _targets(ids, period, on, set(by_target), rows=target_rows)
    measures = {t.pk: t.measure for t in targets}
    icons = contracts_spc_icons(ids, until=on.replace(day=1), measures=measures) if spc and ids else {}
    for t in targets:
        result = by_target.get(t.pk)
        cell = MatrixCell(result, overrides.get((t.pk, period)), icons.get(t.pk)) if result else None
        rows[t.contract_id].entries[index[columns.key(t.measure, t.params)]].append(cell)
    return [rows[pk] for pk in ids]
