"""Benchmark: one contract's quarterly review pack, from stored results to a stored PDF.

The contract: a long-term homecare contract with 10 targets (the demo target set plus 91 days at
home and six-week independence), each with its four 2025-26 quarters, the year to date and the
four quarters a year earlier and 24 monthly results (so that each has its SPC chart); 8 other providers of the same council on the same targets (the
benchmark); DATA / REVIEW / ACTION commentary on every target (a few parts left blank); 5 actions
carried forward; 6 attendees; 12 monthly returns; an open notice; a QAF status; and the previous
meeting's issued pack, so that restatements are looked for. Prints the best of 3 runs of:
- pack_figures (everything the pack shows, frozen);
- the PDF rendered with WeasyPrint (charts included);
and their sum (aim: under 5 s), then one pack made end to end through the services (request,
figures frozen, PDF made and stored). Run with `make bench-pack` (throwaway PostgreSQL).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings
from django.db import connection, reset_queries
from django.utils import timezone

from accounts.access import acting_for
from accounts.models import Membership, OrganisationKind, Role, User
from commissioning.demo.contracts import HOMECARE_TARGETS
from commissioning.models import CommissioningBody, Contract, ServiceType
from commissioning.notices.models import Notice
from commissioning.qaf.models import QafStatus
from commissioning.services.targets import TargetInput, target_create
from config.celery import app
from outcomes.models import ComplianceResult, MonthlyReturn, ReturnAttempt
from outcomes.periods import LONDON, add_months, due_at, parse_period
from outcomes.reviews import pack_documents, packs
from outcomes.reviews.models import (
    ReviewAction,
    ReviewAttendee,
    ReviewCommentary,
    ReviewMeeting,
    ReviewPack,
)
from outcomes.reviews.pack_figures import pack_figures
from providers.models import Provider

TARGETS = [
    *HOMECARE_TARGETS,
    {"measure": "AT_HOME_91D", "params": {}, "target": 90},
    {"measure": "INDEPENDENT_WITHIN", "params": {"window_days": 42}, "target": 66},
]
PERIODS = [f"2025-26-Q{n}" for n in range(1, 5)] + ["2025-26-YTD-03"] + [f"2024-25-Q{n}" for n in range(1, 5)]
COMPARATORS = 8
FIRST = date(2024, 4, 1)


def _targets(contract: Contract) -> list:
    return [
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
        for entry in TARGETS
    ]


def _results(targets: list, periods: list[str], seed: int) -> None:
    rows = []
    for index, t in enumerate(targets):
        version = t.versions.first()
        for step, identifier in enumerate(periods):
            period = parse_period(identifier)
            denominator = 40 + (seed * 37 + index * 11 + step * 5) % 400
            share = Decimal(55 + (seed * 13 + index * 7 + step * 3) % 45) / 100
            numerator = int(denominator * share)
            value = (Decimal(100 * numerator) / denominator).quantize(Decimal("0.1"), ROUND_HALF_UP)
            green = value >= version.target_value
            rows.append(
                ComplianceResult(
                    contract=t.contract,
                    target=t,
                    target_version=version,
                    period=identifier,
                    period_kind=period.kind,
                    period_start=period.start,
                    period_end=period.end,
                    numerator=numerator,
                    denominator=denominator,
                    value=value,
                    rag="green" if green else "red",
                    direction=("improved", "stable", "worsened")[(index + step) % 3],
                )
            )
    ComplianceResult.objects.bulk_create(rows)


def build() -> tuple[ReviewMeeting, User]:
    council = CommissioningBody.objects.create(name="Bench Council", kind=OrganisationKind.COUNCIL)
    user = User.objects.create(email="bench.commissioner@example.org", full_name="Bench Commissioner")
    Membership.objects.create(user=user, organisation=council, role=Role.COMMISSIONER)
    provider = Provider.objects.create(name="Bench Homecare Ltd", cqc_rating="good")
    deal = Contract.objects.create(
        reference="BENCH-PACK",
        title="Homecare, north",
        lead_commissioner=council,
        provider=provider,
        service_type=ServiceType.HOMECARE,
        start_date=FIRST,
        end_date=date(2028, 3, 31),
        status="active",
    )
    targets = _targets(deal)
    _results(targets, PERIODS, 0)
    # 24 monthly results per target: each has an SPC chart and its icons in the pack
    _results(targets, [f"{add_months(date(2024, 4, 1), step):%Y-%m}" for step in range(24)], 0)
    for number in range(1, COMPARATORS + 1):
        other = Contract.objects.create(
            reference=f"BENCH-C{number}",
            title="Homecare",
            lead_commissioner=council,
            provider=Provider.objects.create(name=f"Comparator {number} Care Ltd"),
            service_type=ServiceType.HOMECARE,
            start_date=FIRST,
            end_date=date(2028, 3, 31),
            status="active",
        )
        _results(_targets(other), ["2025-26-Q4"], number)
    for step in range(12):
        month = add_months(date(2025, 4, 1), step)
        slot = MonthlyReturn.objects.create(contract=deal, month=month, due_at=due_at(month, 10))
        late = timedelta(days=4 if step % 5 == 4 else -2)
        ReturnAttempt.objects.create(
            monthly_return=slot,
            status="accepted",
            version=1,
            is_current=True,
            submitted_at=due_at(month, 10) + late,
            submitted_by_label="Benchmark",
        )
    previous = _meeting(council, provider, deal, "2025-26-Q3", date(2026, 1, 19))
    meeting = _meeting(council, provider, deal, "2025-26-Q4", date(2026, 4, 20))
    ReviewPack.objects.create(
        meeting=previous,
        version=1,
        figures=pack_figures(previous, today=date(2026, 1, 10)),
        status="ready",
        requested_by_label="Benchmark",
        issued_at=datetime(2026, 1, 12, 9, tzinfo=LONDON),
    )
    for index, t in enumerate(targets):
        for part in ("data", "review", "action", "commissioner"):
            if (index + len(part)) % 7 == 0:
                continue  # a few parts left blank: the pack flags them
            ReviewCommentary.objects.create(
                meeting=meeting,
                target=t,
                part=part,
                text=f"{part.title()} commentary on {t.measure}: "
                + "what happened and why, in a few lines. " * 4,
                version=1,
                written_by_label="Bench writer",
                by_provider=part != "commissioner",
            )
        if index < 5:
            ReviewAction.objects.create(
                meeting=previous,
                contract=deal,
                target=t,
                description=f"Agreed improvement on {t.measure}, with a named lead and a monthly check.",
                owner_kind="provider",
                owner_organisation=provider.name,
                owner_name="Registered manager",
                due_on=date(2026, 3, 31),
                created_by_label="Benchmark",
            )
    for number in range(6):
        ReviewAttendee.objects.create(
            meeting=meeting, name=f"Attendee {number}", organisation="Partner", email=""
        )
    Notice.objects.create(
        commissioner=council,
        contract=deal,
        provider=provider,
        kind="noc",
        reason="returns",
        status="issued",
        issued_at=timezone.now(),
        remedy_due_on=date(2026, 5, 31),
        created_by_label="Benchmark",
    )
    QafStatus.objects.create(commissioner=council, provider=provider, status="compliant", reason="Compliant.")
    return meeting, user


def _meeting(council, provider, deal, quarter: str, held_on: date) -> ReviewMeeting:
    meeting = ReviewMeeting.objects.create(
        commissioner=council,
        provider=provider,
        quarter=quarter,
        held_on=held_on,
        created_by_label="Benchmark",
    )
    meeting.contracts.set([deal])
    return meeting


def best_of(runs: int, work) -> tuple[float, object]:
    timings, outcome = [], None
    for _ in range(runs):
        start = time.perf_counter()
        outcome = work()
        timings.append(time.perf_counter() - start)
    return min(timings), outcome


def _run() -> None:
    app.conf.task_always_eager = True  # the PDF task runs in-process, as in the embedded mode
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-pack-")
    start = time.perf_counter()
    meeting, user = build()
    print(
        f"Contract: {len(TARGETS)} targets x {len(PERIODS)} stored periods, {COMPARATORS} comparators, "
        f"built in {time.perf_counter() - start:.1f} s"
    )
    import weasyprint  # noqa: F401 - imported once, as a worker does, outside the timings

    settings.DEBUG = True
    reset_queries()
    figures_s, figures = best_of(3, lambda: pack_figures(meeting))
    queries = len(connection.queries) // 3
    settings.DEBUG = False
    pack = ReviewPack(meeting=meeting, version=1, figures=figures, requested_by_label="Benchmark")
    render_s, (content, pages) = best_of(3, lambda: pack_documents.pack_render(pack))
    print(f"pack_figures:            {figures_s:6.2f} s  ({queries} queries)")
    print(f"PDF render (WeasyPrint): {render_s:6.2f} s  ({pages} pages, {len(content) / 1024:.0f} KB)")
    total = figures_s + render_s
    print(
        f"One contract's pack:     {total:6.2f} s  (best of 3 each; aim: under 5 s) {'OK' if total < 5 else 'TOO SLOW'}"
    )

    start = time.perf_counter()
    made = packs.pack_request(acting=acting_for(user, None), meeting=meeting)  # the task runs in-process
    made.refresh_from_db()
    print(
        f"End to end (request, freeze, PDF made and stored): {time.perf_counter() - start:.2f} s, "
        f"status {made.status}, {made.pages} pages"
    )


def main() -> None:
    try:
        _run()
    finally:
        if os.path.basename(settings.MEDIA_ROOT).startswith("bench-pack-"):  # the pack files the run stored
            shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
