"""Load the demo council's quarterly review meetings (python manage.py seed_demo) from the table in
``outcomes.reviews.demo_reviews``.

For each demo contract with stored results: the three ended quarters before the last one were
reviewed at meetings now recorded (attendance, minutes, decisions, agreed overrides, actions with
their updates), each with its pack issued; the last ended quarter is reviewed at a meeting in the
coming days, its commentary partly written. Running it again replaces the council's meetings (and
the overrides they agreed), so the dates stay meaningful.

History is replayed in time order, so each pack is frozen by ``pack_figures`` from what stood on
its day: results of periods not yet ended are set aside, and a figure that a corrected return
accepted later changed is shown as it was (the next pack lists it as restated); actions have the
statuses they had then, and the QAF status and open notices are those of that day. Rows are
written directly with the times the services would have stamped; PDFs are made by
``pack_generate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from commissioning.models import CommissioningBody, Contract
from outcomes.demo import review_table as table
from outcomes.demo.returns import DemoCalendar, results_seed
from outcomes.demo.review_table import measure_key
from outcomes.demo.reviews_as_at import CORRECTED, figures_as_at, results_as_at
from outcomes.models import ComplianceResult, MonthlyReturn, ResultOverride, ReturnAttempt
from outcomes.periods import Period, add_months, parse_period, quarter_period
from outcomes.reviews.models import (
    ActionOwner,
    CommentaryPart,
    MeetingStatus,
    ReviewAction,
    ReviewActionUpdate,
    ReviewAttendee,
    ReviewCommentary,
    ReviewMeeting,
    ReviewPack,
)
from outcomes.reviews.pack_documents import pack_generate
from outcomes.reviews.pack_figures import quarter_label
from outcomes.reviews.reach import WHOLE
from outcomes.reviews.selectors import meeting_quarter_targets

COUNCIL = "Riverton City Council"
RECORDED = 3  # meetings recorded; the one after them is coming


def _moment(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def _midweek(day: date) -> date:
    """The day itself, or the next Tuesday, Wednesday or Thursday."""
    while day.weekday() not in (1, 2, 3):
        day += timedelta(days=1)
    return day


# --- Writing -----------------------------------------------------------------------------------------


def _clear(body: CommissioningBody) -> None:
    """Remove the council's meetings with everything under them and the overrides they agreed (the
    packs' files after commit)."""
    meetings = ReviewMeeting.objects.filter(commissioner=body)
    overrides = list(meetings.exclude(agreed_overrides=None).values_list("agreed_overrides", flat=True))
    files = [(p.file.storage, p.file.name) for p in ReviewPack.objects.filter(meeting__in=meetings) if p.file]
    meetings.delete()
    ResultOverride.objects.filter(pk__in=overrides).delete()
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])


@dataclass
class _Load:
    """One demo contract being loaded: its table entry and the people who act on it."""

    spec: table.DemoContract
    contract: Contract
    body: CommissioningBody
    people: dict[str, User]
    now: datetime
    variant: int

    def who(self, person: str) -> tuple[User | None, str]:
        """A demo user by email (as services label them), or someone without a sign-in by name."""
        user = self.people.get(person)
        return (user, str(user)) if user else (None, person)


def _attendees(load: _Load, meeting: ReviewMeeting, index: int, recorded: bool) -> None:
    """The lead body's commissioner and contract officer, the provider's people, the partner body's
    people on a joint contract, and the outside partners by name."""
    spec, contract = load.spec, load.contract
    parties = {
        load.body.pk,
        contract.provider_id,
        *contract.partner_commissioners.values_list("pk", flat=True),
    }
    emails = [table.COMMISSIONER, table.OFFICER, *spec.provider_users, *spec.partner_users]
    members = Membership.objects.filter(user__email__in=emails, organisation_id__in=parties)
    # Each person once, for the organisation they come for: the lead body's, else their own.
    chosen: dict[str, Membership] = {}
    for m in sorted(
        members.select_related("user", "organisation"), key=lambda m: m.organisation_id != load.body.pk
    ):
        chosen.setdefault(m.user.email, m)
    rows = [(m.user, m.user.full_name, m.organisation.name, m.role_label, e) for e, m in chosen.items()]
    rows.sort(key=lambda row: emails.index(row[4]))
    if spec.provider_named[0]:
        rows.append((None, spec.provider_named[0], contract.provider.name, spec.provider_named[1], ""))
    rows += [(None, p.name, p.organisation, p.role, p.email) for p in spec.partners[index]]
    absent = spec.absent[index] if recorded else ()
    ReviewAttendee.objects.bulk_create(
        ReviewAttendee(
            meeting=meeting,
            user=user,
            name=name,
            organisation=organisation,
            role=role,
            email=email,
            attended=(name not in absent) if recorded else None,
        )
        for user, name, organisation, role, email in rows
    )


def _commentary(load: _Load, meeting: ReviewMeeting, index: int, quarter: Period, start: datetime) -> None:
    """DATA on every target from the figures that stood when it was written, REVIEW and ACTION three
    days later, the commissioner's notes a few days after that (see ``commentary_parts``)."""
    recorded, previous = index < RECORDED, quarter_period(add_months(quarter.start, -3))
    with results_as_at([load.contract], start):
        stood = ComplianceResult.objects.filter(contract=load.contract, is_latest=True)
        now = {
            r.target_id: r for r in stood.filter(period=quarter.identifier).select_related("target_version")
        }
        before = {r.target_id: r for r in stood.filter(period=previous.identifier)}
    writers = {"data": load.who(load.spec.writers[0]), "commissioner": load.who(table.COMMISSIONER)}
    variant, rows, missed = (index + load.variant) % 3, [], 0
    for target in meeting_quarter_targets(meeting, WHOLE):
        result, key = now.get(target.pk), measure_key(target)
        if result is None or key not in table.DATA:
            continue
        missed += result.rag in ("amber", "red")
        data = table.data_text(key, result, before.get(target.pk), previous.identifier[-2:])
        parts = [("data", data), *table.commentary_parts(key, result.rag, missed, variant, recorded)]
        for part, text in parts:
            at = start + timedelta(minutes=4 * len(rows), days={"data": 0, "commissioner": 8}.get(part, 3))
            user, label = writers.get(part, load.who(load.spec.writers[1]))
            text = text.format(area=load.spec.area) if part != "data" else text
            version = 1
            if part == "review" and recorded and missed == 1 and result.rag != "green":
                # First written short, then expanded: the earlier version stays in the history.
                rows.append((target, part, text.split(". ")[0].rstrip(".") + ".", 1, False, at, user, label))
                version, at = 2, at + timedelta(days=2, hours=1)
            rows.append((target, part, text, version, True, at, user, label))
    ReviewCommentary.objects.bulk_create(
        ReviewCommentary(
            meeting=meeting,
            target=target,
            part=part,
            text=text,
            version=version,
            is_current=current,
            written_at=at,
            written_by=user,
            written_by_label=label,
            by_provider=part != CommentaryPart.COMMISSIONER,
        )
        for target, part, text, version, current, at, user, label in rows
    )


def _meetings(load: _Load, quarters: list[Period]) -> dict[int, ReviewMeeting]:
    """The contract's meetings for the quarters it has results for, with attendees and commentary."""
    spec, (officer, officer_label) = load.spec, load.who(table.OFFICER)
    meetings = {}
    for index, quarter in enumerate(quarters):
        if not ComplianceResult.objects.filter(contract=load.contract, period=quarter.identifier).exists():
            continue  # no returns loaded for it (seed_demo --skip-returns)
        recorded = index < RECORDED
        planned = _moment(quarter.end + timedelta(days=7), time(10, 15))
        if recorded:
            held = _midweek(quarter.end + timedelta(days=table.HELD_AFTER[index]))
            written = _moment(quarter.end + timedelta(days=18), time(11, 20))
        else:
            held = _midweek(timezone.localdate(load.now) + timedelta(days=table.PLANNED_IN))
            written = load.now - timedelta(days=5)
            planned = min(planned, written - timedelta(days=1))
        chaired = index in spec.chaired
        meeting = ReviewMeeting.objects.create(
            commissioner=load.body,
            provider=load.contract.provider,
            quarter=quarter.identifier,
            held_on=held,
            starts_at=time(14, 0) if load.variant else time(10, 0),
            place=spec.place if index != 1 else "",
            link=spec.link if index != 0 else "",
            chair_name=table.CHAIR[0] if chaired else "",
            chair_organisation=table.CHAIR[1] if chaired else "",
            commentary_due_on=held - timedelta(days=7),
            status=MeetingStatus.RECORDED if recorded else MeetingStatus.PLANNED,
            recorded_at=_moment(held + timedelta(days=1), time(16, 20)) if recorded else None,
            recorded_by_label=officer_label if recorded else "",
            created_at=planned,
            created_by=officer,
            created_by_label=officer_label,
        )
        meeting.contracts.set([load.contract])
        _attendees(load, meeting, index, recorded)
        _commentary(load, meeting, index, quarter, written)
        meetings[index] = meeting
    return meetings


def _months(load: _Load, meeting: ReviewMeeting) -> dict[str, str]:
    """The months the texts name: the meeting's quarter's first, and the one the demo corrects."""
    return {
        "first_month": f"{parse_period(meeting.quarter).start:%B}",
        "corrected_month": f"{DemoCalendar(load.now).corrected[1]:%B}",
    }


def _action_add(load: _Load, spec: table.DemoAction, meeting: ReviewMeeting, at: datetime) -> ReviewAction:
    """An action as ``action_add`` makes it, with its first update row."""
    if isinstance(spec.owner, table.Partner):
        kind, organisation = ActionOwner.PARTNER, spec.owner.organisation
    elif spec.owner == "provider":
        kind, organisation = ActionOwner.PROVIDER, load.contract.provider.name
    else:
        kind, organisation = ActionOwner.COMMISSIONER, load.body.name
    user, label = load.who(table.OFFICER)
    action = ReviewAction.objects.create(
        meeting=meeting,
        contract=load.contract,
        target=next((t for t in load.contract.targets.all() if measure_key(t) == spec.measure), None),
        description=spec.description.replace("{first_month}", _months(load, meeting)["first_month"]),
        owner_kind=kind,
        owner_organisation=organisation,
        owner_name=spec.owner_name,
        due_on=meeting.held_on + timedelta(days=spec.due),
        created_at=at,
        created_by_label=label,
        updated_at=at,
        updated_by_label=label,
    )
    ReviewActionUpdate.objects.create(
        action=action, status_before="", status_after=action.status, at=at, by=user, by_label=label
    )
    return action


def _action_update(load: _Load, action: ReviewAction, status: str, note: str, at: datetime) -> None:
    """A change as ``action_update`` records it: the provider's own actions by its approver where it
    has a sign-in, everything else by the contract officer."""
    by_provider = action.owner_kind == ActionOwner.PROVIDER and bool(load.spec.provider_users)
    user, label = load.who(load.spec.provider_users[0] if by_provider else table.OFFICER)
    ReviewActionUpdate.objects.create(
        action=action,
        status_before=action.status,
        status_after=status,
        note=note,
        at=at,
        by=user,
        by_label=label,
        by_provider=by_provider,
    )
    action.status, action.status_note, action.updated_at, action.updated_by_label = status, note, at, label
    action.save(update_fields=["status", "status_note", "updated_at", "updated_by_label"])


def _override(load: _Load, meeting: ReviewMeeting, key: str, rag: str, reason: str, at: datetime) -> None:
    """An override agreed at the meeting, as ``override_agree`` makes it on the quarter's latest result."""
    results = ComplianceResult.objects.filter(contract=load.contract, period=meeting.quarter, is_latest=True)
    result = next((r for r in results.select_related("target") if measure_key(r.target) == key), None)
    if result is None or result.rag == rag:
        return  # nothing to override
    user, label = load.who(table.COMMISSIONER)
    meeting.agreed_overrides.add(
        ResultOverride.objects.create(
            target=result.target,
            period=result.period,
            rag=rag,
            reason=reason,
            computed_rag=result.rag,
            result=result,
            created_at=at,
            created_by=user,
            created_by_label=label,
        )
    )


def _correction(load: _Load, meeting: ReviewMeeting) -> tuple[datetime | None, str]:
    """When the provider's audit closed (the day after its corrected return), with the note."""
    attempt = (
        ReturnAttempt.objects.filter(
            monthly_return__contract=load.contract, version__gt=1, status__in=CORRECTED
        )
        .filter(submitted_at__gt=_moment(meeting.held_on + timedelta(days=1), time(0, 0)))
        .select_related("monthly_return")
        .order_by("submitted_at")
        .first()
    )
    if attempt is None:
        return None, table.correction_note(None)
    accepted = timezone.localdate(attempt.submitted_at)
    return _moment(accepted + timedelta(days=1), time(10, 0)), table.correction_note(attempt)


def _replay(load: _Load, meetings: dict[int, ReviewMeeting]) -> list[ReviewPack]:
    """The contract's history in time order: packs frozen and issued, overrides agreed, actions agreed
    and updated (nothing later than now). Returns the packs, whose PDFs are still to be made."""
    officer = load.who(table.OFFICER)[1]
    events: list[tuple[datetime, tuple]] = []
    for index, meeting in meetings.items():
        if index < RECORDED:
            events.append(
                (_moment(meeting.held_on - timedelta(days=6), time(9, 30)), ("pack", meeting, True))
            )
        elif load.spec.draft_pack:
            events.append((load.now - timedelta(days=1, hours=2), ("pack", meeting, False)))
    for reference, index, key, rag, reason in table.OVERRIDES:
        if reference == load.spec.reference and index in meetings:
            at = _moment(meetings[index].held_on + timedelta(days=1), time(16, 30))
            events.append((at, ("override", meetings[index], key, rag, reason)))
    specs = [a for a in table.ACTIONS if a.contract == load.spec.reference and a.meeting in meetings]
    for number, spec in enumerate(specs):
        held = meetings[spec.meeting].held_on
        agreed = _moment(held + timedelta(days=1), time(16, 40)) + timedelta(minutes=number)
        events.append((agreed, ("add", number, spec, meetings[spec.meeting])))
        for step, (days, status, note) in enumerate(spec.updates):
            at = _moment(held + timedelta(days=days), time(10, 5)) + timedelta(minutes=number + step)
            if note == "{correction}":
                corrected, note = _correction(load, meetings[spec.meeting])
                at = corrected or at
            events.append((at, ("update", number, status, note)))
    packs, actions = [], {}
    for at, event in sorted(events, key=lambda e: e[0]):
        if at > load.now - timedelta(minutes=5):
            continue
        match event:
            case ("pack", meeting, issued):
                pack = ReviewPack.objects.create(
                    meeting=meeting,
                    version=1,
                    figures=figures_as_at(meeting, at),
                    requested_at=at,
                    requested_by_label=officer,
                    issued_at=at + timedelta(hours=2, minutes=15) if issued else None,
                    issued_by_label=officer if issued else "",
                )
                packs.append(pack)
            case ("override", meeting, key, rag, reason):
                _override(load, meeting, key, rag, reason, at)
            case ("add", number, spec, meeting):
                actions[number] = _action_add(load, spec, meeting, at)
            case ("update", number, status, note) if number in actions:
                _action_update(load, actions[number], status, note, at)
    return packs


def _record(load: _Load, meeting: ReviewMeeting, index: int, pack: ReviewPack | None) -> None:
    """The minutes and decisions, naming the figures the meeting saw in its pack."""
    keys = {t.pk: measure_key(t) for t in load.contract.targets.all()}
    seen = {}
    if pack is not None:
        at = pack.figures["quarter_index"]
        for row in (row for section in pack.figures["contracts"] for row in section["rows"]):
            if row["quarters"][at]:
                seen[keys[row["target_id"]]] = row["quarters"][at]["figures"]
    texts = table.record_texts(
        load.spec.reference, index, seen, quarter_label(meeting.quarter), _months(load, meeting)
    )
    meeting.minutes, meeting.decisions = texts
    meeting.save(update_fields=["minutes", "decisions"])


def review_seed(today: date | None = None) -> int:
    """Replace the demo council's review meetings: for each demo contract with results, three
    recorded meetings and one coming. Returns how many meetings were made."""
    body = CommissioningBody.objects.filter(name=COUNCIL).first()
    emails = [table.COMMISSIONER, table.OFFICER, *(e for s in table.CONTRACTS for e in s.writers)]
    people = {user.email: user for user in User.objects.filter(email__in=emails)}
    if body is None or table.OFFICER not in people or table.COMMISSIONER not in people:
        return 0
    now = timezone.now()
    if today is not None and today != timezone.localdate(now):
        now = _moment(today, time(18, 0))
    current = quarter_period(timezone.localdate(now))
    quarters = [quarter_period(add_months(current.start, -3 * back)) for back in (4, 3, 2, 1)]
    packs, count = [], 0
    with transaction.atomic():
        _clear(body)
        references = [spec.reference for spec in table.CONTRACTS]
        contracts = Contract.objects.filter(lead_commissioner=body, reference__in=references)
        contracts = {c.reference: c for c in contracts.select_related("provider")}
        # As the nightly job would have: a corrected return restates every earlier quarter it changed.
        returned = set(
            MonthlyReturn.objects.filter(attempts__is_current=True).values_list("contract_id", flat=True)
        )
        results_seed([c for c in contracts.values() if c.pk in returned])
        for variant, spec in enumerate(table.CONTRACTS):
            if (contract := contracts.get(spec.reference)) is None:
                continue
            load = _Load(spec, contract, body, people, now, variant)
            meetings = _meetings(load, quarters)
            made = _replay(load, meetings)
            for index, meeting in meetings.items():
                if index < RECORDED:
                    _record(load, meeting, index, next((p for p in made if p.meeting_id == meeting.pk), None))
            packs += made
            count += len(meetings)
    for pack in packs:
        pack_generate(pack.pk)
        ReviewPack.objects.filter(pk=pack.pk).update(generated_at=pack.requested_at + timedelta(minutes=1))
    return count
