"""Demo monthly returns: every month from each active demo contract's start to the last month that
has ended, simulated from published figures.

Each contract gets a population of episodes drawn with a fixed seed (so every run gives the same
data): reablement about 57% independent after six weeks, 85–92% at home after 91 days, most
people visited within 48 hours; long-term homecare with about 5% a year entering care homes and
package reductions and increases; end-of-life care whose people mostly die within months, most in
the place they chose. Every month's file holds the episodes open in the month plus those ended in
the previous 120 days, exactly as the data standard asks, and goes through the same validation and
acceptance as a real upload, submitted by the provider's office and signed off by its registered
manager some hours later.

Dates follow the day the demo is loaded (``DemoCalendar``): the newest month is the last one ended,
and its returns are in only where they were submitted before now (the rest are due, not overdue).
The year's story, counted back from that month: Acme's reablement improving (independence after six
weeks rising over the year, above its target by the summer), Harbour's slipping (first visits
within 48 hours falling in the last six months); one late return, one corrected month (a second
version that restates a quarter), one rejected attempt followed by a fixed file, and one episode
left out of a month's return and reported the month after (a late-reported episode: the month's
figures are restated when it arrives).
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from commissioning.models import Contract, ContractStatus, ServiceType
from outcomes.mds import EPISODE_COLUMNS
from outcomes.models import AttemptStatus, MonthlyReturn, RecomputeRequest, ReturnAttempt
from outcomes.periods import LONDON, add_months, due_at, month_end
from outcomes.results.affected import periods_reading
from outcomes.results.compute import contract_periods, results_compute_all, results_compute_periods
from outcomes.results.requests import recompute_deferred
from outcomes.returns.services import return_import

LABEL = "Demo data"
HORIZON = 48  # months simulated from a contract's start, whatever the day: the data never shift
IMPROVING = "RCC-RB-003"  # Acme's reablement: independence after six weeks rising over the year
SLIPPING = "RCC-RB-002"  # Harbour's short-term support: first visits within 48 hours falling
END_OF_LIFE = "RICB-EOL-001"
# Who submits each provider's returns and who signs them off (a demo sign-in where there is one).
OFFICE = {
    "Acme Homecare Ltd": ("submitter@acme.example", "approver@acme.example"),
    "Brookside Care Services": ("manager@brookside.example", "manager@brookside.example"),
    "Dale Reablement Ltd": ("Tom Reid", "Karen Doyle"),
    "Harbour Support Services": ("Sian Lewis", "Mark Bell"),
    "Castle Home Support": ("Jade Morris", "Neil Foster"),
    "Fairway Homecare": ("Amir Khan", "Lucy Hart"),
    "Greenlane Care at Home": ("Chloe Price", "Ian Walsh"),
    "Kestrel Home Care": ("Beth Jones", "Rhys Owen"),
    "Larkspur Living Ltd": ("Megan Cole", "Paul Stone"),
    "Juniper Care Partnership": ("Aisha Malik", "Clare Dunn"),
}


@dataclass(frozen=True)
class DemoCalendar:
    """The demo's months as on the moment it is loaded: the last month ended, and the months of the
    year's story, each placed in the quarters the demo's review meetings look at."""

    now: datetime

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    @property
    def last(self) -> date:
        """The last month that has ended."""
        return add_months(self.today.replace(day=1), -1)

    def quarter_month(self, back: int, index: int) -> date:
        """Month ``index`` (0–2) of the financial quarter ``back`` quarters before the current one."""
        day = self.today
        start = add_months(day.replace(day=1), -((day.month - 4) % 3))
        return add_months(start, index - 3 * back)

    @property
    def late(self) -> tuple[str, date]:
        return "RCC-HC-003", self.quarter_month(3, 0)

    @property
    def corrected(self) -> tuple[str, date]:
        """Corrected after its results were computed: a quarter already reviewed is restated."""
        return "RCC-RB-001", self.quarter_month(3, 1)

    @property
    def rejected_first(self) -> tuple[str, date]:
        return "RCC-HC-001", self.quarter_month(3, 2)

    @property
    def late_reported(self) -> tuple[str, date]:
        """One episode referred in this month is left out of its return and reported the month after."""
        return IMPROVING, add_months(self.last, -2)

    def months(self, contract: Contract) -> list[date]:
        """The contract's months from its start to the last month ended."""
        months, month = [], contract.start_date.replace(day=1)
        while month <= self.last:
            months.append(month)
            month = add_months(month, 1)
        return months


def demo_calendar(today: date | None = None) -> DemoCalendar:
    """The calendar as at now, or as at 6pm on ``today`` (tests load the demo as on a fixed day)."""
    now = timezone.now()
    if today is not None and today != timezone.localdate(now):
        now = datetime.combine(today, time(18, 0), tzinfo=LONDON)
    return DemoCalendar(now)


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


def _short_term(
    rng: random.Random, ref: str, referred: datetime, *, independent: float = 0.57, slip: float = 0.0
) -> Episode:
    """A reablement episode. ``independent``: the chance it ends with no further help needed;
    ``slip``: the chance its first visit is a day and a half later than it would have been."""
    source = _weighted(rng, {"hospital_discharge": 0.55, "community": 0.35, "other": 0.10})
    # About nine in ten visited within 48 hours; about half finish within two weeks.
    delay = timedelta(
        hours=rng.choice([3, 4, 6, 8, 12, 16, 18, 20, 22, 24, 26, 28, 30, 34, 38, 40, 44, 46, 47, 52, 70])
    )
    if slip and rng.random() < slip:
        delay += timedelta(hours=36)
    first = referred + delay
    length = rng.choice([5, 7, 9, 10, 12, 13, 14, 18, 21, 25, 28, 30, 35, 38, 40])
    others = {
        "transferred": 0.22,
        "hospital": 0.08,
        "residential_care": 0.03,
        "nursing_care": 0.01,
        "died": 0.03,
        "moved_away": 0.02,
        "other": 0.04,
    }
    scale = (1 - independent) / sum(others.values())
    reason = _weighted(rng, {"independent": independent} | {k: v * scale for k, v in others.items()})
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


def _long_term(
    rng: random.Random, ref: str, referred: datetime, horizon: date, *, end_of_life: bool | None = None
) -> Episode:
    """A long-term homecare episode; ``end_of_life`` True for an end-of-life care contract's people,
    who mostly die within a few months (about four in five in the place they chose)."""
    eol_service = end_of_life is True
    end_of_life = eol_service or rng.random() < 0.04
    # Most first visits within 48 hours (about eleven in twelve), as most councils' providers manage.
    first = referred + timedelta(hours=rng.choice([6, 12, 18, 20, 24, 26, 30, 36, 40, 44, 47, 60]))
    ended_on, reason = None, None
    monthly_exit = {
        "residential_care": 0.003,
        "nursing_care": 0.0012,
        "died": 0.006,
        "hospital": 0.004,
        "moved_away": 0.001,
    }
    if eol_service:
        monthly_exit = {"died": 0.33, "hospital": 0.03, "nursing_care": 0.02}
    day = first.date()
    while day < horizon and reason is None:
        day += timedelta(days=30)
        for candidate, chance in monthly_exit.items():
            if rng.random() < chance * (6 if end_of_life and not eol_service and candidate == "died" else 1):
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
        (rng.random() < (0.8 if eol_service else 0.75)) if reason == "died" else None,
        rng.random() < 0.9,
    )


def _ramp(months_back: int, start: int, end: int) -> float:
    """0 up to ``start`` months before the last month, 1 from ``end`` months before it, linear between."""
    if months_back >= start:
        return 0.0
    if months_back <= end:
        return 1.0
    return (start - months_back) / (start - end)


def simulate(contract: Contract, last: date) -> list[Episode]:
    """The contract's episodes over the demo months, the same every time for the same last month.

    ``last`` (the last month ended) places the year's story: the improving and the slipping
    contracts change over the months counted back from it."""
    rng = random.Random(contract.reference)  # noqa: S311 - demo data, not security
    first_month = contract.start_date.replace(day=1)
    horizon = add_months(first_month, HORIZON)
    episodes: list[Episode] = []
    short = contract.service_type == ServiceType.SHORT_TERM
    eol = True if contract.reference == END_OF_LIFE else None
    if not short:  # people already receiving care when the contract began
        for index in range(rng.randint(12, 18) if eol else rng.randint(35, 60)):
            referred = _moment(
                first_month - timedelta(days=rng.randint(10, 60) if eol else rng.randint(40, 700)), rng
            )
            episodes.append(
                _long_term(rng, f"{contract.reference}-E{index:04d}", referred, horizon, end_of_life=eol)
            )
    month, count = first_month, len(episodes)
    while month < horizon:
        back = (last.year - month.year) * 12 + last.month - month.month
        story = {}
        if contract.reference == IMPROVING:
            story = {"independent": 0.40 + 0.24 * _ramp(back, 11, 4)}
        elif contract.reference == SLIPPING:
            story = {"slip": 0.03 + 0.27 * _ramp(back, 6, 1)}
        new = rng.randint(16, 26) if short else rng.randint(6, 10) if eol else rng.randint(2, 5)
        for _ in range(new):
            referred = _moment(month + timedelta(days=rng.randint(0, 27)), rng)
            ref = f"{contract.reference}-E{count:04d}"
            episodes.append(
                _short_term(rng, ref, referred, **story)
                if short
                else _long_term(rng, ref, referred, horizon, end_of_life=eol)
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


def month_file(episodes: list[Episode], month: date, left_out: frozenset[str] = frozenset()) -> bytes:
    """The month's return as a CSV file (without the episodes in ``left_out``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EPISODE_COLUMNS)
    last_day = month_end(month)
    for original in episodes:
        episode = as_known_at(original, last_day)
        if episode is None or episode.ref in left_out:
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


SURVEY_RATES = {"HEALTH_NEEDS_MET": 0.95, "CARER_SUPPORTED": 0.93, "DIED_WITH_DIGNITY": 0.94}


def _survey(rng: random.Random, contract: Contract) -> bytes | None:
    """The month's survey figures for the survey measures the contract's targets use, if any."""
    measures = set(contract.targets.values_list("measure", flat=True))
    rows = ["measure_code,numerator,denominator"]
    for code, rate in SURVEY_RATES.items():
        if code in measures:
            asked = rng.randint(8, 20)
            rows.append(f"{code},{sum(rng.random() < rate for _ in range(asked))},{asked}")
    return ("\n".join(rows) + "\n").encode() if len(rows) > 1 else None


def _working_day(day: date) -> date:
    """The day, or the Friday before it when it falls at a weekend."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def _submitted(contract: Contract, month: date, rng: random.Random, calendar: DemoCalendar) -> datetime:
    """In office hours on a working day: a few days before the due date, or four days after it for the
    demo's late return."""
    due = timezone.localdate(due_at(month, contract.return_due_day))
    days = -4 if (contract.reference, month) == calendar.late else rng.randint(1, 8)
    moment = time(rng.randint(9, 16), rng.choice((5, 20, 35, 50)))
    return datetime.combine(_working_day(due - timedelta(days=days)), moment, tzinfo=LONDON)


def _signed_off(submitted: datetime, rng: random.Random, due: datetime | None = None) -> datetime:
    """The registered manager signs off the next working morning, or the same afternoon; the same
    evening when the next working morning would be past the due date (a return sent on time is
    signed off on time)."""
    local = submitted.astimezone(LONDON)
    if local.hour < 12 and rng.random() < 0.5:
        return local.replace(hour=15, minute=rng.choice((5, 20, 40)))
    day = local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    morning = datetime.combine(day, time(9, rng.choice((10, 25, 45))), tzinfo=LONDON)
    if due is not None and submitted <= due < morning:
        return local.replace(hour=max(local.hour, 17), minute=30)
    return morning


def _office(contract: Contract) -> list[tuple[User | None, str]]:
    """Who submits and who signs off the contract's returns: a demo person, or a name."""
    names = OFFICE.get(contract.provider.name, ("Office manager", "Registered manager"))
    people = {u.email: u for u in User.objects.filter(email__in=names)}
    return [(people[name], str(people[name])) if name in people else (None, name) for name in names]


def _as_the_office(attempt: ReturnAttempt, contract: Contract, signed_off: datetime | None) -> None:
    """Name the provider's people on the attempt, at the moments they acted (an import names none)."""
    (submitter, submitter_label), (approver, approver_label) = _office(contract)
    fields = {
        "source": "portal",
        "submitted_by": submitter,
        "submitted_by_label": submitter_label,
        "validated_at": attempt.submitted_at + timedelta(seconds=40),
    }
    if signed_off is not None:
        fields |= {
            "signed_off_by": approver,
            "signed_off_by_label": approver_label,
            "signed_off_at": signed_off,
            "accepted_at": signed_off,
        }
    ReturnAttempt.objects.filter(pk=attempt.pk).update(**fields)


def results_seed(contracts: list[Contract]) -> int:
    """Compute every kept period of the given contracts, as the background work would have."""
    return len(results_compute_all({contract: contract_periods(contract) for contract in contracts}))


def correction_seed(calendar: DemoCalendar | None = None) -> None:
    """The provider corrects a month after its results were computed: the quarter's figures are restated."""
    calendar = calendar or demo_calendar()
    reference, month = calendar.corrected
    contract = Contract.objects.filter(reference=reference).select_related("provider").first()
    if (
        contract is None
        or ReturnAttempt.objects.filter(
            monthly_return__contract=contract, monthly_return__month=month, version=2
        ).exists()
    ):
        return
    period = f"{month:%Y-%m}"
    content = month_file(simulate(contract, calendar.last), month)
    submitted = due_at(month, contract.return_due_day) + timedelta(days=20)
    attempt = return_import(
        contract=contract,
        period=period,
        file_bytes=_corrected(content),
        filename=f"{reference}-{period}-corrected.csv",
        accept=True,
        submitted_at=submitted,
        label=LABEL,
    )
    _as_the_office(attempt, contract, _signed_off(submitted, random.Random(period)))  # noqa: S311
    results_compute_periods(
        contract=contract, periods=periods_reading(contract_periods(contract), [period], lookback_r12=True)
    )


def returns_seed(today: date | None = None) -> int:
    """Load the demo returns that are not there yet (results computed once per contract after)."""
    calendar = demo_calendar(today)
    with recompute_deferred():
        accepted = _returns_seed(calendar)
    RecomputeRequest.objects.all().delete()  # the quarterly results were computed directly
    return accepted


def _returns_seed(calendar: DemoCalendar) -> int:
    accepted = 0
    contracts = (
        Contract.objects.filter(status__in=[ContractStatus.ACTIVE, ContractStatus.SUSPENDED])
        .select_related("provider")
        .order_by("pk")
    )
    for contract in contracts:
        done = set(
            MonthlyReturn.objects.filter(contract=contract, attempts__is_current=True).values_list(
                "month", flat=True
            )
        )
        waiting = set(
            MonthlyReturn.objects.filter(contract=contract, attempts__status=AttemptStatus.VALID).values_list(
                "month", flat=True
            )
        )
        months = [m for m in calendar.months(contract) if m not in done and m not in waiting]
        if not months:
            continue
        episodes = simulate(contract, calendar.last)
        rng = random.Random(f"{contract.reference}-returns")  # noqa: S311 - demo data
        late_reference, late_month = calendar.late_reported
        held_back = frozenset()
        accepted_here = 0
        if contract.reference == late_reference:
            referred = [e for e in episodes if e.referred_at.date().replace(day=1) == late_month]
            held_back = frozenset(e.ref for e in referred[:1])
        for month in calendar.months(contract):
            submitted = _submitted(contract, month, rng, calendar)
            signed_off = _signed_off(submitted, rng, due_at(month, contract.return_due_day))
            survey = _survey(rng, contract)
            if month not in months:
                continue
            if submitted > calendar.now:
                break  # not submitted yet: due, not overdue
            accept = signed_off <= calendar.now  # otherwise it waits for the registered manager
            content = month_file(episodes, month, held_back if month == late_month else frozenset())
            period = f"{month:%Y-%m}"
            name = f"{contract.reference}-{period}.csv"
            if (contract.reference, month) == calendar.rejected_first:
                rejected = return_import(
                    contract=contract,
                    period=period,
                    file_bytes=_broken(content),
                    filename=name,
                    submitted_at=submitted - timedelta(days=1),
                    label=LABEL,
                )
                _as_the_office(rejected, contract, None)
            attempt = return_import(
                contract=contract,
                period=period,
                file_bytes=content,
                filename=name,
                survey_bytes=survey,
                survey_filename="survey.csv" if survey else "",
                accept=accept,
                submitted_at=submitted,
                label=LABEL,
            )
            _as_the_office(attempt, contract, signed_off if accept else None)
            accepted_here += accept
            if held_back and month == late_month:
                # The figures reading the month as first computed, before the left-out episode is
                # reported (only those: the rest are computed once, below).
                results_compute_periods(
                    contract=contract,
                    periods=periods_reading(contract_periods(contract), [period], lookback_r12=True),
                )
        if accepted_here:  # a run that only finds the newest month still unsent changes no figure
            results_seed([contract])
            accepted += accepted_here
    correction_seed(calendar)
    return accepted


__all__ = ["ReturnAttempt", "returns_seed", "simulate"]
