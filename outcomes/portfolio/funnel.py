"""Fair benchmarking: providers ranked on a measure for a quarter, with funnel-plot control limits
around the portfolio rate, so that a small provider is not called an outlier on noise.

Pure functions first (order, ``control_limits``, ``funnel``), then the read ``benchmark_for``
(stored results only; nothing is computed again). Rules, also in docs/guides/portfolio.md:
- comparators: each prime provider of the body's contracts (lead or partner) with a rated quarter
  result on a target of the same measure and the same parameters, **within one service type**: one
  funnel per service type (homecare, reablement, …), where a provider with several such contracts of
  that service type counts once, its numerators and denominators pooled (``pool``, the one rule, the
  review pack's too). Pooling across service types is only on request, and then said;
- portfolio rate p = Σ numerators ÷ Σ denominators; a provider counting n people has exact binomial
  control limits: the 2.5% and 97.5% (95% limits) and 0.1% and 99.9% (99.8% limits) quantiles of
  Bin(n, p) as proportions of n (``outcomes.statistics.limits``): right near 0% and 100% and for
  small n, where the normal approximation p ± z·√(p(1 − p) ÷ n) collapses or runs past the ends;
- a provider's count (its numerator) outside the 99.8% limits is "special cause", between the 95%
  and 99.8% limits "worth a look", otherwise within the expected range;
- rank and quartile: outcomes.measures.ranking (the review pack's rule too): equal figures share
  the best rank ("1=", "joint 1st of 10"), and the quartile follows the shared rank;
- a provider reads the others' figures under the small-number rule (outcomes.measures.disclosure):
  a figure that would give away a count of 1 to 4 people is suppressed, and its dot not plotted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from accounts.access import Acting, Capability
from commissioning.models import CommissioningBody, Contract, ServiceType
from outcomes.measures import MEASURES, Direction, Measure, target_measure_name
from outcomes.measures.disclosure import suppress_rate
from outcomes.measures.ranking import Rank, shared_ranks
from outcomes.measures.rating import percentage, round_half_up
from outcomes.periods import Period, parse_period
from outcomes.results.selectors import result_contracts_for, results_shown
from outcomes.statistics.dispersion import Dispersion, dispersion, widened
from outcomes.statistics.limits import binomial_bounds, binomial_limits

Z_95 = Decimal("1.959964")
Z_998 = Decimal("3.090232")
LEVELS = {Z_95: "95", Z_998: "99.8"}  # two-sided coverage: the same tails as these normal quantiles
WITHIN, WORTH_A_LOOK, SPECIAL_CAUSE = "within", "worth_a_look", "special_cause"
TWO_PLACES = Decimal("0.01")


# --- Order and labels (shared with the review pack; ranks: outcomes.measures.ranking) ------------


def better_first(value: Decimal, higher: bool, tiebreak: int = 0) -> tuple[Decimal, int]:
    """A sort key that puts the best value first in the measure's better direction."""
    return (-value if higher else value, tiebreak)


def letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the anonymised label of a comparator."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


# --- Funnel ------------------------------------------------------------------------------------


def control_limits(p: Decimal, n: int, z: Decimal, factor: float = 1.0) -> tuple[Decimal, Decimal]:
    """(lower, upper) as proportions: the exact binomial limits around the rate ``p`` for ``n`` counted
    (``outcomes.statistics.limits``), the 95% ones for ``Z_95`` and the 99.8% ones for ``Z_998``;
    with a ``factor`` above 1 (allowing for over-dispersion, ``outcomes.statistics.dispersion``),
    their distances from ``p`` multiplied by it.

    The one place the limits are worked out: the flags, the table and the chart's curves all call it.
    """
    return widened(p, binomial_limits(p, n, LEVELS[z]), factor)


@dataclass(frozen=True)
class Point:
    """One comparator's pooled figures; ``value`` is the percentage as shown (one decimal place)."""

    key: int
    numerator: int
    denominator: int
    value: Decimal


@dataclass
class FunnelRow:
    point: Point
    standing: Rank  # the shared rank among the providers ranked (outcomes.measures.ranking)
    limits_95: tuple[Decimal, Decimal]  # percentages
    limits_998: tuple[Decimal, Decimal]
    flag: str  # WITHIN, WORTH_A_LOOK or SPECIAL_CAUSE
    side: str  # "better", "worse" or "" (within)
    label: str = ""
    is_you: bool = False
    contracts: int = 1
    references: tuple[str, ...] = ()  # the contracts pooled (shown to commissioners only)
    number: int | None = None  # the point's number on the chart (None: not plotted)
    disclosed: bool = True  # False: another provider's figures that would give away a count of 1 to 4

    @property
    def figures(self) -> str:
        if not self.disclosed:
            rate = suppress_rate(self.point.numerator, self.point.denominator)
            return f"{rate.percent} ({rate.numerator} of {rate.denominator})"
        return f"{self.point.value:.1f}% ({self.point.numerator}/{self.point.denominator})"

    @property
    def shown(self) -> tuple[str, str, str]:
        """(value, numerator, denominator) as the table shows them, under the small-number rule."""
        if not self.disclosed:
            rate = suppress_rate(self.point.numerator, self.point.denominator)
            return rate.percent, rate.numerator, rate.denominator
        return f"{self.point.value:.1f}%", str(self.point.numerator), str(self.point.denominator)

    @property
    def flag_label(self) -> str:
        if self.flag == SPECIAL_CAUSE:
            return f"Special cause: {self.side} than expected"
        if self.flag == WORTH_A_LOOK:
            return f"Worth a look ({self.side} side)"
        return "Within the expected range"

    @property
    def rank(self) -> int:
        return self.standing.rank

    @property
    def rank_short(self) -> str:
        """ "1=" when the rank is shared, else "3": the table's rank column."""
        return self.standing.short

    @property
    def rank_words(self) -> str:
        """ "joint 1st of 10" when the rank is shared, else "3rd of 10"."""
        return self.standing.words

    @property
    def quartile(self) -> int | None:
        return self.standing.quartile

    @property
    def quartile_label(self) -> str:
        return self.standing.quartile_label


@dataclass
class Funnel:
    rate: Decimal | None  # the portfolio rate as a proportion
    numerator: int
    denominator: int
    rows: list[FunnelRow] = field(default_factory=list)
    dispersion: Dispersion | None = None  # the spread's check (None: too few providers to tell)
    factor: float = 1.0  # the limits' widening applied (√φ when over-dispersion is allowed for)

    @property
    def adjusted(self) -> bool:
        return self.factor != 1

    @property
    def rate_percent(self) -> Decimal | None:
        return None if self.rate is None else round_half_up(self.rate * 100)

    @property
    def rate_text(self) -> str:
        if self.rate is None:
            return "—"
        return f"{self.rate_percent:.1f}% ({self.numerator}/{self.denominator})"


def _percent(limits: tuple[Decimal, Decimal]) -> tuple[Decimal, Decimal]:
    return round_half_up(limits[0] * 100, TWO_PLACES), round_half_up(limits[1] * 100, TWO_PLACES)


def classify(count: int, rate: Decimal, n: int, higher: bool, factor: float = 1.0) -> tuple[str, str]:
    """(flag, side) of a provider's count (its numerator) of ``n`` against the exact limits around
    ``rate``: whole counts against whole counts, so the flag always agrees with the limits shown.
    Widened by a ``factor`` above 1, the limits are no longer whole counts; the count is compared
    with n times each limit (``control_limits``), so they still agree."""
    for z, flag in ((Z_998, SPECIAL_CAUSE), (Z_95, WORTH_A_LOOK)):
        if factor != 1:
            lower, upper = control_limits(rate, n, z, factor)
            if count > n * upper:
                return flag, "better" if higher else "worse"
            if count < n * lower:
                return flag, "worse" if higher else "better"
            continue
        low, high = binomial_bounds(rate, n, LEVELS[z])
        if count > high:
            return flag, "better" if higher else "worse"
        if count < low:
            return flag, "worse" if higher else "better"
    return WITHIN, ""


def funnel(points: list[Point], better: Direction, *, allow_for_dispersion: bool = False) -> Funnel:
    """The portfolio rate, and each point's rank, quartile, control limits and flag, best first; the
    check for over-dispersion, and with ``allow_for_dispersion`` the limits widened by √φ when the
    providers' figures are over-dispersed (``outcomes.statistics.dispersion``)."""
    numerator = sum(p.numerator for p in points)
    denominator = sum(p.denominator for p in points)
    if not denominator:
        return Funnel(None, numerator, denominator)
    rate = Decimal(numerator) / Decimal(denominator)
    spread = dispersion([(p.numerator, p.denominator) for p in points], rate)
    factor = spread.factor if spread and allow_for_dispersion else 1.0
    higher = better == Direction.HIGHER
    standings = shared_ranks([p.value for p in points], higher=higher)
    rows = []
    for point in sorted(points, key=lambda p: better_first(p.value, higher, p.key)):
        flag, side = classify(point.numerator, rate, point.denominator, higher, factor)
        rows.append(
            FunnelRow(
                point=point,
                standing=standings[point.value],
                limits_95=_percent(control_limits(rate, point.denominator, Z_95, factor)),
                limits_998=_percent(control_limits(rate, point.denominator, Z_998, factor)),
                flag=flag,
                side=side,
            )
        )
    return Funnel(rate, numerator, denominator, rows, spread, factor)


# --- Measures and quarters on offer -------------------------------------------------------------


def measure_key(code: str, params: dict) -> str:
    """The code alone for the library's default parameters, else the code and a short digest of them."""
    if params == MEASURES[code].defaults:
        return code
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:8]
    return f"{code}.{digest}"


@dataclass(frozen=True)
class MeasureOption:
    key: str
    code: str
    params: dict
    measure: Measure

    @property
    def label(self) -> str:
        return target_measure_name(self.measure, self.params)


@dataclass
class Options:
    """What the acting organisation may benchmark: the body, its measures and the quarters with results."""

    body: CommissioningBody | None
    bodies: list[CommissioningBody]
    measures: list[MeasureOption]
    quarters: list[Period]

    def measure(self, key: str) -> MeasureOption | None:
        """The option for a key, or for a bare code (its first parameter set)."""
        found = next((m for m in self.measures if m.key == key), None)
        return found or next((m for m in self.measures if m.code == key), None)


def _provider_bodies(acting: Acting) -> list[CommissioningBody]:
    own = result_contracts_for(acting)
    return list(
        CommissioningBody.objects.filter(Q(contracts_led__in=own) | Q(contracts_partnered__in=own)).distinct()
    )


def _body_contracts(body: CommissioningBody):
    partnered = Contract.objects.filter(partner_commissioners__pk=body.pk).values("pk")
    return Contract.objects.filter(Q(lead_commissioner_id=body.pk) | Q(pk__in=partnered))


def _rated(contracts, today: date):
    return results_shown(
        contract__in=contracts,
        period_kind="quarter",
        period_end__lt=today,
        not_rated_reason__isnull=True,
        value__isnull=False,
    )


def benchmark_options(acting: Acting, body_id: int | None = None, today: date | None = None) -> Options:
    """The body compared within (a provider may pick among its commissioners), its measures and quarters.

    Commissioners compare within their own body; a provider sees only measures its own contracts
    with that body have.
    """
    today = today or timezone.localdate()
    if acting.is_commissioner:
        if not acting.can(Capability.VIEW_PORTFOLIO):
            return Options(None, [], [], [])
        body = CommissioningBody.objects.filter(pk=acting.organisation.pk).first()
        bodies = [body] if body else []
    else:
        bodies = _provider_bodies(acting)
        body = next((b for b in bodies if b.pk == body_id), bodies[0] if bodies else None)
    if body is None:
        return Options(None, bodies, [], [])
    seen = [
        (code, params, period)
        for code, params, period in _rated(_body_contracts(body), today)
        .values_list("target__measure", "target__params", "period")
        .distinct()
        if code in MEASURES
    ]
    if acting.is_provider:
        own = (
            _body_contracts(body)
            .filter(provider_id=acting.organisation.pk, targets__isnull=False)
            .values_list("targets__measure", "targets__params")
        )
        own_keys = {measure_key(code, params) for code, params in own if code in MEASURES}
        seen = [row for row in seen if measure_key(row[0], row[1]) in own_keys]
    options: dict[str, MeasureOption] = {}
    for code, params, _period in seen:
        key = measure_key(code, params)
        options.setdefault(key, MeasureOption(key, code, params, MEASURES[code]))
    order = list(MEASURES)
    measures = sorted(options.values(), key=lambda m: (order.index(m.code), m.code != m.key, m.key))
    quarters = sorted({parse_period(period) for _c, _p, period in seen}, reverse=True)
    return Options(body, bodies, measures, quarters)


# --- Grouping: the comparison unit (shared with the review pack) --------------------------------

POOLED = ""  # the service-type key of a funnel that pools every service type


@dataclass
class Pooled:
    """One comparator: a provider's contracts of one service type (or of all, when pooled) added up."""

    provider_id: int
    service_type: str  # POOLED when pooled across service types
    numerator: int = 0
    denominator: int = 0
    values: list[Decimal] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    name: str = ""

    @property
    def value(self) -> Decimal:
        """One contract: its stored value; several: the pooled figures, rounded the one way."""
        if len(self.values) == 1:
            return self.values[0]
        value = percentage(self.numerator, self.denominator)
        assert value is not None  # pooled from rated results, whose denominators are never 0
        return value


def pool(rows, *, across_service_types: bool = False) -> dict[tuple[str, int], Pooled]:
    """Each comparator's pooled figures, keyed (service type, provider id): the one grouping rule.

    ``rows`` are rated results as dicts with ``contract__provider_id``, ``contract__service_type``,
    ``numerator``, ``denominator`` and ``value`` (and optionally ``contract__reference`` and
    ``contract__provider__name``), one per contract. A provider's contracts are pooled only within
    one service type, so a weak homecare contract is never hidden by a strong reablement one;
    ``across_service_types`` pools them all under POOLED, for a page that says so.
    """
    pooled: dict[tuple[str, int], Pooled] = {}
    for row in rows:
        service_type = POOLED if across_service_types else row["contract__service_type"]
        provider_id = row["contract__provider_id"]
        held = pooled.setdefault(
            (service_type, provider_id),
            Pooled(provider_id, service_type, name=row.get("contract__provider__name", "")),
        )
        held.numerator += row["numerator"]
        held.denominator += row["denominator"]
        held.values.append(row["value"])
        if row.get("contract__reference"):
            held.references.append(row["contract__reference"])
    return pooled


def service_type_label(service_type: str) -> str:
    """ "Homecare (long-term)", or "All service types pooled" for POOLED."""
    if service_type == POOLED:
        return "All service types pooled"
    return str(ServiceType(service_type).label) if service_type in ServiceType.values else service_type


# --- The benchmark -----------------------------------------------------------------------------


@dataclass
class Benchmark:
    body: CommissioningBody
    option: MeasureOption
    quarter: Period
    funnel: Funnel
    anonymised: bool
    you: FunnelRow | None = None
    service_type: str = POOLED

    @property
    def higher(self) -> bool:
        return self.option.measure.direction == Direction.HIGHER

    @property
    def pooled(self) -> bool:
        return self.service_type == POOLED

    @property
    def service_label(self) -> str:
        return service_type_label(self.service_type)

    @property
    def slug(self) -> str:
        """An id for the page's elements: ``homecare``, ``short-term`` or ``pooled``."""
        return (self.service_type or "pooled").replace("_", "-")


def benchmarks_for(
    acting: Acting,
    measure_key: str,
    quarter: Period,
    *,
    options: Options | None = None,
    pooled: bool = False,
    allow_for_dispersion: bool = False,
) -> list[Benchmark]:
    """The funnels of one measure (key or code) and quarter within the acting organisation's body:
    one per service type with a rated result (in the service types' order), or one that pools every
    service type when ``pooled``. A provider sees only the service types of its own contracts with
    the body on the measure.

    Commissioners see every comparator named; a provider sees itself as "You" and the others as
    "Provider A", "Provider B", … (best first), with the small-number rule applied to the others'
    figures (outcomes.measures.disclosure: such a row is listed but not plotted). Empty when the
    measure is not on offer. ``allow_for_dispersion`` widens each plot's limits where its providers'
    figures are over-dispersed.
    """
    options = options or benchmark_options(acting)
    option = options.measure(measure_key)
    if option is None or options.body is None:
        return []
    rows = (
        _rated(_body_contracts(options.body), timezone.localdate())
        .filter(period=quarter.identifier, target__measure=option.code, target__params=option.params)
        .values(
            "contract_id",
            "contract__reference",
            "contract__service_type",
            "contract__provider_id",
            "contract__provider__name",
            "numerator",
            "denominator",
            "value",
        )
        .order_by("contract_id", "-denominator", "-target_id")
    )
    per_contract: dict[int, dict] = {}
    for row in rows:  # a contract with two targets of the same measure and parameters counts once
        per_contract.setdefault(row["contract_id"], row)
    groups = pool(per_contract.values(), across_service_types=pooled)
    order = [POOLED, *ServiceType.values]
    service_types = sorted(
        {key[0] for key in groups}, key=lambda t: (order.index(t) if t in order else 99, t)
    )
    if acting.is_provider and not pooled:
        own = set(
            _body_contracts(options.body)
            .filter(
                provider_id=acting.organisation.pk,
                targets__measure=option.code,
                targets__params=option.params,
            )
            .values_list("service_type", flat=True)
        )
        service_types = [t for t in service_types if t in own]
    return [
        _benchmark(
            acting,
            options,
            option,
            quarter,
            {k[1]: g for k, g in groups.items() if k[0] == t},
            t,
            allow_for_dispersion=allow_for_dispersion,
        )
        for t in service_types
    ]


def _benchmark(
    acting: Acting,
    options: Options,
    option: MeasureOption,
    quarter: Period,
    groups: dict[int, Pooled],
    service_type: str,
    *,
    allow_for_dispersion: bool = False,
) -> Benchmark:
    points = [
        Point(key=provider_id, numerator=held.numerator, denominator=held.denominator, value=held.value)
        for provider_id, held in groups.items()
    ]
    result = funnel(points, option.measure.direction, allow_for_dispersion=allow_for_dispersion)
    anonymised = not acting.is_commissioner
    you = None
    others = 0
    for row in result.rows:
        held = groups[row.point.key]
        row.contracts = len(held.values)
        if not anonymised:
            row.label, row.references = held.name, tuple(sorted(held.references))
        elif row.point.key == acting.organisation.pk:
            row.label, row.is_you, you = "You", True, row
        else:
            row.label = f"Provider {letters(others)}"
            row.disclosed = suppress_rate(row.point.numerator, row.point.denominator).shown
            others += 1
    number = 0
    for row in result.rows:
        if row.disclosed:  # another provider's small numbers are listed, not plotted nor numbered
            number += 1
            row.number = number
    assert options.body is not None
    return Benchmark(options.body, option, quarter, result, anonymised, you, service_type)
