"""A review pack's document: the page and the PDF rendered from the same frozen figures (WeasyPrint,
no network access), stored with its checksum by a background task, and the issued pack emailed to
every attendee (a link for users, the PDF for others; each sending recorded, so nobody gets two).

A partner body party to only some of the meeting's contracts reads a copy cut to them: the page
cuts the figures as it shows them, and the PDF of each such copy is made with the pack's own.
``pack_recipients`` says who is sent what; the lead body reads it before issuing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.audit import audit_record
from accounts.models import AuditEntry
from commissioning.pdf import pdf_render_counted, pdf_store
from outcomes.portfolio.spc_chart import PACK_SIZE, spc_chart, spc_chart_title, spc_lines
from outcomes.reviews import selectors
from outcomes.reviews.charts import peers_chart, quarter_chart
from outcomes.reviews.models import PackStatus, ReviewAttendee, ReviewPack, ReviewPackCopy
from outcomes.reviews.pack_figures import figures_within
from outcomes.reviews.reach import WHOLE, Reach


def pack_filename(pack: ReviewPack, reach: Reach = WHOLE) -> str:
    meeting = pack.meeting
    cut = "" if reach.whole else f" ({', '.join(figures_within(pack.figures, reach)['partial']['shown'])})"
    return f"Review pack {meeting.provider.name} {meeting.quarter} v{pack.version}{cut}.pdf"


# The PDF lists the other providers one by one up to this many; beyond it, their summary and the
# funnel plot say what a list would (docs/spec-readings.md), and the pack page keeps the full list.
PDF_LISTED_UP_TO = 20


def _peers_chart(pack: ReviewPack, row: dict, quarter: str, pdf: bool) -> str:
    peers = (row.get("position") or {}).get("peers")
    if not peers:
        return ""
    return peers_chart(
        peers, chart_id=f"peers-{pack.pk}-{row['key']}", measure=row["measure"], quarter=quarter, image=pdf
    )


SPC_MARKS = {"special_cause_improvement": "I", "special_cause_concern": "C", "common_cause": ""}


def _spc_shown(pack: ReviewPack, row: dict, reference: str, pdf: bool) -> dict:
    """A row's SPC chart (from the frozen figures) and its monthly values as a calendar: a row per
    year, a column per month, each value marked I (special cause improvement) or C (concern)."""
    spc = row.get("spc")
    if not spc or "points" not in spc:
        return {"spc_chart": "", "spc_years": [], "spc_lines": {}}
    by_month = {point["month"]: point for point in spc["points"]}
    years = sorted({int(month[:4]) for month in by_month})
    return {
        "spc_chart": spc_chart(
            spc,
            chart_id=f"spc-{pack.pk}-{row['key']}",
            title=spc_chart_title(spc, row["measure"], reference).replace(
                "The table below", "The table beside it"
            ),
            size=PACK_SIZE,
            image=pdf,
        ),
        "spc_years": [
            (
                year,
                [
                    {"value": point["value"], "mark": SPC_MARKS[point["type"]]}
                    if (point := by_month.get(f"{year}-{month:02d}"))
                    else None
                    for month in range(1, 13)
                ],
            )
            for year in years
        ],
        "spc_lines": spc_lines(spc),
        "spc_month_names": [f"{date(2000, month, 1):%b}" for month in range(1, 13)],
    }


def pack_document(pack: ReviewPack, reach: Reach, *, pdf: bool = False) -> dict:
    """The template context of the pack (page and PDF alike): the frozen figures within ``reach``,
    with each row's charts drawn from them; ``pdf`` for the PDF, whose charts are images of the same
    SVG and whose rows list the other providers one by one only where there are few of them
    (``PDF_LISTED_UP_TO``)."""
    figures = figures_within(pack.figures, reach)
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
                        image=pdf,
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
                    "peers_chart": _peers_chart(pack, row, figures["quarter_label"], pdf),
                    **_spc_shown(pack, row, section["reference"], pdf),
                    "peers_listed": not pdf
                    or not (row.get("position") or {}).get("peers")
                    or len(row["position"]["entries"]) <= PDF_LISTED_UP_TO + 1,
                }
                for row in section["rows"]
            ],
            "has_forecasts": any(row.get("forecast") for row in section["rows"]),
        }
        for section in figures.get("contracts", [])
    ]
    return {"pack": pack, "figures": figures, "contracts": contracts, "pdf": pdf}


def pack_render(pack: ReviewPack, reach: Reach = WHOLE) -> tuple[bytes, int]:
    """The pack (or its copy for ``reach``) as PDF bytes, and its number of pages."""
    return pdf_render_counted("pdf/review_pack.html", pack_document(pack, reach, pdf=True))


def pack_copy_for(pack: ReviewPack, reach: Reach) -> ReviewPackCopy | None:
    """The made copy of the pack for ``reach`` (None when none was made for exactly those contracts)."""
    return pack.copies.filter(contracts=reach.key, generated_at__isnull=False).first()


def _copies_generate(pack: ReviewPack) -> str:
    """Make the PDF of the copy for each set of contracts a partner body is party to alone."""
    outcome = "done"
    reaches = {reach.key: reach for _, reach in selectors.meeting_partial_parties(pack.meeting)}
    for key, reach in sorted(reaches.items()):
        copy, _ = ReviewPackCopy.objects.get_or_create(pack=pack, contracts=key)
        pages: list[int] = []

        def render(reach: Reach = reach, pages: list[int] = pages) -> bytes:
            content, count = pack_render(pack, reach)
            pages.append(count)
            return content

        if pdf_store(copy, render, pack_filename(pack, reach)) != "done":
            outcome = "failed"
        elif pages:
            copy.pages = pages[0]
            copy.save(update_fields=["pages"])
    return outcome


def pack_generate(pack_id: int) -> str:
    """Make and store a pack's PDF with its checksum, size and page count, and those of its copies
    for partner bodies party to only some of its contracts; safe to run twice (a made PDF is kept as
    it is; a failed one is tried again). Returns "done", "failed" or "missing"."""
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
    if outcome == "done":
        outcome = _copies_generate(pack)
    pack.status = PackStatus.READY if outcome == "done" else PackStatus.FAILED
    if pages:  # rendered here (a run that found the PDF made leaves its page count as it is)
        pack.pages = pages[0]
    pack.save(update_fields=["status", "pages"] if pages else ["status"])
    return outcome


@dataclass(frozen=True)
class Recipient:
    """One attendee and what the issued pack sends them."""

    attendee: ReviewAttendee
    email: str
    reach: Reach
    contracts: list[str]  # the references they are sent
    external: bool

    @property
    def sends(self) -> str:
        """What they are sent, in words (shown to the lead body before it issues the pack)."""
        if not self.email:
            return "Nothing: no email address"
        held = ", ".join(self.contracts)
        if self.external:
            return f"The PDF of the whole pack, attached ({held})"
        if self.reach.whole:
            return f"A link to the whole pack ({held})"
        return f"A link to a copy holding only {held}"


def pack_recipients(pack: ReviewPack) -> list[Recipient]:
    """Every attendee with what the issued pack sends them: people with an account a link to what
    their organisation may read (the whole pack, or a partner body's copy); people without one the
    PDF of the whole pack, as the lead body chose to invite them."""
    every = [section["reference"] for section in pack.figures.get("contracts", [])]
    recipients = []
    for attendee in pack.meeting.attendees.select_related("user"):
        email = (attendee.email or (attendee.user.email if attendee.user else "")).strip().lower()
        reach = WHOLE if attendee.user is None else selectors.user_reach(attendee.user, pack.meeting)
        contracts = every if reach.whole else figures_within(pack.figures, reach)["partial"]["shown"]
        recipients.append(Recipient(attendee, email, reach, contracts, attendee.user_id is None))
    return recipients


def pack_email_send(pack_id: int) -> int:
    """Email the issued pack to every attendee with an address (``pack_recipients``): users get a
    link to it in the portal, others the PDF attached. Each sending is recorded, so running this
    twice sends nobody a second copy. Returns how many were sent now."""
    pack = (
        ReviewPack.objects.select_related("meeting__provider", "meeting__commissioner")
        .filter(pk=pack_id, issued_at__isnull=False, status=PackStatus.READY)
        .first()
    )
    if pack is None:
        return 0
    meeting = pack.meeting
    link = settings.SITE_URL + reverse("reviews:pack", args=[pack.pk])
    content = None
    count = 0
    done: set[str] = set()
    for recipient in pack_recipients(pack):
        email, attendee = recipient.email, recipient.attendee
        if not email or email in done:
            continue
        done.add(email)
        # Each sending is checked and recorded under the pack's row lock: a second run at the same
        # time (the same work handed out twice) waits, then finds it recorded.
        with transaction.atomic():
            ReviewPack.objects.select_for_update().filter(pk=pack.pk).first()
            if _pack_sent_to(pack, email):
                continue
            external = recipient.external
            context = {
                "service_name": settings.SERVICE_NAME,
                "attendee": attendee,
                "meeting": meeting,
                "pack": pack,
                "figures": figures_within(pack.figures, recipient.reach),
                "link": None if external else link,
                "pages": pack.pages
                if recipient.reach.whole
                else getattr(pack_copy_for(pack, recipient.reach), "pages", pack.pages),
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
                details={
                    "email": email,
                    "attendee": attendee.pk,
                    "attached": external,
                    "contracts": recipient.contracts,
                },
                actor_label="Review pack email",
            )
        count += 1
    return count


def _pack_sent_to(pack: ReviewPack, email: str) -> bool:
    """Whether the issued pack has been emailed to ``email`` already (its audit entry says so)."""
    return AuditEntry.objects.filter(
        action="review.pack_sent",
        object_type=ReviewPack._meta.label,
        object_id=str(pack.pk),
        details__email=email,
    ).exists()
