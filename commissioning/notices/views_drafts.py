"""Notice pages, continued: drafting (a new draft, changes, evidence links and files), issuing,
and a body's target closure periods. Access as in commissioning.notices.views."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.access import Capability, organisation_required
from accounts.dates import day_label
from accounts.govuk_forms import apply_service_errors, int_or_none
from accounts.upload_limits import upload_limit
from commissioning.evidence import EVIDENCE_UPLOAD
from commissioning.notices import drafts, selectors, services
from commissioning.notices.access import require_notice_manager, require_raise_notice
from commissioning.notices.emails import notice_recipients
from commissioning.notices.evidence_choices import evidence_candidates, evidence_choices
from commissioning.notices.forms import (
    DraftForm,
    EvidenceLinkForm,
    FileForm,
    NoticeStartForm,
    SettingsForm,
)
from commissioning.notices.letters import (
    letter_addressee,
    letter_reference,
    letter_signatory,
    notice_letter_title,
    notice_link,
)
from commissioning.notices.models import (
    NoticeEvidenceLink,
    NoticeStatus,
)
from commissioning.notices.views import (
    form_post,
    notice_evidence,
    notice_url,
    officer_notice,
)
from commissioning.selectors import contract_get_for, contract_visible_to

# --- Drafting --------------------------------------------------------------------------------------


@organisation_required
def notice_start(request: HttpRequest) -> HttpResponse:
    """Raise a notice from the register: choose one of the contracts the body leads, then draft it
    (a GET form: choosing writes nothing)."""
    acting = request.acting
    if not acting.is_commissioner:
        raise Http404("Notices are raised by commissioning bodies.")
    require_notice_manager(acting)
    contracts = (
        contract_visible_to(acting)
        .filter(lead_commissioner_id=acting.organisation.pk)
        .select_related("provider")
        .order_by("reference")
    )
    form = NoticeStartForm(request.GET if "contract" in request.GET else None, contracts=contracts)
    if form.is_bound and form.is_valid():
        return redirect("notices:new", contract_id=form.cleaned_data["contract"].pk)
    return render(
        request,
        "commissioning/notices/start.html",
        {"form": form, "has_contracts": contracts.exists()},
        status=400 if form.errors else 200,
    )


@organisation_required
def notice_new(request: HttpRequest, contract_id: int) -> HttpResponse:
    """A new draft notice on a contract the officer's body leads."""
    acting = request.acting
    if acting.is_provider:
        raise Http404("Notices are drafted by commissioning bodies.")
    contract = contract_get_for(acting, contract_id)
    require_raise_notice(acting, contract)
    form = DraftForm(
        request.POST or None, initial={"kind": request.GET.get("kind")}
    )  # no type chosen for you
    if request.method == "POST" and form.is_valid():
        try:
            notice = drafts.notice_draft_create(acting=acting, contract=contract, data=form.notice_input())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Draft notice {notice.pk} is saved. Link evidence, then issue it.")
            return redirect(notice_url(notice))
    return render(
        request,
        "commissioning/notices/draft_form.html",
        {"form": form, "contract": contract, "notice": None},
        status=400 if form.errors else 200,
    )


@organisation_required
def edit(request: HttpRequest, notice_id: int) -> HttpResponse:
    acting = request.acting
    notice = officer_notice(acting, notice_id)
    if notice.status != NoticeStatus.DRAFT:
        messages.info(request, "An issued notice cannot be changed. Correct it with a new notice instead.")
        return redirect(notice_url(notice))
    locked = bool(notice.escalated_from_id or notice.supersedes_id)
    form = DraftForm(request.POST or None, initial=DraftForm.initial_from(notice), kind_locked=locked)
    if request.method == "POST" and form.is_valid():
        try:
            drafts.notice_draft_update(acting=acting, notice=notice, data=form.notice_input())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The draft is saved.")
            return redirect(notice_url(notice))
    return render(
        request,
        "commissioning/notices/draft_form.html",
        {"form": form, "contract": notice.contract, "notice": notice},
        status=400 if form.errors else 200,
    )


@organisation_required
def evidence(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Link a record of the contract to a draft (``source``), or remove a link (``unlink``)."""
    acting = request.acting
    notice = officer_notice(acting, notice_id)
    if request.method != "POST":
        return redirect(notice_url(notice, "evidence"))
    if unlink := request.POST.get("unlink"):
        link = get_object_or_404(NoticeEvidenceLink, notice=notice, pk=int_or_none(unlink))
        try:
            drafts.notice_evidence_unlink(acting=acting, link=link)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{link.label} is no longer linked.")
        return redirect(notice_url(notice, "evidence"))
    candidates = {c.key: c for c in evidence_candidates(notice)}
    form = EvidenceLinkForm(request.POST, choices=evidence_choices(list(candidates.values())))

    def call(data):
        chosen = candidates[data["source"]]
        return drafts.notice_evidence_link(
            acting=acting,
            notice=notice,
            app_label=chosen.app_label,
            model=chosen.model,
            object_id=chosen.object_id,
            label=chosen.label,
            key_fields=chosen.key_fields,
        )

    def success(link):
        return f"{link.label} is linked."

    response = form_post(request, notice, form, "evidence", call, success)
    if response.status_code == 302:
        return redirect(notice_url(notice, "evidence"))
    return response


@upload_limit(EVIDENCE_UPLOAD)
@organisation_required
def file_add(request: HttpRequest, notice_id: int) -> HttpResponse:
    acting = request.acting
    notice = officer_notice(acting, notice_id)
    if request.method != "POST":
        return redirect(notice_url(notice, "evidence"))
    form = FileForm(request.POST, request.FILES)

    def call(data):
        return drafts.notice_file_add(acting=acting, notice=notice, file=data["file"])

    return form_post(
        request, notice, form, "file", call, lambda stored: f"{stored.original_name} is uploaded."
    )


def _posted_on(parts: dict[str, str]) -> tuple[date | None, str]:
    """The date the letter was posted, from the day, month and year boxes (none entered: None)."""
    if not any(parts.values()):
        return None, ""
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])), ""
    except ValueError:
        return None, "Enter the date you posted the letter as a real date, for example 3 12 2026"


@organisation_required
def issue(request: HttpRequest, notice_id: int) -> HttpResponse:
    """GET: check the draft before issuing it (what the provider will receive). POST: issue it."""
    acting = request.acting
    notice = officer_notice(acting, notice_id)
    if notice.status != NoticeStatus.DRAFT:
        messages.info(
            request, f"This notice was issued on {day_label(timezone.localdate(notice.issued_at))}."
        )
        return redirect(notice_url(notice))
    problems: dict[str, str] = {}
    recipients = notice_recipients(notice)
    posted = {part: request.POST.get(f"posted_on-{part}", "").strip() for part in ("day", "month", "year")}
    if request.method == "POST":
        posted_on, date_problem = _posted_on(posted)
        try:
            if date_problem:
                raise ValidationError({"posted_on": date_problem})
            issued = services.notice_issue(acting=acting, notice=notice, posted_on=posted_on)
        except ValidationError as error:
            problems = (
                {key: " ".join(value) for key, value in error.message_dict.items()}
                if hasattr(error, "error_dict")
                else {"": " ".join(error.messages)}
            )
        else:
            sent = (
                f"It is emailed to {', '.join(recipients)}."
                if issued.posted_on is None
                else f"It is recorded as posted on {issued.posted_on:%-d %B %Y}."
            )
            messages.success(
                request,
                f"{notice_letter_title(issued)} {issued.pk} is issued to {issued.provider.name}. The letter "
                f"is being made. {sent}",
            )
            return redirect(notice_url(issued))
    else:
        today = timezone.localdate()
        problems = {
            **services.issue_problems(notice, today),
            **services.address_problem(notice),
            **services.delivery_problem(notice, None, today),
        }
    return render(
        request,
        "commissioning/notices/issue.html",
        {
            "notice": notice,
            "title": notice_letter_title(notice),
            "problems": problems,
            "checked": request.method == "POST",  # an error summary only once the officer has tried
            "evidence": notice_evidence(notice),
            "officer_files": notice.files.filter(uploaded_by_provider=False),
            "settings": selectors.notice_settings_for(notice.commissioner),
            "pending_from": notice.escalated_from or notice.supersedes,
            "recipients": recipients,
            "posted": posted,
            "addressee": letter_addressee(notice.provider),
            "reference": letter_reference(notice),
            "link": notice_link(notice),
            "address_url": reverse("providers:address", args=[notice.provider_id])
            + "?"
            + urlencode({"next": request.path}),
            "signatory": letter_signatory(acting.user, acting.membership),
            "draft_problems": {
                key: value
                for key, value in problems.items()
                if key not in ("posted_on", "registered_address")
            },
        },
        status=400 if problems and request.method == "POST" else 200,
    )


# --- Settings --------------------------------------------------------------------------------------


@organisation_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """The body's target closure periods for Notices of Concern: any of its people may read them;
    contract officers change them."""
    acting = request.acting
    if not acting.is_commissioner:
        raise Http404("Notice settings belong to commissioning bodies.")
    acting.require(Capability.VIEW_PORTFOLIO)
    current = selectors.notice_settings_for(acting.organisation.commissioningbody)
    can_change = acting.can(Capability.MANAGE_NOTICES)
    initial = {
        "noc_low_days": current.noc_low_days,
        "noc_medium_days": current.noc_medium_days,
        "noc_high_days": current.noc_high_days,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        acting.require(Capability.MANAGE_NOTICES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                drafts.notice_settings_update(
                    acting=acting,
                    low=data["noc_low_days"],
                    medium=data["noc_medium_days"],
                    high=data["noc_high_days"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request, "The target closure periods are saved. Notices already issued keep theirs."
                )
                return redirect("notices:settings")
    return render(
        request,
        "commissioning/notices/settings.html",
        {"form": form, "current": current, "can_change": can_change},
        status=400 if form.errors else 200,
    )
