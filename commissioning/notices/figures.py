"""Notice figures per quarter (financial-year quarters, Europe/London), each with the notices behind it.

The functions below work on notices already scoped to the acting organisation
(``commissioning.notices.selectors.notices_for``). ``notice_figures`` reads them in one query;
everything else is pure Python over the notices it is given.

Definitions
-----------
Issued in a quarter
    A notice's issue day is its ``clock_start_on``: the day it was issued, or for a correction the
    day the notice it corrects was issued. A notice counts in the quarter its issue day falls in,
    unless it was superseded by a correction: the correction counts in its place, once, in the
    same quarter. Drafts (withdrawn or not) were never issued and never count; a notice issued and
    later withdrawn does count, because it was served. This is counted for each type of notice.

Breach notices
    The notices of type breach issued in the quarter, as above. Notices are counted, not
    providers: two notices to one provider in a quarter count as two. The number of distinct
    providers they concern is given beside the count, with counts by reason. The baseline is the
    same quarter a year earlier; the difference is this quarter's count minus the baseline's.

Notices of Concern closed within target (by complexity, and all together)
    Denominator: Notices of Concern that reached an end in the quarter, closed as remedied or
    closed as escalated to a breach notice. The end date is the London date of ``closed_at``.
    Withdrawn and superseded notices are left out (a correction counts when it reaches its own
    end). Numerator: those closed as remedied on or before their target closure date. An
    escalation is never within target. Shown as ``40.0% (2/5)``, rounded half up to one decimal
    place; with nothing to count, "no Notices of Concern closed".

Open past target
    Notices of Concern issued by the quarter's last day (or today, for the quarter in progress),
    whose target closure date was before that day and which had not reached any end by then.

Time to close
    For the notices of each type that reached an end in the quarter (remedied or escalated), the
    median and the longest time from the issue day (``clock_start_on``) to the end date, in working
    days (day 1 is the first working day after the issue day: ``working_days_between``) and in
    calendar days. With an even number of notices the median is the mean of the middle two.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeGuard

from django.db.models import Q, QuerySet
from django.utils import timezone

from commissioning.notices.models import (
    LADDER,
    Complexity,
    Notice,
    NoticeClosedReason,
    NoticeKind,
    NoticeReason,
    NoticeStatus,
)
from commissioning.notices.working_days import working_days_between
from commissioning.qaf.portfolio import quarter_label
from outcomes.measures.rating import percentage
from outcomes.periods import LONDON, Period, add_months, quarter_period

TREND_QUARTERS = 5
NO_NOCS_CLOSED = "no Notices of Concern closed"
ENDS = (NoticeClosedReason.REMEDIED, NoticeClosedReason.ESCALATED)
COMPLEXITIES = (Complexity.LOW, Complexity.MEDIUM, Complexity.HIGH)


# --- Dates ---------------------------------------------------------------------------------------


def ended_on(notice: Notice) -> date | None:
    """The London date the notice was closed (remedied, withdrawn, escalated or superseded), or None."""
    return notice.closed_at.astimezone(LONDON).date() if notice.closed_at else None


def _issued_on(notice: Notice) -> date | None:
    """The London date the notice itself was issued (a correction's own date, not its clock's)."""
    return notice.issued_at.astimezone(LONDON).date() if notice.issued_at else None


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def _in(day: date | None, quarter: Period) -> TypeGuard[date]:
    return day is not None and quarter.start <= day <= quarter.end


def _quarter_before(quarter: Period, quarters: int) -> Period:
    return quarter_period(add_months(quarter.start, -3 * quarters))


# --- Counting issued notices ---------------------------------------------------------------------


def _order(notices: Iterable[Notice]) -> tuple[Notice, ...]:
    return tuple(sorted(notices, key=lambda n: (n.clock_start_on or date.min, n.pk)))


@dataclass(frozen=True)
class NoticeCount:
    """Notices counted for a figure, in issue order, and the providers they concern."""

    notices: tuple[Notice, ...] = ()

    @property
    def notice_ids(self) -> tuple[int, ...]:
        return tuple(n.pk for n in self.notices)

    @property
    def provider_ids(self) -> frozenset[int]:
        return frozenset(n.provider_id for n in self.notices)

    @property
    def count(self) -> int:
        return len(self.notices)

    @property
    def providers(self) -> int:
        return len(self.provider_ids)

    @property
    def text(self) -> str:
        """``3 notices to 2 providers``; ``none`` when there are none."""
        if not self.notices:
            return "none"
        notices = f"{self.count} notice{'s' if self.count != 1 else ''}"
        return f"{notices} to {self.providers} provider{'s' if self.providers != 1 else ''}"


@dataclass(frozen=True)
class Comparison:
    """A quarter's count against its baseline (the same quarter a year earlier)."""

    current: NoticeCount
    baseline: NoticeCount
    label: str = ""

    @property
    def difference(self) -> int:
        return self.current.count - self.baseline.count

    @property
    def difference_text(self) -> str:
        """``2 more``, ``1 fewer`` or ``no change``."""
        if self.difference > 0:
            return f"{self.difference} more"
        if self.difference < 0:
            return f"{-self.difference} fewer"
        return "no change"


def _counts(notice: Notice) -> bool:
    """Issued (so never a draft) and not replaced by a correction."""
    return (
        notice.issued_at is not None
        and notice.clock_start_on is not None
        and notice.status not in (NoticeStatus.DRAFT, NoticeStatus.SUPERSEDED)
    )


def issued_in(notices: Iterable[Notice], quarter: Period) -> dict[str, NoticeCount]:
    """Per type of notice (every type of the ladder, in order): the notices issued in the quarter."""
    found: dict[str, list[Notice]] = {kind: [] for kind in LADDER}
    for notice in notices:
        if _counts(notice) and _in(notice.clock_start_on, quarter):
            found[notice.kind].append(notice)
    return {kind: NoticeCount(_order(items)) for kind, items in found.items()}


def _by_reason(count: NoticeCount) -> dict[str, NoticeCount]:
    return {
        reason: NoticeCount(tuple(n for n in count.notices if n.reason == reason))
        for reason in NoticeReason.values
    }


# --- Ends: within target and time to close -------------------------------------------------------


@dataclass(frozen=True)
class EndedNotice:
    """A notice that reached an end (remedied or escalated), with how long it took."""

    notice: Notice
    ended_on: date
    working_days: int
    calendar_days: int

    @property
    def remedied(self) -> bool:
        return self.notice.closed_reason == NoticeClosedReason.REMEDIED

    @property
    def within_target(self) -> bool:
        """Remedied on or before the target closure date (a Notice of Concern's measure)."""
        target = self.notice.target_close_on
        return self.remedied and target is not None and self.ended_on <= target


def _ended_in(notices: Iterable[Notice], quarter: Period) -> list[EndedNotice]:
    ended = []
    for notice in notices:
        day = ended_on(notice)
        if notice.closed_reason in ENDS and notice.clock_start_on and _in(day, quarter):
            ended.append(
                EndedNotice(
                    notice=notice,
                    ended_on=day,
                    working_days=working_days_between(notice.clock_start_on, day),
                    calendar_days=(day - notice.clock_start_on).days,
                )
            )
    ended.sort(key=lambda e: (e.ended_on, e.notice.pk))
    return ended


@dataclass(frozen=True)
class WithinTarget:
    """Notices of Concern of one complexity ("" for all) ended in the quarter, and those within target."""

    complexity: str
    counted: tuple[EndedNotice, ...]

    @property
    def label(self) -> str:
        return Complexity(self.complexity).label if self.complexity else "All complexities"

    @property
    def notice_ids(self) -> tuple[int, ...]:
        return tuple(e.notice.pk for e in self.counted)

    @property
    def within_ids(self) -> tuple[int, ...]:
        return tuple(e.notice.pk for e in self.counted if e.within_target)

    @property
    def numerator(self) -> int:
        return len(self.within_ids)

    @property
    def denominator(self) -> int:
        return len(self.counted)

    @property
    def value(self) -> Decimal | None:
        return percentage(self.numerator, self.denominator)

    @property
    def text(self) -> str:
        """``40.0% (2/5)``, or "no Notices of Concern closed" when there was none to count."""
        if self.value is None:
            return NO_NOCS_CLOSED
        return f"{self.value:.1f}% ({self.numerator}/{self.denominator})"


def within_target(notices: Iterable[Notice], quarter: Period) -> list[WithinTarget]:
    """NoCs closed within target in the quarter: low, medium, high, then all complexities."""
    ended = [e for e in _ended_in(notices, quarter) if e.notice.kind == NoticeKind.NOC]
    return [
        *(WithinTarget(c, tuple(e for e in ended if e.notice.complexity == c)) for c in COMPLEXITIES),
        WithinTarget("", tuple(ended)),
    ]


def _median(values: list[int]) -> Decimal | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle])
    return Decimal(ordered[middle - 1] + ordered[middle]) / 2


def _days_text(working: Decimal | int | None, calendar: Decimal | int | None) -> str:
    """``2.5 working days (6.5 days)``; ``—`` for no value."""
    if working is None or calendar is None:
        return "—"

    def words(value: Decimal | int, unit: str) -> str:
        text = f"{Decimal(value).normalize():f}"
        return f"{text} {unit}" if text == "1" else f"{text} {unit}s"

    return f"{words(working, 'working day')} ({words(calendar, 'day')})"


@dataclass(frozen=True)
class TimeToClose:
    """The notices of one type that reached an end in the quarter, and how long they took."""

    kind: str
    ended: tuple[EndedNotice, ...]

    @property
    def label(self) -> str:
        return NoticeKind(self.kind).label

    @property
    def notice_ids(self) -> tuple[int, ...]:
        return tuple(e.notice.pk for e in self.ended)

    @property
    def count(self) -> int:
        return len(self.ended)

    @property
    def median_working_days(self) -> Decimal | None:
        return _median([e.working_days for e in self.ended])

    @property
    def longest_working_days(self) -> int | None:
        return max((e.working_days for e in self.ended), default=None)

    @property
    def median_calendar_days(self) -> Decimal | None:
        return _median([e.calendar_days for e in self.ended])

    @property
    def longest_calendar_days(self) -> int | None:
        return max((e.calendar_days for e in self.ended), default=None)

    @property
    def median_text(self) -> str:
        """``4 working days (8 days)``; ``—`` when none ended."""
        return _days_text(self.median_working_days, self.median_calendar_days)

    @property
    def longest_text(self) -> str:
        return _days_text(self.longest_working_days, self.longest_calendar_days)


def time_to_close(notices: Iterable[Notice], quarter: Period) -> list[TimeToClose]:
    """For every type of notice, the notices that were remedied or escalated in the quarter."""
    ended = _ended_in(notices, quarter)
    return [TimeToClose(kind, tuple(e for e in ended if e.notice.kind == kind)) for kind in LADDER]


# --- Open past target ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PastTarget:
    """A Notice of Concern still open on ``as_of`` although its target closure date had passed."""

    notice: Notice
    as_of: date

    @property
    def _target_close_on(self) -> date:
        # open_past_target keeps only notices that have a target closure date.
        assert self.notice.target_close_on is not None
        return self.notice.target_close_on

    @property
    def working_days_past(self) -> int:
        return working_days_between(self._target_close_on, self.as_of)

    @property
    def calendar_days_past(self) -> int:
        return (self.as_of - self._target_close_on).days


def open_past_target(notices: Iterable[Notice], as_of: date) -> list[PastTarget]:
    """NoCs issued by ``as_of``, past their target closure date on it and not yet closed then."""
    found = []
    for notice in notices:
        issued, closed = _issued_on(notice), ended_on(notice)
        if (
            notice.kind == NoticeKind.NOC
            and issued is not None
            and issued <= as_of
            and notice.target_close_on is not None
            and notice.target_close_on < as_of
            and (closed is None or closed > as_of)
        ):
            found.append(PastTarget(notice, as_of))
    found.sort(key=lambda p: (p.notice.target_close_on, p.notice.pk))
    return found


# --- A quarter's figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterFigures:
    """Every notice figure of a quarter, each holding the notices behind it."""

    quarter: Period
    baseline_quarter: Period
    as_of: date  # the day "open past target" is judged on: the quarter's end, or today
    issued: list[Comparison]  # one per type of notice, in ladder order
    breach_by_reason: list[Comparison]  # reasons with a breach notice in either quarter
    within_target: list[WithinTarget]  # low, medium, high, all
    within_target_baseline: list[WithinTarget]
    past_target: list[PastTarget]
    time_to_close: list[TimeToClose]  # one per type of notice
    trend: list[tuple[Period, NoticeCount]] = field(default_factory=list)  # breach notices, oldest first

    @property
    def breach(self) -> Comparison:
        return self.issued[LADDER.index(NoticeKind.BREACH)]

    @property
    def all_issued(self) -> NoticeCount:
        """Every notice issued in the quarter, whatever its type."""
        return NoticeCount(_order(n for c in self.issued for n in c.current.notices))

    @property
    def within_target_all(self) -> WithinTarget:
        return self.within_target[-1]

    @property
    def within_target_rows(self) -> list[tuple[WithinTarget, WithinTarget]]:
        return list(zip(self.within_target, self.within_target_baseline, strict=True))

    @property
    def ended(self) -> tuple[EndedNotice, ...]:
        """Every notice remedied or escalated in the quarter (all types)."""
        return tuple(
            sorted((e for t in self.time_to_close for e in t.ended), key=lambda e: (e.ended_on, e.notice.pk))
        )

    @property
    def quarter_label(self) -> str:
        return quarter_label(self.quarter)

    @property
    def baseline_label(self) -> str:
        return quarter_label(self.baseline_quarter)

    @property
    def in_progress(self) -> bool:
        return self.as_of < self.quarter.end


def _relevant(notices: QuerySet[Notice], first: Period, quarter: Period, as_of: date) -> list[Notice]:
    """In one query: every issued notice any figure from ``first`` to ``quarter`` could count."""
    window_start, window_end = (
        _london_midnight(first.start),
        _london_midnight(quarter.end + timedelta(days=1)),
    )
    as_of_end = _london_midnight(as_of + timedelta(days=1))
    return list(
        notices.filter(issued_at__isnull=False).filter(
            Q(clock_start_on__range=(first.start, quarter.end))
            | Q(closed_at__gte=window_start, closed_at__lt=window_end)
            | (
                Q(kind=NoticeKind.NOC, issued_at__lt=as_of_end, target_close_on__lt=as_of)
                & (Q(closed_at__isnull=True) | Q(closed_at__gte=as_of_end))
            )
        )
    )


def notice_figures(
    notices: QuerySet[Notice], quarter: Period, *, today: date | None = None
) -> QuarterFigures:
    """A quarter's notice figures with the baseline (the same quarter a year earlier) and a trend of
    breach notices over the last five quarters, from notices already scoped (one query)."""
    today = today or timezone.localdate()
    baseline_quarter = _quarter_before(quarter, 4)
    trend_quarters = [_quarter_before(quarter, back) for back in range(TREND_QUARTERS - 1, -1, -1)]
    as_of = min(quarter.end, today)
    rows = _relevant(notices, min(trend_quarters[0], baseline_quarter), quarter, as_of)

    current, baseline = issued_in(rows, quarter), issued_in(rows, baseline_quarter)
    issued = [Comparison(current[kind], baseline[kind], NoticeKind(kind).label) for kind in LADDER]
    reasons_now, reasons_then = (
        _by_reason(current[NoticeKind.BREACH]),
        _by_reason(baseline[NoticeKind.BREACH]),
    )
    breach_by_reason = [
        Comparison(reasons_now[reason], reasons_then[reason], NoticeReason(reason).label)
        for reason in NoticeReason.values
        if reasons_now[reason].count or reasons_then[reason].count
    ]
    return QuarterFigures(
        quarter=quarter,
        baseline_quarter=baseline_quarter,
        as_of=as_of,
        issued=issued,
        breach_by_reason=breach_by_reason,
        within_target=within_target(rows, quarter),
        within_target_baseline=within_target(rows, baseline_quarter),
        past_target=open_past_target(rows, as_of),
        time_to_close=time_to_close(rows, quarter),
        trend=[(q, issued_in(rows, q)[NoticeKind.BREACH]) for q in trend_quarters],
    )
