"""Notice pages, continued: the provider's acknowledgement and response, and the officer's decision
(extend, close or withdraw, escalate, correct). Access as in commissioning.notices.views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.access import organisation_required
from accounts.dates import day_label
from accounts.upload_limits import upload_limit
from commissioning.notices import services
from commissioning.notices.forms import (
    CloseForm,
    ExtendForm,
    RespondForm,
    WithdrawForm,
)
from commissioning.notices.models import (
    NoticeClosedReason,
    NoticeStatus,
)
from commissioning.notices.rules import RESPONSE_UPLOAD
from commissioning.notices.views import (
    form_post,
    notice_url,
    officer_notice,
    recipient_notice,
)

# --- The provider ----------------------------------------------------------------------------------


@organisation_required
def acknowledge(request: HttpRequest, notice_id: int) -> HttpResponse:
    acting = request.acting
    notice = recipient_notice(acting, notice_id)
    if request.method != "POST":
        return redirect(notice_url(notice))
    try:
        services.notice_acknowledge(acting=acting, notice=notice)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, "You have acknowledged the notice. Now send your response and any evidence."
        )
    return redirect(notice_url(notice, "respond"))


@upload_limit(RESPONSE_UPLOAD)
@organisation_required
def respond(request: HttpRequest, notice_id: int) -> HttpResponse:
    acting = request.acting
    notice = recipient_notice(acting, notice_id)
    if request.method != "POST":
        return redirect(notice_url(notice, "respond"))
    form = RespondForm(request.POST, request.FILES)

    def call(data):
        return services.notice_respond(acting=acting, notice=notice, text=data["text"], files=data["files"])

    def success(event):
        count = event.details.get("files", 0)
        sent = f" with {count} file{'s' if count != 1 else ''}" if count else ""
        return f"Your response is sent{sent}. {notice.commissioner.name} will review it."

    return form_post(request, notice, form, "respond", call, success)


# --- The officer's decision ------------------------------------------------------------------------


@organisation_required
def extend(request: HttpRequest, notice_id: int) -> HttpResponse:
    acting = request.acting
    notice = officer_notice(acting, notice_id)
    if request.method != "POST":
        return redirect(notice_url(notice, "decide"))
    form = ExtendForm(request.POST)

    def call(data):
        return services.notice_extend(
            acting=acting, notice=notice, new_due_on=data["new_due_on"], reason=data["reason"]
        )

    return form_post(
        request,
        notice,
        form,
        "extend",
        call,
        lambda n: f"The remedy is now due by {day_label(n.remedy_due_on)}.",
    )


@organisation_required
def close(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Close an open notice (remedied or withdrawn), or withdraw a draft."""
    acting = request.acting
    notice = officer_notice(acting, notice_id)
    if request.method != "POST":
        return redirect(notice_url(notice, "decide"))
    if notice.status == NoticeStatus.DRAFT:
        form, key = WithdrawForm(request.POST), "withdraw"
    else:
        form, key = CloseForm(request.POST), "close"

    def call(data):
        reason = data.get("reason") or NoticeClosedReason.WITHDRAWN
        return services.notice_close(acting=acting, notice=notice, reason=reason, note=data["note"])

    def success(closed):
        if key == "withdraw":
            return f"Draft {closed.pk} is withdrawn."
        return f"The notice is closed as {closed.get_closed_reason_display().lower()}."

    return form_post(request, notice, form, key, call, success)


def _draft_started(request: HttpRequest, notice_id: int, start, success) -> HttpResponse:
    """Start a draft from an open notice (``start``: the service); on to the draft's edit page."""
    acting = request.acting
    notice = officer_notice(acting, notice_id)
    if request.method != "POST":
        return redirect(notice_url(notice, "decide"))
    try:
        draft = start(acting=acting, notice=notice)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(notice_url(notice, "decide"))
    messages.success(request, success(notice, draft))
    return redirect(reverse("notices:edit", kwargs={"notice_id": draft.pk}))


@organisation_required
def escalate(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Start a draft of the next step of the ladder; the notice stays open until that draft is issued."""
    return _draft_started(
        request,
        notice_id,
        services.notice_escalate,
        lambda notice, draft: (
            f"Draft {draft.get_kind_display().lower()} {draft.pk} is started from notice {notice.pk}. "
            f"Review the facts, set the remedy and due date, then issue it: notice {notice.pk} stays open "
            "until then."
        ),
    )


@organisation_required
def correct(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Start a corrected copy; issuing it supersedes this notice, which stays as it was sent."""
    return _draft_started(
        request,
        notice_id,
        services.notice_correct,
        lambda notice, draft: (
            f"Draft correction {draft.pk} is started. Change what was wrong, then issue it: it will "
            f"supersede notice {notice.pk}."
        ),
    )
