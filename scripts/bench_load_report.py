"""make bench-load, step 3: wait for every upload of a run to be checked (bounded), then report.

Usage: bench_load_report.py RUN FOLDER TITLE. Reads the run's plan and locust's CSV statistics, waits
up to BENCH_LOAD_SETTLE seconds for the checks still running, prints the figures, and writes them to
docs/performance.md between the run's markers.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db.models import Max, Min

from accounts.models import Job, JobStatus
from outcomes.models import AttemptStatus, ReturnAttempt

SETTLE_SECONDS = int(os.environ.get("BENCH_LOAD_SETTLE", "300"))
IN_PROGRESS = (AttemptStatus.RECEIVED, AttemptStatus.VALIDATING)


def main(run: str, folder: Path, title: str) -> None:
    plan = json.loads((folder / f"{run}.json").read_text())
    attempts = ReturnAttempt.objects.filter(
        monthly_return__contract_id__in=[u["contract"] for u in plan["uploads"]]
    )
    deadline = time.monotonic() + SETTLE_SECONDS
    while attempts.filter(status__in=IN_PROGRESS).exists() and time.monotonic() < deadline:
        time.sleep(1)
    spans = attempts.aggregate(first=Min("submitted_at"), last=Max("validated_at"))
    stuck = attempts.filter(status__in=IN_PROGRESS).count()
    checked = attempts.exclude(status__in=IN_PROGRESS).count()
    valid = attempts.filter(status=AttemptStatus.VALID).count()
    until = (spans["last"] - spans["first"]).total_seconds() if spans["first"] and spans["last"] else None
    requeued = Job.objects.filter(task="outcomes.tasks.return_validate", tries__gt=1).count()
    failed_jobs = Job.objects.filter(status=JobStatus.FAILED).count()

    rows = list(csv.DictReader((folder / f"{run}_stats.csv").open()))
    lines = [
        f"### {title}",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} by `make bench-load` on this machine "
        f"({os.cpu_count()} cores), loopback only.",
        "",
        "| Request | Requests | Errors | Requests/s | p50 (ms) | p95 (ms) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = "**All requests**" if row["Name"] == "Aggregated" else row["Name"]
        lines.append(
            f"| {name} | {int(row['Request Count']):,} | {int(row['Failure Count']):,} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} |"
        )
    lines += [
        "",
        f"- Uploads: {attempts.count()} of {len(plan['uploads'])} made, {checked} checked ({valid} valid), "
        f"**{stuck} stuck** after waiting up to {SETTLE_SECONDS} s.",
        f"- Time until every upload was checked: **{until:.0f} s** from the first upload's arrival."
        if until is not None
        else "- Time until every upload was checked: not reached.",
        f"- Checks handed out again by the sweeper (a lost worker's): {requeued}; background jobs failed: {failed_jobs}.",
    ]
    restart = folder / f"{run}_restart.txt"
    if restart.exists():
        lines.append(f"- {restart.read_text().strip()}")
    text = "\n".join(lines) + "\n"
    print(text)
    performance = Path("docs/performance.md")
    current = performance.read_text() if performance.exists() else ""
    begin, end = f"<!-- bench-load:{run} -->", f"<!-- /bench-load:{run} -->"
    block = f"{begin}\n{text}{end}"
    if begin in current:
        current = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, current, flags=re.S)
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    performance.write_text(current)
    errors = sum(int(row["Failure Count"]) for row in rows if row["Name"] == "Aggregated")
    if stuck or errors:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3])
