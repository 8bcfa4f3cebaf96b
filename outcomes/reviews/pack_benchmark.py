"""The provider's position among the commissioning body's other providers on the same measure, for
the review pack: rank and quartile of the quarter's figure, with the others' figures anonymised.

Rules (also in docs/guides/reviews.md):
- comparators: the body's other providers (contracts it leads or is a partner in) with a target of
  the same measure and the same parameters, on a contract of the same service type as the row's
  contract, and a rated result (not "low numbers" or "no data") for the meeting's quarter; where a
  provider has several such contracts of that service type, they are pooled (their numerators and
  denominators added up) by the benchmarking page's one rule (outcomes.portfolio.funnel.pool);
- rank and quartile: the one rule of outcomes.measures.ranking, as on the benchmarking page: best
  first in the measure's better direction, equal values share the best rank (shown "1=" in the
  table, worded "joint 1st of 10"); quartile = ceil(4 × shared rank ÷ number ranked), given only
  with at least four comparators, otherwise just the rank;
- the others are "Provider A", "Provider B", … in the order listed (best first; equal figures by
  an internal order that never changes), whoever reads the pack: no name or id is stored; their
  figures follow the small-number rule (outcomes.measures.disclosure): one that would give away a
  count of 1 to 4 people reads "suppressed";
- the others in summary, given with at least four of them (``peers``, frozen with the position; docs/spec-readings.md): how many, their
  mean and median, the funnel of the benchmarking page (outcomes.portfolio.funnel: the rate of every
  provider compared, this contract's figure included, and its 95% and 99.8% limits at this
  contract's number of episodes, with its flag), how many others are better, level and worse, the
  others outside their own 99.8% limits named by their label, and the points of the chart (the
  others' figures that may be shown: a suppressed one is counted, not plotted).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q

from commissioning.models import Contract
from outcomes.measures import Direction
from outcomes.measures.disclosure import suppress_rate
from outcomes.measures.ranking import MIN_COMPARATORS, shared_ranks
from outcomes.measures.rating import round_half_up
from outcomes.portfolio.funnel import (
    SPECIAL_CAUSE,
    Point,
    better_first,
    funnel,
    letters,
    pool,
    service_type_label,
)
from outcomes.results.selectors import results_shown
from outcomes.reviews.models import ReviewMeeting


def positions_add(
    meeting: ReviewMeeting, rows: list[dict], params: dict[int, dict], service_types: dict[int, str]
) -> None:
    """Add each row's ``position`` for the meeting's quarter (one query for every row), among the
    other providers' contracts of the row's service type (``service_types``: target id → its
    contract's service type)."""
    partnered = Contract.objects.filter(partner_commissioners__pk=meeting.commissioner_id).values("pk")
    others = list(
        results_shown(
            period=meeting.quarter,
            target__measure__in={row["measure_code"] for row in rows},
            not_rated_reason__isnull=True,
            value__isnull=False,
        )
        .filter(Q(contract__lead_commissioner_id=meeting.commissioner_id) | Q(contract__in=partnered))
        .exclude(contract__provider_id=meeting.provider_id)
        .values(
            "contract__provider_id",
            "contract__service_type",
            "target__measure",
            "target__params",
            "value",
            "numerator",
            "denominator",
        )
    )
    for row in rows:
        service_type = service_types[row["target_id"]]
        same = [
            other
            for other in others
            if other["target__measure"] == row["measure_code"]
            and other["target__params"] == params[row["target_id"]]
        ]
        pooled = {
            provider_id: {"value": held.value, "numerator": held.numerator, "denominator": held.denominator}
            for (kind, provider_id), held in pool(same).items()
            if kind == service_type
        }
        row["position"] = _position(meeting, row, pooled, service_type_label(service_type))


def _others_figures(other: dict) -> str:
    """Another provider's figures under the small-number rule (outcomes.measures.disclosure): the
    pack is read by the provider and partner bodies."""
    rate = suppress_rate(other["numerator"], other["denominator"])
    if not rate.shown:
        return f"{rate.percent} ({rate.numerator} of {rate.denominator})"
    return f"{other['value']:.1f}% ({other['numerator']}/{other['denominator']})"


def _position(meeting: ReviewMeeting, row: dict, best: dict[int, dict], service: str) -> dict:
    higher = row["better"] == Direction.HIGHER.value
    comparators = sorted(best.items(), key=lambda item: better_first(item[1]["value"], higher, item[0]))
    entries: list[dict[str, Any]] = [
        {
            "label": f"Provider {letters(i)}",
            "value": f"{other['value']:.1f}",
            "figures": _others_figures(other),
            "this": False,
        }
        for i, (_, other) in enumerate(comparators)
    ]
    others = [other for _, other in comparators]
    current = next((c for c in row["quarters"] if c and c["period"] == meeting.quarter), None)
    quarter = meeting.quarter[-2:]
    if current is None or current["value"] is None or current["not_rated"]:
        return {
            "ranked": False,
            "entries": entries,
            "statement": f"Not ranked: this provider has no rated figure for {quarter}.",
        }
    value = Decimal(current["value"])
    values = [Decimal(e["value"]) for e in entries] + [value]
    places = shared_ranks(values, higher=higher)  # the one rule, every figure ranked at once
    standing = places[value]
    this = {"label": "This provider", "value": current["value"], "figures": current["figures"], "this": True}
    entries.insert(standing.rank - 1, this)  # first among any providers with the same figure
    for entry in entries:
        place = places[Decimal(entry["value"])]
        entry["rank"], entry["rank_text"] = place.rank, place.short
    if not comparators:
        statement = (
            f"No other provider of {meeting.commissioner.name} has a rated figure on this measure for "
            f"{quarter} on a {service} contract: there is nothing to compare with."
        )
        return {"ranked": False, "entries": entries, "statement": statement}
    statement = (
        f"{standing.words} providers of {meeting.commissioner.name} on this measure in {quarter}, on "
        f"{service} contracts"
    )
    if standing.quartile is not None:  # needs MIN_COMPARATORS others
        statement += f": {standing.quartile_label}."
    else:
        statement += (
            f". With fewer than {MIN_COMPARATORS} other providers, quartiles are not meaningful: only the "
            "rank is given."
        )
    return {
        "ranked": True,
        "rank": standing.rank,
        "rank_text": standing.short,
        "shared": standing.shared,
        "rank_words": standing.words,
        "of": standing.ranked,
        "quartile": standing.quartile,
        "quartile_label": standing.quartile_label,
        "entries": entries,
        "statement": statement,
        "service": service,
        # With fewer than MIN_COMPARATORS others a summary would give away their figures: listed only.
        "peers": _peers(current, value, others, entries, higher) if len(others) >= MIN_COMPARATORS else None,
    }


def _peers(current: dict, value: Decimal, others: list[dict], entries: list[dict], higher: bool) -> dict:
    """The others in summary beside this contract's figure (see the module's rules), as shown."""
    this_key = -1  # the others are keyed by their place in ``others``
    points = [
        Point(key=i, numerator=other["numerator"], denominator=other["denominator"], value=other["value"])
        for i, other in enumerate(others)
    ]
    this = Point(this_key, current["numerator"], current["denominator"], value)
    plot = funnel([*points, this], Direction.HIGHER if higher else Direction.LOWER)
    rows = {row.point.key: row for row in plot.rows}
    you = rows[this_key]
    values = sorted(other["value"] for other in others)
    middle = len(values) // 2
    median = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    better = sum(1 for v in values if (v > value if higher else v < value))
    level = sum(1 for v in values if v == value)
    labels = [entry for entry in entries if not entry["this"]]  # best first, as ``others``
    shown = [suppress_rate(other["numerator"], other["denominator"]).value is not None for other in others]
    return {
        "count": len(others),
        "mean": f"{round_half_up(sum(values, Decimal(0)) / len(values)):.1f}",
        "median": f"{round_half_up(median):.1f}",
        "better": better,
        "level": level,
        "worse": len(values) - better - level,
        "rate": plot.rate_text,
        "rate_numerator": plot.numerator,
        "rate_denominator": plot.denominator,
        "limits_95": [str(limit) for limit in you.limits_95],  # as the benchmarking page shows them
        "limits_998": [str(limit) for limit in you.limits_998],
        "flag": you.flag,
        "flag_label": you.flag_label,
        "outliers": [
            {"label": labels[i]["label"], "figures": labels[i]["figures"], "side": rows[i].side}
            for i in range(len(others))
            if rows[i].flag == SPECIAL_CAUSE
        ],
        "this": [current["value"], current["denominator"]],
        "this_figures": current["figures"],
        "points": [
            [f"{other['value']:.1f}", other["denominator"], rows[i].flag]
            for i, other in enumerate(others)
            if shown[i]
        ],
        "not_plotted": shown.count(False),
    }
