"""Daily reminder emails: 3 days before a return is due, and the day after it became overdue.

Each reminder is recorded (one per contract, month and kind), so running the job twice in a day,
or after a crash, never sends the same reminder again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.emails import email_send, member_emails
from accounts.models import Role
from commissioning.models import Contract
from outcomes.models import ReminderKind, ReturnReminder
from outcomes.periods import add_months, due_at
from outcomes.returns.selectors import contracts_due_for, month_statuses

REMIND_DAYS_BEFORE = 3
# People who can submit a return: submitters, and approvers (who may also submit).
SUBMITTING_ROLES = (Role.SUBMITTER, Role.APPROVER)


@dataclass(frozen=True)
class ReminderSent:
    contract: str
    period: str
    kind: str
    recipients: tuple[str, ...]


def _month_due_on(day: date) -> date:
    """The month whose return falls due on ``day`` (for contracts whose due day is day.day)."""
    return add_months(day.replace(day=1), -1)


def _send(kind: str, due_on: date) -> list[ReminderSent]:
    month = _month_due_on(due_on)
    contracts = [
        c for c in contracts_due_for(month, Contract.objects.all()) if c.return_due_day == due_on.day
    ]
    sent: list[ReminderSent] = []
    for status in month_statuses(contracts, [month]):
        if status.has_accepted_version:
            continue
        contract = status.contract
        recipients = member_emails(contract.provider_id, SUBMITTING_ROLES)
        if not recipients:
            continue
        try:
            with transaction.atomic():
                ReturnReminder.objects.create(
                    contract=contract, month=month, kind=kind, recipients=recipients
                )
        except IntegrityError:
            continue  # already sent
        context = {
            "contract": contract,
            "month": month,
            "due": due_at(month, contract.return_due_day),
            "state": status.state,
            "link": f"{settings.SITE_URL}/returns/{contract.pk}/{month:%Y-%m}/",
        }
        template = "return_due_soon" if kind == ReminderKind.DUE_SOON else "return_overdue"
        for email in recipients:
            email_send(template=template, to=email, context=context)
        sent.append(ReminderSent(contract.reference, f"{month:%Y-%m}", kind, tuple(recipients)))
    return sent


def return_reminders_send(*, today: date) -> list[ReminderSent]:
    """Send today's reminders: returns due in 3 days, and returns that became overdue yesterday."""
    return [
        *_send(ReminderKind.DUE_SOON, today + timedelta(days=REMIND_DAYS_BEFORE)),
        *_send(ReminderKind.OVERDUE, today - timedelta(days=1)),
    ]
