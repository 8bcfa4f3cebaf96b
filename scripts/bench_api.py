"""Benchmark: a BI tool exporting every latest result through the API, as a commissioner's token.

Builds the `make bench` council (BENCH_SCALE times 50 contracts, default 4: ``scripts/benchmark/data.py``)
with every kept period computed, and a RAG override on one result in 25 (one in four of them withdrawn
since). `make bench` runs the same export at each of its sizes (``scripts/benchmark/size.py``).
BENCH_RESULTS (e.g. 600000, national scale) then copies the contracts with their targets, results
and overrides, in SQL, until about that many latest results are stored. Then pages through
`/api/v1/results/?page_size=500` with a read-only token, BENCH_ROUNDS times (default 3). Prints:
- rows, rows per second, the time per page (p50, p95) and the queries per page;
- the same export again with If-None-Match on every page (all 304: what a refresh costs when
  nothing changed), beside the full export's time;
- the floor: PostgreSQL writing the same pages itself, one statement per page (the page chosen by
  id as the cursor does, the results, `next` and `previous` written in SQL as the API writes them),
  the best of BENCH_FLOOR_RUNS (default 5); every page checked byte for byte against the API's
  answer; and the ratio export ÷ floor.
BENCH_PROFILE=1 adds a profile of one export. Run with `make bench-api` (throwaway PostgreSQL);
BENCH_SCALE=1 for a quicker run.

For other scripts (after django.setup(); importing this module does nothing else):
``token_for(council)``, ``export(client, token, etags=None, digests=None)``,
``floor(council=None, runs=5, digests=None)``, ``overrides_add()``, ``build(scale)`` and
``scale_to(results)``.
"""

from __future__ import annotations

import hashlib
import math
import os
import statistics
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.test import Client

    from accounts.access import Acting
    from commissioning.models import CommissioningBody, Contract

PAGE = 500
HOST = "localhost"
EXPORT_URL = f"/api/v1/results/?page_size={PAGE}"
OVERRIDE_EVERY = 25  # one result in 25 gets a RAG override, and one override in 4 is withdrawn


def _bench_admin(council: CommissioningBody) -> Acting:
    """The bench's admin of ``council`` (made the first time), acting for it."""
    from accounts.access import acting_for
    from accounts.models import Membership, Role, User

    user, _ = User.objects.get_or_create(
        email="bench-admin@example.org", defaults={"full_name": "Bench admin"}
    )
    Membership.objects.get_or_create(
        user=user, organisation=council, defaults={"role": Role.COMMISSIONER, "is_admin": True}
    )
    acting = acting_for(user, council.pk)
    assert acting is not None
    return acting


def token_for(council: CommissioningBody) -> str:
    """A read-only API token of ``council``, made by the bench's admin of it."""
    from accounts.api.tokens import api_token_create

    return api_token_create(acting=_bench_admin(council), name="Bench BI", scopes=["read"]).secret


def export(
    client: Client,
    token: str,
    etags: dict[str, str] | None = None,
    digests: list[str] | None = None,
    pages: int | None = None,
) -> tuple[list[float], int, int, dict[str, str]]:
    """Every page of the latest results, following ``next``: the time of each request (ms), the
    rows, the queries made and each page's ETag by address. With ``etags`` (a previous export's),
    each page is asked for with If-None-Match; a 304 moves on to the next address known. With
    ``digests``, the SHA-256 of each page answered 200 is appended to it, in order. With ``pages``, only
    that many pages."""
    from django.db import connection

    url: str | None = EXPORT_URL
    rows, times, queries, seen = 0, [], [], {}
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    known = list(etags or {})
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        while url and (pages is None or len(times) < pages):
            extra = {"HTTP_IF_NONE_MATCH": etags[url]} if etags and url in etags else {}
            begin = time.perf_counter()
            response = client.get(url, **headers, **extra)
            times.append((time.perf_counter() - begin) * 1000)
            assert response.status_code in (200, 304), response.status_code
            seen[url] = response["ETag"]
            if response.status_code == 304:
                following = known.index(url) + 1
                url = known[following] if following < len(known) else None
                continue
            if digests is not None:
                digests.append(hashlib.sha256(response.content).hexdigest())
            body = response.json()
            rows += len(body["results"])
            url = body["next"].removeprefix(f"http://{HOST}") if body["next"] else None
    return times, rows, len(queries), seen


# One page written by PostgreSQL: the page chosen as the cursor chooses it (newest id first, ids
# before the last page's last), the results written by the API's own statement, and the links
# written as DRF writes them (the cursor is "p=<id>" in base64, "r=1&p=<id>" going back).
FLOOR_PAGE = """
WITH page AS MATERIALIZED (
    SELECT r.id FROM outcomes_complianceresult r
    WHERE r.is_latest AND r.contract_id IN (SELECT id FROM bench_floor_contracts) AND r.id < %(before)s
    ORDER BY r.id DESC LIMIT %(size)s + 1
),
shown AS MATERIALIZED (SELECT id FROM page ORDER BY id DESC LIMIT %(size)s),
ends AS (SELECT min(id) AS last, max(id) AS first, (SELECT count(*) FROM page) > %(size)s AS more FROM shown)
SELECT concat(
    '{{"next":',
    CASE WHEN ends.more THEN concat('"', %(link_before)s, {next_cursor}, %(link_after)s, '"') ELSE 'null' END,
    ',"previous":',
    CASE WHEN %(paged)s THEN concat('"', %(link_before)s, {previous_cursor}, %(link_after)s, '"') ELSE 'null' END,
    ',"results":[', coalesce(({results}), ''), ']}}'
), ends.last, ends.more
FROM ends
"""


def _cursor_sql(tokens: str) -> str:
    """DRF's cursor for ``tokens`` (SQL text), base64 and escaped for a query string."""
    encoded = f"encode(convert_to({tokens}, 'UTF8'), 'base64')"
    return f"replace(replace(replace({encoded}, '+', %(plus)s), '/', %(slash)s), '=', %(equals)s)"


def floor(council: CommissioningBody | None = None, runs: int = 5, digests: list[str] | None = None) -> float:
    """The best of ``runs``: the milliseconds PostgreSQL takes to write every page of the export
    of ``council`` (default: the bench portfolio's) itself, one statement a page. With ``digests``
    (an export's, in order), every page must be the API's byte for byte (AssertionError if not)."""
    from django.db import connection
    from django.test import RequestFactory

    from commissioning.models import Contract
    from outcomes.api import result_json
    from outcomes.results.selectors import result_contracts_for

    if council is None:
        first = Contract.objects.order_by("pk").first()
        assert first is not None, "No contracts: build the portfolio first"
        council = first.lead_commissioner
    request = RequestFactory().get(EXPORT_URL, HTTP_HOST=HOST)
    statement = FLOOR_PAGE.format(
        next_cursor=_cursor_sql("'p=' || ends.last"),
        previous_cursor=_cursor_sql("'r=1&p=' || ends.first"),
        results=result_json.results_sql("r.id = ANY(ARRAY(SELECT id FROM shown))"),
    )
    parameters = result_json.results_parameters(request) | {
        "size": PAGE,
        "link_before": f"http://{HOST}/api/v1/results/?cursor=",
        "link_after": f"&page_size={PAGE}",
        "plus": "%2B",
        "slash": "%2F",
        "equals": "%3D",
    }
    best = float("inf")
    with connection.cursor() as cursor:
        # The contracts whose results the council sees, once (as the API's query reads them for each page).
        cursor.execute("CREATE TEMPORARY TABLE bench_floor_contracts (id bigint PRIMARY KEY)")
        cursor.execute(
            "INSERT INTO bench_floor_contracts SELECT unnest(%s::bigint[])",
            [list(result_contracts_for(_bench_admin(council)).values_list("pk", flat=True))],
        )
        cursor.execute("ANALYZE bench_floor_contracts")
        # A page reads 501 entries of the primary key: starting parallel workers costs more than that.
        cursor.execute("SET max_parallel_workers_per_gather = 0")
        for _ in range(runs):
            before, paged, more, took, pages = 2**63 - 1, False, True, 0.0, 0
            while more:
                start = time.perf_counter()
                cursor.execute(statement, parameters | {"before": before, "paged": paged})
                body, before, more = cursor.fetchone()
                took += time.perf_counter() - start
                if digests is not None:
                    assert pages < len(digests), f"the floor wrote {pages + 1} pages, the API {len(digests)}"
                    digest = hashlib.sha256(body.encode()).hexdigest()
                    assert digest == digests[pages], f"page {pages + 1} of the floor is not the API's"
                paged, pages = True, pages + 1
            assert digests is None or pages == len(digests), (
                f"the floor wrote {pages} pages, the API {len(digests)}"
            )
            best = min(best, took)
        cursor.execute("RESET max_parallel_workers_per_gather")
        cursor.execute("DROP TABLE bench_floor_contracts")
    return best * 1000


def overrides_add() -> int:
    """A RAG override on one latest result in 25, agreed at a review, and one override in 4 of those
    withdrawn since (as a real portfolio holds them); how many results are overridden."""
    from outcomes.models import ComplianceResult, ResultOverride

    latest = ComplianceResult.objects.filter(is_latest=True).order_by("pk").values_list("pk", flat=True)
    chosen = list(latest)[::OVERRIDE_EVERY]
    overridden = list(ComplianceResult.objects.filter(pk__in=chosen).only("pk", "target_id", "period", "rag"))
    ResultOverride.objects.bulk_create(
        ResultOverride(
            target_id=result.target_id,
            period=result.period,
            rag="green" if result.rag != "green" else "amber",
            reason="Agreed at the quarterly review",
            computed_rag=result.rag,
            result=result,
            created_by_label="Bench commissioner <bench@example.org>",
        )
        for result in overridden
    )
    ResultOverride.objects.bulk_create(
        ResultOverride(
            target_id=result.target_id,
            period=result.period,
            rag="",
            reason="Withdrawn",
            computed_rag=result.rag,
            result=result,
            created_by_label="bench@example.org",
        )
        for result in overridden[::4]
    )
    return len(overridden)


def build(scale: int = 1) -> tuple[list[Contract], int]:
    """The `make bench` council at ``scale`` (``scripts/benchmark/data.py``) with every kept period
    computed and stored, and overrides on some results; its contracts and latest results."""
    from outcomes.models import ComplianceResult
    from outcomes.results.compute import results_recompute_all
    from scripts.benchmark import data

    council = data.council_build(scale)
    results_recompute_all()
    overrides_add()
    return council.contracts, ComplianceResult.objects.filter(is_latest=True).count()


def scale_to(results: int) -> int:
    """Copy the contracts with their targets, target versions, results and overrides (in SQL, ids
    shifted by a whole multiple of each table's largest) until about ``results`` latest results are
    stored; how many are."""
    from django.db import connection

    from commissioning.models import Contract, Target, TargetVersion
    from outcomes.models import ComplianceResult, ResultOverride

    stored = ComplianceResult.objects.filter(is_latest=True).count()
    copies = max(0, math.ceil(results / max(stored, 1)) - 1)
    if not copies:
        return stored
    tables = [Contract, Target, TargetVersion, ComplianceResult, ResultOverride]
    with connection.cursor() as cursor:
        shift = {}
        for model in tables:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {model._meta.db_table}")
            shift[model] = cursor.fetchone()[0]
        for model in tables:
            columns, values = [], []
            for field in model._meta.concrete_fields:
                columns.append(field.column)
                target = field.related_model if field.is_relation else None
                if field.primary_key:
                    values.append(f"{field.column} + copy * {shift[model]}")
                elif target in shift:
                    values.append(f"{field.column} + copy * {shift[target]}")
                elif model is Contract and field.name == "reference":
                    values.append(f"{field.column} || '/' || copy")
                else:
                    values.append(field.column)
            table = model._meta.db_table
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {table} "
                f"CROSS JOIN generate_series(1, {copies}) AS copy WHERE id <= {shift[model]} ORDER BY copy, id"
            )
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
        cursor.execute("ANALYZE")
    return ComplianceResult.objects.filter(is_latest=True).count()


def main() -> None:
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from rest_framework.settings import api_settings

    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    floor_runs = int(os.environ.get("BENCH_FLOOR_RUNS", "5"))
    settings.REST_FRAMEWORK = {  # a national export is thousands of pages a minute
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "1000000/minute", "api-submit": "1000/minute"},
    }
    api_settings.reload()
    start = time.perf_counter()
    contracts, results = build(int(os.environ.get("BENCH_SCALE", "4")))
    print(
        f"Portfolio: {len(contracts)} contracts, {results:,} results stored, built in {time.perf_counter() - start:.0f} s"
    )
    if os.environ.get("BENCH_RESULTS"):
        start = time.perf_counter()
        scaled = scale_to(int(os.environ["BENCH_RESULTS"]))
        print(f"Copied in SQL to {scaled:,} latest results in {time.perf_counter() - start:.0f} s")
    client = Client(HTTP_HOST=HOST)
    token = token_for(contracts[0].lead_commissioner)
    export(client, token)  # warm up
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        with cProfile.Profile() as profile:
            export(client, token)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    totals, pages, digests, refreshes = [], [], [], []
    for _ in range(rounds):
        digests.clear()
        times, rows, queries, etags = export(client, token, digests=digests)
        totals.append(sum(times))
        pages.extend(times)
        refreshes.append(sum(export(client, token, etags)[0]))
    pages.sort()
    total, best = statistics.median(totals), min(totals)
    refresh = statistics.median(refreshes)
    floor_ms = floor(contracts[0].lead_commissioner, runs=floor_runs, digests=digests)
    print(f"Export of {rows:,} latest results in {len(etags)} pages of {PAGE} ({rounds} rounds):")
    print(
        f"  whole export: median {total / 1000:.2f} s, {rows / (total / 1000):,.0f} rows/s; "
        f"best {best / 1000:.2f} s, {rows / (best / 1000):,.0f} rows/s"
    )
    print(
        f"  per page p50 {statistics.median(pages):.0f} ms, p95 {pages[max(0, round(0.95 * len(pages)) - 1)]:.0f} ms"
    )
    print(f"  queries for the whole export: {queries} ({queries / len(etags):.1f} per page)")
    print(
        f"Refresh with If-None-Match, nothing changed (all {len(etags)} pages 304): median {refresh:.0f} ms, "
        f"{refresh / total:.0%} of the full export's median {total:.0f} ms"
    )
    print(
        f"Floor, PostgreSQL writing the same {len(digests)} pages (best of {floor_runs}, every page equal to "
        f"the API's byte for byte): {floor_ms:.0f} ms, {rows / (floor_ms / 1000):,.0f} rows/s"
    )
    print(
        f"Ratio export / floor: {total / floor_ms:.2f}x (median export), {best / floor_ms:.2f}x (best export)"
    )


if __name__ == "__main__":
    main()
