"""Review pack pages: make a draft pack, read a pack (the page shows what the PDF shows), download its
PDF, follow its progress while the PDF is made, and check it before issuing it.

Access: a pack is reached through its meeting (404 outside the meeting's reach). The lead body sees
every version; the provider and partner bodies see only the issued pack (404 for a draft). Making
and issuing packs needs the lead body's MANAGE_REVIEWS (403 otherwise, inside the reach).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import organisation_required
from accounts.audit import audit_view
from accounts.downloads import stored_file_response
from accounts.jobs import job_for, job_state
from commissioning.qaf.portfolio import quarter_label
from outcomes.periods import parse_period
from outcomes.reviews import access, pack_documents, packs, selectors
from outcomes.reviews.commentary import commentary_progress
from outcomes.reviews.models import PackStatus, ReviewPack
from outcomes.reviews.reach import WHOLE


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _pack_read(request: HttpRequest, pack: ReviewPack, shown: str) -> None:
    """A pack holds a provider's figures and commentary and names the people at the meeting and
    those owning its actions: each reading is audited as the meeting body's record."""
    audit_view(request, pack, "review_pack", organisation=pack.meeting.commissioner, details={"shown": shown})


def _status_context(request: HttpRequest, pack: ReviewPack) -> dict:
    making = job_state(job_for(packs.pack_subject(pack.pk))) if pack.status == PackStatus.QUEUED else None
    reach = pack.meeting.reach
    pdf = pack if reach.whole else pack_documents.pack_copy_for(pack, reach)
    return {
        "pack": pack,
        "pack_pdf": pdf if pack.status == PackStatus.READY else None,
        "pack_delayed": bool(making and making.delayed),
        "pack_polling": pack.status == PackStatus.QUEUED,
        "pack_can_manage": access.is_manager(request.acting, pack.meeting),
    }


@organisation_required
@require_POST
def pack_request(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Freeze the figures into a new draft pack; its page then shows the PDF being made."""
    meeting = selectors.meeting_get_for(request.acting, meeting_id)
    try:
        pack = packs.pack_request(acting=request.acting, meeting=meeting)
    except ValidationError as error:
        messages.error(request, _errors(error))
        return redirect("reviews:detail", meeting.pk)
    messages.success(
        request, f"Draft pack version {pack.version} made: its figures are frozen as they stand now."
    )
    return redirect("reviews:pack", pack.pk)


@organisation_required
@require_GET
def pack_page(request: HttpRequest, pack_id: int) -> HttpResponse:
    """The pack as a page, from its frozen figures (the same content as its PDF)."""
    pack = selectors.pack_get_for(request.acting, pack_id)
    meeting = pack.meeting
    manager = access.is_manager(request.acting, meeting)
    context = {
        **pack_documents.pack_document(pack, meeting.reach),
        **_status_context(request, pack),
        "meeting": meeting,
        "recipients": pack_documents.pack_recipients(pack) if manager else [],
        "pack_issuable": (
            access.is_manager(request.acting, meeting)
            and pack.status == PackStatus.READY
            and pack.issued_at is None
            and not meeting.packs.filter(issued_at__isnull=False).exists()
        ),
    }
    _pack_read(request, pack, "page")
    return render(request, "outcomes/reviews/pack.html", context)


@organisation_required
@require_GET
def pack_pdf(request: HttpRequest, pack_id: int) -> FileResponse:
    """The stored PDF; 404 until it has been made."""
    pack = selectors.pack_get_for(request.acting, pack_id)
    reach = pack.meeting.reach
    if pack.status != PackStatus.READY or not pack.file:
        raise Http404("The pack's PDF is still being made.")
    if reach.whole:
        response = stored_file_response(pack.file, pack_documents.pack_filename(pack), "application/pdf")
    else:
        copy = pack_documents.pack_copy_for(pack, reach)
        if copy is None or not copy.file:
            raise Http404("No PDF of this pack was made for your organisation's contracts.")
        response = stored_file_response(
            copy.file, pack_documents.pack_filename(pack, reach), "application/pdf"
        )
    _pack_read(request, pack, "pdf")
    return response


@organisation_required
@require_GET
def pack_status(request: HttpRequest, pack_id: int) -> HttpResponse:
    """The progress panel of the PDF (polled by the pack page while the PDF is made)."""
    pack = selectors.pack_get_for(request.acting, pack_id)
    response = render(request, "outcomes/reviews/pack_status.html", _status_context(request, pack))
    if pack.status != PackStatus.QUEUED and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the page reloads to offer the download and the issue button
    return response


@organisation_required
@require_http_methods(["GET", "POST"])
def pack_issue(request: HttpRequest, pack_id: int) -> HttpResponse:
    """GET: check the pack before issuing it (who is sent which copy, and what becomes fixed); it
    writes nothing. POST: issue it, so the commentary is fixed and the attendees are sent it."""
    pack = selectors.pack_get_for(request.acting, pack_id)
    meeting = pack.meeting
    access.require_manager(request.acting, meeting)
    if request.method == "POST":
        try:
            pack = packs.pack_issue(acting=request.acting, pack=pack)
        except ValidationError as error:
            messages.error(request, _errors(error))
            return redirect("reviews:pack-issue", pack.pk)
        messages.success(
            request,
            f"Pack version {pack.version} issued. The commentary is now fixed, and the attendees with an "
            "email address are being sent it.",
        )
        return redirect("reviews:pack", pack.pk)
    if pack.issued_at is not None:
        messages.info(request, f"Pack version {pack.version} was issued on {pack.issued_at:%-d %B %Y}.")
        return redirect("reviews:pack", pack.pk)
    recipients = pack_documents.pack_recipients(pack)
    today = timezone.localdate()
    return render(
        request,
        "outcomes/reviews/pack_issue.html",
        {
            "pack": pack,
            "meeting": meeting,
            # Issuing fixes the commentary: said plainly when the provider's is not due yet or has gaps.
            "commentary_open": meeting.commentary_due_on is not None and meeting.commentary_due_on >= today,
            "provider_blank": commentary_progress(meeting, WHOLE)["provider_blank"],
            "quarter_label": quarter_label(parse_period(meeting.quarter)),
            "recipients": recipients,
            "unsent": [recipient for recipient in recipients if not recipient.email],
            "problems": packs.pack_issue_problems(pack),
            "partial_parties": [
                {
                    "organisation": organisation,
                    "contracts": [c.reference for c in selectors.meeting_contracts(meeting, reach)],
                }
                for organisation, reach in selectors.meeting_partial_parties(meeting)
            ],
        },
    )
