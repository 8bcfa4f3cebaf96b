"""The health check reports the database and the broker."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_health_is_ok_with_database_and_broker(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "tasks": "ok"}


@pytest.mark.django_db
def test_health_names_an_unreachable_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["tasks"] == "broker unavailable"
