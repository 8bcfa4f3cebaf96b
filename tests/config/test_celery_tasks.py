"""Every background task is registered under the name it has always had, wherever its code lives,
so queued messages, routes and the beat schedule keep working when code moves."""

from __future__ import annotations

import fnmatch
from pathlib import Path

from django.conf import settings

from config.celery import TASK_PACKAGES, app

ROOT = Path(__file__).resolve().parents[2]
NAMES = {
    "accounts.tasks.api_idempotency_keys_prune",
    "accounts.tasks.audit_log_verify",
    "accounts.tasks.invitation_email_send",
    "accounts.tasks.lockout_email_send",
    "accounts.tasks.jobs_prune",
    "accounts.tasks.jobs_sweep",
    "accounts.tasks.lockout_email_send",
    "accounts.tasks.password_reset_email_send",
    "accounts.tasks.sessions_clear_expired",
    "accounts.tasks.sign_in_attempts_clean",
    "commissioning.tasks.notice_issued_email_send",
    "commissioning.tasks.notice_letter_generate",
    "commissioning.tasks.qaf_draft_shared_email_send",
    "commissioning.tasks.qaf_report_generate",
    "outcomes.organisation_export.tasks.organisation_export_make",
    "outcomes.organisation_export.tasks.organisation_exports_prune",
    "outcomes.retention.tasks.retention_apply",
    "outcomes.tasks.compliance_recompute",
    "outcomes.tasks.compliance_recompute_all",
    "outcomes.tasks.compliance_run",
    "outcomes.tasks.notice_suggestions_refresh",
    "outcomes.tasks.qaf_status_refresh",
    "outcomes.tasks.qaf_status_refresh_all",
    "outcomes.tasks.return_email_send",
    "outcomes.tasks.return_reminders",
    "outcomes.tasks.return_validate",
    "outcomes.tasks.review_pack_email_send",
    "outcomes.tasks.review_pack_generate",
}


def _registered() -> set[str]:
    app.loader.import_default_modules()
    app.autodiscover_tasks(TASK_PACKAGES, force=True)
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_tasks_module_is_listed_for_the_worker():
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for app_name in ("accounts", "providers", "commissioning", "outcomes")
        for path in (ROOT / app_name).rglob("tasks.py")
    }
    assert found == set(TASK_PACKAGES)


def test_tasks_keep_their_names():
    assert _registered() == NAMES


def test_the_beat_schedule_and_the_routes_name_registered_tasks():
    registered = _registered()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in registered
    for pattern in settings.CELERY_TASK_ROUTES:
        assert fnmatch.filter(registered, pattern), f"the route {pattern} matches no task"
