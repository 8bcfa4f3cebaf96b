"""Sign in and out, and password reset by email."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_str
from django.utils.http import urlencode, urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from accounts import two_factor
from accounts.forms import NewPasswordForm, PasswordResetRequestForm, SignInForm
from accounts.models import User
from accounts.services import user_password_reset


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        """Signed in with the password: done, or on to the second step (accounts.two_factor)."""
        response = super().form_valid(form)
        if not two_factor.needs_second_step(self.request):
            two_factor.sign_in_complete(self.request)
            return response
        step = (
            "accounts:two-factor" if two_factor.is_set_up(self.request.user) else "accounts:two-factor-setup"
        )
        return redirect(f"{reverse(step)}?{urlencode({'next': self.get_success_url()})}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Arriving with ?next= and no session usually means the session timed out.
        context["session_ended"] = bool(self.request.GET.get("next")) and "sessionid" in self.request.COOKIES
        return context


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


def signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signed_out.html")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("accounts:password-reset-sent")


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_sent.html")


INTERNAL_RESET_SESSION_TOKEN = "_password_reset_token"
RESET_URL_TOKEN = "set-password"


def _user_from_uid(uidb64: str) -> User | None:
    try:
        return User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), is_active=True)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None


@sensitive_post_parameters()
@never_cache
@csrf_protect
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Check the emailed link, then ask for a new password.

    As Django does, the token is moved from the URL into the session first so it
    does not leak through the Referer header of the form page.
    """
    user = _user_from_uid(uidb64)
    if user is None:
        return render(request, "accounts/password_reset_invalid.html", status=404)
    if token != RESET_URL_TOKEN:
        if default_token_generator.check_token(user, token):
            request.session[INTERNAL_RESET_SESSION_TOKEN] = token
            return redirect("accounts:password-reset-confirm", uidb64=uidb64, token=RESET_URL_TOKEN)
        return render(request, "accounts/password_reset_invalid.html", status=404)
    session_token = request.session.get(INTERNAL_RESET_SESSION_TOKEN, "")
    if not default_token_generator.check_token(user, session_token):
        return render(request, "accounts/password_reset_invalid.html", status=404)
    form = NewPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_password_reset(user=user, password=form.cleaned_data["new_password1"])
        del request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(request, "Your password has been changed. Sign in with your new password.")
        return redirect("accounts:sign-in")
    return render(request, "accounts/password_reset_confirm.html", {"form": form, "reset_user": user})
