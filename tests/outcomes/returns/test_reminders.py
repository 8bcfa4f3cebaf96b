"""Reminder emails: 3 days before the due date, and the day after it, once each, only if not accepted."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from accounts.models import Role
from outcomes.models import AttemptStatus, ReturnReminder
from outcomes.returns.reminders import return_reminders_send
from outcomes.returns.services import monthly_return_for
from tests.factories import contract, member


@pytest.fixture
def due_tenth(world):
    """Provider A's contract with returns due on the 10th; a second submitter; a viewer (never emailed)."""
    member(world.provider_a, Role.SUBMITTER, email="second.submitter@acme.example")
    return contract(world.council, world.provider_a, reference="R-10", return_due_day=10)


def _accept(monthly_return):
    attempt = monthly_return.attempts.create(
        status=AttemptStatus.ACCEPTED, is_current=True, version=1, submitted_by_label="test"
    )
    return attempt


def test_reminder_3_days_before_the_due_date_goes_to_submitters_and_approvers(world, due_tenth):
    sent = return_reminders_send(today=date(2025, 6, 7))  # the May return is due by the end of 10 June

    assert [(s.contract, s.period, s.kind) for s in sent] == [("R-10", "2025-05", "due_soon")]
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted(
        [
            "submitter@acme.example",
            "approver@acme.example",
            "admin@acme.example",
            "second.submitter@acme.example",
        ]
    )
    assert "viewer@acme.example" not in recipients
    assert mail.outbox[0].subject == "R-10: the May 2025 return is due by 10 June"
    assert "/returns/" in mail.outbox[0].body and "2025-05" in mail.outbox[0].body


def test_overdue_email_the_day_after_the_due_date(world, due_tenth):
    sent = return_reminders_send(today=date(2025, 6, 11))
    assert [(s.period, s.kind) for s in sent] == [("2025-05", "overdue")]
    assert mail.outbox[0].subject == "Overdue: the May 2025 return for R-10"
    assert "recorded as late" in mail.outbox[0].body


def test_no_reminder_once_the_month_is_accepted(world, due_tenth):
    _accept(monthly_return_for(due_tenth, "2025-05"))
    assert return_reminders_send(today=date(2025, 6, 7)) == []
    assert return_reminders_send(today=date(2025, 6, 11)) == []
    assert mail.outbox == []


def test_each_reminder_is_sent_once_even_if_the_job_runs_twice(world, due_tenth):
    return_reminders_send(today=date(2025, 6, 7))
    first = len(mail.outbox)
    assert return_reminders_send(today=date(2025, 6, 7)) == []
    assert len(mail.outbox) == first
    assert ReturnReminder.objects.count() == 1


def test_no_reminders_on_other_days_or_for_other_due_days(world, due_tenth):
    contract(world.council, world.provider_b, reference="R-15", return_due_day=15)
    assert return_reminders_send(today=date(2025, 6, 8)) == []
    sent = return_reminders_send(today=date(2025, 6, 12))  # R-15's May return is due 15 June
    assert [s.contract for s in sent] == ["R-15"]


def test_draft_and_ended_contracts_and_months_outside_the_term_get_no_reminder(world):
    contract(world.council, world.provider_a, reference="D-1", status="draft")
    contract(world.council, world.provider_a, reference="E-1", status="ended")
    contract(world.council, world.provider_a, reference="LATER", start_date=date(2025, 7, 1))
    assert return_reminders_send(today=date(2025, 6, 7)) == []


def test_a_rejected_return_still_gets_reminded_with_what_to_do(world, due_tenth):
    monthly_return = monthly_return_for(due_tenth, "2025-05")
    monthly_return.attempts.create(status=AttemptStatus.REJECTED, submitted_by_label="test")
    return_reminders_send(today=date(2025, 6, 7))
    assert "was rejected" in mail.outbox[0].body


def test_the_daily_job_is_scheduled():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["return-reminders"]
    assert entry["task"] == "outcomes.tasks.return_reminders"
