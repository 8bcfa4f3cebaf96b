"""Benchmark: a BI tool exporting every latest result through the API, as a commissioner's token.

Builds the `make bench-compliance` portfolio (BENCH_CONTRACTS contracts, default 200) with every
quarter computed, then pages through `/api/v1/results/?page_size=500` with a read-only token,
BENCH_ROUNDS times (default 3). Prints:
- the time per page (p50, p95) and for the whole export, rows per second, and queries per page;
- the same export repeated with If-None-Match on every page (all 304: what an hourly refresh
  costs when nothing changed);
- the floor: one raw SQL query reading the same rows, and the ratio export ÷ floor.
Run with `make bench-api` (throwaway PostgreSQL); BENCH_CONTRACTS=50 for a quicker run.
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

import bench_portfolio as portfolio
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.access import acting_for
from accounts.api.tokens import api_token_create
from accounts.models import Membership, Role, User

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PAGE = 500


def token_for(council) -> str:
    user, _ = User.objects.get_or_create(
        email="bench-admin@example.org", defaults={"full_name": "Bench admin"}
    )
    Membership.objects.get_or_create(
        user=user, organisation=council, defaults={"role": Role.COMMISSIONER, "is_admin": True}
    )
    return api_token_create(acting=acting_for(user, council.pk), name="Bench BI", scopes=["read"]).secret


def export(
    client: Client, token: str, etags: dict[str, str] | None = None
) -> tuple[list[float], int, int, dict]:
    """Every page of the latest results; returns page times (ms), rows, queries, and each page's ETag."""
    url, rows, times, queries, seen = f"/api/v1/results/?page_size={PAGE}", 0, [], [], {}
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        while url:
            extra = {"HTTP_IF_NONE_MATCH": etags[url]} if etags and url in etags else {}
            begin = time.perf_counter()
            response = client.get(url, **headers, **extra)
            times.append((time.perf_counter() - begin) * 1000)
            assert response.status_code in (200, 304), response.status_code
            seen[url] = response["ETag"]
            if response.status_code == 304:
                url = next((u for u in list(etags)[list(etags).index(url) + 1 :]), None)
                continue
            body = response.json()
            rows += len(body["results"])
            url = body["next"].removeprefix("http://localhost") if body["next"] else None
    return times, rows, len(queries), seen


def floor() -> float:
    """The best of five: one query reading every latest result with the columns the API gives."""
    best = float("inf")
    with connection.cursor() as cursor:
        for _ in range(5):
            start = time.perf_counter()
            cursor.execute(
                "SELECT r.id, r.contract_id, c.reference, r.target_id, r.target_version_id, r.period, "
                "r.period_kind, r.period_start, r.period_end, r.numerator, r.denominator, r.value, r.rag, "
                "r.not_rated_reason, r.direction, r.pending, r.missing, r.restated, r.computed_at "
                "FROM outcomes_complianceresult r JOIN commissioning_contract c ON c.id = r.contract_id "
                "WHERE r.is_latest ORDER BY r.id DESC"
            )
            cursor.fetchall()
            best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "1000000/minute", "api-submit": "1000/minute"},
    }
    start = time.perf_counter()
    contracts, results = portfolio.build()
    print(
        f"Portfolio: {len(contracts)} contracts, {results:,} results stored, built in {time.perf_counter() - start:.0f} s"
    )
    client = Client(HTTP_HOST="localhost")
    token = token_for(contracts[0].lead_commissioner)
    export(client, token)  # warm up
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        with cProfile.Profile() as profile:
            export(client, token)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    totals, pages = [], []
    for _ in range(ROUNDS):
        times, rows, queries, etags = export(client, token)
        totals.append(sum(times))
        pages.extend(times)
    pages.sort()
    total = statistics.median(totals)
    not_modified, _, _, _ = export(client, token, etags)
    floor_ms = floor()
    print(f"Export of {rows:,} latest results in {len(etags)} pages of {PAGE} (median of {ROUNDS} rounds):")
    print(f"  whole export {total / 1000:.2f} s, {rows / (total / 1000):,.0f} rows/s")
    print(
        f"  per page p50 {statistics.median(pages):.0f} ms, p95 {pages[max(0, round(0.95 * len(pages)) - 1)]:.0f} ms"
    )
    print(f"  queries for the whole export: {queries} ({queries / len(etags):.1f} per page)")
    print(
        f"Refresh with If-None-Match, nothing changed: {sum(not_modified):.0f} ms for {len(not_modified)} pages (all 304)"
    )
    print(f"Floor, one SQL query reading the same rows: {floor_ms:.0f} ms")
    print(f"Ratio export / floor: {total / floor_ms:.0f}x")


if __name__ == "__main__":
    main()
