"""Fair benchmarking: providers ranked on a measure for a quarter, with funnel-plot control limits
around the portfolio rate, so that a small provider is not called an outlier on noise.

Pure functions first (order, ``control_limits``, ``funnel``), then the read ``benchmark_for``
(stored results only; nothing is computed again). Rules, also in docs/guides/portfolio.md:
- comparators: each prime provider of the body's contracts (lead or partner) with a rated quarter
  result on a target of the same measure and the same parameters; a provider with several such
  contracts counts once, its numerators and denominators pooled;
- portfolio rate p = Σ numerators ÷ Σ denominators; a provider counting n people has control
  limits p ± z·√(p(1 − p) ÷ n), clipped to 0–100%, with z = 1.959964 (95%) and 3.090232 (99.8%);
- a value (as shown, to one decimal place) outside the 99.8% limits is "special cause", between
  the 95% and 99.8% limits "worth a look", otherwise within the expected range;
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
from commissioning.models import CommissioningBody, Contract
from outcomes.measures import MEASURES, Direction, Measure
from outcomes.measures.disclosure import suppress_rate
from outcomes.measures.ranking import Rank, shared_rank
from outcomes.measures.rating import percentage, round_half_up
from outcomes.periods import Period, parse_period
from outcomes.results.selectors import result_contracts_for, results_shown

Z_95 = Decimal("1.959964")
Z_998 = Decimal("3.090232")
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


def control_limits(p: Decimal, n: int, z: Decimal) -> tuple[Decimal, Decimal]:
    """(lower, upper) as proportions: p ± z·√(p(1 − p) ÷ n), clipped to [0, 1]."""
    spread = z * (p * (1 - p) / Decimal(n)).sqrt()
    return max(Decimal(0), p - spread), min(Decimal(1), p + spread)


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
    disclosed: bool = True  # False: another provider's figures that would give away a count of 1 to 4

    @property
    def figures(self) -> str:
        if not self.disclosed:
            rate = suppress_rate(self.point.numerator, self.point.denominator)
            return f"{rate.percent} ({rate.numerator} of {rate.denominator})"
        return f"{self.point.value:.1f}% ({self.point.numerator}/{self.point.denominator})"

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


def classify(value: Decimal, rate: Decimal, n: int, higher: bool) -> tuple[str, str]:
    """(flag, side) of a shown value (percent) against the exact limits around ``rate`` for ``n`` episodes."""
    proportion = value / 100
    for z, flag in ((Z_998, SPECIAL_CAUSE), (Z_95, WORTH_A_LOOK)):
        low, high = control_limits(rate, n, z)
        if proportion > high:
            return flag, "better" if higher else "worse"
        if proportion < low:
            return flag, "worse" if higher else "better"
    return WITHIN, ""


def funnel(points: list[Point], better: Direction) -> Funnel:
    """The portfolio rate, and each point's rank, quartile, control limits and flag, best first."""
    numerator = sum(p.numerator for p in points)
    denominator = sum(p.denominator for p in points)
    if not denominator:
        return Funnel(None, numerator, denominator)
    rate = Decimal(numerator) / Decimal(denominator)
    higher = better == Direction.HIGHER
    values = [p.value for p in points]
    rows = []
    for point in sorted(points, key=lambda p: better_first(p.value, higher, p.key)):
        flag, side = classify(point.value, rate, point.denominator, higher)
        rows.append(
            FunnelRow(
                point=point,
                standing=shared_rank(point.value, values, higher=higher),
                limits_95=_percent(control_limits(rate, point.denominator, Z_95)),
                limits_998=_percent(control_limits(rate, point.denominator, Z_998)),
                flag=flag,
                side=side,
            )
        )
    return Funnel(rate, numerator, denominator, rows)


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
        if not self.measure.parameters:
            return self.measure.name
        return f"{self.measure.name} ({self.measure.describe_params(self.params)})"


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


# --- The benchmark -----------------------------------------------------------------------------


@dataclass
class Benchmark:
    body: CommissioningBody
    option: MeasureOption
    quarter: Period
    funnel: Funnel
    anonymised: bool
    you: FunnelRow | None = None

    @property
    def higher(self) -> bool:
        return self.option.measure.direction == Direction.HIGHER


def _pooled_value(numerator: int, denominator: int) -> Decimal:
    value = percentage(numerator, denominator)
    assert value is not None  # pooled from rated results, whose denominators are never 0
    return value


def benchmark_for(
    acting: Acting, measure_key: str, quarter: Period, *, options: Options | None = None
) -> Benchmark | None:
    """The funnel of one measure (key or code) and quarter within the acting organisation's body.

    Commissioners see every comparator named; a provider sees itself as "You" and the others as
    "Provider A", "Provider B", … (best first), with the small-number rule applied to the others'
    figures (outcomes.measures.disclosure: such a row is listed but not plotted). None when the
    measure is not on offer.
    """
    options = options or benchmark_options(acting)
    option = options.measure(measure_key)
    if option is None or options.body is None:
        return None
    rows = (
        _rated(_body_contracts(options.body), timezone.localdate())
        .filter(period=quarter.identifier, target__measure=option.code, target__params=option.params)
        .values(
            "contract_id",
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
    pooled: dict[int, dict] = {}
    for row in per_contract.values():
        held = pooled.setdefault(
            row["contract__provider_id"],
            {"name": row["contract__provider__name"], "numerator": 0, "denominator": 0, "values": []},
        )
        held["numerator"] += row["numerator"]
        held["denominator"] += row["denominator"]
        held["values"].append(row["value"])
    points = [
        Point(
            key=provider_id,
            numerator=held["numerator"],
            denominator=held["denominator"],
            # One contract: the stored value; several: the pooled figures, rounded the one way.
            value=held["values"][0]
            if len(held["values"]) == 1
            else _pooled_value(held["numerator"], held["denominator"]),
        )
        for provider_id, held in pooled.items()
    ]
    result = funnel(points, option.measure.direction)
    anonymised = not acting.is_commissioner
    you = None
    others = 0
    for row in result.rows:
        row.contracts = len(pooled[row.point.key]["values"])
        if not anonymised:
            row.label = pooled[row.point.key]["name"]
        elif row.point.key == acting.organisation.pk:
            row.label, row.is_you, you = "You", True, row
        else:
            row.label = f"Provider {letters(others)}"
            row.disclosed = suppress_rate(row.point.numerator, row.point.denominator).shown
            others += 1
    return Benchmark(options.body, option, quarter, result, anonymised, you)
