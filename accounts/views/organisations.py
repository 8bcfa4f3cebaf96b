"""Switching the organisation you are acting for."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import selectors
from accounts.middleware import SESSION_KEY


@login_required
def switch(request: HttpRequest) -> HttpResponse:
    memberships = selectors.user_memberships(request.user)
    if request.method == "POST":
        try:
            organisation_id = int(request.POST.get("organisation", ""))
        except ValueError:
            organisation_id = None
        chosen = next((m for m in memberships if m.organisation_id == organisation_id), None)
        if chosen is None:
            raise Http404("You are not a member of that organisation.")
        request.session[SESSION_KEY] = chosen.organisation_id
        messages.success(request, f"You are now working as {chosen.organisation.name}.")
        next_url = request.POST.get("next", "")
        if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(next_url)
        return redirect("home")
    if not memberships:
        return render(request, "accounts/no_organisation.html", status=403)
    return render(request, "accounts/switch.html", {"memberships": memberships})
