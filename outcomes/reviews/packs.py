"""Review packs: a version's figures frozen when the lead body asks for it, its PDF made by a
background task (WeasyPrint, no network access), and the issued pack sent to every attendee.

Only the lead body's commissioners and contract officers make and issue packs. A pack can be made
while the meeting is planned; issuing one fixes the commentary (the meeting becomes "pack issued")
and a meeting has at most one issued pack, which never changes. The page and the PDF are rendered
from the same frozen figures, so they show the same thing whatever happens to the results later.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.access import Acting
from accounts.audit import audit_record
from accounts.jobs import job_enqueue, orphan_finder
from outcomes.reviews import access, selectors
from outcomes.reviews.models import MeetingStatus, PackStatus, ReviewMeeting, ReviewPack
from outcomes.reviews.pack_documents import pack_recipients
from outcomes.reviews.pack_figures import pack_figures
from outcomes.reviews.tasks import review_pack_email_send, review_pack_generate


def packs_context(request, meeting: ReviewMeeting) -> dict:
    """What the meeting page shows of the packs (merged into its context)."""
    acting = request.acting
    manager = access.is_manager(acting, meeting)
    packs = list(selectors.packs_for(acting, meeting).order_by("-version"))
    issued = next((pack for pack in packs if pack.issued_at), None)
    planned = meeting.status == MeetingStatus.PLANNED
    ready = next((pack for pack in packs if pack.status == PackStatus.READY), None)
    return {
        "pack_list": packs,
        "pack_issued": issued,
        "pack_can_manage": manager,
        "pack_can_request": manager and planned,
        "pack_issuable": ready if manager and planned and issued is None else None,
    }


def _locked(meeting: ReviewMeeting) -> ReviewMeeting:
    return (
        ReviewMeeting.objects.select_for_update()
        .select_related("commissioner", "provider")
        .get(pk=meeting.pk)
    )


def _require_planned(meeting: ReviewMeeting) -> None:
    if meeting.status == MeetingStatus.PLANNED:
        return
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError("This meeting is cancelled, so it has no pack.")
    raise ValidationError(
        "The pack for this meeting has been issued and cannot change. A figure restated from now on "
        "shows in the next meeting's pack, beside the value this meeting saw."
    )


def _audit(acting: Acting, action: str, pack: ReviewPack, **details) -> None:
    audit_record(
        actor=acting.user,
        actor_organisation=acting.organisation,
        action=action,
        obj=pack,
        organisation=pack.meeting.commissioner,
        details={
            "meeting": pack.meeting_id,
            "quarter": pack.meeting.quarter,
            "version": pack.version,
            **details,
        },
    )


def pack_request(*, acting: Acting, meeting: ReviewMeeting) -> ReviewPack:
    """Freeze the meeting's figures into a new pack version (the lead body's managers, while the
    meeting is planned); its PDF is made by a background task after the commit."""
    access.require_manager(acting, meeting)
    with transaction.atomic():
        meeting = _locked(meeting)
        _require_planned(meeting)
        version = (meeting.packs.aggregate(last=Max("version"))["last"] or 0) + 1
        figures = pack_figures(meeting)
        pack = ReviewPack.objects.create(
            meeting=meeting, version=version, figures=figures, requested_by_label=str(acting.user)
        )
        _audit(
            acting,
            "review.pack_requested",
            pack,
            restated=len(figures["restated"]),
            blank_commentary=figures["commentary_blank_count"],
        )
        pack_make_later(pack)
    return pack


def pack_subject(pack_id: int) -> str:
    return f"review-pack:{pack_id}"


def pack_make_later(pack: ReviewPack) -> None:
    """Make the pack's PDF in the background, after the commit."""
    job_enqueue(
        review_pack_generate, pack.pk, subject=pack_subject(pack.pk), label=f"Making the PDF of {pack}"
    )


# For the sweeper: a pack still to be made that never had a job (asked for before the outbox).
pack_orphans_queue = orphan_finder(
    lambda settled: ReviewPack.objects.filter(status=PackStatus.QUEUED, requested_at__lt=settled),
    pack_subject,
    pack_make_later,
)


def _commentary_changed(meeting: ReviewMeeting, pack: ReviewPack) -> bool:
    now = {f"{t}:{part}": row.version for (t, part), row in selectors.commentary_current(meeting).items()}
    return now != pack.figures.get("commentary_versions", {})


def pack_issue_problems(pack: ReviewPack, meeting: ReviewMeeting | None = None) -> list[str]:
    """What stops the pack being issued now, each saying what to do (empty when it can be): the one
    rule read by the check page before issuing and by ``pack_issue``."""
    meeting = meeting or pack.meeting
    if pack.issued_at is not None:
        return [f"Version {pack.version} has already been issued."]
    try:
        _require_planned(meeting)
    except ValidationError as error:
        return list(error.messages)
    problems = []
    if pack.status != PackStatus.READY:
        problems.append(
            f"Version {pack.version} cannot be issued until its PDF is ready. "
            + (
                "Its PDF could not be made: make a new draft."
                if pack.status == PackStatus.FAILED
                else "Try again in a moment."
            )
        )
    if _commentary_changed(meeting, pack):
        problems.append(
            f"The commentary has changed since version {pack.version} was made. Make a new draft so "
            "that the pack shows the commentary as it now stands, then issue that."
        )
    if not any(recipient.email for recipient in pack_recipients(pack)):
        problems.append(
            "No one would be sent the pack: add the attendees on the meeting page (at least one with "
            "an email address) before you issue it."
        )
    return problems


def pack_issue(*, acting: Acting, pack: ReviewPack) -> ReviewPack:
    """Issue a ready pack to the attendees (the lead body's managers): this fixes the commentary, and
    every attendee with an email address is sent it (a link for users, the PDF for others). Refused
    while ``pack_issue_problems`` names anything to fix."""
    access.require_manager(acting, pack.meeting)
    with transaction.atomic():
        meeting = _locked(pack.meeting)
        pack = ReviewPack.objects.select_for_update().get(pk=pack.pk)
        pack.meeting = meeting
        if problems := pack_issue_problems(pack, meeting):
            raise ValidationError(problems)
        pack.issued_at, pack.issued_by_label = timezone.now(), str(acting.user)
        pack.save(update_fields=["issued_at", "issued_by_label"])
        meeting.status = MeetingStatus.PACK_ISSUED
        meeting.save(update_fields=["status"])
        _audit(acting, "review.pack_issued", pack, sha256=pack.sha256, pages=pack.pages)
        job_enqueue(
            review_pack_email_send, pack.pk, subject=f"review-pack-email:{pack.pk}", label=f"Emailing {pack}"
        )
    return pack
