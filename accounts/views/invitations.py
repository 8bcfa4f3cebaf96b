"""Accepting an invitation from its emailed link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import InvitationAcceptForm
from accounts.invitation_links import InvitationInvalid, invitation_from_token
from accounts.middleware import SESSION_KEY
from accounts.models import User
from accounts.services import invitation_accept


def _invalid(request: HttpRequest, error: InvitationInvalid) -> HttpResponse:
    status = 410 if error.invitation is not None else 404
    return render(request, "accounts/invitation_invalid.html", {"reason": error.reason}, status=status)


@sensitive_post_parameters()
@never_cache
def accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_from_token(token)
    except InvitationInvalid as error:
        return _invalid(request, error)

    existing_account = User.objects.filter(email__iexact=invitation.email).exists()
    if request.user.is_authenticated or existing_account:
        # Someone with an account joins by signing in as that account and confirming.
        if not request.user.is_authenticated:
            return render(request, "accounts/invitation_sign_in.html", {"invitation": invitation})
        if request.user.email.lower() != invitation.email.lower():
            return _invalid(
                request,
                InvitationInvalid(
                    f"This invitation is for {invitation.email}, but you are signed in as {request.user.email}. "
                    "Sign out, then open the link again.",
                    invitation,
                ),
            )
        if request.method == "POST":
            try:
                membership = invitation_accept(invitation=invitation, user=request.user)
            except InvitationInvalid as error:
                return _invalid(request, error)
            request.session[SESSION_KEY] = membership.organisation_id
            messages.success(request, f"You have joined {membership.organisation.name}.")
            return redirect("home")
        return render(request, "accounts/invitation_confirm.html", {"invitation": invitation})

    form = InvitationAcceptForm(
        User(email=invitation.email), request.POST or None, initial={"full_name": invitation.full_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership = invitation_accept(
                invitation=invitation,
                user=None,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["new_password1"],
            )
        except InvitationInvalid as error:
            return _invalid(request, error)
        except ValidationError as error:
            form.add_error("new_password1", error)
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_KEY] = membership.organisation_id
            messages.success(
                request, f"Your account is ready and you have joined {membership.organisation.name}."
            )
            return redirect("home")
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form})
