"""The Celery application: settings come from Django's (the CELERY_ prefix)."""

import os

import celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Every package with a tasks.py: each pipeline keeps its background work beside its services.
# (tests/config/test_celery_tasks.py checks that no tasks.py is missing from this list.)
TASK_PACKAGES = [
    "accounts",
    "commissioning.notices",
    "commissioning.qaf",
    "outcomes.returns",
    "outcomes.results",
    "outcomes.notice_suggestions",
    "outcomes.reviews",
    "outcomes.retention",
    "outcomes.organisation_export",
]


# Every task retries database and broker errors by itself (accounts.task_base).
app = celery.Celery("homecare", task_cls="accounts.task_base:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(TASK_PACKAGES)
