"""Shared fixtures: real PostgreSQL and Redis are required, never skipped."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import User
from config.celery import app
from tests.factories import PASSWORD
from tests.fixtures.world import World, build_world

pytest_plugins = [
    "tests.fixtures.api",
    "tests.fixtures.worker",
    "tests.fixtures.faults",
    "tests.fixtures.scanner",
]

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


def _per_worker(url: str, offset: int) -> str:
    """The Redis URL with a database of this test process's own, so that parallel test processes
    (pytest-xdist) never consume each other's tasks or share counters: broker 0, 2, 4…; cache 1, 3…"""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    return f"{url.rsplit('/', 1)[0]}/{2 * worker + offset}"


def pytest_configure(config):
    # Signing in with a second step is tested in tests/accounts/test_two_factor.py (and the browser
    # test of it), which turn the requirement on; elsewhere people sign in with their password alone.
    settings.TWO_FACTOR_REQUIRED = False
    # Hashing cost is irrelevant to what the tests check; the real hasher is used in production.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Stored files go to a folder of this run, never the developer's var/media.
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="homecare-test-media-")
    if settings.CELERY_BROKER_URL.startswith("redis://"):
        # Celery reads the broker from the CELERY_BROKER_URL variable before its own settings.
        settings.CELERY_BROKER_URL = _per_worker(settings.CELERY_BROKER_URL, 0)
        os.environ["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL
        os.environ["TEST_CACHE_URL"] = _per_worker(settings.CELERY_BROKER_URL, 1)
    # Static files are looked up when asked for, never by scanning STATIC_ROOT for each test client
    # (a developer's collected files there would cost every test a scan of hundreds of files).
    settings.WHITENOISE_AUTOREFRESH = True
    # Under DEBUG=False the manifest storage needs collectstatic; tests serve plain static files.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if os.environ.get("REQUIRE_SERVICES") and not settings.CLAMAV_URL:
        pytest.exit(
            "The test suite scans uploads with ClamAV's daemon, and CLAMAV_URL is not set. Run "
            "`make test`: it starts one.",
            returncode=2,
        )
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.exit(
            "The test suite runs on PostgreSQL and Redis, never on the embedded SQLite database. "
            "Run `make test`: it starts both. (Or set DATABASE_URL and CELERY_BROKER_URL yourself.)",
            returncode=2,
        )


def pytest_unconfigure(config):
    """The run's stored files go with it."""
    if Path(settings.MEDIA_ROOT).name.startswith("homecare-test-media-"):
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, made once per process; before it is dropped, sessions that outlived their
    tests (a worker thread's, a killed worker's) are ended, so the drop never finds it in use."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        # A fault test may have ended this very session (as a PostgreSQL restart would): a new one.
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


# The longest files run first. Work stealing hands a process's queued tests to an idle one, but not a
# test already running: one of these started near the end would leave a single process working alone.
LONGEST_FIRST = (
    "tests/browser/test_every_page_browser.py",
    "tests/outcomes/demo/test_reviews.py",
    "tests/outcomes/test_faults.py",
    "tests/accounts/api/test_schemathesis.py",
)


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))


@pytest.fixture(autouse=True)
def _tasks_in_process(settings):
    """Unit tests run queued tasks in-process; tests marked `worker` use a real worker instead."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture(autouse=True)
def _local_cache_cleared():
    """Each process's own cache (the banner's view of background work) starts empty in each test."""
    from django.core.cache import caches

    caches["local"].clear()


@pytest.fixture(autouse=True)
def _email_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def world(db) -> World:
    """The shared world, made afresh for the test (``tests.fixtures.world``)."""
    return build_world()


@pytest.fixture
def sign_in(client):
    """Sign a user in through the real sign-in form (so axes and sessions run) and return the client."""

    def _sign_in(user: User, password: str = PASSWORD):
        response = client.post("/account/sign-in/", {"username": user.email, "password": password})
        assert response.status_code == 302, response.content.decode()[:2000]
        return client

    return _sign_in
