import logging

from django.apps import AppConfig
from django.conf import settings
from django.contrib.admin import apps as admin_apps

logger = logging.getLogger("config")


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        from accounts import (
            jobs,  # noqa: F401  (connects the outbox to Celery's task signals)
            lockout,  # noqa: F401  (emails a person whose sign-in is paused)
            virus_scanner,  # noqa: F401  (registers its deployment check)
        )

        if settings.CONFIG.tasks_in_process:
            logger.info("Background tasks run in-process: CELERY_BROKER_URL is not set (embedded mode).")
        if not settings.CLAMAV_URL:
            logger.warning("Evidence and notice files are kept without a virus scan: CLAMAV_URL is not set.")
        if settings.CONFIG.embedded_database:
            logger.info(
                "Using the embedded SQLite database at %s (set DATABASE_URL for PostgreSQL).",
                settings.DATABASES["default"]["NAME"],
            )


class AuditedAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` whose default site audits every change made in it
    (``accounts.admin_audit``); INSTALLED_APPS names this instead of ``django.contrib.admin``."""

    default = False  # the accounts app's own configuration is AccountsConfig
    default_site = "accounts.admin_audit.AuditedAdminSite"
