"""Notice suggestions: the nightly job that flags candidates for a notice, never a notice itself.

An officer of the contract's lead body opens a pre-filled draft from a suggestion, dismisses it
with a reason, or (a red target) takes it to the quarterly review (commissioning.notices.suggestions).
Only live contracts (active or suspended: the ones that owe returns) are looked at. The rules, on
the day ``today`` (docs/guides/notices.md, "Suggestions"):

1. **returns_overdue**: a month's return is overdue as the returns pages and reminders say
   (``outcomes.selectors.month_statuses``: no accepted version after the end of its due day), and
   ``today`` is on or after the same day of the month two calendar months after its due date
   (clamped to the month's end). A return due on 10 July is flagged from 10 September, not on
   9 September. Key: the earliest such month. Suggests a breach notice, reason "returns".
2. **qaf_past_window**: the contract's stored QAF status (``QafStatus`` for the lead body,
   provider and contract, kept by ``outcomes.qaf``) is "non-compliant past the window". Key: the
   assessment that started the non-compliant spell. Suggests a breach notice, reason
   "qaf_actions"; evidence: the assessments of the spell.
3. **actions_overdue**: remedial actions of the lead body's assessments of the provider (for this
   contract or for no particular contract) that are open or reopened, with a due date before
   ``today`` (due today is not yet overdue). One suggestion per assessment. Suggests a breach
   notice, reason "qaf_actions"; evidence: the assessment.
4. **target_red**: a target's two (or more) latest ended quarters with results are red, one
   straight after the other, going by the RAG shown (an override in force, else the computed one).
   Key: the target and the first red quarter of the run. A review discussion, not enforcement:
   outcomes are discussed before they are enforced. If a draft is still opened it is a Notice of
   Concern (quality, medium complexity, reason under_performance); evidence: the red results.

``suggestions_refresh`` adds suggestions for new keys, refreshes the open ones still found,
marks open ones no longer found as lapsed (and opens a lapsed one again if it comes back), and
never raises again a key that was dismissed, drafted or taken to the review.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.db_locks import xact_lock
from commissioning.models import Contract
from commissioning.notices.models import NoticeSuggestion, SuggestionStatus
from outcomes.notice_suggestions.rules import (
    DECIDED,
    LIVE_STATUSES,
    Candidate,
    actions_overdue,
    qaf_past_window,
    returns_overdue,
    target_red,
    two_months_after,
)

__all__ = ["suggestion_candidates", "suggestions_refresh", "two_months_after"]


# --- The job ---------------------------------------------------------------------------------------

RULES = (returns_overdue, qaf_past_window, actions_overdue, target_red)


def suggestion_candidates(today: date, commissioner_id: int | None = None) -> list[Candidate]:
    """Every rule's findings on the live contracts (of one lead body, if given) on ``today``."""
    contracts = Contract.objects.filter(status__in=LIVE_STATUSES).select_related("provider")
    if commissioner_id is not None:
        contracts = contracts.filter(lead_commissioner_id=commissioner_id)
    loaded = list(contracts.order_by("id"))
    if not loaded:
        return []
    return [candidate for rule in RULES for candidate in rule(loaded, today)]


def suggestions_refresh(today: date | None = None, commissioner_id: int | None = None) -> dict[str, int]:
    """Bring the stored suggestions up to date with the rules; safe to run twice (counts by outcome)."""
    today = today or timezone.localdate()
    counts = {"created": 0, "updated": 0, "reopened": 0, "lapsed": 0, "kept_decided": 0}
    with transaction.atomic():
        # One refresh at a time (for everyone, or for one body beside it): the rules are read after
        # the lock is taken, so a refresh that waited stores what is so now, never an older finding.
        xact_lock("notice-suggestions")
        candidates = {(c.contract.pk, c.key): c for c in suggestion_candidates(today, commissioner_id)}
        now = timezone.now()
        scope = NoticeSuggestion.objects.select_for_update()
        if commissioner_id is not None:
            scope = scope.filter(commissioner_id=commissioner_id)
        stored: dict[tuple[int, str], NoticeSuggestion] = {}
        row: NoticeSuggestion | None  # None below for a candidate not stored yet
        # Two reads: the stored rows for the keys found today, and every open row (to lapse).
        for row in scope.filter(key__in=[key for _, key in candidates]):
            stored[(row.contract_id, row.key)] = row
        for row in scope.filter(status=SuggestionStatus.OPEN):
            stored[(row.contract_id, row.key)] = row
        new: list[NoticeSuggestion] = []
        changed: list[NoticeSuggestion] = []
        for identity, candidate in candidates.items():
            row = stored.get(identity)
            if row is None:
                new.append(
                    NoticeSuggestion(
                        commissioner_id=candidate.contract.lead_commissioner_id,
                        contract=candidate.contract,
                        provider_id=candidate.contract.provider_id,
                        rule=candidate.rule,
                        key=candidate.key,
                        summary=candidate.summary[:500],
                        details=candidate.details,
                        suggested_kind=candidate.kind,
                        suggested_reason=candidate.reason,
                        first_seen_at=now,
                        last_seen_at=now,
                    )
                )
                continue
            if row.status in DECIDED:
                counts["kept_decided"] += 1
                continue
            counts["reopened" if row.status == SuggestionStatus.LAPSED else "updated"] += 1
            row.status, row.summary, row.details, row.last_seen_at = (
                SuggestionStatus.OPEN,
                candidate.summary[:500],
                candidate.details,
                now,
            )
            changed.append(row)
        for identity, row in stored.items():
            if row.status == SuggestionStatus.OPEN and identity not in candidates:
                row.status = SuggestionStatus.LAPSED
                changed.append(row)
                counts["lapsed"] += 1
        # A run at the same moment may have added the same key: the unique constraint keeps one.
        NoticeSuggestion.objects.bulk_create(new, ignore_conflicts=True)
        counts["created"] = len(new)
        NoticeSuggestion.objects.bulk_update(changed, ["status", "summary", "details", "last_seen_at"])
    return counts
