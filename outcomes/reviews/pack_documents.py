"""A review pack's document: the page and the PDF rendered from the same frozen figures (WeasyPrint,
no network access), stored with its checksum by a background task, and the issued pack emailed to
every attendee (a link for users, the PDF for others; each sending recorded, so nobody gets two).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.audit import audit_record
from accounts.models import AuditEntry
from commissioning.pdf import pdf_render_counted, pdf_store
from outcomes.reviews.charts import quarter_chart
from outcomes.reviews.models import PackStatus, ReviewPack


def pack_filename(pack: ReviewPack) -> str:
    meeting = pack.meeting
    return f"Review pack {meeting.provider.name} {meeting.quarter} v{pack.version}.pdf"


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
