"""Emails about a monthly return, each sent once: to the approvers when a return awaits sign-off,
and to the submitter and the approvers when it is accepted or rejected (with the link to its report).

Only returns sent through the portal or the API are announced: the data team's ``import_return``
loads history and signs off in the same step. People can turn these emails off on their account page.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.emails import email_send, return_email_recipients
from accounts.models import Role
from outcomes.models import AttemptStatus, ReturnAttempt

logger = logging.getLogger(__name__)

AWAITING_SIGN_OFF, ACCEPTED, REJECTED = "awaiting_sign_off", "accepted", "rejected"
EVENTS = {
    AWAITING_SIGN_OFF: (AttemptStatus.VALID,),
    ACCEPTED: (AttemptStatus.ACCEPTED, AttemptStatus.SUPERSEDED),
    REJECTED: (AttemptStatus.REJECTED,),
}
ANNOUNCED_SOURCES = ("portal", "api")


def event_for(attempt: ReturnAttempt) -> str | None:
    """What the attempt's status announces now, if anything."""
    if attempt.source not in ANNOUNCED_SOURCES:
        return None
    announced: dict[str, str] = {AttemptStatus.VALID: AWAITING_SIGN_OFF, AttemptStatus.REJECTED: REJECTED}
    return announced.get(attempt.status)


def return_email_send(attempt_id: int, event: str) -> list[str]:
    """Send the event's email about the attempt, once (a second call sends nothing); the addresses."""
    with transaction.atomic():
        attempt = (
            # The attempt's row alone: its contract is locked by acceptances, which this must not wait on.
            ReturnAttempt.objects.select_for_update(of=("self",))
            .select_related(
                "monthly_return__contract__provider", "monthly_return__contract__lead_commissioner"
            )
            .filter(pk=attempt_id)
            .first()
        )
        if attempt is None or event not in EVENTS or event in attempt.emails_sent:
            return []
        if attempt.status not in EVENTS[event] or attempt.source not in ANNOUNCED_SOURCES:
            return []  # signed off meanwhile, say: what it announced is no longer so
        contract = attempt.monthly_return.contract
        people = [attempt.submitted_by_id] if event != AWAITING_SIGN_OFF and attempt.submitted_by_id else []
        recipients = return_email_recipients(contract.provider_id, [Role.APPROVER], users=people)
        attempt.emails_sent = [*attempt.emails_sent, event]
        attempt.save(update_fields=["emails_sent"])
    link = settings.SITE_URL + reverse("returns:attempt", args=[attempt.pk])
    report = settings.SITE_URL + reverse("returns:attempt-report-csv", args=[attempt.pk])
    context = {
        "attempt": attempt,
        "contract": contract,
        "month": attempt.monthly_return.month,
        "link": link,
        "report": report,
        "account": settings.SITE_URL + reverse("accounts:account"),
    }
    for address in recipients:
        email_send(template=f"return_{event}", to=address, context=context)
    logger.info("Return %s: %s email sent to %d people", attempt.pk, event, len(recipients))
    return recipients
