"""Load the demo council's notices (python manage.py seed_demo) from the table in
``commissioning.notices.demo_notices``: each notice's history is worked out, replayed through the
transitions the services use, and written with its snapshot; letters are generated for the open
notices only. Running it again replaces the council's notices, so the dates stay meaningful.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import models, transaction
from django.utils import timezone

from accounts.dates import day_label
from accounts.models import Membership, User
from commissioning.demo import notice_table as table
from commissioning.models import CommissioningBody, Contract
from commissioning.notices.letters import letter_addressee, letter_signatory, notice_letter_generate
from commissioning.notices.models import (
    OPEN_STATUSES,
    Notice,
    NoticeEvent,
    NoticeEvidenceLink,
    NoticeFile,
    NoticeKind,
    NoticeLetter,
    NoticeStatus,
)
from commissioning.notices.rules import TRANSITIONS
from commissioning.notices.selectors import notice_settings_for
from commissioning.notices.services import evidence_snapshot_take
from commissioning.notices.working_days import add_working_days
from commissioning.qaf.models import Assessment, AssessmentStatus

COUNCIL = "Riverton City Council"
OFFICER = "contracts@riverton.example"
A = NoticeEvent.Action
S = NoticeStatus
# History action -> the move in rules.TRANSITIONS it stands for (None: a draft's own step).
MOVES = {
    A.DRAFTED: None,
    A.EVIDENCE_LINKED: "update",
    A.UPDATED: "update",
    A.ISSUED: "issue",
    A.ACKNOWLEDGED: "acknowledge",
    A.RESPONDED: "respond",
    A.EXTENDED: "extend",
    A.CLOSED: "close",
    A.ESCALATION_DRAFTED: "escalate",
    A.CORRECTION_DRAFTED: "correct",
    A.ESCALATED: "escalated",
    A.SUPERSEDED: "superseded",
}


@dataclass
class _Event:
    action: str
    at: datetime
    by_provider: bool = False
    note: str = ""
    details: dict = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # details naming another demo notice, by key
    status_before: str = ""
    status_after: str = ""


@dataclass
class _Plan:
    """One demo notice worked out: its history (with times) and the fields that follow from it."""

    spec: table.DemoNotice
    contract: Contract
    day: date  # issued on (drafted on, for a draft)
    events: list[_Event]
    evidence: Assessment | None = None
    first_due: date | None = None  # as issued

    def at(self, action: str) -> datetime | None:
        return next((e.at for e in self.events if e.action == action), None)


# --- Planning ------------------------------------------------------------------------------------


def _moment(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def _pack_before(events: list[_Event], limit: datetime) -> None:
    """Keep a history in the past and in order: nothing after ``limit``, a minute apart at least."""
    events.sort(key=lambda e: e.at)
    for event in reversed(events):
        event.at = min(event.at, limit)
        limit = event.at - timedelta(minutes=1)


def _own_history(spec: table.DemoNotice, day: date, index: int, evidence: Assessment | None) -> list[_Event]:
    """The notice's own steps: drafted, evidence, issued, then the provider's and officer's, each on a
    working day (at slightly different minutes from one notice to the next)."""

    def at(on: date, clock: time, step: int = 0) -> datetime:
        return _moment(on, clock) + timedelta(minutes=(index * 13 + step * 7) % 40)

    if spec.draft:
        drafted, issued = at(day, time(14, 5)), None
    else:
        issued = at(day, time(10, 10))
        drafted = at(table.previous_working_day(day - timedelta(days=spec.drafted_days_before)), time(15, 0))
        if spec.drafted_days_before == 0:
            drafted = issued - timedelta(minutes=50)
    events = [_Event(A.DRAFTED, drafted, details={"kind": spec.kind})]
    if evidence is not None:
        link = f"commissioning.assessment:{evidence.pk}"
        events.append(_Event(A.EVIDENCE_LINKED, drafted + timedelta(minutes=6), details={"link": link}))
    if spec.draft or spec.supersedes:
        events.append(_Event(A.UPDATED, drafted + timedelta(minutes=25)))
    if issued is not None:
        events.append(_Event(A.ISSUED, issued))
    for number, step in enumerate(spec.steps, start=1):
        action, days = step[0], step[1]
        when = at(table.next_working_day(day + timedelta(days=days)), table.STEP_TIMES[action], number)
        if action == A.ACKNOWLEDGED:
            events.append(_Event(action, when, by_provider=True))
        elif action == A.RESPONDED:
            events.append(_Event(action, when, by_provider=True, note=step[2], details={"files": 0}))
        elif action == A.EXTENDED:
            events.append(_Event(action, when, note=step[3], details={"new_due": step[2]}))
        else:
            events.append(_Event(action, when, note=step[3], details={"reason": step[2]}))
    return events


def _latest_assessment(body: CommissioningBody, provider_id: int, before: date) -> Assessment | None:
    return (
        Assessment.objects.filter(
            commissioner=body,
            provider_id=provider_id,
            status=AssessmentStatus.FINALISED,
            finalised_on__lt=before,
        )
        .order_by("-finalised_on", "-pk")
        .first()
    )


def _plans(body: CommissioningBody, today: date, now: datetime) -> list[_Plan]:
    contracts = {
        c.reference: c for c in Contract.objects.filter(lead_commissioner=body).select_related("provider")
    }
    plans: dict[str, _Plan] = {}
    days: dict[str, date] = {}
    for index, spec in enumerate(table.NOTICES):
        contract = contracts.get(spec.contract)
        if contract is None:
            continue
        day = days[spec.key] = table.notice_day(spec.when, today, days)
        evidence = _latest_assessment(body, contract.provider_id, day) if spec.evidence else None
        events = _own_history(spec, day, index, evidence)
        _pack_before(events, now - timedelta(minutes=1))
        plans[spec.key] = _Plan(spec, contract, day, events, evidence)
    # A later notice closes the one it escalates or corrects when it is issued: the latest first,
    # so that each one's times are settled before the notice before it takes them.
    for plan in sorted(plans.values(), key=lambda p: p.events[0].at, reverse=True):
        spec = plan.spec
        previous_key = spec.escalated_from or spec.supersedes
        if not previous_key or previous_key not in plans:
            continue
        previous = plans[previous_key]
        escalation = bool(spec.escalated_from)
        plan.events[0].refs = {"escalated_from" if escalation else "supersedes": previous_key}
        drafted_action = A.ESCALATION_DRAFTED if escalation else A.CORRECTION_DRAFTED
        details = {"kind": spec.kind} if escalation else {}
        previous.events.append(
            _Event(drafted_action, plan.events[0].at, details=details, refs={"draft": spec.key})
        )
        if (issued := plan.at(A.ISSUED)) is not None:
            closing = A.ESCALATED if escalation else A.SUPERSEDED
            previous.events.append(_Event(closing, issued, refs={"by_notice": spec.key}))
        previous.events.sort(key=lambda e: e.at)
    return sorted(plans.values(), key=lambda p: p.events[0].at)


def _walk(plan: _Plan, today: date, dues: dict[str, date | None]) -> dict:
    """Replay the history through the transitions table: each event's statuses, and the notice's
    fields as the services would have left them. ``dues``: earlier notices' remedy dates as issued."""
    spec = plan.spec
    status, fields = S.DRAFT, {}
    if spec.due == "copied":
        due = dues[spec.supersedes]
    else:
        due = table.remedy_day(spec.due, plan.day, today) if spec.due is not None else None
    plan.first_due = dues[spec.key] = due
    if due is not None and due <= plan.day:
        raise ValueError(f"Demo notice {spec.key}: the remedy must be due after the issue day.")
    for event in plan.events:
        event.status_before = status
        if (move := MOVES[event.action]) is not None:
            allowed, after = TRANSITIONS[move]
            if status not in allowed:
                raise ValueError(f"Demo notice {spec.key}: cannot record {event.action} when it is {status}.")
            status = after or status
        event.status_after = status
        if event.action == A.ISSUED:
            fields["issued_at"] = event.at
        elif event.action == A.ACKNOWLEDGED:
            fields["acknowledged_at"] = event.at
        elif event.action == A.EXTENDED:
            asked = event.details.pop("new_due")
            new_due = table.remedy_day(asked, plan.day, today)
            if isinstance(asked, tuple) and due is not None:  # kept ahead of the demo, and always later
                new_due = max(new_due, table.next_working_day(due + timedelta(days=7)))
            if due is None or new_due <= due:
                raise ValueError(f"Demo notice {spec.key}: an extension must move the remedy date later.")
            event.details = {"old_due_on": str(due), "new_due_on": str(new_due)}
            due = new_due
        elif event.action in (A.CLOSED, A.ESCALATED, A.SUPERSEDED):
            fields["closed_at"] = event.at
            fields["closed_reason"] = event.details.get("reason") or event.action
    fields["status"], fields["remedy_due_on"] = status, due
    return fields


# --- Writing -------------------------------------------------------------------------------------


def _release(model: type[models.Model], rows: models.QuerySet, handled: set) -> None:
    """Clear every other table's references to ``rows`` (tables this module does not know about)."""
    for relation in model._meta.related_objects:
        if relation.many_to_many or relation.related_model in handled:
            continue
        name = relation.field.name
        referencing = relation.related_model._default_manager.filter(**{f"{name}__in": rows})
        if relation.field.null:
            referencing.update(**{name: None})
        else:
            referencing.delete()


def _clear(body: CommissioningBody) -> None:
    """Remove the council's notices with their history, links, files and letters (files after commit)."""
    notices = Notice.objects.filter(commissioner=body)
    handled = {Notice, NoticeEvent, NoticeEvidenceLink, NoticeFile, NoticeLetter}
    stored = [
        (record.file.storage, record.file.name)
        for queryset in (
            NoticeLetter.objects.filter(notice__in=notices),
            NoticeFile.objects.filter(notice__in=notices),
        )
        for record in queryset
        if record.file
    ]
    for model in handled:
        rows = notices if model is Notice else model._default_manager.filter(notice__in=notices)
        _release(model, rows, handled)
    NoticeFile.objects.filter(notice__in=notices).delete()
    notices.update(escalated_from=None, supersedes=None)
    notices.delete()

    def remove_files() -> None:
        for storage, name in stored:
            storage.delete(name)

    transaction.on_commit(remove_files)


def _write(
    plan: _Plan, body: CommissioningBody, officer: User, person: tuple, fields: dict, pks: dict[str, int]
) -> Notice:
    """The notice as a draft with its evidence, then as the history leaves it (snapshot included)."""
    spec, label = plan.spec, str(officer)
    notice = Notice.objects.create(
        commissioner=body,
        contract=plan.contract,
        provider_id=plan.contract.provider_id,
        kind=spec.kind,
        reason=spec.reason,
        noc_category=spec.category,
        complexity=spec.complexity,
        clause=spec.clause,
        facts=table.notice_text(spec.facts, plan.day),
        remedy=table.notice_text(spec.remedy, plan.day),
        remedy_due_on=plan.first_due,
        escalated_from_id=pks.get(spec.escalated_from),
        supersedes_id=pks.get(spec.supersedes),
        created_at=plan.events[0].at,
        created_by=officer,
        created_by_label=label,
    )
    if plan.evidence is not None:
        NoticeEvidenceLink.objects.create(
            notice=notice,
            app_label="commissioning",
            model="assessment",
            object_id=plan.evidence.pk,
            label=f"QAF assessment completed {day_label(plan.evidence.finalised_on)}",
            key_fields={
                "outcome": plan.evidence.get_outcome_display(),
                "overall": plan.evidence.get_judgement_display(),
                "score": str(plan.evidence.score),
            },
            added_at=plan.events[0].at + timedelta(minutes=6),
            added_by_label=label,
        )
    if "issued_at" in fields:
        if spec.supersedes:
            notice.clock_start_on = Notice.objects.get(pk=pks[spec.supersedes]).clock_start_on
        else:
            notice.clock_start_on = timezone.localdate(fields["issued_at"])
        if spec.kind == NoticeKind.NOC:
            days = notice_settings_for(body).target_days(spec.complexity)
            notice.target_close_on = add_working_days(notice.clock_start_on, days)
        # Taken at the issue time, in UTC as timezone.now() gives it to the service.
        notice.evidence_snapshot = evidence_snapshot_take(notice, fields["issued_at"].astimezone(UTC))
        notice.issued_by, notice.issued_by_label = officer, label
        notice.addressee = "\n".join(letter_addressee(plan.contract.provider))
        signatory = letter_signatory(officer, Membership.objects.get(user=officer, organisation=body))
        notice.signatory, notice.signatory_job_title = signatory.name, signatory.job_title
    if "acknowledged_at" in fields:
        notice.acknowledged_by, notice.acknowledged_by_label = person
    for name, value in fields.items():
        setattr(notice, name, value)
    notice.save()
    return notice


def _people() -> dict[str, tuple[User | None, str]]:
    """Who acts for each provider: its demo approver where it has one, else its named manager."""
    users = {u.email: u for u in User.objects.filter(email__in=table.PROVIDER_PEOPLE.values())}
    return {
        provider: (users[who], str(users[who])) if who in users else (None, who)
        for provider, who in table.PROVIDER_PEOPLE.items()
    }


def _history(
    plan: _Plan, notice: Notice, officer: User, person: tuple, pks: dict[str, int]
) -> list[NoticeEvent]:
    """The notice's history as NoticeEvent rows, each with the details the services record."""
    provider_user, provider_label = person
    rows = []
    for event in plan.events:
        details = event.details | {name: pks[key] for name, key in event.refs.items()}
        if event.action == A.ISSUED:
            details = {
                "kind": notice.kind,
                "remedy_due_on": str(plan.first_due),
                "target_close_on": str(notice.target_close_on) if notice.target_close_on else None,
            }
        rows.append(
            NoticeEvent(
                notice=notice,
                action=event.action,
                status_before=event.status_before,
                status_after=event.status_after,
                note=event.note,
                details=details,
                at=event.at,
                by=provider_user if event.by_provider else officer,
                by_label=provider_label if event.by_provider else str(officer),
                by_provider=event.by_provider,
            )
        )
    return rows


def notice_seed(today: date | None = None) -> int:
    """Replace the demo council's notices with a realistic year of them; returns how many were made."""
    body = CommissioningBody.objects.filter(name=COUNCIL).first()
    if body is None:
        return 0
    now = timezone.now()
    if today is not None and today != timezone.localdate(now):
        now = _moment(today, time(18, 0))
    today = timezone.localdate(now)
    officer, people = User.objects.get(email=OFFICER), _people()
    with transaction.atomic():
        _clear(body)
        plans = _plans(body, today, now)
        pks: dict[str, int] = {}
        dues: dict[str, date | None] = {}
        written = []
        for plan in plans:
            fields = _walk(plan, today, dues)
            person = people[plan.contract.provider.name]
            notice = _write(plan, body, officer, person, fields, pks)
            pks[plan.spec.key] = notice.pk
            written.append((plan, notice, person))
        NoticeEvent.objects.bulk_create(
            row for plan, notice, person in written for row in _history(plan, notice, officer, person, pks)
        )
        letters = [
            NoticeLetter.objects.create(notice=notice)
            for _, notice, _ in written
            if notice.status in OPEN_STATUSES
        ]
    for letter in letters:
        notice_letter_generate(letter.pk)
    return len(written)
