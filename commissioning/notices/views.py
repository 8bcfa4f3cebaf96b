"""Notice pages: the notice page through its lifecycle, its letter and evidence files, and the
access rules the other notice views share. (Drafting and issuing: views_drafts; the provider's
replies and the officer's decisions: views_steps; the register and figures: views_register;
suggestions: views_suggestions.)

Who sees what (commissioning.notices.selectors): the lead commissioning body sees its notices,
drafts included; partner bodies of a joint contract see issued ones; the provider sees the notices
issued to it. Anything else is 404. Inside that reach, contract officers of the lead body
(Capability.MANAGE_NOTICES) draft, issue and decide; the provider's approvers and admins
(Capability.RESPOND_TO_NOTICES) acknowledge and respond; anyone else gets 403. A GET on an address
that only takes a form returns to the notice page.
"""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.access import Acting, organisation_required
from accounts.audit import audit_view
from accounts.downloads import stored_file_response
from accounts.govuk_forms import apply_service_errors
from accounts.jobs import job_for, job_state
from commissioning.notices import selectors, services
from commissioning.notices.access import (
    is_notice_officer,
    is_notice_recipient,
    require_notice_officer,
    require_notice_recipient,
)
from commissioning.notices.evidence_choices import evidence_candidates, evidence_choices
from commissioning.notices.forms import (
    CloseForm,
    EvidenceLinkForm,
    ExtendForm,
    FileForm,
    RespondForm,
    WithdrawForm,
)
from commissioning.notices.letters import notice_letter_title
from commissioning.notices.models import (
    LADDER,
    Notice,
    NoticeKind,
    NoticeLetter,
    NoticeStatus,
)
from commissioning.notices.rules import TRANSITIONS
from commissioning.notices.working_days import working_days_between

# --- Access ----------------------------------------------------------------------------------------


def officer_notice(acting: Acting, notice_id: int) -> Notice:
    """A notice in reach (else 404) that the acting person manages (else 403)."""
    notice = selectors.notice_get_for(acting, notice_id)
    require_notice_officer(acting, notice)
    return notice


def recipient_notice(acting: Acting, notice_id: int) -> Notice:
    """A notice in reach (else 404) issued to the acting person's provider, who may answer it (else 403)."""
    notice = selectors.notice_get_for(acting, notice_id)
    require_notice_recipient(acting, notice)
    return notice


def notice_url(notice: Notice | int, anchor: str = "") -> str:
    url = reverse("notices:detail", kwargs={"notice_id": getattr(notice, "pk", notice)})
    return f"{url}#{anchor}" if anchor else url


def _can(notice: Notice, action: str) -> bool:
    return notice.status in TRANSITIONS[action][0]


# --- The notice page -------------------------------------------------------------------------------


def _clock(notice: Notice, today) -> dict | None:
    """Working days used against a Notice of Concern's target closure period."""
    if notice.kind != NoticeKind.NOC or not notice.clock_start_on or not notice.target_close_on:
        return None
    end = timezone.localdate(notice.closed_at) if notice.closed_at else today
    used = working_days_between(notice.clock_start_on, end)
    target = working_days_between(notice.clock_start_on, notice.target_close_on)
    return {
        "used": used,
        "target": target,
        "over": end > notice.target_close_on,
        "closed": notice.closed_at is not None,
        "end": end,
    }


def notice_evidence(notice: Notice) -> list[dict]:
    """What the notice relies on: as linked (a draft) or as copied in when it was issued."""
    if notice.status == NoticeStatus.DRAFT:
        return [
            {"label": link.label, "key_fields": link.key_fields, "link": link, "record": ""}
            for link in notice.evidence_links.all()
        ]
    return list((notice.evidence_snapshot or {}).get("links", []))


def _detail_context(request: HttpRequest, notice: Notice, bound: dict) -> dict:
    acting = request.acting
    today = timezone.localdate()
    officer, responder = is_notice_officer(acting, notice), is_notice_recipient(acting, notice)
    is_draft = notice.status == NoticeStatus.DRAFT
    files = list(notice.files.all())
    context = {
        "notice": notice,
        "title": notice_letter_title(notice),
        "is_officer": officer,
        "is_responder": responder,
        "is_draft": is_draft,
        "is_noc": notice.kind == NoticeKind.NOC,
        "evidence": notice_evidence(notice),
        "officer_files": [f for f in files if not f.uploaded_by_provider],
        "snapshot_files": (notice.evidence_snapshot or {}).get("files", []),
        "events": selectors.notice_events(notice),
        "chain": [n for n in selectors.notice_chain(acting, notice) if n.pk != notice.pk],
        "letter": NoticeLetter.objects.filter(notice=notice).first(),
        "clock": _clock(notice, today),
        "stage": selectors.contract_enforcement_stage(notice.contract),
        "remedy_overdue": notice.is_open
        and notice.remedy_due_on is not None
        and notice.remedy_due_on < today,
        "today": today,
        "anchor": bound.pop("anchor", ""),
        "provider_actions": selectors.PROVIDER_HISTORY,
    }
    if officer and is_draft:
        candidates = evidence_candidates(notice)
        context["evidence_form"] = bound.get("evidence_form") or EvidenceLinkForm(
            choices=evidence_choices(candidates)
        )
        context["file_form"] = bound.get("file_form") or FileForm()
        context["withdraw_form"] = bound.get("withdraw_form") or WithdrawForm()
        context["issue_problems"] = services.issue_problems(notice, today)
        context["pending_from"] = notice.escalated_from or notice.supersedes
    if officer and notice.is_open:
        context["extend_form"] = bound.get("extend_form") or ExtendForm()
        context["close_form"] = bound.get("close_form") or CloseForm()
        step = LADDER.index(notice.kind)
        context["next_step"] = NoticeKind(LADDER[step + 1]).label if step + 1 < len(LADDER) else None
        context["pending_escalation"] = Notice.objects.filter(
            escalated_from=notice, status=NoticeStatus.DRAFT
        ).first()
        context["pending_correction"] = Notice.objects.filter(
            supersedes=notice, status=NoticeStatus.DRAFT
        ).first()
    if responder:
        context["can_acknowledge"] = _can(notice, "acknowledge") and notice.acknowledged_at is None
        if _can(notice, "respond") and notice.acknowledged_at is not None:
            context["respond_form"] = bound.get("respond_form") or RespondForm()
    error_form = next((form for form in bound.values() if isinstance(form, django_forms.Form)), None)
    context["error_form"] = error_form
    return context


def _detail_render(request: HttpRequest, notice: Notice, **bound) -> HttpResponse:
    status = 400 if any(isinstance(form, django_forms.Form) for form in bound.values()) else 200
    return render(
        request, "commissioning/notices/detail.html", _detail_context(request, notice, bound), status=status
    )


@organisation_required
def detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    return _detail_render(request, selectors.notice_get_for(request.acting, notice_id))


def form_post(
    request: HttpRequest, notice: Notice, form: django_forms.Form, key: str, call, success
) -> HttpResponse:
    """Validate the form, call the service; on success a message and back to the notice (or where
    ``call`` returned), else the notice page again with the form's errors."""
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, success(result))
            return redirect(result if isinstance(result, str) else notice_url(notice))
    return _detail_render(request, notice, anchor=key, **{f"{key}_form": form})


# --- Files and the letter -----------------------------------------------------------------------


@organisation_required
def file_download(request: HttpRequest, file_id: int) -> FileResponse:
    """An evidence file of a notice, the officer's or the provider's response; each download is
    audited as the notice's body's record."""
    stored = selectors.notice_file_get_for(request.acting, file_id)
    response = stored_file_response(stored.file, stored.original_name, stored.content_type)
    audit_view(request, stored, "notice_file", organisation=stored.notice.commissioner)
    return response


@organisation_required
def letter_download(request: HttpRequest, notice_id: int) -> HttpResponse:
    """The letter's PDF; while it is being made, a page that checks again every few seconds. A notice
    without a letter, or whose letter failed, offers its officers "Make the letter" (POST)."""
    acting = request.acting
    notice = selectors.notice_get_for(acting, notice_id)
    if notice.status == NoticeStatus.DRAFT:
        raise Http404("A draft has no letter: the letter is made when the notice is issued.")
    if request.method == "POST":
        require_notice_officer(acting, notice)
        try:
            services.notice_letter_request(acting=acting, notice=notice)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("notices:letter", notice_id=notice.pk)
    letter = NoticeLetter.objects.filter(notice=notice).first()
    if letter is not None and letter.generated_at and letter.file:
        issued_on = timezone.localdate(notice.issued_at)
        filename = (
            f"{notice_letter_title(notice)} {notice.pk} {notice.provider.name} {issued_on:%Y-%m-%d}.pdf"
        )
        response = stored_file_response(letter.file, filename, "application/pdf")
        audit_view(request, notice, "notice_letter", organisation=notice.commissioner)
        return response
    return render(
        request,
        "commissioning/notices/letter_pending.html",
        {
            "notice": notice,
            "letter": letter,
            "making": job_state(job_for(services.letter_subject(letter.pk))) if letter else None,
            "can_request": is_notice_officer(acting, notice),
        },
    )
