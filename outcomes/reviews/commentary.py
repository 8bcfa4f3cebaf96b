"""Commentary before a review meeting: for each target of the quarter, the provider's DATA / REVIEW /
ACTION parts and the commissioner's review notes.

Append-only: a change is a new version and the newest is current; identical text changes nothing;
a change someone else made after the writer opened the page is never overwritten unseen. While the
meeting is planned the commentary is open; once its pack is issued it is fixed as sent. Each new
version writes an audit entry owned by the lead body.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.access import Acting
from accounts.audit import audit_record
from accounts.dates import moment_label
from commissioning.models import Target
from outcomes.measures import MEASURES, target_measure_name
from outcomes.periods import financial_year_start, parse_period
from outcomes.results.selectors import scorecard, target_text
from outcomes.reviews.access import is_commentator, is_manager
from outcomes.reviews.models import (
    PROVIDER_PARTS,
    CommentaryPart,
    MeetingStatus,
    ReviewCommentary,
    ReviewMeeting,
)
from outcomes.reviews.reach import WHOLE, Reach
from outcomes.reviews.selectors import commentary_current, meeting_contracts, meeting_quarter_targets

MAX_COMMENTARY = 5000


@dataclass(frozen=True)
class CommentaryInput:
    """One part of one target's commentary as submitted; ``seen_version`` is the version the writer
    started from (0: none), so a change someone else made meanwhile is never overwritten unseen."""

    target: Target
    part: str
    text: str
    seen_version: int | None = None


def _require_writer(acting: Acting, meeting: ReviewMeeting, part: str) -> None:
    if part not in CommentaryPart.values:
        raise ValidationError({"part": "Choose data, review, action or the commissioner's review notes."})
    if part in PROVIDER_PARTS and not is_commentator(acting, meeting):
        raise PermissionDenied("Only the reviewed provider's submitters and approvers write its commentary.")
    if part == CommentaryPart.COMMISSIONER and not is_manager(acting, meeting):
        raise PermissionDenied("Only the lead body's commissioners and contract officers write review notes.")


def _require_open(meeting: ReviewMeeting) -> None:
    if meeting.status == MeetingStatus.PACK_ISSUED:
        raise ValidationError(
            "The pack for this meeting has been issued, so its commentary is fixed as sent. "
            "Raise anything new at the meeting."
        )
    if meeting.status == MeetingStatus.RECORDED:
        raise ValidationError("This meeting has been held and recorded, so its commentary is fixed.")
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError("This meeting is cancelled, so its commentary is fixed.")


def _normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def commentary_save_all(*, acting: Acting, meeting: ReviewMeeting, entries: list[CommentaryInput]) -> int:
    """Save several parts at once, all or none: each changed part becomes a new current version;
    identical text is left alone. Errors are keyed ``"<target id>:<part>"``. Returns how many changed."""
    for entry in entries:
        _require_writer(acting, meeting, entry.part)
    allowed = set(meeting.contracts.values_list("pk", flat=True))
    if any(entry.target.contract_id not in allowed for entry in entries):
        raise ValidationError({"target": "That target is not on the contracts this meeting reviews."})
    saved, problems = 0, {}
    with transaction.atomic():
        meeting = (
            ReviewMeeting.objects.select_for_update(of=("self",))
            .select_related("commissioner")
            .get(pk=meeting.pk)
        )
        _require_open(meeting)
        current = commentary_current(meeting)
        for entry in entries:
            key, text = f"{entry.target.pk}:{entry.part}", _normalised(entry.text)
            row = current.get((entry.target.pk, entry.part))
            if text == (row.text if row else ""):
                continue
            if len(text) > MAX_COMMENTARY:
                problems[key] = (
                    f"Keep each part to {MAX_COMMENTARY:,} characters or fewer (this has {len(text):,})."
                )
                continue
            if row is not None and entry.seen_version is not None and entry.seen_version != row.version:
                seen = meeting.commentary.filter(
                    target=entry.target, part=entry.part, version=entry.seen_version
                ).first()
                if text == (seen.text if seen else ""):
                    continue  # unchanged by this writer: keep the newer version
                by = f"{row.written_by_label} changed this part at {moment_label(row.written_at)}"
                problems[key] = (
                    f"{by} after you opened the page. Their version is shown; compare it with yours, "
                    "then save again."
                )
                continue
            _save_version(acting, meeting, entry.target, entry.part, text, row)
            saved += 1
        if problems:
            raise ValidationError(problems)
    return saved


def _save_version(
    acting: Acting, meeting: ReviewMeeting, target: Target, part: str, text: str, row: ReviewCommentary | None
) -> ReviewCommentary:
    if row is not None:
        ReviewCommentary.objects.filter(pk=row.pk).update(is_current=False)
    created = ReviewCommentary.objects.create(
        meeting=meeting,
        target=target,
        part=part,
        text=text,
        version=(row.version if row else 0) + 1,
        written_by=acting.user,
        written_by_label=str(acting.user),
        by_provider=acting.is_provider,
    )
    audit_record(
        actor=acting.user,
        actor_organisation=acting.organisation,
        action="review.commentary_save",
        obj=meeting,
        organisation=meeting.commissioner,
        details={
            "quarter": meeting.quarter,
            "contract": target.contract.reference,
            "target": target.pk,
            "measure": target.measure,
            "part": part,
            "version": created.version,
        },
    )
    return created


def commentary_save(
    *, acting: Acting, meeting: ReviewMeeting, target: Target, part: str, text: str
) -> ReviewCommentary | None:
    """Save one part of one target's commentary as a new version (identical text changes nothing).
    Returns the current version afterwards (None while the part has never been written)."""
    try:
        commentary_save_all(acting=acting, meeting=meeting, entries=[CommentaryInput(target, part, text)])
    except ValidationError as error:
        if hasattr(error, "error_dict") and f"{target.pk}:{part}" in error.error_dict:
            raise ValidationError({"text": error.error_dict[f"{target.pk}:{part}"]}) from None
        raise
    return meeting.commentary.filter(target=target, part=part, is_current=True).first()


def commentary_history(meeting: ReviewMeeting, target: Target) -> dict[str, list[ReviewCommentary]]:
    """Every version of each part of one target's commentary, newest first, by part."""
    history: dict[str, list[ReviewCommentary]] = {part: [] for part in CommentaryPart.values}
    for row in meeting.commentary.filter(target=target).order_by("part", "-version"):
        history[row.part].append(row)
    return history


def _blanks(meeting: ReviewMeeting, targets: list[Target]) -> list[tuple[Target, str]]:
    current = commentary_current(meeting)
    return [
        (target, part)
        for target in targets
        for part in CommentaryPart.values
        if not (row := current.get((target.pk, part))) or not row.text
    ]


def commentary_blanks(meeting: ReviewMeeting) -> list[tuple[Target, str]]:
    """The parts still blank for the quarter's targets: the provider's DATA / REVIEW / ACTION and the
    commissioner's review notes, in target then part order. The pack flags each one."""
    return _blanks(meeting, meeting_quarter_targets(meeting, WHOLE))


def commentary_progress(meeting: ReviewMeeting, reach: Reach) -> dict:
    """How many of the quarter's targets (within ``reach``) have each part written, and which parts
    are blank: ``provider_blank`` counts the provider's DATA / REVIEW / ACTION parts (the count the
    home pages and the pack give), ``commissioner_blank`` the commissioner's review notes."""
    targets = meeting_quarter_targets(meeting, reach)
    blanks = _blanks(meeting, targets)
    parts = []
    for part, label in CommentaryPart.choices:
        blank = sum(1 for _, p in blanks if p == part)
        parts.append({"part": part, "label": label, "written": len(targets) - blank, "blank": blank})
    provider_blank = sum(1 for _, p in blanks if p in PROVIDER_PARTS)
    return {
        "targets": len(targets),
        "parts": parts,
        "blanks": blanks,
        "provider_blank": provider_blank,
        "commissioner_blank": len(blanks) - provider_blank,
    }


def commentary_sections(meeting: ReviewMeeting, targets: list[Target], reach: Reach) -> list[dict]:
    """The commentary page's reading: one section per contract, each of its ``targets`` with the
    quarter's figure, RAG and target from the scorecard, and each part's current and earlier versions."""
    quarter = parse_period(meeting.quarter)
    current = commentary_current(meeting)
    sections = []
    for contract in meeting_contracts(meeting, reach):
        card = scorecard(contract, financial_year_start(quarter.start))
        index = [q.identifier for q in card.quarters].index(quarter.identifier)
        rows = {row.target.pk: row for row in card.rows}
        items = []
        for target in (t for t in targets if t.contract_id == contract.pk):
            measure, row = MEASURES[target.measure], rows.get(target.pk)
            cell = row.quarters[index] if row else None
            history = commentary_history(meeting, target)
            if cell is not None:
                wanted = target_text(cell.result.target_version, measure)
            else:
                wanted = row.target_text if row else "—"
            parts = [
                {
                    "part": part,
                    "label": label,
                    "current": current.get((target.pk, part)),
                    "earlier": history[part][1:],
                }
                for part, label in CommentaryPart.choices
            ]
            items.append(
                {
                    "target": target,
                    "measure": measure,
                    "params_text": measure.describe_params(target.params) if measure.parameters else "",
                    "name": target_measure_name(measure, target.params),
                    "cell": cell,
                    "target_text": wanted,
                    "parts": parts,
                }
            )
        sections.append({"contract": contract, "items": items})
    return sections
