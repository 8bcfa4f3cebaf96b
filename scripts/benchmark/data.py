"""Synthetic councils for the benchmarks: distinct simulated episodes, every contract populated over its term.

One "council" (scale 1) is 50 contracts of one commissioning body, the size of a county council's
homecare market: 28 long-term homecare, 16 reablement, 4 extra care and 2 end-of-life contracts,
held by 25 providers (most hold two contracts, of different service types). Volumes follow the
national picture the product is sized for (about 250 episodes a contract a year, about 250 monthly
episode rows a contract a month): homecare caseloads of 150–220 people with 8–14 new a month,
reablement 30–50 new people a month, end-of-life 8–14 a month with most dying within weeks.

History: the 24 months before the latest ended month, every month's return as the provider would
have sent it (episodes open in the month or ended in the previous 120 days, known as at the
month's end), loaded directly into the real tables by COPY. A quarter of the contracts began a year
into the history and have returns from their start only. Included, as in real life: late returns
(about 1 in 25), corrected months (about 1 in 50: a second version that restates two end reasons)
and months with no accepted return (about 1 in 100: a rejected file never replaced). The latest
ended month is left for the ingest benchmark to upload through the service.

Every contract's episodes come from a random generator seeded with its reference, so every run
builds the same data.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import OrganisationKind
from commissioning.demo.contracts import END_OF_LIFE_TARGETS, HOMECARE_TARGETS, REABLEMENT_TARGETS
from commissioning.models import CommissioningBody, Contract, ServiceType
from commissioning.qaf.models import QafStatus
from commissioning.services.targets import TargetInput, target_create
from outcomes.demo.returns import Episode, _long_term, _moment, _short_term, as_known_at
from outcomes.models import (
    AttemptStatus,
    MonthlyReturn,
    RecomputeRequest,
    ReturnAttempt,
    SurveyFigure,
)
from outcomes.periods import LONDON, add_months, due_at, latest_ended_month, month_end
from outcomes.results.requests import recompute_deferred
from outcomes.returns.checked import EPISODE_COLUMNS_STORED
from providers.models import Provider

CONTRACTS_PER_COUNCIL = 50
HISTORY_MONTHS = 24
LABEL = "Benchmark"
# Per 50 contracts: (service type, kind of work, how many, targets).
MIX = (
    (ServiceType.HOMECARE, "homecare", 28, HOMECARE_TARGETS),
    (ServiceType.SHORT_TERM, "reablement", 16, REABLEMENT_TARGETS),
    (ServiceType.EXTRA_CARE, "extra_care", 4, HOMECARE_TARGETS[1:]),
    (ServiceType.HOMECARE, "end_of_life", 2, END_OF_LIFE_TARGETS),
)
SURVEYS = {"HEALTH_NEEDS_MET": 0.95, "CARER_SUPPORTED": 0.93, "DIED_WITH_DIGNITY": 0.9}


@dataclass(frozen=True)
class Council:
    body: CommissioningBody
    contracts: list[Contract]
    kinds: dict[int, str]  # contract id -> homecare, reablement, extra_care or end_of_life
    episodes: dict[int, list[Episode]]
    first_month: date  # the history's first month
    ingest_month: date  # the latest ended month, left for the ingest benchmark
    rows: int  # monthly episode rows loaded


def months_of_history(today: date | None = None) -> tuple[date, date]:
    """The history's first month and the month left for ingest (the latest ended month)."""
    ingest = latest_ended_month(today or timezone.localdate())
    return add_months(ingest, -HISTORY_MONTHS), ingest


def _end_of_life(rng: random.Random, ref: str, referred: datetime) -> Episode:
    """Care at home in the last weeks of life: most die within weeks, some in hospital."""
    first = referred + timedelta(hours=rng.choice([4, 8, 20, 30, 44]))
    reason = rng.choices(["died", "hospital", "other"], weights=[0.82, 0.12, 0.06])[0]
    ended = first.date() + timedelta(days=rng.randint(3, 100))
    hours = Decimal(rng.choice([14, 21, 28, 35]))
    return Episode(
        ref,
        f"P-{rng.randint(10000, 99999)}",
        "long_term",
        rng.choices(["hospital_discharge", "community"], weights=[0.6, 0.4])[0],
        rng.choices(["18-64", "65-74", "75-84", "85+"], weights=[0.1, 0.25, 0.35, 0.3])[0],
        rng.random() < 0.2,
        True,
        referred,
        first,
        hours,
        hours + Decimal(rng.choice([0, 0, 7])),
        first.date() + timedelta(days=14),
        ended,
        reason,
        rng.random() < 0.76 if reason == "died" else None,
        rng.random() < 0.5,
    )


def simulate(reference: str, kind: str, start: date, horizon: date) -> list[Episode]:
    """A contract's episodes from its start to the horizon (the first day after the last month)."""
    rng = random.Random(f"bench:{reference}")  # noqa: S311 - synthetic data, not security
    episodes: list[Episode] = []
    caseload = {"homecare": (150, 220), "extra_care": (60, 90)}.get(kind)
    if caseload:  # people already receiving care when the contract began
        for _ in range(rng.randint(*caseload)):
            referred = _moment(start - timedelta(days=rng.randint(40, 900)), rng)
            episodes.append(_long_term(rng, f"{reference}-E{len(episodes):05d}", referred, horizon))
    new = {"homecare": (8, 14), "extra_care": (2, 4), "reablement": (30, 50), "end_of_life": (8, 14)}[kind]
    month = start
    while month < horizon:
        for _ in range(rng.randint(*new)):
            referred = _moment(month + timedelta(days=rng.randint(0, 27)), rng)
            ref = f"{reference}-E{len(episodes):05d}"
            if kind == "reablement":
                episodes.append(_short_term(rng, ref, referred))
            elif kind == "end_of_life":
                episodes.append(_end_of_life(rng, ref, referred))
            else:
                episodes.append(_long_term(rng, ref, referred, horizon))
        month = add_months(month, 1)
    return episodes


def targets_create(contract: Contract, targets: list[dict], effective_from: date) -> None:
    """The contract's targets from a demo target set (``commissioning.demo.contracts``), in force from
    ``effective_from``, each with its set's minimum denominator."""
    for entry in targets:
        target_create(
            contract=contract,
            measure=entry["measure"],
            params=entry["params"],
            data=TargetInput(
                target_value=entry["target"],
                effective_from=effective_from,
                min_denominator=entry.get("min_denominator", 5),
            ),
            actor=None,
            actor_label=LABEL,
        )


def contracts_create(
    scale: int, first_month: date
) -> tuple[CommissioningBody, list[Contract], dict[int, str]]:
    """The council's contracts and targets: ``scale`` times the 50-contract mix."""
    body, _ = CommissioningBody.objects.get_or_create(
        name="Benchmark County Council", defaults={"kind": OrganisationKind.COUNCIL}
    )
    contracts: list[Contract] = []
    kinds: dict[int, str] = {}
    index = 0
    for copy in range(scale):
        for service_type, kind, count, targets in MIX:
            for _ in range(count):
                provider, _ = Provider.objects.get_or_create(
                    name=f"Benchmark Care {copy:02d}-{index % 25:02d}"
                )
                late_start = index % 4 == 3
                start = add_months(first_month, 12) if late_start else first_month
                contract = Contract.objects.create(
                    reference=f"BC-{copy:02d}-{index:03d}",
                    title=f"{kind.replace('_', ' ').capitalize()} lot {index}",
                    lead_commissioner=body,
                    provider=provider,
                    service_type=service_type,
                    start_date=start,
                    end_date=date(start.year + 5, 3, 31),
                    status="active",
                )
                targets_create(contract, targets, start)
                contracts.append(contract)
                kinds[contract.pk] = kind
                index += 1
        index = 0
    QafStatus.objects.bulk_create(
        QafStatus(
            commissioner=body,
            provider=provider,
            status="compliant" if number % 5 else "non_compliant_in_window",
            reason=LABEL,
        )
        for number, provider in enumerate(Provider.objects.filter(name__startswith="Benchmark Care"))
    )
    return body, contracts, kinds


def episode_row(attempt_id: int, contract_id: int, month: date, number: int, episode: Episode) -> tuple:
    return (
        attempt_id,
        contract_id,
        month,
        number,
        episode.ref,
        episode.person,
        episode.service_type,
        episode.source,
        episode.age_band,
        episode.dementia,
        episode.end_of_life,
        episode.referred_at,
        episode.first_visit_at,
        episode.hours_start,
        episode.hours_now,
        episode.ended_on,
        episode.end_reason,
        episode.preferred_place if episode.end_reason == "died" else None,
        episode.at_home_91 if episode.source == "hospital_discharge" else None,
        episode.referred_at.astimezone(LONDON).date(),
        episode.first_visit_at.astimezone(LONDON).date() if episode.first_visit_at else None,
    )


def known_rows(episodes: list[Episode], month: date) -> list[Episode]:
    """The month's return: each episode as known at the month's end (as the demo's files)."""
    last = month_end(month)
    return [known for episode in episodes if (known := as_known_at(episode, last)) is not None]


def _corrected(rows: list[Episode]) -> list[Episode]:
    """The first version of a corrected month: two end reasons the provider later put right."""
    wrong, fixed = [], 0
    for episode in rows:
        if fixed < 2 and episode.end_reason == "independent":
            episode = replace(episode, end_reason="other")
            fixed += 1
        wrong.append(episode)
    return wrong


def returns_load(contract: Contract, episodes: list[Episode], first: date, last: date) -> int:
    """Every month's return of the contract from its start (or ``first``) to ``last``: the slots and
    versions in a few statements, the episode rows by one COPY."""
    rng = random.Random(f"returns:{contract.reference}")  # noqa: S311 - synthetic data
    wants_survey = [code for code in SURVEYS if contract.targets.filter(measure=code).exists()]
    months = []
    month = max(first, contract.start_date.replace(day=1))
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    slots = MonthlyReturn.objects.bulk_create(
        MonthlyReturn(contract=contract, month=month, due_at=due_at(month, contract.return_due_day))
        for month in months
    )
    attempts: list[ReturnAttempt] = []
    contents: list[tuple[ReturnAttempt, list[Episode]]] = []
    for slot in slots:
        due = slot.due_at
        late = rng.random() < 0.04
        submitted = due + timedelta(days=3) if late else due - timedelta(days=rng.randint(1, 8), hours=3)
        fate = rng.random()
        if fate < 0.01 and slot.month < last:  # rejected, never replaced: the month has no data
            attempts.append(
                ReturnAttempt(
                    monthly_return=slot,
                    status=AttemptStatus.REJECTED,
                    submitted_at=submitted,
                    submitted_by_label=LABEL,
                    late=late,
                    validated_at=submitted,
                    errors=[{"row": 2, "column": "referred_at", "message": "Not a date"}],
                )
            )
            continue
        month_rows = known_rows(episodes, slot.month)
        versions = [month_rows]
        if fate > 0.98:  # corrected later: the first version had two end reasons wrong
            versions.insert(0, _corrected(month_rows))
        for number, version_rows in enumerate(versions, start=1):
            current = number == len(versions)
            moment = submitted + timedelta(days=12 * (number - 1))
            attempt = ReturnAttempt(
                monthly_return=slot,
                status=AttemptStatus.ACCEPTED if current else AttemptStatus.SUPERSEDED,
                submitted_at=moment,
                submitted_by_label=LABEL,
                late=moment > due,
                validated_at=moment,
                episode_count=len(version_rows),
                signed_off_at=moment + timedelta(hours=2),
                signed_off_by_label=LABEL,
                accepted_at=moment + timedelta(hours=2),
                version=number,
                is_current=current,
                superseded_at=None if current else moment + timedelta(days=12),
            )
            attempts.append(attempt)
            contents.append((attempt, version_rows))
    ReturnAttempt.objects.bulk_create(attempts)
    rows = 0
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY outcomes_episoderecord ({', '.join(EPISODE_COLUMNS_STORED)}) FROM STDIN") as copy,
    ):
        for attempt, version_rows in contents:
            month = attempt.monthly_return.month
            for row_number, episode in enumerate(version_rows, start=2):
                copy.write_row(episode_row(attempt.pk, contract.pk, month, row_number, episode))
            rows += len(version_rows)
    SurveyFigure.objects.bulk_create(
        SurveyFigure(
            attempt=attempt,
            contract=contract,
            month=attempt.monthly_return.month,
            measure_code=code,
            numerator=sum(rng.random() < SURVEYS[code] for _ in range(asked)),
            denominator=asked,
        )
        for attempt, _ in contents
        for code in wants_survey
        if (asked := rng.randint(6, 20))
    )
    return rows


LATEST_FLAGS = """
UPDATE outcomes_episoderecord e SET is_latest = true
FROM (
    SELECT DISTINCT ON (r.contract_id, r.episode_ref) r.id
    FROM outcomes_episoderecord r JOIN outcomes_returnattempt a ON a.id = r.attempt_id AND a.is_current
    ORDER BY r.contract_id, r.episode_ref, r.month DESC
) latest
WHERE e.id = latest.id
"""


@contextmanager
def indexes_dropped(table: str) -> Iterator[None]:
    """Load a table without its indexes and constraints (bar the primary key), then make them again:
    building an index once is much cheaper than keeping it up to date row by row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype <> 'p'",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def council_build(scale: int, today: date | None = None) -> Council:
    """A council of ``scale`` × 50 contracts with 24 months of returns (the latest ended month left out)."""
    first, ingest = months_of_history(today)
    with recompute_deferred(), transaction.atomic():
        body, contracts, kinds = contracts_create(scale, first)
    horizon = add_months(ingest, 1)
    episodes: dict[int, list[Episode]] = {}
    rows = 0
    with indexes_dropped("outcomes_episoderecord"):
        for contract in contracts:
            start = contract.start_date.replace(day=1)
            episodes[contract.pk] = simulate(contract.reference, kinds[contract.pk], start, horizon)
            with transaction.atomic():
                rows += returns_load(contract, episodes[contract.pk], first, add_months(ingest, -1))
        with connection.cursor() as cursor:
            cursor.execute(LATEST_FLAGS)
    RecomputeRequest.objects.all().delete()  # nothing is computed yet: the benchmarks compute it all
    with connection.cursor() as cursor:  # statistics as autovacuum would leave them after a load
        cursor.execute("VACUUM ANALYZE")
    return Council(body, contracts, kinds, episodes, first, ingest, rows)
