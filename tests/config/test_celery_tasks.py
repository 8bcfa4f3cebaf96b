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


# What may stay on the default queue: the sweeper (every minute, so never behind a long task) and
# small clean-ups by index. Anything else belongs to a queue of its kind of work.
DEFAULT_QUEUE_TASKS = {
    "accounts.tasks.jobs_sweep",
    "accounts.tasks.jobs_prune",
    "accounts.tasks.sessions_clear_expired",
    "accounts.tasks.sign_in_attempts_clean",
    "accounts.tasks.api_idempotency_keys_prune",
}


def _queue(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


def test_every_task_is_routed_by_name_to_a_named_queue():
    """A new task cannot land on a queue by default: it is named in CELERY_TASK_ROUTES, to one of
    the queues the workers consume."""
    work_queues = set(settings.WORK_QUEUES)
    assert work_queues == {"validation", "compliance", "documents", "email", "default"}
    for name in sorted(_registered()):
        assert name in settings.CELERY_TASK_ROUTES, f"{name} is not routed: name it in CELERY_TASK_ROUTES"
        assert _queue(name) in work_queues, name
        if _queue(name) == "default":
            assert name in DEFAULT_QUEUE_TASKS, f"{name} is not small housekeeping: give it its kind's queue"


def test_each_kind_of_work_has_its_queue():
    queues = {name: _queue(name) for name in _registered()}
    assert queues["outcomes.tasks.return_validate"] == "validation"
    assert {queues[name] for name in queues if name.endswith("_email_send")} == {"email"}
    assert queues["outcomes.tasks.return_reminders"] == "email"
    for name in ("compliance_recompute", "compliance_run", "compliance_recompute_all", "qaf_status_refresh"):
        assert queues[f"outcomes.tasks.{name}"] == "compliance"
    assert queues["outcomes.tasks.notice_suggestions_refresh"] == "compliance"
    for name in (
        "outcomes.tasks.review_pack_generate",
        "commissioning.tasks.notice_letter_generate",
        "commissioning.tasks.qaf_report_generate",
        "outcomes.organisation_export.tasks.organisation_export_make",
    ):
        assert queues[name] == "documents"
    assert set(queues.values()) == set(settings.WORK_QUEUES)


def test_the_workers_consume_every_queue():
    """What starts workers names every queue (a queue nobody consumes would fill for ever)."""
    wanted = ",".join(settings.WORK_QUEUES)
    assert wanted == "validation,compliance,documents,email,default"
    for path in ("Procfile", "scripts/bench_load.sh", "docs/operations.md"):
        assert wanted in (ROOT / path).read_text(), path
    from tests.fixtures.worker import QUEUES

    assert QUEUES == list(settings.WORK_QUEUES)


def test_every_beat_message_names_its_entry():
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["options"]["headers"] == {"periodic": name}
