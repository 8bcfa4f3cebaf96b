"""Demo monthly returns: 18 months for each active demo contract, simulated from published figures.

Each contract gets a population of episodes drawn with a fixed seed (so every run gives the same
data): reablement about 57% independent after six weeks, 85–92% at home after 91 days, most
people visited within 48 hours; long-term homecare with about 5% a year entering care homes and
package reductions and increases. Every month's file holds the episodes open in the month plus
those ended in the previous 120 days, exactly as the data standard asks, and goes through the same
validation and acceptance as a real upload. Included on purpose: one late return, one corrected
month (a second version) and one rejected attempt followed by a fixed file.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from commissioning.models import Contract, ContractStatus, ServiceType
from outcomes.mds import EPISODE_COLUMNS
from outcomes.models import MonthlyReturn, RecomputeRequest, ReturnAttempt
from outcomes.periods import LONDON, add_months, due_at, month_end
from outcomes.results.affected import periods_reading
from outcomes.results.compute import contract_periods, results_compute_all, results_compute_periods
from outcomes.results.requests import recompute_deferred
from outcomes.returns.services import return_import

FIRST_MONTH = date(2025, 4, 1)
MONTHS = 18  # April 2025 to September 2026
LABEL = "Demo data"
LATE = ("RCC-HC-003", date(2026, 1, 1))
CORRECTED = ("RCC-RB-001", date(2026, 2, 1))  # corrected after its results were computed: restated
REJECTED_FIRST = ("RCC-HC-001", date(2026, 3, 1))


@dataclass(frozen=True)
class Episode:
    ref: str
    person: str
    service_type: str
    source: str
    age_band: str
    dementia: bool
    end_of_life: bool
    referred_at: datetime
    first_visit_at: datetime | None
    hours_start: Decimal
    hours_now: Decimal
    hours_changed_on: date | None
    ended_on: date | None
    end_reason: str | None
    preferred_place: bool | None
    at_home_91: bool | None


def _weighted(rng: random.Random, choices: dict[str, float]) -> str:
    return rng.choices(list(choices), weights=list(choices.values()))[0]


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))), tzinfo=LONDON)


def _short_term(rng: random.Random, ref: str, referred: datetime) -> Episode:
    source = _weighted(rng, {"hospital_discharge": 0.55, "community": 0.35, "other": 0.10})
    # About nine in ten visited within 48 hours; about half finish within two weeks.
    delay = timedelta(
        hours=rng.choice([3, 4, 6, 8, 12, 16, 18, 20, 22, 24, 26, 28, 30, 34, 38, 40, 44, 46, 47, 52, 70])
    )
    first = referred + delay
    length = rng.choice([5, 7, 9, 10, 12, 13, 14, 18, 21, 25, 28, 30, 35, 38, 40])
    reason = _weighted(
        rng,
        {
            "independent": 0.57,
            "transferred": 0.22,
            "hospital": 0.08,
            "residential_care": 0.03,
            "nursing_care": 0.01,
            "died": 0.03,
            "moved_away": 0.02,
            "other": 0.04,
        },
    )
    end = first.date() + timedelta(days=length)
    start_hours = Decimal(rng.choice([7, 8, 10, 12, 14]))
    at_home = rng.random() < 0.88 if source == "hospital_discharge" else None
    if reason in ("died", "residential_care", "nursing_care"):
        at_home = False if source == "hospital_discharge" else None
    return Episode(
        ref,
        f"P-{rng.randint(10000, 99999)}",
        "short_term",
        source,
        _weighted(rng, {"18-64": 0.12, "65-74": 0.22, "75-84": 0.38, "85+": 0.28}),
        rng.random() < 0.18,
        False,
        referred,
        first,
        start_hours,
        max(Decimal(0), start_hours - Decimal(rng.choice([2, 4, 6]))),
        first.date() + timedelta(days=10),
        end,
        reason,
        rng.random() < 0.7 if reason == "died" else None,
        at_home,
    )


def _long_term(rng: random.Random, ref: str, referred: datetime, horizon: date) -> Episode:
    end_of_life = rng.random() < 0.04
    first = referred + timedelta(hours=rng.choice([20, 30, 44, 60, 90]))
    ended_on, reason = None, None
    monthly_exit = {
        "residential_care": 0.003,
        "nursing_care": 0.0012,
        "died": 0.006,
        "hospital": 0.004,
        "moved_away": 0.001,
    }
    day = first.date()
    while day < horizon and reason is None:
        day += timedelta(days=30)
        for candidate, chance in monthly_exit.items():
            if rng.random() < chance * (6 if end_of_life and candidate == "died" else 1):
                ended_on, reason = day - timedelta(days=rng.randint(0, 20)), candidate
                break
    start_hours = Decimal(rng.choice([5, 7, 10, 12, 14, 21]))
    change = rng.random()
    now = start_hours - 2 if change < 0.12 else start_hours + 3 if change < 0.20 else start_hours
    return Episode(
        ref,
        f"P-{rng.randint(10000, 99999)}",
        "long_term",
        _weighted(rng, {"hospital_discharge": 0.18, "community": 0.72, "other": 0.10}),
        _weighted(rng, {"18-64": 0.15, "65-74": 0.2, "75-84": 0.35, "85+": 0.30}),
        rng.random() < 0.3,
        end_of_life,
        referred,
        first,
        start_hours,
        max(Decimal(0), now),
        first.date() + timedelta(days=rng.randint(60, 300)),
        ended_on,
        reason,
        rng.random() < 0.75 if reason == "died" else None,
        rng.random() < 0.9,
    )


def simulate(contract: Contract) -> list[Episode]:
    """The contract's episodes over the demo months, the same every time."""
    rng = random.Random(contract.reference)  # noqa: S311 - demo data, not security
    horizon = add_months(FIRST_MONTH, MONTHS)
    episodes: list[Episode] = []
    short = contract.service_type == ServiceType.SHORT_TERM
    if not short:  # people already receiving care when the contract began
        for index in range(rng.randint(35, 60)):
            referred = _moment(FIRST_MONTH - timedelta(days=rng.randint(40, 700)), rng)
            episodes.append(_long_term(rng, f"{contract.reference}-E{index:04d}", referred, horizon))
    month, count = FIRST_MONTH, len(episodes)
    while month < horizon:
        new = rng.randint(16, 26) if short else rng.randint(2, 5)
        for _ in range(new):
            referred = _moment(month + timedelta(days=rng.randint(0, 27)), rng)
            ref = f"{contract.reference}-E{count:04d}"
            episodes.append(
                _short_term(rng, ref, referred) if short else _long_term(rng, ref, referred, horizon)
            )
            count += 1
        month = add_months(month, 1)
    return episodes


def as_known_at(episode: Episode, last_day: date) -> Episode | None:
    """The episode's row as the provider knew it at the end of the month; None if it does not belong."""
    end_of_month = datetime.combine(last_day, time.max, tzinfo=LONDON)
    if episode.referred_at > end_of_month:
        return None
    month_start_day = last_day.replace(day=1)
    if episode.ended_on is not None and episode.ended_on < month_start_day - timedelta(days=120):
        return None
    ended = episode.ended_on if episode.ended_on and episode.ended_on <= last_day else None
    first = (
        episode.first_visit_at if episode.first_visit_at and episode.first_visit_at <= end_of_month else None
    )
    if ended is not None and first is not None and ended < first.date():
        ended = first.date()
    follow_up_due = episode.referred_at.date() + timedelta(days=91) <= last_day
    hours_now = (
        episode.hours_now
        if episode.hours_changed_on and episode.hours_changed_on <= last_day
        else (episode.hours_start)
    )
    known = {
        "first_visit_at": first,
        "ended_on": ended,
        "end_reason": episode.end_reason if ended else None,
        "preferred_place": episode.preferred_place if ended else None,
        "at_home_91": episode.at_home_91 if follow_up_due else None,
        "hours_now": hours_now,
    }
    if all(getattr(episode, name) == value for name, value in known.items()):
        return episode  # known in full by then (episodes are immutable: the same one serves)
    return replace(episode, **known)


def _yn(value: bool | None) -> str:
    return "" if value is None else ("Y" if value else "N")


def month_file(episodes: list[Episode], month: date) -> bytes:
    """The month's return as a CSV file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EPISODE_COLUMNS)
    last_day = month_end(month)
    for original in episodes:
        episode = as_known_at(original, last_day)
        if episode is None:
            continue
        writer.writerow(
            [
                episode.ref,
                episode.person,
                episode.service_type,
                episode.source,
                episode.age_band,
                _yn(episode.dementia),
                _yn(episode.end_of_life),
                f"{episode.referred_at:%Y-%m-%d %H:%M}",
                f"{episode.first_visit_at:%Y-%m-%d %H:%M}" if episode.first_visit_at else "",
                episode.hours_start,
                episode.hours_now,
                episode.ended_on.isoformat() if episode.ended_on else "",
                episode.end_reason or "",
                _yn(episode.preferred_place) if episode.end_reason == "died" else "",
                _yn(episode.at_home_91) if episode.source == "hospital_discharge" else "",
            ]
        )
    return buffer.getvalue().encode()


def _broken(content: bytes) -> bytes:
    """The same file with two typical mistakes: an NHS number as person_ref, and a formula."""
    lines = content.decode().splitlines()
    cells = lines[1].split(",")
    cells[1], cells[9] = "9434765919", "=SUM(7)"
    lines[1] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()


def _corrected(content: bytes) -> bytes:
    """A correction: two episodes' end reasons were wrong ("other" should have been "independent")."""
    rows = list(csv.reader(io.StringIO(content.decode())))
    reason = rows[0].index("end_reason")
    fixed = 0
    for row in rows[1:]:
        if fixed < 2 and row[reason] in ("other", "transferred"):
            row[reason] = "independent"
            fixed += 1
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def _survey(rng: random.Random) -> bytes:
    rows = ["measure_code,numerator,denominator"]
    for code, rate in (("HEALTH_NEEDS_MET", 0.95), ("CARER_SUPPORTED", 0.93)):
        asked = rng.randint(8, 20)
        rows.append(f"{code},{sum(rng.random() < rate for _ in range(asked))},{asked}")
    return ("\n".join(rows) + "\n").encode()


def _submitted(contract: Contract, month: date, rng: random.Random) -> datetime:
    due = due_at(month, contract.return_due_day)
    if (contract.reference, month) == LATE:
        return due + timedelta(days=4, hours=-8)
    return due - timedelta(days=rng.randint(1, 8), hours=rng.randint(1, 8))


def results_seed(contracts: list[Contract]) -> int:
    """Compute every kept period of the given contracts, as the background work would have."""
    return len(results_compute_all({contract: contract_periods(contract) for contract in contracts}))


def correction_seed() -> None:
    """The provider corrects a month after its results were computed: the quarter's figures are restated."""
    reference, month = CORRECTED
    contract = Contract.objects.filter(reference=reference).first()
    if (
        contract is None
        or ReturnAttempt.objects.filter(
            monthly_return__contract=contract, monthly_return__month=month, version=2
        ).exists()
    ):
        return
    period = f"{month:%Y-%m}"
    content = month_file(simulate(contract), month)
    submitted = due_at(month, contract.return_due_day) + timedelta(days=20)
    return_import(
        contract=contract,
        period=period,
        file_bytes=_corrected(content),
        filename=f"{reference}-{period}-corrected.csv",
        accept=True,
        submitted_at=submitted,
        label=LABEL,
    )
    results_compute_periods(
        contract=contract, periods=periods_reading(contract_periods(contract), [period], lookback_r12=True)
    )


def returns_seed() -> int:
    """Load the demo returns that are not there yet (results computed once per contract after)."""
    with recompute_deferred():
        accepted = _returns_seed()
    RecomputeRequest.objects.all().delete()  # the quarterly results were computed directly
    return accepted


def _returns_seed() -> int:
    accepted = 0
    contracts = Contract.objects.filter(
        status__in=[ContractStatus.ACTIVE, ContractStatus.SUSPENDED]
    ).order_by("pk")
    for contract in contracts:
        done = set(
            MonthlyReturn.objects.filter(contract=contract, attempts__is_current=True).values_list(
                "month", flat=True
            )
        )
        if len(done) >= MONTHS:
            continue
        episodes = simulate(contract)
        rng = random.Random(f"{contract.reference}-returns")  # noqa: S311 - demo data
        for step in range(MONTHS):
            month = add_months(FIRST_MONTH, step)
            submitted = _submitted(contract, month, rng)
            if month in done:
                continue
            survey = _survey(rng) if contract.service_type != ServiceType.SHORT_TERM else None
            content = month_file(episodes, month)
            period = f"{month:%Y-%m}"
            name = f"{contract.reference}-{period}.csv"
            if (contract.reference, month) == REJECTED_FIRST:
                broken = _broken(content)
                return_import(
                    contract=contract,
                    period=period,
                    file_bytes=broken,
                    filename=name,
                    submitted_at=submitted - timedelta(days=1),
                    label=LABEL,
                )
            return_import(
                contract=contract,
                period=period,
                file_bytes=content,
                filename=name,
                survey_bytes=survey,
                survey_filename="survey.csv" if survey else "",
                accept=True,
                submitted_at=submitted,
                label=LABEL,
            )
            accepted += 1
        results_seed([contract])
    correction_seed()
    return accepted


__all__ = ["ReturnAttempt", "returns_seed", "simulate"]
