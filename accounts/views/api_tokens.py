"""API tokens: organisation admins list, make and revoke them, and providers switch API sign-off."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from accounts.access import Capability, capability_required
from accounts.api import tokens as token_services
from accounts.forms_api import ApiSignOffForm, ApiTokenForm
from accounts.models import ApiScope
from accounts.selectors import api_token_list_for

SCOPE_LABELS = dict(ApiScope.choices)


def _api_links(request: HttpRequest) -> dict[str, str]:
    return {
        "api_docs_url": reverse("api:docs"),
        "api_redoc_url": reverse("api:redoc"),
        "api_me_url": request.build_absolute_uri(reverse("api:me")),
    }


@capability_required(Capability.MANAGE_MEMBERS)
def token_list(request: HttpRequest) -> HttpResponse:
    acting = request.acting
    rows = [
        (token, ", ".join(SCOPE_LABELS.get(scope, scope) for scope in token.scopes))
        for token in api_token_list_for(acting)
    ]
    sign_off_form = (
        ApiSignOffForm(initial={"enabled": acting.organisation.api_sign_off_enabled})
        if acting.is_provider
        else None
    )
    return render(
        request,
        "accounts/api_tokens.html",
        {"rows": rows, "sign_off_form": sign_off_form, **_api_links(request)},
    )


@capability_required(Capability.MANAGE_MEMBERS)
def token_new(request: HttpRequest) -> HttpResponse:
    acting = request.acting
    organisation = acting.organisation
    form = ApiTokenForm(
        request.POST or None,
        organisation=organisation,
        approvers=token_services.sign_off_approvers(organisation)
        if organisation.api_sign_off_enabled
        else [],
    )
    if request.method == "POST" and form.is_valid():
        try:
            new_token = token_services.api_token_create(
                acting=acting,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                sign_off_as=form.cleaned_data.get("sign_off_as"),
                expires_at=form.expires_at(),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            # Shown in this response only: never redirected, kept in the session, or cached.
            response = render(
                request,
                "accounts/api_token_created.html",
                {
                    "token": new_token.token,
                    "secret": new_token.secret,
                    "scopes": ", ".join(SCOPE_LABELS[scope] for scope in new_token.token.scopes),
                    **_api_links(request),
                },
            )
            add_never_cache_headers(response)
            return response
    return render(request, "accounts/api_token_new.html", {"form": form, **_api_links(request)})


@capability_required(Capability.MANAGE_MEMBERS)
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    acting = request.acting
    token = token_services.api_token_get_for(acting, token_id)
    if request.method == "POST":
        was_revoked = token.revoked_at is not None
        token = token_services.api_token_revoke(acting=acting, token=token)
        if was_revoked:
            messages.info(request, f"Token '{token.name}' ({token.prefix}…) was already revoked.")
        else:
            messages.success(
                request, f"Token '{token.name}' ({token.prefix}…) revoked. It stopped working at once."
            )
        return redirect("accounts:api-tokens")
    return render(request, "accounts/api_token_revoke.html", {"token": token})


@require_POST
@capability_required(Capability.MANAGE_MEMBERS)
def sign_off_update(request: HttpRequest) -> HttpResponse:
    form = ApiSignOffForm(request.POST)
    form.is_valid()  # a single optional checkbox: always valid, and unticked means off
    organisation = token_services.api_sign_off_set(
        acting=request.acting, enabled=form.cleaned_data["enabled"]
    )
    if organisation.api_sign_off_enabled:
        messages.success(
            request,
            "API sign-off is on: tokens made for a named approver can sign off returns in that approver's name.",
        )
    else:
        messages.success(request, "API sign-off is off: no token can sign off returns.")
    return redirect("accounts:api-tokens")
