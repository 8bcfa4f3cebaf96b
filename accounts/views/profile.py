"""Your own account: who you are, your organisations, and changing your password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import selectors, two_factor
from accounts.forms import JobTitleForm, PasswordChangeForm
from accounts.services import user_email_preferences_set, user_job_title_set, user_password_change


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "memberships": selectors.user_memberships(user),
            "two_factor": {
                "set_up": two_factor.is_set_up(user),
                "required": two_factor.required_for(user),
                "codes_left": two_factor.recovery_codes_left(user),
            },
        },
    )


@login_required
@require_POST
def email_preferences(request: HttpRequest) -> HttpResponse:
    """Turn emails about monthly returns on or off for yourself."""
    wanted = request.POST.get("return_emails") == "on"
    user_email_preferences_set(user=request.user, return_emails=wanted)
    messages.success(
        request,
        "You will get emails about monthly returns."
        if wanted
        else "You will not get emails about monthly returns.",
    )
    return redirect("accounts:account")


@login_required
def job_title(request: HttpRequest) -> HttpResponse:
    """Your job title, as the letters you sign give it; back to the page it was asked from (a
    notice's check page) or your account."""
    back = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    form = JobTitleForm(request.POST or None, initial={"job_title": request.user.job_title})
    if request.method == "POST" and form.is_valid():
        user_job_title_set(user=request.user, job_title=form.cleaned_data["job_title"])
        messages.success(request, "Your job title is saved.")
        return redirect(back or "accounts:account")
    return render(
        request, "accounts/job_title.html", {"form": form, "back": back}, status=400 if form.errors else 200
    )


@sensitive_post_parameters()
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        user_password_change(user=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)  # stay signed in here; other sessions end
        messages.success(request, "Your password has been changed.")
        return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form})
