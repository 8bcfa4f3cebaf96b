"""Benchmark: the portfolio dashboard over the compliance benchmark's portfolio.

Builds the `make bench-compliance` data set (BENCH_CONTRACTS contracts, default 200, with the demo
target sets), computes every quarter's results as that benchmark does, then asks for the dashboard
page BENCH_REQUESTS times (default 50) as a signed-in commissioner of the council. Prints:
- server time per request (p50, p95, max): the whole request through the middleware and template;
- the number of queries one request makes;
- the floor: one raw SQL query reading the same latest quarter's results, and the ratio page ÷ floor.
Run with `make bench-portfolio` (throwaway PostgreSQL); BENCH_CONTRACTS=50 for a quicker run.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.join(os.getcwd(), "scripts"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

import bench_compliance as compliance
from django.db import connection
from django.test import Client

from accounts.access import acting_for
from accounts.models import Membership, Role, User
from commissioning.models import CommissioningBody, Contract
from commissioning.qaf.models import QafStatus
from outcomes.portfolio.dashboard_facts import returns_outstanding
from outcomes.portfolio.matrix import MatrixFilters, portfolio_matrix
from outcomes.results.compute import CONTRACTS_PER_RUN, results_compute_all

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "50"))
AIM_MS = 300
BENCH_EMAIL = "bench-commissioner@example.org"


def build() -> tuple[list[Contract], int]:
    contracts = compliance.build_portfolio()
    compliance.load_returns(contracts)
    results = 0
    for first in range(0, len(contracts), CONTRACTS_PER_RUN):  # as the nightly run: contracts in chunks
        chunk = contracts[first : first + CONTRACTS_PER_RUN]
        results += len(results_compute_all(dict.fromkeys(chunk, compliance.QUARTERS)))
    council = contracts[0].lead_commissioner
    QafStatus.objects.bulk_create(
        QafStatus(
            commissioner=council,
            provider_id=c.provider_id,
            status="compliant" if i % 3 else "non_compliant_in_window",
            reason="Benchmark",
        )
        for i, c in enumerate(contracts)
    )
    return contracts, results


def commissioner_client(council: CommissioningBody) -> Client:
    user, _ = User.objects.get_or_create(email=BENCH_EMAIL)
    Membership.objects.get_or_create(user=user, organisation=council, defaults={"role": Role.COMMISSIONER})
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def floor(contract_ids: list[int], period: str) -> float:
    """The best of five: one query reading the quarter's latest results of the contracts."""
    times = []
    with connection.cursor() as cursor:
        for _ in range(5):
            start = time.perf_counter()
            cursor.execute(
                "SELECT id, contract_id, target_id, numerator, denominator, value, rag, not_rated_reason, "
                "direction, pending, missing_months, restated FROM outcomes_complianceresult "
                "WHERE is_latest AND period = %s AND contract_id = ANY(%s)",
                [period, contract_ids],
            )
            cursor.fetchall()
            times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    start = time.perf_counter()
    contracts, results = build()
    print(
        f"Portfolio: {len(contracts)} contracts, {results:,} quarterly results stored, "
        f"built and computed in {time.perf_counter() - start:.0f} s"
    )
    client = commissioner_client(contracts[0].lead_commissioner)
    quarter = compliance.QUARTERS[-1].identifier
    url = f"/portfolio/?quarter={quarter}"

    response = client.get(url)  # warm up: templates compiled, caches filled
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    rows, columns = page.count('data-testid="row-'), page.count('data-testid="column"')
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        client.get(url)
    times = []
    for _ in range(REQUESTS):
        begin = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - begin) * 1000)
    times.sort()
    p50 = statistics.median(times)
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    acting = acting_for(User.objects.get(email=BENCH_EMAIL), None)
    period = compliance.QUARTERS[-1]
    parts = {"matrix": [], "returns outstanding": []}
    for _ in range(10):
        begin = time.perf_counter()
        matrix = portfolio_matrix(acting, period, MatrixFilters())
        parts["matrix"].append((time.perf_counter() - begin) * 1000)
        begin = time.perf_counter()
        returns_outstanding([row.contract for row in matrix.rows])
        parts["returns outstanding"].append((time.perf_counter() - begin) * 1000)
    floor_ms = floor([c.pk for c in contracts], quarter) * 1000
    print(
        f"Dashboard {quarter}: {rows} contracts x {columns} measure columns, {len(page) // 1024} KB of HTML"
    )
    print(
        f"Server time over {REQUESTS} requests: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {times[-1]:.0f} ms (aim: p95 under {AIM_MS} ms)"
    )
    print(f"Queries per request: {len(queries)} (the same for any number of contracts)")
    print(
        "Of which (median of 10): the matrix selector "
        + ", ".join(f"{name} {statistics.median(values):.0f} ms" for name, values in parts.items())
    )
    print(f"Floor, one SQL query reading the quarter's latest results: {floor_ms:.1f} ms")
    print(f"Ratio page p50 / floor: {p50 / floor_ms:.0f}x")


if __name__ == "__main__":
    main()
