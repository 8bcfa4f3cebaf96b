"""Background tasks really run on a Celery worker consuming from Redis (not in-process)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail

from accounts.access import acting_for
from accounts.services import invitation_create
from accounts.tasks import sessions_clear_expired
from config.celery import app
from tests.fixtures.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_invitation_email_is_sent_by_a_worker_over_redis(world, worker):
    admin = world.users["a_admin"]
    acting = acting_for(admin, world.provider_a.pk)
    invitation = invitation_create(
        acting=acting, email="new.carer@acme.example", full_name="New Carer", role="submitter", is_admin=False
    )
    assert wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the invitation email"
    message = mail.outbox[0]
    assert message.to == ["new.carer@acme.example"]
    assert "Acme Homecare Ltd" in message.subject
    assert f"/account/invitation/{invitation.key}:" in message.body


def test_nightly_session_clean_up_runs_on_the_worker(worker):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.create(
        session_key="expired-session", session_data="", expire_date=timezone.now() - timedelta(1)
    )
    Session.objects.create(
        session_key="live-session", session_data="", expire_date=timezone.now() + timedelta(1)
    )
    sessions_clear_expired.delay()  # eager mode is off: this only puts the task on Redis
    assert wait_for(lambda: not Session.objects.filter(session_key="expired-session").exists())
    assert Session.objects.filter(session_key="live-session").exists()


def test_beat_schedule_names_real_tasks():
    app.loader.import_default_modules()  # the task modules, as a worker or beat loads them
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, f"beat schedules an unknown task {entry['task']}"
