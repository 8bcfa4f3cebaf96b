"""Shared fixtures: real PostgreSQL and Redis are required, never skipped."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.conf import settings

from accounts.models import Role, User
from tests.factories import PASSWORD, CouncilFactory, IcbFactory, ProviderFactory, member

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_configure(config):
    # Under DEBUG=False the manifest storage needs collectstatic; tests serve plain static files.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.exit(
            "The test suite runs on PostgreSQL and Redis, never on the embedded SQLite database. "
            "Run `make test`: it starts both. (Or set DATABASE_URL and CELERY_BROKER_URL yourself.)",
            returncode=2,
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _tasks_in_process(settings):
    """Unit tests run queued tasks in-process; tests marked `worker` use a real worker instead."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture(autouse=True)
def _email_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@dataclass
class World:
    """Two commissioners commissioning jointly, two providers, and a person for every role."""

    council: object
    icb: object
    provider_a: object
    provider_b: object
    users: dict[str, User]
    contracts: dict | None = None


@pytest.fixture
def world(db) -> World:
    council = CouncilFactory(name="Riverton City Council")
    icb = IcbFactory(name="Riverton ICB")
    provider_a = ProviderFactory(name="Acme Homecare Ltd")
    provider_b = ProviderFactory(name="Brookside Care Services")
    users = {
        "a_submitter": member(provider_a, Role.SUBMITTER, email="submitter@acme.example"),
        "a_approver": member(provider_a, Role.APPROVER, email="approver@acme.example"),
        "a_viewer": member(provider_a, Role.VIEWER, email="viewer@acme.example"),
        "a_admin": member(provider_a, Role.APPROVER, is_admin=True, email="admin@acme.example"),
        "b_admin": member(provider_b, Role.APPROVER, is_admin=True, email="admin@brookside.example"),
        "commissioner": member(council, Role.COMMISSIONER, email="commissioner@riverton.example"),
        "contract_officer": member(council, Role.CONTRACT_OFFICER, email="contracts@riverton.example"),
        "quality_officer": member(council, Role.QUALITY_OFFICER, email="quality@riverton.example"),
        "c_viewer": member(council, Role.VIEWER, email="viewer@riverton.example"),
        "c_admin": member(council, Role.COMMISSIONER, is_admin=True, email="admin@riverton.example"),
        "icb_admin": member(icb, Role.COMMISSIONER, is_admin=True, email="admin@icb.example"),
    }
    return World(council=council, icb=icb, provider_a=provider_a, provider_b=provider_b, users=users)


@pytest.fixture
def sign_in(client):
    """Sign a user in through the real sign-in form (so axes and sessions run) and return the client."""

    def _sign_in(user: User, password: str = PASSWORD):
        response = client.post("/account/sign-in/", {"username": user.email, "password": password})
        assert response.status_code == 302, response.content.decode()[:2000]
        return client

    return _sign_in


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing cost is irrelevant to what the tests check; the real hasher is used in production.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
