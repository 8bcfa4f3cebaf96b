"""Benchmark: a 50,000-episode monthly return validated and accepted end to end through the service.

Prints rows per second and peak memory, and two floors for comparison: reading the same CSV with
the csv module alone, and PostgreSQL COPY of the same rows into a scratch table.
Run with `make bench-returns` (it starts a throwaway PostgreSQL).
"""

from __future__ import annotations

import csv
import io
import os
import resource
import subprocess
import sys
import time
from datetime import date

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection

from accounts.models import OrganisationKind
from commissioning.models import CommissioningBody, Contract
from outcomes.mds import EPISODE_COLUMNS, validate_return
from outcomes.returns.services import return_import
from providers.models import Provider

ROWS = int(os.environ.get("BENCH_ROWS", "50000"))
PERIOD = "2025-06"


def make_file(rows: int, *, uk: bool = False) -> bytes:
    """A June 2025 return; ``uk`` writes every date as UK Excel saves it to CSV (03/04/2025 10:15)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EPISODE_COLUMNS)

    def day(month: int, day_of_month: int, clock: str = "") -> str:
        if uk:
            return f"{day_of_month:02d}/{month:02d}/2025" + (f" {clock}" if clock else "")
        return f"2025-{month:02d}-{day_of_month:02d}" + (f" {clock}" if clock else "")

    for index in range(rows):
        short = index % 3 == 0
        ended = index % 5 == 0
        month = 1 + index % 5
        writer.writerow(
            [
                f"EP-{index:06d}",
                f"P-{index:06d}",
                "short_term" if short else "long_term",
                "hospital_discharge" if index % 2 else "community",
                ("65-74", "75-84", "85+", "18-64")[index % 4],
                "Y" if index % 7 == 0 else "N",
                "N",
                day(month, 1 + index % 27, f"10:{index % 60:02d}"),
                day(month, 1 + index % 27, "16:00"),
                "10.5",
                "8" if index % 4 else "12",
                day(6, 1 + index % 28) if ended else "",
                "independent" if ended else "",
                "",
                "Y" if index % 2 and month <= 3 else "",  # known once 91 days have passed by 30 June
            ]
        )
    return buffer.getvalue().encode()


def copy_floor(content: bytes) -> float:
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_copy (" + ", ".join(f"{c} text" for c in EPISODE_COLUMNS) + ")"
        )
        with cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(content)
        cursor.execute("DROP TABLE bench_copy")
    return time.perf_counter() - start


def main() -> None:
    """Both runs, each in a process of its own (so that each peak memory is its own): the file with
    ISO dates, then the same file as UK Excel saves it to CSV (every date day first)."""
    if "BENCH_DATES" in os.environ:
        measure(uk=os.environ["BENCH_DATES"] == "uk")
        return
    for dates in ("iso", "uk"):
        subprocess.run([sys.executable, __file__], env={**os.environ, "BENCH_DATES": dates}, check=True)  # noqa: S603 - this script itself


def measure(*, uk: bool) -> None:
    council, _ = CommissioningBody.objects.get_or_create(
        name="Bench Council", defaults={"kind": OrganisationKind.COUNCIL}
    )
    provider, _ = Provider.objects.get_or_create(name="Bench Homecare Ltd")
    reference = f"BENCH-{'UK' if uk else 'ISO'}-{int(time.time())}"
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
    content = make_file(ROWS, uk=uk)
    dates = "UK day-first dates (03/04/2025 10:15)" if uk else "ISO dates (2025-04-03 10:15)"
    print(f"File: {ROWS:,} episode rows, {len(content) / 1024 / 1024:.1f} MB CSV, {dates}")

    start = time.perf_counter()
    rows = sum(1 for _ in csv.reader(io.StringIO(content.decode()))) - 1
    csv_floor = time.perf_counter() - start

    # Timed without tracemalloc (it slows Python down several times); memory is the process's peak RSS.
    start = time.perf_counter()
    result = validate_return(period=PERIOD, episodes_file=content, filename="bench.csv")
    validate_seconds = time.perf_counter() - start
    assert result.is_valid, result.errors[:3]
    del result

    start = time.perf_counter()
    attempt = return_import(
        contract=contract, period=PERIOD, file_bytes=content, filename="bench.csv", accept=True
    )
    end_to_end = time.perf_counter() - start
    assert attempt.status == "accepted" and attempt.episode_count == ROWS, (
        attempt.status,
        attempt.errors[:3],
    )

    floor = copy_floor(content)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"csv.reader alone (floor):        {csv_floor:6.2f} s  {rows / csv_floor:10,.0f} rows/s")
    print(
        f"validate only:                   {validate_seconds:6.2f} s  {ROWS / validate_seconds:10,.0f} rows/s"
        f"  (x{validate_seconds / csv_floor:.1f} the csv floor)"
    )
    print(f"PostgreSQL COPY (floor):         {floor:6.2f} s  {ROWS / floor:10,.0f} rows/s")
    print(
        f"submit+validate+accept (service): {end_to_end:5.2f} s  {ROWS / end_to_end:10,.0f} rows/s"
        f"  (x{end_to_end / (csv_floor + floor):.1f} the csv+COPY floor)"
    )
    print(f"Peak resident memory of the process: {peak_rss_mb:.0f} MB")
    target = "meets" if ROWS / end_to_end >= 5000 and peak_rss_mb < 300 else "MISSES"
    print(f"Target (>= 5,000 rows/s end to end, < 300 MB): {target}")


if __name__ == "__main__":
    main()
