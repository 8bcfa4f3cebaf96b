"""Two-step verification pages: the second step of signing in, setting the app up, recovery codes,
turning it off (for people who need not have it), and a provider admin requiring it of everyone."""

from __future__ import annotations

import segno
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import selectors, two_factor
from accounts.access import Capability, capability_required
from accounts.forms import TwoFactorCodeForm, TwoFactorSetupForm

SHOWN_CODES = "two_factor_codes_to_show"  # the session's recovery codes, shown once


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or "/"
    safe = url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure())
    return wanted if safe else "/"


@sensitive_post_parameters("code")
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the app, or a recovery code."""
    user = request.user
    if not two_factor.is_set_up(user):
        return redirect("accounts:two-factor-setup")
    if getattr(user, "otp_device", None) is not None:
        return redirect(_next(request))
    if two_factor.is_locked(request, user):
        return get_lockout_response(request, None, {"username": user.email})
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.second_step(request, form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error(
            "code",
            "This code is not right. Enter the code the app shows now (it changes every 30 seconds), or an "
            "unused recovery code.",
        )
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _next(request)},
        status=400 if form.errors else 200,
    )


@sensitive_post_parameters("code")
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Set the authenticator app up: scan the code (or type the key), then enter a code it shows."""
    user = request.user
    verified = getattr(user, "otp_device", None) is not None
    if two_factor.is_set_up(user) and not verified:
        return redirect("accounts:two-factor")  # replacing the app needs the second step first
    key = two_factor.setup_key(request)
    uri = two_factor.setup_uri(request, key)
    form = TwoFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.app_set_up(request, form.cleaned_data["code"])
        if codes is not None:
            request.session[SHOWN_CODES] = codes
            request.session["two_factor_next"] = _next(request)
            return redirect("accounts:two-factor-recovery-codes")
        form.add_error(
            "code",
            "This code is not right. Check the app shows this service, and enter the code it shows now "
            "(it changes every 30 seconds).",
        )
    secret = two_factor.base32_key(key)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_code": segno.make(uri, error="m").svg_data_uri(scale=5, border=2),
            "key_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "required": two_factor.required_for(user),
            "replacing": two_factor.is_set_up(user),
            "next": _next(request),
        },
        status=400 if form.errors else 200,
    )


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once (GET); making new ones (POST, after the second step)."""
    user = request.user
    if request.method == "POST":
        if getattr(user, "otp_device", None) is None or not two_factor.is_set_up(user):
            raise PermissionDenied("Set two-step verification up, and sign in with it, first.")
        request.session[SHOWN_CODES] = two_factor.recovery_codes_renew(user)
        return redirect("accounts:two-factor-recovery-codes")
    codes = request.session.pop(SHOWN_CODES, None)
    return render(
        request,
        "accounts/two_factor_recovery_codes.html",
        {
            "codes": codes,
            "left": two_factor.recovery_codes_left(user),
            "set_up": two_factor.is_set_up(user),
            "next": request.session.pop("two_factor_next", "") or "",
        },
    )


@login_required
@require_POST
def turn_off(request: HttpRequest) -> HttpResponse:
    user = request.user
    if two_factor.required_for(user):
        raise PermissionDenied(
            "Your organisation requires two-step verification, so it cannot be turned off. You can set "
            "up a new app instead."
        )
    two_factor.turn_off(user)
    messages.success(request, "Two-step verification is turned off. You sign in with your password alone.")
    return redirect("accounts:account")


@capability_required(Capability.MANAGE_MEMBERS)
@require_POST
def organisation_requirement(request: HttpRequest) -> HttpResponse:
    """A provider's admin requires (or stops requiring) two-step verification of everyone in it."""
    acting = request.acting
    if not acting.is_provider:
        raise PermissionDenied("Two-step verification is always required at commissioning bodies.")
    required = request.POST.get("required") == "yes"
    two_factor.organisation_requirement_set(
        actor=request.user, organisation=acting.organisation, required=required
    )
    messages.success(
        request,
        f"Everyone in {acting.organisation.name} now signs in with two-step verification: each person sets "
        "up an authenticator app the next time they sign in."
        if required
        else f"Two-step verification is now each person's choice in {acting.organisation.name}.",
    )
    return redirect("accounts:team")


@capability_required(Capability.MANAGE_MEMBERS)
@require_POST
def member_reset(request: HttpRequest, membership_id: int) -> HttpResponse:
    """An admin resets someone's two-step verification (a lost phone and no recovery codes left):
    they set an app up again the next time they sign in."""
    membership = selectors.membership_get_for(request.acting, membership_id)
    if membership.user_id == request.user.pk:
        raise PermissionDenied("Ask another admin to reset your own two-step verification.")
    two_factor.reset_by_admin(
        actor=request.user, user=membership.user, organisation=request.acting.organisation
    )
    messages.success(
        request,
        f"{membership.user.get_full_name()}'s two-step verification is reset: they set up an authenticator "
        "app before they go on.",
    )
    return redirect("accounts:member-edit", membership.pk)
