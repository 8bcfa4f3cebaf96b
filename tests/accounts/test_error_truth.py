"""After a failure, the pages say what was saved: the error page (and the API's problem) claims
nothing was saved only when the request's changes rolled back; a banner tells signed-in people
when background work is late."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.middleware import SavedWorkMiddleware
from accounts.models import Job, JobStatus, Organisation
from accounts.views.errors import server_error

pytestmark = pytest.mark.django_db(transaction=True)


def _failing_after(change):
    def view(request):
        change()
        return server_error(request)

    return SavedWorkMiddleware(view)


def _rolled_back() -> None:
    with pytest.raises(ValueError), transaction.atomic():
        Organisation.objects.create(name="Half-made Ltd", kind="provider")
        raise ValueError("the change failed part-way")


def test_the_error_page_says_nothing_was_saved_only_when_nothing_was(rf):
    page = _failing_after(_rolled_back)(rf.get("/contracts/")).content.decode()
    assert "Nothing you submitted was saved" in page
    assert not Organisation.objects.filter(name="Half-made Ltd").exists()

    def saved_then_failed():
        with transaction.atomic():
            Organisation.objects.create(name="Saved Ltd", kind="provider")

    page = _failing_after(saved_then_failed)(rf.post("/contracts/")).content.decode()
    assert "Part of what you asked was saved before the problem happened" in page
    assert "Nothing you submitted was saved" not in page


def test_the_apis_problem_says_so_too(rf):
    body = json.loads(_failing_after(_rolled_back)(rf.get("/api/v1/returns/")).content)
    assert body["detail"].startswith("The request was not completed and nothing from it was saved")
    saved = _failing_after(lambda: Organisation.objects.create(name="Saved Ltd", kind="provider"))
    body = json.loads(saved(rf.post("/api/v1/returns/")).content)
    assert body["status"] == 500 and "part of it was saved before the problem" in body["detail"]


def test_signed_in_people_see_a_banner_while_background_work_is_late(client, world):
    client.force_login(world.users["a_submitter"])
    assert 'data-testid="background-banner"' not in client.get("/").content.decode()
    Job.objects.create(
        task="outcomes.tasks.return_validate",
        label="Checking may.csv",
        status=JobStatus.WAITING,
        due_at=timezone.now() - timedelta(minutes=10),
        expected_seconds=600,
    )
    from django.core.cache import caches

    caches["local"].clear()  # the banner looks at most every 15 seconds
    page = client.get("/").content.decode()
    assert 'data-testid="background-banner"' in page
    assert "Background work is delayed since" in page and "Everything you save is kept" in page
