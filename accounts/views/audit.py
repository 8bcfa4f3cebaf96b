"""The audit log page for organisation admins."""

from __future__ import annotations

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
