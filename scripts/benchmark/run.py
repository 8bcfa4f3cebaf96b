"""`make bench`: every benchmark at 1×, 4× and 16× a 50-contract council, beside faithful floors.

Each size runs in a database of its own (a copy of one freshly migrated database) and a process of
its own (``scripts/benchmark/size.py``), so that sizes never share cached plans, stored results or
memory. Writes ``bench/report.md`` and ``bench/report.json``: per size, each figure, its floor, the
ratio, the rate, peak memory; per figure, the growth exponent (the slope of log time against log
contracts, least squares over the sizes: 1 is linear); and which aims are met at the largest size.
Exits non-zero when any figure differs from its floor's figures.

Needs DATABASE_URL naming a PostgreSQL server on which it may create and drop databases
(``scripts/bench.sh`` starts a throwaway one). BENCH_SIZES=1,4 runs fewer sizes and BENCH_STEPS=compliance fewer steps (report in bench/.partial/).
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench"
NATIONAL_CONTRACTS = 4000  # a national programme: 150 councils
SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "1,4,16").split(",")]
# A run of fewer sizes or steps (BENCH_SIZES, BENCH_STEPS) writes its report to bench/.partial/,
# leaving the committed report of the whole run alone.
PARTIAL = "BENCH_SIZES" in os.environ or "BENCH_STEPS" in os.environ
REPORT = OUT / ".partial" if PARTIAL else OUT


def _server(url: str) -> str:
    return url.rsplit("/", 1)[0]


def _recreate(maintenance: str, name: str, template: str | None = None) -> None:
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name != template:
            connection.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def _drop(maintenance: str, name: str) -> None:
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _environment(database_url: str) -> dict[str, str]:
    """Production settings (DEBUG off, so no query log), tasks in-process (no broker), quiet logs."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "CACHE_URL"}
    }
    env.update(
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY="bench-" + os.urandom(40).hex(),
        SITE_URL="http://localhost",
        ALLOWED_HOSTS="localhost",
        TWO_FACTOR_REQUIRED="false",
        LOG_LEVEL="WARNING",
        EMAIL_URL="dummymail://",  # every email is built, none printed or sent
        MEDIA_ROOT=str(OUT / ".media"),
        STATIC_ROOT=str(OUT / ".static"),
        PYTHONPATH=str(ROOT),
    )
    return env


def exponent(points: list[tuple[float, float]]) -> float | None:
    """The least-squares slope of log(value) against log(size): 1 is linear growth."""
    points = [(size, value) for size, value in points if value and value > 0]
    if len(points) < 2:
        return None
    xs = [math.log(size) for size, _ in points]
    ys = [math.log(value) for _, value in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def _number(value: float | None, places: int = 2) -> str:
    if value is None:
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{places}f}"


def report(runs: list[dict], seconds: float) -> str:
    """The Markdown report: one table per benchmark, then the aims at the largest size."""
    names: dict[str, dict] = {}
    for run in runs:
        for figure in run["figures"]:
            names.setdefault(figure["name"], figure)
    lines = [
        "# Benchmarks at national scale",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} by `make bench` on this machine "
        f"({os.cpu_count()} cores, Python {platform.python_version()}, {runs[0].get('postgresql', 'PostgreSQL')}), "
        f"in {seconds / 60:.1f} minutes. Sizes are multiples of a 50-contract council "
        "(`scripts/benchmark/data.py`): 1× = 50 contracts, 4× = 200, 16× = 800; a national "
        "programme is about 4,000 contracts (80×).",
        "",
        "Each figure is beside its **floor**, the cheapest faithful way of doing the same work, and the "
        "ratio figure ÷ floor. The growth exponent is the slope of log(time) against log(contracts) "
        "over the sizes (1 = linear). Peak MB is what the work added at its peak to the benchmark "
        "process's resident memory (the 50,000-episode return: its own process's whole peak).",
        "",
        "One commissioning body holds every contract: the portfolio and the API export read all of "
        "them, as a regional or national programme's would (a council's own view is the 1× figure).",
        "",
        "| Size | Contracts | Monthly episode rows | Built in | Whole size in | Load average (5 min) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        lines.append(
            f"| {run['scale']}× | {run['contracts']:,} | {run['episode_rows']:,} | {run['build_seconds']:.0f} s "
            f"| {run.get('seconds', 0) / 60:.1f} min | {run.get('load_average', '–')} |"
        )
    for name, first in names.items():
        unit = first["unit"]
        lines += ["", f"## {first['title']}", "", f"Floor: {first['floor_title']}.", ""]
        lines += [
            f"| Size | Work | Time ({unit}) | Floor ({unit}) | Ratio | Rate ({first['work_unit']}/s) | Peak MB | Mismatches |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        values, floors = [], []
        for run in runs:
            figure = next((f for f in run["figures"] if f["name"] == name), None)
            if figure is None:
                continue
            values.append((run["contracts"], figure["value"]))
            floors.append((run["contracts"], figure["floor"]))
            lines.append(
                f"| {run['scale']}× | {figure['work']:,} {figure['work_unit']} | {_number(figure['value'])} | "
                f"{_number(figure['floor'])} | {_number(figure['ratio'], 1)}× | {_number(figure['rate'], 0)} | "
                f"{_number(figure['peak_mb'], 0)} | {figure['mismatches']} |"
            )
        growth = exponent(values)
        lines += ["", f"Growth exponent: {_number(growth)} (floor: {_number(exponent(floors))})."]
        if growth is not None and values:
            contracts, last = values[-1]
            national = last * (NATIONAL_CONTRACTS / contracts) ** growth
            lines.append(
                f"At {NATIONAL_CONTRACTS:,} contracts (extrapolated from {contracts:,} with this exponent): "
                f"about {_number(national)} {unit}."
            )
        last = next((f for f in runs[-1]["figures"] if f["name"] == name), None)
        for note, value in (last or {}).get("notes", {}).items():
            lines.append(f"- {note.replace('_', ' ')}: {value}")
        for example in (last or {}).get("examples", [])[:5]:
            lines.append(f"- differs: {example}")
    largest = runs[-1]
    lines += [
        "",
        f"## Aims at {largest['scale']}×",
        "",
        "| Benchmark | Aim | Figure | Met |",
        "|---|---|---:|---|",
    ]
    for figure in largest["figures"]:
        if figure["aim"]:
            shown = f"{_number(figure['value'])} {figure['unit']}, {_number(figure['ratio'], 1)}× floor"
            lines.append(
                f"| {figure['title']} | {figure['aim']} | {shown} | {'yes' if figure['aim_met'] else '**no**'} |"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    base = os.environ["DATABASE_URL"]
    server = _server(base)
    OUT.mkdir(exist_ok=True)
    started = time.perf_counter()
    _recreate(base, "bench_template")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=_environment(f"{server}/bench_template"),
        check=True,
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=_environment(f"{server}/bench_template"),
        check=True,
    )
    with psycopg.connect(f"{server}/bench_template") as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
    runs = []
    for scale in SIZES:
        name = f"bench_x{scale}"
        _recreate(base, name, "bench_template")
        out = OUT / f".size-{scale}.json"
        print(f"==> {scale}× ({50 * scale} contracts)", flush=True)
        begin = time.perf_counter()
        subprocess.run(  # noqa: S603 - this project's own benchmark
            [sys.executable, "-m", "scripts.benchmark.size", str(scale), str(out)],
            cwd=ROOT,
            env=_environment(f"{server}/{name}") | ({"BENCH_LARGEST": "1"} if scale == SIZES[-1] else {}),
            check=True,
        )
        _drop(base, name)
        run = json.loads(out.read_text())
        run["postgresql"] = f"PostgreSQL {version.split()[0]}"
        run["seconds"] = time.perf_counter() - begin
        run["load_average"] = round(os.getloadavg()[1], 1)  # the last 5 minutes' run-queue length
        runs.append(run)
        for figure in run["figures"]:
            print(
                f"    {figure['name']:<24} {_number(figure['value']):>10} {figure['unit']:<2}  floor "
                f"{_number(figure['floor']):>9}  ratio {_number(figure['ratio'], 1):>6}×  mismatches {figure['mismatches']}",
                flush=True,
            )
    _drop(base, "bench_template")
    seconds = time.perf_counter() - started
    REPORT.mkdir(exist_ok=True)
    (REPORT / "report.json").write_text(
        json.dumps({"seconds": seconds, "runs": runs}, indent=1, default=str) + "\n"
    )
    (REPORT / "report.md").write_text(report(runs, seconds))
    where = REPORT.relative_to(ROOT)
    print(f"Wrote {where}/report.md and {where}/report.json in {seconds / 60:.1f} minutes")
    wrong = [
        (run["scale"], f["name"], f["mismatches"]) for run in runs for f in run["figures"] if f["mismatches"]
    ]
    for scale, name, count in wrong:
        print(f"FAILED: {name} at {scale}×: {count} figures differ from the floor's", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
