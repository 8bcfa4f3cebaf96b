"""Benchmark: monthly returns ingested end to end through the service, against faithful floors.

End to end is all the service does for a provider's month: the upload stored (``return_submit``),
the validation task, the approver's sign-off (``return_sign_off``: the rows kept from validation
written with COPY, the latest-row flags, what changed, the recompute request) and the recompute
that acceptance asks for. Tasks run in-process, as the settings run them when no broker is set
(``CONFIG.tasks_in_process``): ``main`` unsets CELERY_BROKER_URL before Django starts, and
``measure_ingest`` runs its tasks in-process whatever the settings (as the tests do).

Floors, for the same rows:
- typed COPY: the rows already typed, COPYed into ``outcomes_episoderecord`` with all its indexes,
  its deferred constraints checked as a commit checks them, then rolled back;
- csv: the file read by the csv module alone (what reading it costs at the very least).

Scenarios, each in a process of its own so that its peak memory is the service's own:
- a large return (BENCH_ROWS, default 50,000) with ISO dates, then with UK day-first dates: a new
  contract's first month, then its next month (checked against the first; the flags move);
- month end: BENCH_SMALL_RETURNS (default 200) contracts each sending an ordinary 250-row return,
  their previous month accepted already.

Aims, judged on the ingest (upload to acceptance, with the latest-row flags and the recompute
request): at least 20,000 rows/s, at most 3x the typed COPY floor, and (the large return) a peak
resident memory under 300 MB. End to end adds the recompute itself (the contract has a homecare
contract's targets), which `make bench` measures against its own floor.

Run with `make bench-returns` (a throwaway PostgreSQL); BENCH_SCENARIOS picks some of
"iso uk month-end".

Importable with no work done at import: ``measure_ingest(contract, period, content)`` and
``typed_copy_floor(contract, period, content)`` need Django set up (and a PostgreSQL database).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROWS_PER_SECOND_AIM = 20_000
FLOOR_RATIO_AIM = 3.0
PEAK_MB_AIM = 300
SMALL_ROWS = 250
FIRST, NEXT = "2025-05", "2025-06"
LARGE_ROWS = int(os.environ.get("BENCH_ROWS", "50000"))  # the large return's episodes
PERIOD = NEXT  # the month of make_file's return unless told (bench-load's set-up uses it)


def make_file(rows: int, *, period: str = NEXT, uk: bool = False, offset: int = 0) -> bytes:
    """A return for May or June 2025 (``period``); ``uk`` writes every date as UK Excel saves it to CSV
    (03/04/2025 10:15). The same episodes each month, referred January to April; some end in the
    month; at_home_91_days is known once 91 days have passed by the month's end."""
    from outcomes.mds import EPISODE_COLUMNS

    month = int(period[5:7])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EPISODE_COLUMNS)

    def day(in_month: int, day_of_month: int, clock: str = "") -> str:
        if uk:
            return f"{day_of_month:02d}/{in_month:02d}/2025" + (f" {clock}" if clock else "")
        return f"2025-{in_month:02d}-{day_of_month:02d}" + (f" {clock}" if clock else "")

    for index in range(offset, offset + rows):
        short = index % 3 == 0
        ended = index % 5 == 0
        referred = 1 + index % 4
        writer.writerow(
            [
                f"EP-{index:06d}",
                f"P-{index:06d}",
                "short_term" if short else "long_term",
                "hospital_discharge" if index % 2 else "community",
                ("65-74", "75-84", "85+", "18-64")[index % 4],
                "Y" if index % 7 == 0 else "N",
                "N",
                day(referred, 1 + index % 27, f"10:{index % 60:02d}"),
                day(referred, 1 + index % 27, "16:00"),
                "10.5",
                "8" if index % 4 else "12",
                day(month, 1 + index % 28) if ended else "",
                "independent" if ended else "",
                "",
                "Y" if index % 2 and referred <= month - 3 else "",
            ]
        )
    return buffer.getvalue().encode()


@contextmanager
def _tasks_in_process() -> Iterator[None]:
    """Queued tasks run in-process as they are handed out (what CONFIG.tasks_in_process sets), and
    emails go to memory."""
    from celery import current_app
    from django.test.utils import override_settings

    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        current_app.conf.task_always_eager = eager


@contextmanager
def _task_seconds() -> Iterator[dict[str, float]]:
    """Seconds spent in each task (by name) while the block runs."""
    from celery import signals

    spent: dict[str, float] = {}
    started: dict[str, float] = {}

    def before(task_id: str, task: Any, **kwargs: Any) -> None:
        started[task_id] = time.perf_counter()

    def after(task_id: str, task: Any, **kwargs: Any) -> None:
        spent[task.name] = spent.get(task.name, 0.0) + time.perf_counter() - started.pop(task_id)

    signals.task_prerun.connect(before, weak=False)
    signals.task_postrun.connect(after, weak=False)
    try:
        yield spent
    finally:
        signals.task_prerun.disconnect(before)
        signals.task_postrun.disconnect(after)


def _approver(contract: Any) -> Any:
    """An approver of the contract's provider, acting there (made once per provider)."""
    from accounts.access import acting_for
    from accounts.models import Membership, Role, User

    email = f"bench-approver-{contract.provider_id}@provider.example"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name="Bench Approver")
        Membership.objects.create(user=user, organisation=contract.provider, role=Role.APPROVER)
    return acting_for(user, None)


def measure_ingest(contract: Any, period: str, content: bytes, *, filename: str = "return.csv") -> dict:
    """Upload, check, sign off and recompute one return of ``contract`` for ``period`` through the
    service; the seconds of each step and in all (``seconds``)."""
    from outcomes.models import AttemptStatus, CheckedReturn
    from outcomes.returns.services import return_sign_off, return_submit

    acting = _approver(contract)
    with _tasks_in_process(), _task_seconds() as tasks:
        start = time.perf_counter()
        attempt = return_submit(
            acting=acting, contract=contract, period=period, file_bytes=content, filename=filename
        )
        uploaded = time.perf_counter()
        attempt.refresh_from_db()
        assert attempt.status == AttemptStatus.VALID, (attempt.status, attempt.errors[:3])
        kept = CheckedReturn.objects.filter(attempt=attempt).exists()
        signing = time.perf_counter()
        accepted = return_sign_off(
            acting=acting,
            attempt=attempt,
            declaration=True,
            acknowledged_warnings=dict.fromkeys(range(len(attempt.warnings)), ""),
        )
        end = time.perf_counter()
    assert accepted.status == AttemptStatus.ACCEPTED, accepted.status
    validation = tasks.get("outcomes.tasks.return_validate", 0.0)
    recompute = tasks.get("outcomes.tasks.compliance_recompute", 0.0)
    seconds = (uploaded - start) + (end - signing)
    return {
        "rows": accepted.episode_count,
        "seconds": seconds,
        "ingest_seconds": seconds - recompute,
        "upload": uploaded - start - validation,
        "validation": validation,
        "sign_off": end - signing - recompute,
        "recompute": recompute,
        "kept_rows_reused": kept,
        "warnings": len(attempt.warnings),
    }


def typed_copy_floor(contract: Any, period: str, content: bytes, *, constraints: bool = True) -> float:
    """Seconds to COPY the return's rows, already typed, into outcomes_episoderecord (with its indexes)
    in a transaction, the deferred constraints checked as a commit would (``constraints``), then
    rolled back: the least any service could spend writing them."""
    from django.db import connection, transaction

    from outcomes.mds import validate_return
    from outcomes.models import MonthlyReturn, ReturnAttempt
    from outcomes.periods import LONDON, parse_month
    from outcomes.returns.checked import COPY_COLUMNS, stored_hours

    result = validate_return(period=period, episodes_file=content, filename="floor.csv")
    assert result.is_valid, result.errors[:3]
    month = parse_month(period)

    class RolledBack(Exception):
        pass

    try:
        with transaction.atomic():
            slot, _ = MonthlyReturn.objects.get_or_create(
                contract=contract, month=month, defaults={"due_at": "2030-01-01T00:00Z"}
            )
            attempt = ReturnAttempt.objects.create(monthly_return=slot, submitted_by_label="Floor")
            rows = [
                (
                    attempt.pk,
                    contract.pk,
                    month,
                    row.row,
                    row.episode_ref,
                    row.person_ref,
                    row.service_type,
                    row.referral_source,
                    row.age_band,
                    row.dementia,
                    row.end_of_life,
                    row.referred_at,
                    row.first_visit_at,
                    stored_hours(row.weekly_hours_start),
                    stored_hours(row.weekly_hours_now),
                    row.ended_on,
                    row.end_reason,
                    row.died_in_preferred_place,
                    row.at_home_91_days,
                    row.referred_at.astimezone(LONDON).date(),
                    row.first_visit_at.astimezone(LONDON).date() if row.first_visit_at else None,
                    True,
                )
                for row in result.episodes
            ]
            del result
            with connection.cursor() as cursor:
                start = time.perf_counter()
                with cursor.copy(
                    f"COPY outcomes_episoderecord ({', '.join(COPY_COLUMNS)}) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
                if constraints:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                seconds = time.perf_counter() - start
            raise RolledBack
    except RolledBack:
        pass
    return seconds


def csv_floor(content: bytes) -> float:
    """Seconds to read the file with the csv module alone."""
    start = time.perf_counter()
    for _ in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")):
        pass
    return time.perf_counter() - start


def _contract(reference: str, *, targets: bool = True) -> Any:
    from accounts.models import OrganisationKind
    from commissioning.demo.contracts import HOMECARE_TARGETS
    from commissioning.models import CommissioningBody, Contract
    from providers.models import Provider
    from scripts.benchmark.data import targets_create

    council, _ = CommissioningBody.objects.get_or_create(
        name="Bench Council", defaults={"kind": OrganisationKind.COUNCIL}
    )
    provider = Provider.objects.create(name=f"Bench Homecare {reference}")
    contract = Contract.objects.create(
        reference=reference,
        title="Benchmark",
        service_type="homecare",
        lead_commissioner=council,
        provider=provider,
        start_date=date(2025, 4, 1),
        end_date=date(2028, 3, 31),
        status="active",
    )
    # A homecare contract's targets, as the demo's: the recompute acceptance asks for computes them.
    if targets:
        targets_create(contract, HOMECARE_TARGETS, date(2025, 4, 1))
    return contract


def _warm_up(stamp: str) -> None:
    """One small return first, so that loading the code each step needs is not counted."""
    measure_ingest(_contract(f"WARM-{stamp}"), FIRST, make_file(10, period=FIRST))


def _peak_mb() -> float:
    """This process's resident-memory high-water mark, in MB. Read from /proc (VmHWM), which starts
    afresh when the process starts its program: getrusage's ru_maxrss keeps the high-water mark of
    the process that started this one, so a child of a large process would report its parent's."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scenario_large(rows: int, *, uk: bool) -> dict:
    """A new contract's first month of ``rows`` episodes, then its next month."""
    stamp = f"{'UK' if uk else 'ISO'}-{time.time_ns()}"
    _warm_up(stamp)
    contract = _contract(f"BENCH-{stamp}")
    runs = {}
    for period in (FIRST, NEXT):
        content = make_file(rows, period=period, uk=uk)
        runs[period] = measure_ingest(contract, period, content, filename=f"{period}.csv")
        del content
    peak = _peak_mb()  # before the floors, which are not the service
    for period in (FIRST, NEXT):
        content = make_file(rows, period=period, uk=uk)
        floor_contract = _contract(f"FLOOR-{period}-{stamp}", targets=False)
        runs[period]["copy_floor"] = typed_copy_floor(floor_contract, period, content)
        runs[period]["copy_floor_no_checks"] = typed_copy_floor(
            floor_contract, period, content, constraints=False
        )
        runs[period]["csv_floor"] = csv_floor(content)
        runs[period]["megabytes"] = len(content) / 1024 / 1024
    return {"runs": runs, "peak_mb": peak}


def scenario_month_end(returns: int) -> dict:
    """``returns`` contracts each sending a 250-row return, their previous month accepted already."""
    stamp = time.time_ns()
    _warm_up(str(stamp))
    contracts = [_contract(f"BENCH-ME-{stamp}-{index}") for index in range(returns)]
    for index, contract in enumerate(contracts):
        measure_ingest(contract, FIRST, make_file(SMALL_ROWS, period=FIRST, offset=index * SMALL_ROWS))
    totals: dict[str, float] = {}
    for index, contract in enumerate(contracts):
        content = make_file(SMALL_ROWS, period=NEXT, offset=index * SMALL_ROWS)
        run = measure_ingest(contract, NEXT, content)
        for key in ("rows", "seconds", "ingest_seconds", "upload", "validation", "sign_off", "recompute"):
            totals[key] = totals.get(key, 0.0) + run[key]
        totals["kept_rows_reused"] = totals.get("kept_rows_reused", 0) + run["kept_rows_reused"]
        floor_contract = _contract(f"FLOOR-ME-{stamp}-{index}", targets=False)
        totals["copy_floor"] = totals.get("copy_floor", 0.0) + typed_copy_floor(floor_contract, NEXT, content)
        totals["csv_floor"] = totals.get("csv_floor", 0.0) + csv_floor(content)
    return {"returns": returns, **totals, "peak_mb": _peak_mb()}


def _verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def _report_run(label: str, run: dict, peak_mb: float | None) -> list[str]:
    """The aims are judged on the ingest: upload, checks and acceptance with its latest-row flags and
    recompute request. The recompute itself (the compliance engine's, measured by `make bench`)
    is shown beside it, counted in end to end."""
    rows, ingest, floor = run["rows"], run["ingest_seconds"], run["copy_floor"]
    rate, ratio = rows / ingest, ingest / floor
    without_checks = (
        f"; {run['copy_floor_no_checks']:.2f} s without them" if "copy_floor_no_checks" in run else ""
    )
    return [
        f"  {label}: {rows:,.0f} rows",
        f"    ingest          {ingest:7.2f} s {rate:10,.0f} rows/s  (upload {run['upload']:.2f} s, checks "
        f"{run['validation']:.2f} s, sign-off {run['sign_off']:.2f} s with the flags and the recompute request; "
        f"kept rows reused at sign-off: {'yes' if run['kept_rows_reused'] else 'no'})",
        f"    end to end      {run['seconds']:7.2f} s {rows / run['seconds']:10,.0f} rows/s  (with the recompute "
        f"acceptance asks for, run in-process: {run['recompute']:.2f} s)",
        f"    typed COPY floor{floor:7.2f} s {rows / floor:10,.0f} rows/s  (into outcomes_episoderecord with "
        f"its indexes, constraints checked as at commit{without_checks})",
        f"    csv floor       {run['csv_floor']:7.2f} s {rows / run['csv_floor']:10,.0f} rows/s",
        f"    ingest x{ratio:.2f} the typed COPY floor ({_verdict(ratio <= FLOOR_RATIO_AIM)} <= "
        f"x{FLOOR_RATIO_AIM:g}); {_verdict(rate >= ROWS_PER_SECOND_AIM)} >= {ROWS_PER_SECOND_AIM:,} rows/s"
        + (
            f"; peak memory {peak_mb:.0f} MB ({_verdict(peak_mb < PEAK_MB_AIM)} < {PEAK_MB_AIM} MB)"
            if peak_mb
            else ""
        ),
    ]


def _write_section(lines: list[str]) -> None:
    """The figures into docs/performance.md, between this benchmark's markers."""
    performance = Path("docs/performance.md")
    current = performance.read_text() if performance.exists() else ""
    begin, end = "<!-- bench-returns -->", "<!-- /bench-returns -->"
    block = "\n".join(
        [
            begin,
            "## Ingesting a monthly return (`make bench-returns`)",
            "",
            "The service's ingest (upload, checks, sign-off reusing the checked rows, with the latest-row flags",
            "and the recompute request) and end to end (with the recompute run), beside a typed COPY of the",
            "same rows into `outcomes_episoderecord` with its indexes.",
            "",
            f"Measured {time.strftime('%Y-%m-%d %H:%M')} by `make bench-returns` on this machine "
            f"({os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the end, from everything running "
            "on it: the figures of a busy machine).",
            "",
            "```",
            *lines,
            "```",
            end,
        ]
    )
    if begin in current:
        current = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, current, flags=re.S)
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    performance.write_text(current)


def _child(scenario: str) -> None:
    """Run one scenario in this process and print its figures as JSON (the last line)."""
    if scenario == "month-end":
        found = scenario_month_end(int(os.environ.get("BENCH_SMALL_RETURNS", "200")))
    else:
        found = scenario_large(LARGE_ROWS, uk=scenario == "uk")
    print(json.dumps(found))


def main() -> None:
    """Each scenario in a process of its own; the figures, and whether each aim is met."""
    if len(sys.argv) > 1:
        _child(sys.argv[1])
        return
    results = {}
    for scenario in os.environ.get("BENCH_SCENARIOS", "iso uk month-end").split():
        done = subprocess.run(  # noqa: S603 - this script itself
            [sys.executable, __file__, scenario], check=True, capture_output=True, text=True
        )
        results[scenario] = json.loads(done.stdout.strip().splitlines()[-1])
    lines = []
    for scenario, label in (
        ("iso", "ISO dates (2025-04-03 10:15)"),
        ("uk", "UK day-first dates (03/04/2025 10:15)"),
    ):
        if scenario not in results:
            continue
        found = results[scenario]
        lines.append(f"Large return, {label}, {found['runs'][NEXT]['megabytes']:.1f} MB CSV:")
        lines += _report_run("first month (May 2025)", found["runs"][FIRST], None)
        lines += _report_run("next month (June 2025)", found["runs"][NEXT], found["peak_mb"])
    if "month-end" in results:
        month_end = results["month-end"]
        lines.append(
            f"Month end: {month_end['returns']} contracts each sending a {SMALL_ROWS}-row return "
            "(June, after May):"
        )
        lines += _report_run("all returns", month_end, month_end["peak_mb"])
    print("\n".join(lines))
    if len(results) == 3:  # every scenario: the figures the document keeps
        _write_section(lines)


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    # Tasks in-process, as the settings read it (config/environment.py: no broker set), so that the
    # validation and the recompute acceptance asks for run here and count in end to end.
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    main()
