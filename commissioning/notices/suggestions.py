"""Notice suggestions: what an officer does with one, and who sees them.

The nightly job (outcomes.notice_suggestions) finds the suggestions; nothing here decides one.
Only the lead commissioning body of the contract sees its suggestions (partners and providers
never do: anything else is 404). Its officers (Capability.MANAGE_NOTICES) open a pre-filled draft
from an open suggestion, dismiss it with a reason, or take a red target to the quarterly review.
Each of those owns its transaction and writes an audit entry.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from commissioning.notices.access import require_raise_notice
from commissioning.notices.drafts import NoticeInput, notice_draft_create, notice_evidence_link
from commissioning.notices.models import (
    Complexity,
    NocCategory,
    Notice,
    NoticeKind,
    NoticeSuggestion,
    SuggestionRule,
    SuggestionStatus,
)
from commissioning.notices.working_days import add_working_days

REMEDY_WORKING_DAYS = 10
STATUS_WORDS: dict[str, str] = {
    SuggestionStatus.OPEN: "open",
    SuggestionStatus.DRAFTED: "already drafted as a notice",
    SuggestionStatus.DISMISSED: "dismissed",
    SuggestionStatus.NOTED: "taken to the quarterly review",
    SuggestionStatus.LAPSED: "lapsed (what it found no longer applies)",
}


# --- Reads -----------------------------------------------------------------------------------------


def suggestions_for(acting: Acting, status: str = "") -> QuerySet[NoticeSuggestion]:
    """The suggestions on contracts the acting commissioning body leads (of one status, if given)."""
    if not acting.is_commissioner or not acting.can(Capability.VIEW_PORTFOLIO):
        return NoticeSuggestion.objects.none()
    found = NoticeSuggestion.objects.filter(
        commissioner_id=acting.organisation.pk, contract__lead_commissioner_id=acting.organisation.pk
    ).select_related("contract", "provider", "notice")
    return found.filter(status=status) if status else found


def suggestion_get_for(acting: Acting, suggestion_id: int) -> NoticeSuggestion:
    """One suggestion of the acting body; 404 otherwise."""
    return get_object_or_404(suggestions_for(acting), pk=suggestion_id)


def suggestion_counts(acting: Acting) -> dict[str, int]:
    """How many of the body's suggestions are in each status (one query)."""
    rows = suggestions_for(acting).order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


# --- Writes ----------------------------------------------------------------------------------------


def _locked(suggestion: NoticeSuggestion) -> NoticeSuggestion:
    return (
        NoticeSuggestion.objects.select_for_update(of=("self",))
        .select_related("contract", "commissioner", "notice")
        .get(pk=suggestion.pk)
    )


def _refuse_unless(
    suggestion: NoticeSuggestion, allowed: tuple[str, ...], doing: str, only: str = "an open suggestion"
) -> None:
    if suggestion.status not in allowed:
        raise ValidationError(
            f"This suggestion is {STATUS_WORDS[suggestion.status]}, so it cannot be {doing}. "
            f"Only {only} can be."
        )


def _decide(acting: Acting, suggestion: NoticeSuggestion, status: str, reason: str = "") -> None:
    before = suggestion.status
    suggestion.status, suggestion.decided_at = status, timezone.now()
    suggestion.decided_by, suggestion.decided_by_label = acting.user, str(acting.user)
    suggestion.decision_reason = reason
    suggestion.save(
        update_fields=["status", "decided_at", "decided_by", "decided_by_label", "decision_reason", "notice"]
    )
    audit_record(
        actor=acting.user,
        actor_organisation=acting.organisation,
        action=f"notice_suggestion.{status}",
        obj=suggestion,
        organisation=suggestion.commissioner,
        details={
            "contract": suggestion.contract.reference,
            "key": suggestion.key,
            "status_before": before,
            "reason": reason,
            "notice": suggestion.notice_id,
        },
    )


def _facts(suggestion: NoticeSuggestion) -> str:
    lines = [f"- {line}" for line in suggestion.details.get("facts", [])]
    return "\n".join([suggestion.summary, "", *lines]).strip()


def suggestion_draft(*, acting: Acting, suggestion: NoticeSuggestion) -> Notice:
    """Open a draft notice from an open suggestion (or one taken to the review): the suggested type
    and reason, the facts, a suggested remedy due in 10 working days, and the evidence linked.
    A suggestion already drafted gives its draft back."""
    require_raise_notice(acting, suggestion.contract)
    with transaction.atomic():
        suggestion = _locked(suggestion)
        if suggestion.status == SuggestionStatus.DRAFTED and suggestion.notice is not None:
            return suggestion.notice
        _refuse_unless(
            suggestion,
            (SuggestionStatus.OPEN, SuggestionStatus.NOTED),
            "opened as a draft notice",
            only="an open suggestion, or one taken to the quarterly review,",
        )
        is_noc = suggestion.suggested_kind == NoticeKind.NOC
        notice = notice_draft_create(
            acting=acting,
            contract=suggestion.contract,
            data=NoticeInput(
                kind=suggestion.suggested_kind,
                reason=suggestion.suggested_reason,
                facts=_facts(suggestion),
                remedy=suggestion.details.get("remedy", ""),
                remedy_due_on=add_working_days(timezone.localdate(), REMEDY_WORKING_DAYS),
                noc_category=NocCategory.QUALITY if is_noc else "",
                complexity=Complexity.MEDIUM if is_noc else "",
            ),
        )
        for item in suggestion.details.get("evidence", []):
            notice_evidence_link(
                acting=acting,
                notice=notice,
                app_label=item["app_label"],
                model=item["model"],
                object_id=item["object_id"],
                label=item["label"],
                key_fields=item.get("key_fields") or {},
            )
        suggestion.notice = notice
        _decide(acting, suggestion, SuggestionStatus.DRAFTED, suggestion.decision_reason)
    return notice


def _require_reason(reason: str) -> None:
    """A dismissal says why no notice is needed."""
    if not reason.strip():
        raise ValidationError(
            {
                "reason": "Say why no notice is needed, for example that the provider has agreed a date "
                "or a notice is already open."
            }
        )


def suggestion_dismiss(*, acting: Acting, suggestion: NoticeSuggestion, reason: str) -> NoticeSuggestion:
    """Dismiss an open suggestion, saying why; the same occurrence is never suggested again."""
    require_raise_notice(acting, suggestion.contract)
    _require_reason(reason)
    with transaction.atomic():
        suggestion = _locked(suggestion)
        _refuse_unless(suggestion, (SuggestionStatus.OPEN,), "dismissed")
        _decide(acting, suggestion, SuggestionStatus.DISMISSED, reason.strip())
    return suggestion


def suggestion_note(*, acting: Acting, suggestion: NoticeSuggestion, note: str = "") -> NoticeSuggestion:
    """Take an open red-target suggestion to the quarterly review instead of enforcing it (a note is optional)."""
    require_raise_notice(acting, suggestion.contract)
    if suggestion.rule != SuggestionRule.TARGET_RED:
        raise ValidationError(
            "Only a target red for two quarters running is taken to the quarterly review. "
            "Open a draft notice from this suggestion, or dismiss it with a reason."
        )
    with transaction.atomic():
        suggestion = _locked(suggestion)
        _refuse_unless(suggestion, (SuggestionStatus.OPEN,), "taken to the quarterly review")
        _decide(acting, suggestion, SuggestionStatus.NOTED, note.strip())
    return suggestion


def suggestions_selected(acting: Acting, suggestion_ids: list[int]) -> list[NoticeSuggestion]:
    """The selected suggestions of the acting body, the oldest first; refused (naming how many) if
    any of them is not the body's."""
    wanted = set(suggestion_ids)
    found = list(suggestions_for(acting).filter(pk__in=wanted).order_by("first_seen_at", "id"))
    if missing := len(wanted) - len(found):
        raise ValidationError(
            {
                "suggestions": f"{missing} of the suggestions you ticked cannot be found in your "
                "organisation's list. Nothing was dismissed: tick them again in the list."
            }
        )
    return found


def suggestions_dismiss(*, acting: Acting, suggestion_ids: list[int], reason: str) -> list[NoticeSuggestion]:
    """Dismiss several open suggestions with one reason, all or none: each as ``suggestion_dismiss``
    (its check, its audit entry), in one transaction. A suggestion that is not the body's, or not
    open, refuses the lot, naming it."""
    wanted = sorted(set(suggestion_ids))
    if not wanted:
        raise ValidationError({"suggestions": "Select at least one suggestion to dismiss."})
    _require_reason(reason)
    found = {suggestion.pk: suggestion for suggestion in suggestions_selected(acting, wanted)}
    dismissed: list[NoticeSuggestion] = []
    with transaction.atomic():
        for pk in wanted:
            suggestion = found[pk]
            try:
                dismissed.append(suggestion_dismiss(acting=acting, suggestion=suggestion, reason=reason))
            except ValidationError as error:
                raise ValidationError(
                    {
                        "suggestions": f"The suggestion on {suggestion.contract.reference} "
                        f"({suggestion.get_rule_display().lower()}): {' '.join(error.messages)} "
                        "Nothing was dismissed."
                    }
                ) from error
    return dismissed
