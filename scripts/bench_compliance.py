"""Benchmark: the compliance engine over a synthetic portfolio, against a hand-written SQL floor.

Portfolio: BENCH_CONTRACTS contracts (default 200) × 24 months of returns, about 2,000 episodes
per contract, with the demo target sets. Prints:
- the engine computing every quarter of every contract (all targets), wall time, in chunks of
  contracts as the nightly run does;
- the floor: one hand-written SQL query per measure over the whole table for the same quarters;
  and the ratio engine ÷ floor;
- the nightly full recompute (every month, quarter, year to date and rolling twelve months);
- one contract's recompute after one new month's return (every period that month touches).
Run with `make bench-compliance` (throwaway PostgreSQL); BENCH_CONTRACTS=20 for a quick run.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection
from django.utils import timezone

from accounts.models import OrganisationKind
from commissioning.demo.contracts import HOMECARE_TARGETS, REABLEMENT_TARGETS
from commissioning.models import CommissioningBody, Contract, ServiceType
from commissioning.services.targets import TargetInput, target_create
from outcomes.demo.returns import as_known_at, simulate
from outcomes.models import AttemptStatus, MonthlyReturn, ReturnAttempt
from outcomes.periods import LONDON, add_months, due_at, month_end, quarter_period
from outcomes.results.compute import (
    CONTRACTS_PER_RUN,
    results_check_all,
    results_compute_all,
    results_recompute,
    results_recompute_all,
)
from outcomes.results.latest import latest_flags_refresh
from outcomes.returns.checked import EPISODE_COLUMNS_STORED
from providers.models import Provider

CONTRACTS = int(os.environ.get("BENCH_CONTRACTS", "200"))
FIRST = date(2024, 4, 1)
MONTHS = 24


def _copies(contract: Contract) -> int:
    return 7 if contract.service_type == ServiceType.SHORT_TERM else 25


def build_portfolio() -> list[Contract]:
    council, _ = CommissioningBody.objects.get_or_create(
        name="Bench Council", defaults={"kind": OrganisationKind.COUNCIL}
    )
    contracts = []
    for index in range(CONTRACTS):
        provider, _ = Provider.objects.get_or_create(name=f"Bench Provider {index:03d}")
        short = index % 2 == 0
        contract = Contract.objects.create(
            reference=f"BENCH-{index:03d}",
            title="Benchmark",
            lead_commissioner=council,
            provider=provider,
            service_type=ServiceType.SHORT_TERM if short else ServiceType.HOMECARE,
            start_date=FIRST,
            end_date=date(2027, 3, 31),
            status="active",
        )
        for entry in REABLEMENT_TARGETS if short else HOMECARE_TARGETS:
            target_create(
                contract=contract,
                measure=entry["measure"],
                params=entry["params"],
                data=TargetInput(
                    target_value=entry["target"],
                    effective_from=FIRST,
                    min_denominator=entry.get("min_denominator", 5),
                ),
                actor=None,
                actor_label="Benchmark",
            )
        contracts.append(contract)
    return contracts


def load_returns(contracts: list[Contract]) -> int:
    rows = 0
    with connection.cursor() as cursor:
        for contract in contracts:
            episodes = simulate(contract)
            for month_index in range(MONTHS):
                month = add_months(FIRST, month_index)
                slot = MonthlyReturn.objects.create(
                    contract=contract, month=month, due_at=due_at(month, contract.return_due_day)
                )
                attempt = ReturnAttempt.objects.create(
                    monthly_return=slot,
                    status=AttemptStatus.ACCEPTED,
                    is_current=True,
                    version=1,
                    submitted_at=due_at(month, 10) - timezone.timedelta(days=2),
                    submitted_by_label="Benchmark",
                )
                last = month_end(month)
                with cursor.copy(
                    f"COPY outcomes_episoderecord ({', '.join(EPISODE_COLUMNS_STORED)}) FROM STDIN"
                ) as copy:
                    for original in episodes:
                        known = as_known_at(original, last)
                        if known is None:
                            continue
                        for copy_index in range(_copies(contract)):
                            copy.write_row(
                                (
                                    attempt.pk,
                                    contract.pk,
                                    month,
                                    2,
                                    f"{known.ref}-{copy_index}",
                                    known.person,
                                    known.service_type,
                                    known.source,
                                    known.age_band,
                                    known.dementia,
                                    known.end_of_life,
                                    known.referred_at,
                                    known.first_visit_at,
                                    known.hours_start,
                                    known.hours_now,
                                    known.ended_on,
                                    known.end_reason,
                                    known.preferred_place,
                                    known.at_home_91,
                                    known.referred_at.astimezone(LONDON).date(),
                                    known.first_visit_at.astimezone(LONDON).date()
                                    if known.first_visit_at
                                    else None,
                                )
                            )
                            rows += 1
    for contract in contracts:  # rows were copied in directly: mark the rows the measures read
        latest_flags_refresh(contract)
    with connection.cursor() as cursor:  # statistics as autovacuum would leave them after a load
        cursor.execute("VACUUM ANALYZE outcomes_episoderecord")
    return rows


QUARTERS = [quarter_period(add_months(FIRST, step)) for step in range(0, MONTHS, 3)]
# The rows the measures read, marked at acceptance (outcomes.results.calculators.latest_rows): the floor
# reads the same flag, so the ratio measures the engine, not a different way of finding rows.
LATEST = "SELECT * FROM outcomes_episoderecord WHERE is_latest"
FLOOR_QUERIES = {
    "HELP_48H": """count(*) FILTER (WHERE l.referred_on BETWEEN p.s AND p.f AND NOT (l.first_visit_at IS NULL
        AND l.referred_at > (p.f + 1)::timestamp AT TIME ZONE 'Europe/London' - interval '48 hours')),
        count(*) FILTER (WHERE l.referred_on BETWEEN p.s AND p.f
        AND l.first_visit_at <= l.referred_at + interval '48 hours')""",
    "INDEPENDENT_WITHIN": """count(*) FILTER (WHERE l.service_type = 'short_term' AND l.first_visit_on + 42 BETWEEN p.s AND p.f
        AND NOT (l.end_reason IN ('died', 'moved_away') AND l.ended_on <= l.first_visit_on + 42)),
        count(*) FILTER (WHERE l.service_type = 'short_term' AND l.first_visit_on + 42 BETWEEN p.s AND p.f
        AND l.end_reason = 'independent' AND l.ended_on <= l.first_visit_on + 42)""",
    "RESIDENTIAL_ENTRY": """count(*) FILTER (WHERE l.service_type = 'long_term' AND l.first_visit_on <= p.f
        AND (l.ended_on IS NULL OR l.ended_on >= p.r12)),
        count(*) FILTER (WHERE l.service_type = 'long_term' AND l.first_visit_on <= p.f
        AND l.end_reason IN ('residential_care', 'nursing_care') AND l.ended_on BETWEEN p.r12 AND p.f)""",
    "PACKAGE_REDUCED": """count(*) FILTER (WHERE l.service_type = 'long_term' AND l.first_visit_on <= p.f - 90
        AND (l.ended_on IS NULL OR l.ended_on >= p.f)),
        count(*) FILTER (WHERE l.service_type = 'long_term' AND l.first_visit_on <= p.f - 90
        AND (l.ended_on IS NULL OR l.ended_on >= p.f) AND l.weekly_hours_now < l.weekly_hours_start)""",
    "AT_HOME_91D": """count(*) FILTER (WHERE l.service_type = 'short_term' AND l.referral_source = 'hospital_discharge'
        AND l.age_band <> '18-64' AND l.referred_on + 91 BETWEEN p.s AND p.f),
        count(*) FILTER (WHERE l.service_type = 'short_term' AND l.referral_source = 'hospital_discharge'
        AND l.age_band <> '18-64' AND l.referred_on + 91 BETWEEN p.s AND p.f AND l.at_home_91_days)""",
    "HOSPITAL_ADMISSION": """count(*) FILTER (WHERE l.first_visit_on <= p.f AND (l.ended_on IS NULL OR l.ended_on >= p.s)),
        count(*) FILTER (WHERE l.first_visit_on <= p.f AND l.end_reason = 'hospital' AND l.ended_on BETWEEN p.s AND p.f)""",
}


def floor() -> float:
    periods = ", ".join(
        f"(DATE '{q.start}', DATE '{q.end}', DATE '{add_months(q.end.replace(day=1), -11)}')"
        for q in QUARTERS
    )
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for columns in FLOOR_QUERIES.values():
            cursor.execute(
                f"SELECT l.contract_id, p.s, {columns} FROM ({LATEST}) l "
                f"CROSS JOIN (VALUES {periods}) AS p(s, f, r12) GROUP BY 1, 2"
            )
            cursor.fetchall()
    return time.perf_counter() - start


def main() -> None:
    start = time.perf_counter()
    contracts = build_portfolio()
    rows = load_returns(contracts)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT (contract_id, episode_ref)) FROM outcomes_episoderecord")
        episodes = cursor.fetchone()[0]
    print(
        f"Portfolio: {CONTRACTS} contracts x {MONTHS} months: {episodes:,} episodes (about {episodes // CONTRACTS:,} "
        f"per contract) in {rows:,} monthly rows, built in {time.perf_counter() - start:.0f} s"
    )

    start = time.perf_counter()
    results = 0
    for first in range(0, len(contracts), CONTRACTS_PER_RUN):  # as the nightly run: contracts in chunks
        chunk = contracts[first : first + CONTRACTS_PER_RUN]
        results += len(results_compute_all(dict.fromkeys(chunk, QUARTERS)))
    engine = time.perf_counter() - start
    floor_seconds = min(floor(), floor())  # the better of two runs: the floor is the best case
    print(f"Engine, every quarter of every contract: {engine:8.1f} s  ({results:,} results)")
    print(f"Floor, one SQL query per measure over the whole table (6 measures): {floor_seconds:8.2f} s")
    print(f"Ratio engine / floor: {engine / floor_seconds:.1f}x (aim: within 3x)")

    start = time.perf_counter()
    results = results_recompute_all()
    print(
        f"Nightly full recompute, every period of every contract (months, quarters, years to date, "
        f"rolling twelve months): {time.perf_counter() - start:.1f} s ({results:,} results)"
    )

    start = time.perf_counter()
    check = results_check_all()
    print(
        f"Nightly check, every stored result compared with a fresh computation (and latest-row flags): "
        f"{time.perf_counter() - start:.1f} s for {check.contracts} contracts, {len(check.drifted)} drifted"
    )

    contract = contracts[0]
    start = time.perf_counter()
    periods = results_recompute(contract_id=contract.pk, months=[f"{add_months(FIRST, MONTHS - 1):%Y-%m}"])
    single = time.perf_counter() - start
    print(
        f"One contract after a new month's return: {single:.2f} s for {len(periods)} periods (aim: under 2 s)"
    )


if __name__ == "__main__":
    main()
