"""Review packs: a version's figures frozen when the lead body asks for it, its PDF made by a
background task (WeasyPrint, no network access), and the issued pack sent to every attendee.

Only the lead body's commissioners and contract officers make and issue packs. A pack can be made
while the meeting is planned; issuing one fixes the commentary (the meeting becomes "pack issued")
and a meeting has at most one issued pack, which never changes. The page and the PDF are rendered
from the same frozen figures, so they show the same thing whatever happens to the results later.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.access import Acting
from accounts.audit import audit_record
from accounts.models import AuditEntry
from commissioning.pdf import pdf_render_counted, pdf_store
from outcomes.reviews import selectors
from outcomes.reviews.charts import quarter_chart
from outcomes.reviews.models import MeetingStatus, PackStatus, ReviewMeeting, ReviewPack
from outcomes.reviews.pack_figures import pack_figures

STALE_AFTER = timedelta(minutes=10)  # a pack still "being made" after this has lost its task


def packs_context(request, meeting: ReviewMeeting) -> dict:
    """What the meeting page shows of the packs (merged into its context)."""
    acting = request.acting
    manager = selectors.is_manager(acting, meeting)
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


def pack_filename(pack: ReviewPack) -> str:
    meeting = pack.meeting
    return f"Review pack {meeting.provider.name} {meeting.quarter} v{pack.version}.pdf"


def pack_is_stale(pack: ReviewPack) -> bool:
    return pack.status == PackStatus.QUEUED and pack.requested_at < timezone.now() - STALE_AFTER


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
    selectors.require_manager(acting, meeting)
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
        from outcomes.tasks import review_pack_generate

        transaction.on_commit(lambda: review_pack_generate.delay(pack.pk))
    return pack


def pack_document(pack: ReviewPack) -> dict:
    """The template context of the pack (page and PDF alike): the frozen figures, with each row's
    chart drawn from them."""
    figures = pack.figures
    contracts = [
        {
            **section,
            "rows": [
                {
                    **row,
                    "chart": quarter_chart(
                        row,
                        chart_id=f"chart-{pack.pk}-{row['key']}",
                        year_label=figures["year_label"],
                        previous_label=figures["previous_year_label"],
                    ),
                    "chart_rows": [
                        {
                            "quarter": f"Q{n + 1}",
                            "this": this,
                            "last": last,
                            "target": target or row["target_value"],
                        }
                        for n, (this, last, target) in enumerate(
                            zip(row["quarters"], row["previous_year"], row["quarter_targets"], strict=True)
                        )
                    ],
                }
                for row in section["rows"]
            ],
        }
        for section in figures.get("contracts", [])
    ]
    return {"pack": pack, "figures": figures, "contracts": contracts}


def pack_render(pack: ReviewPack) -> tuple[bytes, int]:
    """The pack as PDF bytes, and its number of pages."""
    return pdf_render_counted("pdf/review_pack.html", pack_document(pack))


def pack_generate(pack_id: int) -> str:
    """Make and store a pack's PDF with its checksum, size and page count; safe to run twice (a
    made PDF is kept as it is; a failed one is tried again). Returns "done", "failed" or "missing"."""
    pack = (
        ReviewPack.objects.select_related("meeting__provider", "meeting__commissioner")
        .filter(pk=pack_id)
        .first()
    )
    if pack is None:
        return "missing"
    pages: list[int] = []

    def render() -> bytes:
        content, count = pack_render(pack)
        pages.append(count)
        return content

    outcome = pdf_store(pack, render, pack_filename(pack))
    pack.status = PackStatus.READY if outcome == "done" else PackStatus.FAILED
    pack.pages = pages[0] if pages else pack.pages
    pack.save(update_fields=["status", "pages"])
    return outcome


def _commentary_changed(meeting: ReviewMeeting, pack: ReviewPack) -> bool:
    now = {f"{t}:{part}": row.version for (t, part), row in selectors.commentary_current(meeting).items()}
    return now != pack.figures.get("commentary_versions", {})


def pack_issue(*, acting: Acting, pack: ReviewPack) -> ReviewPack:
    """Issue a ready pack to the attendees (the lead body's managers): this fixes the commentary, and
    every attendee with an email address is sent it (a link for users, the PDF for others)."""
    selectors.require_manager(acting, pack.meeting)
    with transaction.atomic():
        meeting = _locked(pack.meeting)
        pack = ReviewPack.objects.select_for_update().get(pk=pack.pk)
        pack.meeting = meeting
        if pack.issued_at is not None:
            raise ValidationError(f"Version {pack.version} has already been issued.")
        _require_planned(meeting)
        if pack.status != PackStatus.READY:
            raise ValidationError(
                f"Version {pack.version} cannot be issued until its PDF is ready. "
                + (
                    "Its PDF could not be made: make a new draft."
                    if pack.status == PackStatus.FAILED
                    else "Try again in a moment."
                )
            )
        if _commentary_changed(meeting, pack):
            raise ValidationError(
                f"The commentary has changed since version {pack.version} was made. Make a new draft so "
                "that the pack shows the commentary as it now stands, then issue that."
            )
        pack.issued_at, pack.issued_by_label = timezone.now(), str(acting.user)
        pack.save(update_fields=["issued_at", "issued_by_label"])
        meeting.status = MeetingStatus.PACK_ISSUED
        meeting.save(update_fields=["status"])
        _audit(acting, "review.pack_issued", pack, sha256=pack.sha256, pages=pack.pages)
        from outcomes.tasks import review_pack_email_send

        transaction.on_commit(lambda: review_pack_email_send.delay(pack.pk))
    return pack


def pack_email_send(pack_id: int) -> int:
    """Email the issued pack to every attendee with an address: users get a link to it in the portal,
    others the PDF attached. Each sending is recorded, so running this twice sends nobody a second
    copy. Returns how many were sent now."""
    pack = (
        ReviewPack.objects.select_related("meeting__provider", "meeting__commissioner")
        .filter(pk=pack_id, issued_at__isnull=False, status=PackStatus.READY)
        .first()
    )
    if pack is None:
        return 0
    meeting = pack.meeting
    sent = {
        details.get("email")
        for details in AuditEntry.objects.filter(
            action="review.pack_sent", object_type=ReviewPack._meta.label, object_id=str(pack.pk)
        ).values_list("details", flat=True)
    }
    link = settings.SITE_URL + reverse("reviews:pack", args=[pack.pk])
    content = None
    count = 0
    for attendee in meeting.attendees.select_related("user"):
        email = (attendee.email or (attendee.user.email if attendee.user else "")).strip().lower()
        if not email or email in sent:
            continue
        sent.add(email)
        external = attendee.user_id is None
        context = {
            "service_name": settings.SERVICE_NAME,
            "attendee": attendee,
            "meeting": meeting,
            "pack": pack,
            "figures": pack.figures,
            "link": None if external else link,
        }
        message = EmailMessage(
            render_to_string("emails/review_pack_issued_subject.txt", context).strip(),
            render_to_string("emails/review_pack_issued.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [email],
        )
        if external:
            if content is None:
                with pack.file.open("rb") as stored:
                    content = stored.read()
            message.attach(pack_filename(pack), content, "application/pdf")
        message.send()
        audit_record(
            actor=None,
            action="review.pack_sent",
            obj=pack,
            organisation=meeting.commissioner,
            details={"email": email, "attendee": attendee.pk, "attached": external},
            actor_label="Review pack email",
        )
        count += 1
    return count
