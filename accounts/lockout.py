"""A sign-in lockout that holds (django-axes, with this handler).

- **Per account, across addresses**: ``SIGN_IN_ACCOUNT_LIMIT`` wrong passwords for one email address
  within the cool-off (15 minutes) pause that account, wherever the guesses come from; the right
  password is then refused too until the pause ends, and the account's owner is emailed once.
- **Per address, across accounts**: ``SIGN_IN_ADDRESS_LIMIT`` failures from one client address
  pause signing in from it (spraying a few guesses at many accounts).
- The client address is read behind the service's own proxy only (``accounts.client_ip``).
- A right password resets the account's own count, never the address's (so signing in to one's own
  account does not wipe a spraying count).
- Wrong current passwords on the change-password page go through the same check
  (``accounts.forms.PasswordChangeForm``), so they count towards the same pause.

Axes compares one number with one limit, so ``get_failures`` reports the larger of the account's
failures and the address's failures scaled to the account's limit (an address at its own limit
reads as the account limit), and notes which of the two paused signing in (``request.lockout_kind``).
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.signals import user_locked_out
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.dispatch import receiver

from accounts.jobs import job_enqueue
from accounts.models import User
from accounts.tasks import lockout_email_send


def _sum(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """The database handler with an account limit and a separate, higher address limit."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        by_account, by_address = self.get_user_attempts(request, credentials)
        account = _sum(by_account) if get_client_username(request, credentials) else 0
        address = _sum(by_address)
        scaled = address * settings.SIGN_IN_ACCOUNT_LIMIT // settings.SIGN_IN_ADDRESS_LIMIT
        if account >= settings.SIGN_IN_ACCOUNT_LIMIT:
            request.lockout_kind = "account"
        elif scaled >= settings.SIGN_IN_ACCOUNT_LIMIT:
            request.lockout_kind = "address"
        return max(account, scaled)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        by_account, _ = self.filter_user_attempts(request, credentials)
        count, _ = by_account.delete()
        return count


@receiver(user_locked_out, dispatch_uid="accounts.lockout.email_owner")
def _email_owner(sender, request, username: str | None = None, **kwargs) -> None:
    """The account's owner is told once per pause that its sign-in is paused (not for an address pause)."""
    if getattr(request, "lockout_kind", "account") != "account" or not username:
        return
    user = User.objects.filter(email__iexact=username, is_active=True).only("pk").first()
    if user is None:
        return
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    if not cache.add(f"lockout-emailed:{user.pk}", 1, timeout=seconds):
        return
    job_enqueue(lockout_email_send, user.pk, label=f"Telling {username} that signing in is paused")
