"""Two-step verification: a 6-digit code from an authenticator app (TOTP, django-otp) after the
password, with single-use recovery codes for a lost phone.

Who must use it (``required_for``), when ``TWO_FACTOR_REQUIRED`` is on (the default outside the demo):
everyone with a place at a commissioning body, every organisation admin, every operator of the
technical admin site, and everyone at a provider whose admin requires it. Anyone else may turn it on.
Someone who has it is always asked for a code, whether or not they must have it.

Until the second step is done a session reaches only the pages of that step
(``accounts.middleware.TwoFactorMiddleware``). Wrong codes count towards the account's sign-in
lockout like wrong passwords (``accounts.lockout``), and the account's count is reset only when the
whole sign-in succeeds (``sign_in_complete``).
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from typing import cast

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as lockout_reset
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.audit import audit_own_account, audit_record
from accounts.models import COMMISSIONER_KINDS, Membership, Organisation, User

APP_DEVICE = "Authenticator app"
RECOVERY_DEVICE = "Recovery codes"
SETUP_KEY = "two_factor_setup_key"  # the session's key while a person sets the app up


def _person(request: HttpRequest) -> User:
    """The signed-in person (every function here runs after the password step)."""
    return cast(User, request.user)


def required_for(user: User) -> bool:
    """Whether the person must sign in with two-step verification (see the module's notes)."""
    if not settings.TWO_FACTOR_REQUIRED:
        return False
    if user.is_staff or user.is_superuser:
        return True
    places = Membership.objects.filter(user=user).select_related("organisation")
    return any(
        place.is_admin
        or place.organisation.kind in COMMISSIONER_KINDS
        or place.organisation.two_factor_required
        for place in places
    )


def app_device(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator app, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_set_up(user: User) -> bool:
    return app_device(user) is not None


def needs_second_step(request: HttpRequest) -> bool:
    """Signed in with a password, but not yet with the second step that the person has or must have."""
    user = _person(request)
    if not user.is_authenticated or getattr(user, "otp_device", None) is not None:
        return False
    return is_set_up(user) or required_for(user)


def setup_key(request: HttpRequest) -> str:
    """The secret of the app being set up, kept in the session (nothing is stored until it works)."""
    key = request.session.get(SETUP_KEY)
    if not key:
        key = request.session[SETUP_KEY] = random_hex(20)
    return key


def base32_key(key: str) -> str:
    """The secret as an authenticator app asks for it when typed in (base32, without padding)."""
    return b32encode(bytes.fromhex(key)).decode().rstrip("=")


def setup_uri(request: HttpRequest, key: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    device = TOTPDevice(user=_person(request), key=key, name=APP_DEVICE)
    return device.config_url


def _recovery_codes(user: User) -> list[str]:
    """New recovery codes for the person, replacing any earlier ones: 10 groups like ``4f7k-2m9q``."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
    codes = [
        "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(2))
        for _ in range(settings.RECOVERY_CODES)
    ]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def app_set_up(request: HttpRequest, code: str) -> list[str] | None:
    """Confirm the app being set up with one of its codes: store it, make recovery codes, and count
    this session as verified. Returns the recovery codes (shown once), or None if the code is wrong."""
    user = _person(request)
    key = request.session.get(SETUP_KEY)
    if not key:
        return None
    candidate = TOTPDevice(user=user, key=key, name=APP_DEVICE, confirmed=True)
    # Checked without the device's own check, which saves the device to count a wrong code: nothing
    # is stored until the app has shown it works.
    digits = "".join(code.split())
    check = TOTP(candidate.bin_key, candidate.step, candidate.t0, candidate.digits, candidate.drift)
    if not (digits.isdigit() and check.verify(int(digits), candidate.tolerance)):
        return None
    candidate.last_t = check.t()  # the code just used cannot be used again to sign in
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        candidate.save()
        codes = _recovery_codes(user)
        audit_own_account(user, "user.two_factor_on")
    del request.session[SETUP_KEY]
    otp_login(request, candidate)
    sign_in_complete(request)
    return codes


def recovery_codes_renew(user: User) -> list[str]:
    """New recovery codes (the earlier ones stop working)."""
    with transaction.atomic():
        codes = _recovery_codes(user)
        audit_own_account(user, "user.recovery_codes_renewed")
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE).count()


def turn_off(user: User) -> None:
    """Remove the person's app and recovery codes (only for people who need not have them)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_own_account(user, "user.two_factor_off")


def is_locked(request: HttpRequest, user: User) -> bool:
    """Whether signing in to the account is paused (accounts.lockout)."""
    return AxesProxyHandler.is_locked(request, {"username": user.email})


def second_step(request: HttpRequest, code: str) -> bool:
    """Check a code from the app, or a recovery code (used up), for the signed-in person; a wrong one
    counts towards the account's lockout. True when the session is now verified."""
    user = _person(request)
    code = code.strip()
    device = app_device(user)
    if device is not None and device.verify_token("".join(code.split())):
        otp_login(request, device)
        sign_in_complete(request)
        return True
    recovery = StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE).first()
    if recovery is not None and recovery.verify_token(code.lower()):
        otp_login(request, recovery)
        sign_in_complete(request)
        audit_own_account(user, "user.recovery_code_used", left=recovery_codes_left(user))
        return True
    user_login_failed.send(sender=__name__, credentials={"username": user.email}, request=request)
    return False


def sign_in_complete(request: HttpRequest) -> None:
    """The whole sign-in succeeded: the account's count of failures starts again."""
    lockout_reset(username=_person(request).email)


def reset_by_admin(*, actor: User, user: User, organisation: Organisation) -> None:
    """An organisation admin removes a person's app and recovery codes: a session verified with them
    is no longer verified, so the person sets an app up again before going on."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(
            actor=actor,
            action="user.two_factor_reset",
            obj=user,
            organisation=organisation,
            actor_organisation=organisation,
        )


def organisation_requirement_set(*, actor: User, organisation: Organisation, required: bool) -> None:
    """A provider's admin requires (or stops requiring) two-step verification of its people."""
    if organisation.two_factor_required == required:
        return
    with transaction.atomic():
        organisation.two_factor_required = required
        organisation.save(update_fields=["two_factor_required"])
        audit_record(
            actor=actor,
            action="organisation.two_factor_required" if required else "organisation.two_factor_optional",
            obj=organisation,
            organisation=organisation,
            actor_organisation=organisation,
        )
