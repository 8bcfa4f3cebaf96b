"""The demo packs as they stood on their own day: results, QAF status and notices as at a past
moment, so a pack frozen for an old meeting shows what that meeting saw (python manage.py seed_demo)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.utils import timezone

from commissioning.models import Contract
from commissioning.notices.models import Notice, NoticeEvent, NoticeStatus
from commissioning.qaf.models import Assessment, AssessmentStatus, QafStatusCode
from commissioning.qaf.status_rules import Facts, qaf_status
from outcomes.models import AttemptStatus, ComplianceResult, ReturnAttempt
from outcomes.periods import day_label
from outcomes.reviews.models import ReviewMeeting
from outcomes.reviews.pack_figures import pack_figures

CORRECTED = (AttemptStatus.ACCEPTED, AttemptStatus.SUPERSEDED)


# --- What stood on a day --------------------------------------------------------------------------


@contextmanager
def results_as_at(contracts: list[Contract], moment: datetime) -> Iterator[None]:
    """Within the block the latest results are those that stood at ``moment``: the contracts' results
    for periods not yet ended are set aside, and (on every contract, as benchmarks read them) a
    result that a corrected return accepted later changed gives way to the one before it."""
    latest = ComplianceResult.objects.filter(is_latest=True)
    ended = timezone.localdate(moment)
    hidden = set(latest.filter(contract__in=contracts, period_end__gte=ended).values_list("pk", flat=True))
    shown = set()
    later = ReturnAttempt.objects.filter(version__gt=1, submitted_at__gt=moment, status__in=CORRECTED)
    for attempt in later.select_related("monthly_return"):
        month, contract_id = f"{attempt.monthly_return.month:%Y-%m}", attempt.monthly_return.contract_id
        before = {}
        for row in ComplianceResult.objects.filter(contract_id=contract_id, is_latest=False).order_by(
            "computed_at"
        ):
            if row.sources.get(month, {}).get("attempt") != attempt.pk:
                before[(row.target_id, row.period)] = row.pk
        for row in latest.filter(contract_id=contract_id).exclude(pk__in=hidden):
            earlier = before.get((row.target_id, row.period))
            if earlier and row.sources.get(month, {}).get("attempt") == attempt.pk:
                hidden.add(row.pk)
                shown.add(earlier)
    ComplianceResult.objects.filter(pk__in=hidden).update(is_latest=False)
    ComplianceResult.objects.filter(pk__in=shown).update(is_latest=True)
    try:
        yield
    finally:
        ComplianceResult.objects.filter(pk__in=shown).update(is_latest=False)
        ComplianceResult.objects.filter(pk__in=hidden).update(is_latest=True)


def _qaf_as_at(meeting: ReviewMeeting, contract: Contract | None, day: date) -> dict:
    """The QAF status the nightly job would have worked out on ``day`` (as ``outcomes.qaf`` does)."""
    assessments = Assessment.objects.filter(
        commissioner_id=meeting.commissioner_id, provider_id=meeting.provider_id, started_on__lte=day
    ).exclude(status=AssessmentStatus.CANCELLED)
    facts = []
    for a in assessments.prefetch_related("actions"):
        if contract is not None and a.contract_id not in (None, contract.pk):
            continue
        done = a.status == AssessmentStatus.FINALISED and a.finalised_on and a.finalised_on <= day
        still_open = [
            action
            for action in a.actions.all()
            if timezone.localdate(action.created_at) <= day
            and (action.verified_at is None or timezone.localdate(action.verified_at) > day)
        ]
        finished = a.finalised_on if done else None
        facts.append(Facts(a.pk, a.kind, a.started_on, finished, a.outcome if done else "", len(still_open)))
    led = Contract.objects.filter(
        provider_id=meeting.provider_id, lead_commissioner_id=meeting.commissioner_id
    )
    windows = [c.qaf_compliance_window_weeks for c in led if c.status == "active"]
    windows = windows or [c.qaf_compliance_window_weeks for c in led]
    weeks = contract.qaf_compliance_window_weeks if contract else min(windows, default=12)
    decision = qaf_status(facts, today=day, window_weeks=weeks)
    label = QafStatusCode(decision.status).label
    return {"status": decision.status, "label": label, "reason": decision.reason, "as_of": day_label(day)}


def _notices_as_at(contracts: list[Contract], moment: datetime) -> list[dict]:
    """The notices open at ``moment`` on the contracts, with the status and remedy date they had."""
    notices = Notice.objects.filter(contract__in=contracts, issued_at__lte=moment).exclude(
        closed_at__lte=moment
    )
    rows = []
    for n in notices.select_related("contract").prefetch_related("events").order_by("issued_at", "id"):
        events = sorted(n.events.all(), key=lambda e: (e.at, e.id))
        status = next((e.status_after for e in reversed(events) if e.at <= moment), n.status)
        extended = [e for e in events if e.at > moment and e.action == NoticeEvent.Action.EXTENDED]
        due = date.fromisoformat(extended[0].details["old_due_on"]) if extended else n.remedy_due_on
        rows.append(
            {
                "contract": n.contract.reference,
                "kind": n.get_kind_display(),
                "reason": n.get_reason_display(),
                "category": n.get_noc_category_display() if n.noc_category else "",
                "issued": day_label(timezone.localdate(n.issued_at)),
                "remedy_due": day_label(due),
                "target_close": day_label(n.target_close_on),
                "status": NoticeStatus(status).label,
            }
        )
    return rows


def figures_as_at(meeting: ReviewMeeting, moment: datetime) -> dict:
    """The meeting's pack figures as ``pack_request`` would have frozen them at ``moment``."""
    contracts = list(meeting.contracts.order_by("reference"))
    day = timezone.localdate(moment)
    with results_as_at(contracts, moment):
        figures = pack_figures(meeting, today=day)
    figures["made_at"] = f"{day_label(day)}, {timezone.localtime(moment):%H:%M}"
    figures["qaf"] = _qaf_as_at(meeting, None, day)
    by_id = {c.pk: c for c in contracts}
    for section in figures["contracts"]:
        section["qaf"] = _qaf_as_at(meeting, by_id[section["id"]], day)
    figures["notices"] = _notices_as_at(contracts, moment)
    return figures
