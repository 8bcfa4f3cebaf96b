"""Every benchmark at one size, in a database of its own: `python -m scripts.benchmark.size SCALE OUT.json`.

Run by `scripts/benchmark/run.py` (`make bench`) once per size, in a fresh database, with tasks
run in-process (the embedded mode: the recomputation an acceptance asks for runs inside the
measured time). In order:

1. build the council (``data.council_build``; set-up, timed but not a benchmark);
2. the full recompute of every kept period of every contract, then the nightly run over it (the
   00:15 task, ``results_check_all``: every stored result compared with a fresh computation),
   against SQL that computes and stores the same figures (``floor_compliance``), compared figure
   by figure;
3. month-end: every contract's return for the latest ended month uploaded, checked and signed off
   through the services (as a provider's approver), each acceptance's recomputation included,
   against a typed COPY of the same rows into the episode table; and one homecare contract's new
   month (import and recompute) against the COPY of its rows plus the floor's recompute of the
   same periods;
4. the portfolio dashboard as a commissioner, against SQL reading the same results;
5. the results API export as a BI tool (a RAG override on one result in 25 first), against SQL
   building the same JSON byte for byte, and its refresh when nothing changed (every page 304);
6. one homecare contract's quarterly review pack end to end, against rendering the same pack's
   PDF alone;
7. (at the largest size of the run) a 50,000-episode return (UK dates, as Excel saves them) for a
   new homecare contract: its first
   month, then its next month, in a process of its own (``scripts/bench_returns.py``, so that its
   peak memory is the service's own), against a typed COPY of the same rows.

Peak memory of steps 2 to 6 is what the work adds to the process's resident memory before it (the
process also holds the council's simulated episodes, which the service never would).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.join(os.getcwd(), "scripts"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.access import acting_for
from accounts.models import Membership, Role, User
from commissioning.models import Contract
from config.settle import settle_web_process
from outcomes.demo.returns import month_file
from outcomes.models import ComplianceResult, EpisodeRecord, ReturnAttempt
from outcomes.periods import latest_ended_quarter
from outcomes.portfolio.matrix import dashboard_default_quarter, dashboard_quarters
from outcomes.results.affected import periods_reading
from outcomes.results.compute import (
    contract_periods,
    results_check_all,
    results_compute_periods,
    results_recompute_all,
)
from outcomes.returns.checked import EPISODE_COLUMNS_STORED
from outcomes.returns.services import return_sign_off, return_submit
from outcomes.reviews.models import ReviewAction, ReviewCommentary, ReviewMeeting
from outcomes.reviews.pack_documents import pack_render
from outcomes.reviews.packs import pack_request
from scripts import bench_api, bench_returns
from scripts.benchmark import data, floor_compliance
from scripts.benchmark.measure import Figure, best_of, peak_mb, peak_reset, timed

logging.disable(logging.INFO)
PORTFOLIO_REQUESTS = int(os.environ.get("BENCH_PORTFOLIO_REQUESTS", "40"))


def compliance(council: data.Council) -> list[Figure]:
    """The full recompute (nothing stored yet) and the nightly run after it, beside the SQL floor."""
    now = timezone.now()
    peak_reset()
    seconds, stored = timed(lambda: results_recompute_all(now=now))
    _STORED.append(True)
    memory = peak_mb()
    floor = floor_compliance.floor_recompute(now=now)
    mismatches, examples = floor_compliance.floor_mismatches()
    full = Figure(
        name="recompute_full",
        title="Full recompute: every kept period of every target, computed, judged and stored",
        unit="s",
        value=seconds,
        floor=floor.seconds,
        floor_title="SQL computing, judging and storing the same results",
        work=stored,
        work_unit="results",
        peak_mb=memory,
        mismatches=mismatches + abs(stored - floor.rows),
        examples=examples,
        notes={"floor_rows": floor.rows},
    )
    peak_reset()
    seconds, check = timed(lambda: results_check_all(now=now))
    compared = ComplianceResult.objects.filter(is_latest=True).count()
    nightly = Figure(
        name="recompute_nightly",
        title=(
            "Nightly run (the 00:15 task): every stored result checked against a fresh computation "
            "(nothing changed)"
        ),
        unit="s",
        value=seconds,
        floor=floor.seconds,
        floor_title="the same SQL floor (computing, judging and storing every result)",
        work=compared,
        work_unit="results",
        peak_mb=peak_mb(),
        aim="≤ 1.3× the floor",
        aim_met=seconds <= 1.3 * floor.seconds,
        mismatches=len(check.drifted) + check.latest_rows_repaired + len(check.withdrawn),
        examples=[str(item) for item in check.drifted[:5]],
        notes={"contracts": check.contracts, "rolled_forward": check.rolled_forward},
    )
    return [full, nightly]


def _approvers(council: data.Council) -> dict[int, object]:
    """One approver (registered manager) per provider, acting for it."""
    acting = {}
    for contract in council.contracts:
        if contract.provider_id in acting:
            continue
        user, _ = User.objects.get_or_create(
            email=f"manager-{contract.provider_id}@bench.example.org", defaults={"full_name": "Bench Manager"}
        )
        Membership.objects.get_or_create(
            user=user, organisation=contract.provider, defaults={"role": Role.APPROVER}
        )
        acting[contract.provider_id] = acting_for(user, contract.provider_id)
    return acting


def _typed_rows(council: data.Council, contract: Contract, attempt_id: int) -> list[tuple]:
    """The month's rows as the episode table stores them (typed), for the COPY floor."""
    month = council.ingest_month
    episodes = data.known_rows(council.episodes[contract.pk], month)
    return [data.episode_row(attempt_id, contract.pk, month, n, e) for n, e in enumerate(episodes, start=2)]


def copy_floor(council: data.Council, contracts: list[Contract]) -> tuple[float, int]:
    """COPY of every file's rows, already typed, into the real episode table (its indexes and
    constraints), one COPY per file as one acceptance is; rolled back after."""
    prepared = []
    with transaction.atomic():
        for contract in contracts:
            slot = contract.monthly_returns.get(month=council.ingest_month)
            attempt = ReturnAttempt.objects.create(
                monthly_return=slot, status="superseded", submitted_by_label="Floor"
            )
            prepared.append(_typed_rows(council, contract, attempt.pk))
        columns = ", ".join(EPISODE_COLUMNS_STORED)
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for rows in prepared:
                with cursor.copy(f"COPY outcomes_episoderecord ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return seconds, sum(len(rows) for rows in prepared)


def month_end_ingest(council: data.Council) -> list[Figure]:
    """Every contract's return for the latest ended month: upload, checks, sign-off, acceptance and
    the recomputation it asks for (tasks in-process), one contract after another."""
    month = council.ingest_month
    period = f"{month:%Y-%m}"
    files = {c.pk: month_file(council.episodes[c.pk], month) for c in council.contracts}
    rows = sum(content.count(b"\n") - 1 for content in files.values())
    approvers = _approvers(council)
    per_contract: dict[int, float] = {}
    peak_reset()
    start = time.perf_counter()
    for contract in council.contracts:
        begin = time.perf_counter()
        acting = approvers[contract.provider_id]
        attempt = return_submit(
            acting=acting,
            contract=contract,
            period=period,
            file_bytes=files[contract.pk],
            filename=f"{period}.csv",
        )
        attempt.refresh_from_db()
        assert attempt.status == "valid", (contract.reference, attempt.status, attempt.errors[:2])
        accepted = return_sign_off(
            acting=acting, attempt=attempt, declaration=True, acknowledged_warnings=True
        )
        assert accepted.status == "accepted", accepted.status
        per_contract[contract.pk] = time.perf_counter() - begin
    seconds = time.perf_counter() - start
    memory = peak_mb()
    stored = EpisodeRecord.objects.filter(month=month).count()
    floor_seconds, floor_rows = copy_floor(council, council.contracts)
    # The recompute each acceptance asks for, done by the SQL floor for every contract's periods
    # that read the month; the results the engine stored for them must equal the floor's.
    affected_all = {
        c.pk: periods_reading(contract_periods(c), [period], lookback_r12=True) for c in council.contracts
    }
    recomputed = floor_compliance.floor_recompute(
        now=timezone.now(), contract_ids=list(affected_all), periods=affected_all
    )
    differ, examples = floor_compliance.floor_mismatches()
    ingest = Figure(
        name="ingest_month_end",
        title="Month-end: every contract's return uploaded, checked, signed off, accepted and recomputed",
        unit="s",
        value=seconds,
        floor=floor_seconds + recomputed.seconds,
        floor_title=(
            "typed COPY of the same rows into the episode table (indexes, constraints) + SQL recomputing "
            "the periods that read the month"
        ),
        work=rows,
        work_unit="rows",
        peak_mb=memory,
        mismatches=abs(stored - rows) + abs(floor_rows - rows) + differ,
        examples=examples,
        notes={
            "files": len(files),
            "COPY (s)": round(floor_seconds, 2),
            "SQL recompute (s)": round(recomputed.seconds, 2),
            "results recomputed": recomputed.rows,
        },
    )
    # The process's first return loads the code of uploads, checks, sign-off and emails, as a worker's
    # first task after it starts does, once: it is shown apart, not as one contract's month.
    first = council.contracts[0]
    homecare = [c for c in council.contracts[1:] if council.kinds[c.pk] == "homecare"]
    times = sorted(per_contract[c.pk] for c in homecare)
    order = {c.pk: number for number, c in enumerate(council.contracts, start=1)}
    slowest = sorted(homecare, key=lambda c: per_contract[c.pk], reverse=True)[:3]
    one = homecare[0]
    affected = periods_reading(contract_periods(one), [period], lookback_r12=True)
    one_copy, _ = copy_floor(council, [one])
    one_floor = floor_compliance.floor_recompute(
        now=timezone.now(), contract_ids=[one.pk], periods={one.pk: affected}
    )
    single = Figure(
        name="one_contract_new_month",
        title="One homecare contract's new month: upload to recomputed results (the slowest homecare contract after the process's first return)",
        unit="s",
        value=max(times),
        floor=one_copy + one_floor.seconds,
        floor_title="COPY of its rows + SQL recomputing the same periods",
        work=len(affected),
        work_unit="periods",
        aim="< 1 s",
        aim_met=max(times) < 1,
        notes={
            "median_s": round(statistics.median(times), 2),
            "the process's first return (s)": round(per_contract[first.pk], 2),
            "p95 s": round(times[int(0.95 * (len(times) - 1))], 2),
            "slowest three (s, rows, nth of the month's returns)": [
                (round(per_contract[c.pk], 2), files[c.pk].count(b"\n") - 1, order[c.pk]) for c in slowest
            ],
            "contracts": len(homecare),
            "periods": [p.identifier for p in affected],
        },
    )
    return [ingest, single]


def _commissioner(council: data.Council) -> User:
    user, _ = User.objects.get_or_create(
        email="commissioner@bench.example.org", defaults={"full_name": "Bench Commissioner"}
    )
    Membership.objects.get_or_create(
        user=user, organisation=council.body, defaults={"role": Role.COMMISSIONER}
    )
    return user


_STORED: list[bool] = []  # set once every kept period of every contract has its results stored


def _results_stored() -> None:
    """Every result computed and stored, when the compliance step (which stores them) did not run
    before (e.g. ``BENCH_STEPS=month_end_ingest,portfolio``, where the month-end's recomputes store
    only the periods its returns touch); untimed: it is set-up here."""
    if not _STORED:
        _progress("storing every result first (not timed)")
        results_recompute_all(now=timezone.now())
        _STORED.append(True)


def portfolio(council: data.Council) -> Figure:
    """The portfolio dashboard (its default period), as a signed-in commissioner."""
    _results_stored()
    settle_web_process()  # as a web worker does once started, before its first request (config/gunicorn.conf.py)
    client = Client(HTTP_HOST="localhost")
    client.force_login(_commissioner(council))
    response = client.get("/portfolio/")
    assert response.status_code == 200, response.status_code
    acting = acting_for(_commissioner(council), council.body.pk)
    period = dashboard_default_quarter(dashboard_quarters(acting)).identifier
    times = []
    peak_reset()
    for _ in range(PORTFOLIO_REQUESTS):
        seconds, response = timed(lambda: client.get("/portfolio/"))
        assert response.status_code == 200
        times.append(seconds * 1000)
    memory = peak_mb()
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    ids = [c.pk for c in council.contracts]
    shown = response.content.decode().count('data-testid="row-')
    page_ids = [c.pk for c in sorted(council.contracts, key=lambda c: c.reference.lower())[:shown]]

    def read() -> None:
        """What the page reads of the results: every contract's latest results as plain values (the
        counts, totals, heat map and order), then the shown page's in full (its cells)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.target_id, r.contract_id, t.measure, t.params::text, r.rag "
                "FROM outcomes_complianceresult r JOIN commissioning_target t ON t.id = r.target_id "
                "WHERE r.is_latest AND r.period = %s AND r.contract_id = ANY(%s)",
                [period, ids],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT r.contract_id, r.target_id, t.measure, t.params, r.numerator, r.denominator, r.value, "
                "r.rag, r.not_rated_reason, r.direction, r.pending, r.missing_months, r.restated "
                "FROM outcomes_complianceresult r JOIN commissioning_target t ON t.id = r.target_id "
                "WHERE r.is_latest AND r.period = %s AND r.contract_id = ANY(%s)",
                [period, page_ids],
            )
            cursor.fetchall()

    floor_seconds, _ = best_of(5, read)
    kinds = sorted(
        ComplianceResult.objects.filter(is_latest=True)
        .order_by("period_kind")
        .values_list("period_kind", flat=True)
        .distinct()
    )
    return Figure(
        name="portfolio",
        title=f"Portfolio dashboard, p95 of {PORTFOLIO_REQUESTS} requests ({period})",
        unit="ms",
        value=p95,
        floor=floor_seconds * 1000,
        floor_title="SQL reading every contract's latest results as plain values, and the shown page's in full",
        work=len(ids),
        work_unit="contracts",
        peak_mb=memory,
        aim="p95 < 150 ms",
        aim_met=p95 < 150,
        notes={
            "p50_ms": statistics.median(times),
            "max_ms": times[-1],
            "contracts_on_page": shown,
            "period_kinds_stored": kinds,
        },
    )


def _progress(text: str) -> None:
    print(f"    {time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def review_pack(council: data.Council) -> Figure:
    """One homecare contract's quarterly review pack for the latest ended quarter, end to end: the
    figures frozen (scorecard, trends, benchmarks against every other homecare contract, returns,
    notices, QAF, actions, commentary) and the PDF made and stored (the task runs in-process)."""
    _results_stored()
    contract = next(c for c in council.contracts if council.kinds[c.pk] == "homecare")
    quarter = latest_ended_quarter(timezone.localdate())
    meeting = ReviewMeeting.objects.create(
        commissioner=council.body,
        provider=contract.provider,
        quarter=quarter.identifier,
        held_on=quarter.end + timedelta(days=20),
        created_by_label=data.LABEL,
    )
    meeting.contracts.set([contract])
    for number, target in enumerate(contract.targets.all()):
        for part in ("data", "review", "action"):
            ReviewCommentary.objects.create(
                meeting=meeting,
                target=target,
                part=part,
                text=f"{part.title()} commentary on {target.measure}: what happened and why. " * 3,
                version=1,
                written_by_label=data.LABEL,
                by_provider=True,
            )
        if number < 3:
            ReviewAction.objects.create(
                meeting=meeting,
                contract=contract,
                target=target,
                description="Agreed improvement, with a named lead and a monthly check.",
                owner_kind="provider",
                owner_organisation=contract.provider.name,
                owner_name="Registered manager",
                due_on=quarter.end + timedelta(days=90),
                created_by_label=data.LABEL,
            )
    acting = acting_for(_commissioner(council), council.body.pk)
    pdf_warm()
    peak_reset()
    seconds, pack = timed(lambda: pack_request(acting=acting, meeting=meeting))
    memory = peak_mb()
    pack.refresh_from_db()
    assert pack.status == "ready", pack.status
    render_seconds, (_, pages) = best_of(3, lambda: pack_render(pack))
    return Figure(
        name="review_pack",
        title="One homecare contract's quarterly review pack: figures frozen, PDF made and stored",
        unit="s",
        value=seconds,
        floor=render_seconds,
        floor_title="rendering the same pack's PDF alone (WeasyPrint, best of 3)",
        work=pages,
        work_unit="pages",
        peak_mb=memory,
        aim="< 2 s",
        aim_met=seconds < 2,
        notes={"quarter": quarter.identifier, "targets": contract.targets.count()},
    )


def _plan_nodes(plan: dict) -> list[dict]:
    return [plan, *(node for child in plan.get("Plans", []) for node in _plan_nodes(child))]


def episode_reads(council: data.Council) -> Figure:
    """How the engine's reads of the episode table grow with the table: every query one homecare
    contract's latest quarter makes on it, run again under EXPLAIN (ANALYZE, BUFFERS). If the pages
    read stay flat while the table grows 16-fold, the indexes already confine each read to the
    contract's own rows, and partitioning the table would not make them cheaper."""
    contract = next(c for c in council.contracts if council.kinds[c.pk] == "homecare")
    quarter = latest_ended_quarter(timezone.localdate())
    statements: list[tuple[str, tuple]] = []

    def record(execute, sql, params, many, context):
        if "outcomes_episoderecord" in sql and sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with transaction.atomic(), connection.execute_wrapper(record):
        results_compute_periods(contract=contract, periods=[quarter])
        transaction.set_rollback(True)
    pages, milliseconds, indexes, scans = 0, 0.0, set(), set()
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            [explained] = cursor.fetchone()[0]
            milliseconds += explained["Execution Time"]
            for node in _plan_nodes(explained["Plan"]):
                if node.get("Relation Name") == "outcomes_episoderecord":
                    pages += node.get("Shared Hit Blocks", 0) + node.get("Shared Read Blocks", 0)
                    scans.add(node["Node Type"])
                    if "Index Name" in node:
                        indexes.add(node["Index Name"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('outcomes_episoderecord')")
        table_mb = cursor.fetchone()[0] / 1024 / 1024
    return Figure(
        name="episode_reads",
        title="One contract's quarter: the engine's reads of the episode table (EXPLAIN ANALYZE)",
        unit="ms",
        value=milliseconds,
        floor=None,
        floor_title="none: this records how reads grow with the table (pages read should stay flat)",
        work=len(statements),
        work_unit="queries",
        notes={
            "pages_read": pages,
            "table_and_indexes_mb": round(table_mb),
            "scans": sorted(scans),
            "indexes": sorted(indexes),
        },
    )


def api_export(council: data.Council) -> Figure:
    """A BI tool exporting every latest result through the API with a read-only token (pages of
    500, following ``next``), beside PostgreSQL writing the same pages itself; then the same export
    with each page's ETag (nothing changed: every page 304)."""
    from rest_framework.settings import api_settings

    settings.REST_FRAMEWORK = {  # a national export is thousands of pages a minute
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "1000000/minute", "api-submit": "1000/minute"},
    }
    api_settings.reload()
    _results_stored()
    overridden = bench_api.overrides_add()
    client = Client(HTTP_HOST=bench_api.HOST)
    token = bench_api.token_for(council.body)
    bench_api.export(client, token, pages=1)  # the service's first request: its code loaded
    # The floor first reads every page once, bringing the results into PostgreSQL's cache as a BI
    # tool's daily export finds them; then the export, then the floor again checking it byte for byte.
    floor_ms = bench_api.floor(council.body, runs=1)
    peak_reset()
    digests: list[str] = []
    times, rows, queries, etags = bench_api.export(client, token, digests=digests)
    memory = peak_mb()
    seconds = sum(times) / 1000
    refresh = sum(bench_api.export(client, token, etags)[0]) / 1000
    mismatches, examples = 0, []
    try:
        floor_ms = min(floor_ms, bench_api.floor(council.body, runs=1, digests=digests))
    except AssertionError as error:  # a page of the floor is not the API's byte for byte
        mismatches, examples = 1, [str(error)]
    rate = rows / seconds
    return Figure(
        name="api_export",
        title="Results API: every latest result exported by a BI tool (pages of 500)",
        unit="s",
        value=seconds,
        floor=floor_ms / 1000,
        floor_title="PostgreSQL writing the same pages itself, byte for byte the API's (best of 2)",
        work=rows,
        work_unit="results",
        peak_mb=memory,
        aim="≥ 10,000 rows/s and ≤ 1.5× the floor",
        aim_met=rate >= 10_000 and seconds <= 1.5 * floor_ms / 1000,
        mismatches=mismatches,
        examples=examples,
        notes={
            "pages": len(etags),
            "queries per page": round(queries / len(etags), 1),
            "refresh, every page 304 (s)": round(refresh, 2),
            "refresh as a share of the full export": f"{refresh / seconds:.0%}",
            "results overridden": overridden,
        },
    )


def large_return(council: data.Council) -> list[Figure]:
    """A 50,000-episode return's first and next month through the service, in a process of its own."""
    done = subprocess.run(
        [sys.executable, "scripts/bench_returns.py", "uk"],
        check=True,
        capture_output=True,
        text=True,
        env={key: value for key, value in os.environ.items() if key != "CELERY_BROKER_URL"},
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    figures = []
    for period, label in ((bench_returns.FIRST, "first"), (bench_returns.NEXT, "next")):
        run = found["runs"][period]
        seconds, rows = run["ingest_seconds"], run["rows"]
        peak = found["peak_mb"]
        figures.append(
            Figure(
                name=f"return_50k_{label}",
                title=f"A 50,000-episode return (UK dates), its {label} month: upload, checks, sign-off, acceptance",
                unit="s",
                value=seconds,
                floor=run["copy_floor"],
                floor_title="typed COPY of the same rows into the episode table (indexes, constraints)",
                work=rows,
                work_unit="rows",
                peak_mb=peak if label == "next" else None,
                aim="≥ 20,000 rows/s, ≤ 3× the floor, < 300 MB",
                aim_met=rows / seconds >= 20_000 and seconds <= 3 * run["copy_floor"] and peak < 300,
                mismatches=abs(rows - bench_returns.LARGE_ROWS),
                notes={
                    "checks (s)": round(run["validation"], 2),
                    "sign-off (s)": round(run["sign_off"], 2),
                    "checked rows reused at sign-off": "yes" if run["kept_rows_reused"] else "no",
                    "with the recompute it asks for (s)": round(run["seconds"], 2),
                    "process peak MB (both months)": round(peak),
                },
            )
        )
    return figures


def pdf_warm() -> None:
    """WeasyPrint imported and its fonts found once, as in a worker that has made a PDF before."""
    import weasyprint

    from commissioning.pdf import pdf_fonts

    weasyprint.HTML(string="<p>Warm</p>").write_pdf(font_config=pdf_fonts())


STEPS = (compliance, month_end_ingest, episode_reads, portfolio, api_export, review_pack, large_return)
# BENCH_STEPS=compliance,portfolio runs only those steps (the report then goes to bench/.partial/).
CHOSEN = {name for name in os.environ.get("BENCH_STEPS", "").split(",") if name}


def run(scale: int) -> dict:
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-media-")
    build_seconds, council = timed(lambda: data.council_build(scale))
    # This process holds the simulated council (millions of objects for the month-end files and the
    # floors), which no web or worker process would: it is set aside from the cycle collector, so
    # that no full collection in the timed work walks it (a web worker sets what it holds once
    # started aside the same way: config/gunicorn.conf.py). What the service makes is collected as usual.
    gc.collect()
    gc.freeze()
    _progress(f"built {len(council.contracts)} contracts, {council.rows:,} rows in {build_seconds:.0f} s")
    figures: list[Figure] = []
    for step in STEPS:
        if CHOSEN and step.__name__ not in CHOSEN:
            continue
        if step is large_return and not (CHOSEN or os.environ.get("BENCH_LARGEST")):
            continue  # the same work at every size: run at the largest only
        seconds, made = timed(lambda step=step: step(council))
        figures += made if isinstance(made, list) else [made]
        _progress(f"{step.__name__} in {seconds:.0f} s")
    return {
        "scale": scale,
        "contracts": len(council.contracts),
        "episode_rows": council.rows,
        "build_seconds": build_seconds,
        "figures": [figure.as_dict() for figure in figures],
    }


def main() -> None:
    scale, out = int(sys.argv[1]), sys.argv[2]
    try:
        result = run(scale)
    finally:
        if os.path.basename(settings.MEDIA_ROOT).startswith(
            "bench-media-"
        ):  # the files the size's work stored
            shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    with open(out, "w") as handle:
        json.dump(result, handle, indent=1, default=str)


if __name__ == "__main__":
    main()
