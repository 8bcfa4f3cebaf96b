"""The health check: 503 only without the database; a missing broker or cache, or late background
work, is "degraded" (pages are still served) and named."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Job, JobStatus


@pytest.mark.django_db
def test_health_is_ok_with_database_and_broker(client, scanner):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "tasks": "ok",
        "virus_scanner": "ok",
        "background": {"delayed": 0, "failed": 0},
    }


@pytest.mark.django_db
def test_health_names_a_virus_scanner_that_is_down(client, settings):
    settings.CLAMAV_URL = "tcp://127.0.0.1:9"
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["virus_scanner"] == "unavailable"


@pytest.mark.django_db
def test_health_names_an_unreachable_broker_but_still_serves(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["tasks"] == "broker unavailable"


@pytest.mark.django_db
def test_health_names_an_unreachable_shared_cache(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/1",
        },
    }
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["cache"] == "unavailable"


@pytest.mark.django_db
def test_health_counts_late_and_failed_background_work(client):
    long_ago = timezone.now() - timedelta(minutes=30)
    common = {"task": "accounts.tasks.sessions_clear_expired", "label": "x", "expected_seconds": 60}
    Job.objects.create(status=JobStatus.WAITING, due_at=long_ago, **common)
    Job.objects.create(status=JobStatus.FAILED, due_at=long_ago, finished_at=timezone.now(), **common)
    Job.objects.create(status=JobStatus.DONE, due_at=long_ago, **common)
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["background"] == {"delayed": 1, "failed": 1}
