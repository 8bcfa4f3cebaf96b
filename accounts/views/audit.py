"""The audit log and the sign-in history, for organisation admins."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import selectors
from accounts.access import Capability, capability_required
from accounts.forms import AuditFilterForm


@capability_required(Capability.VIEW_AUDIT_LOG)
def audit_log(request: HttpRequest) -> HttpResponse:
    acting = request.acting
    form = AuditFilterForm(
        request.GET or None,
        actors=selectors.audit_actor_choices_for(acting),
        actions=selectors.audit_action_choices_for(acting),
    )
    audit_filter = selectors.AuditFilter()
    if form.is_bound and form.is_valid():
        audit_filter = selectors.AuditFilter(**form.cleaned_data)
    entries = selectors.audit_entries_for(acting, audit_filter)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode(), "filtered": form.is_bound},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@capability_required(Capability.VIEW_AUDIT_LOG)
def sign_ins(request: HttpRequest) -> HttpResponse:
    """The organisation's people's sign-ins and failed sign-ins, newest first."""
    events = selectors.sign_in_history_for(request.acting)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/sign_ins.html",
        {
            "page": page,
            "days": settings.SIGN_IN_HISTORY_DAYS,
            "failed": sum(1 for event in events if event.outcome != "signed in"),
        },
    )
