"""The people in your organisation: list, invite, change role, remove."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.access import Capability, capability_required, organisation_required
from accounts.forms import InvitationForm, MembershipForm


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@organisation_required
def team(request: HttpRequest) -> HttpResponse:
    acting = request.acting
    return render(
        request,
        "accounts/team.html",
        {
            "memberships": selectors.membership_list_for(acting),
            "invitations": selectors.invitation_list_for(acting)
            if acting.can(Capability.MANAGE_MEMBERS)
            else [],
        },
    )


@capability_required(Capability.MANAGE_MEMBERS)
def invite(request: HttpRequest) -> HttpResponse:
    acting = request.acting
    form = InvitationForm(request.POST or None, organisation_kind=acting.organisation.kind)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                acting=acting,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                is_admin=form.cleaned_data["is_admin"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}. The link works for 7 days.")
            return redirect("accounts:team")
    return render(request, "accounts/invite.html", {"form": form})


@capability_required(Capability.MANAGE_MEMBERS)
def member_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    acting = request.acting
    membership = selectors.membership_get_for(acting, membership_id)
    form = MembershipForm(
        request.POST or None,
        organisation_kind=acting.organisation.kind,
        initial={"role": membership.role, "is_admin": membership.is_admin},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(
                acting=acting,
                membership=membership,
                role=form.cleaned_data["role"],
                is_admin=form.cleaned_data["is_admin"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, f"{membership.user.get_full_name()} is now: {membership.role_label.lower()}."
            )
            return redirect("accounts:team")
    return render(request, "accounts/member_edit.html", {"form": form, "membership": membership})


@capability_required(Capability.MANAGE_MEMBERS)
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    acting = request.acting
    membership = selectors.membership_get_for(acting, membership_id)
    error = None
    if request.method == "POST":
        try:
            services.membership_remove(acting=acting, membership=membership)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                f"{membership.user.get_full_name()} has been removed from {acting.organisation.name}.",
            )
            if membership.user_id == request.user.pk:
                return redirect("home")
            return redirect("accounts:team")
    return render(
        request,
        "accounts/member_remove.html",
        {"membership": membership, "error": error},
        status=400 if error else 200,
    )


@require_POST
@capability_required(Capability.MANAGE_MEMBERS)
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_get_for(request.acting, invitation_id)
    try:
        services.invitation_revoke(acting=request.acting, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The invitation to {invitation.email} has been withdrawn.")
    return redirect("accounts:team")


@require_POST
@capability_required(Capability.MANAGE_MEMBERS)
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_get_for(request.acting, invitation_id)
    try:
        services.invitation_resend(acting=request.acting, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"A new invitation link has been sent to {invitation.email}.")
    return redirect("accounts:team")
