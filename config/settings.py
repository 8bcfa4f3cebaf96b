"""Django settings, all taken from the environment through config.environment (read once).

Embedded mode (the default): DATABASE_URL unset gives a SQLite file in var/, and
CELERY_BROKER_URL unset runs background tasks in-process. Production mode:
PostgreSQL + Redis + a Celery worker and beat. See docs/operations.md.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF

from config import environment

BASE_DIR = Path(__file__).resolve().parent.parent
CONFIG = environment.load(os.environ, BASE_DIR)

DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key
ALLOWED_HOSTS = CONFIG.allowed_hosts
CSRF_TRUSTED_ORIGINS = CONFIG.csrf_trusted_origins
SITE_URL = CONFIG.site_url
SERVICE_NAME = "Homecare outcomes"

INSTALLED_APPS = [
    # django.contrib.admin, its site auditing every change made in it (accounts.admin_audit).
    "accounts.apps.AuditedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "providers",
    "commissioning",
    "outcomes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Notes whether a request saved anything, so that an error page says so truthfully.
    "accounts.middleware.SavedWorkMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Each page's upload limit, before anything reads the body (the CSRF check reads the form).
    "accounts.upload_guard.UploadGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    # Signed in with a password but not yet with the second step: only the second step's pages.
    "accounts.middleware.TwoFactorMiddleware",
    "accounts.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.CurrentOrganisationMiddleware",
    # Axes must be last: it turns a lockout raised during sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.service",
            ],
        },
    },
]

DATABASES = {"default": CONFIG.database}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite builds the covering indexes without their included columns: a plain index serves there.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
if CONFIG.embedded_database:
    (BASE_DIR / "var").mkdir(exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:signed-out"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2  # reset links work for two hours
INVITATION_VALID_DAYS = 7

# Sessions end after SESSION_IDLE_MINUTES without a request, and when the browser closes.
SESSION_COOKIE_AGE = CONFIG.session_idle_minutes * 60
# And after SESSION_MAX_HOURS from sign-in, however active (accounts.middleware.SessionLifetimeMiddleware).
SESSION_MAX_HOURS = CONFIG.session_max_hours
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CONFIG.secure_cookies
CSRF_COOKIE_SECURE = CONFIG.secure_cookies
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "accounts.views.errors.csrf_failure"

SECURE_SSL_REDIRECT = CONFIG.secure_ssl_redirect
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if CONFIG.secure_ssl_redirect else None
SECURE_HSTS_SECONDS = CONFIG.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = CONFIG.hsts_seconds > 0
SECURE_HSTS_PRELOAD = CONFIG.hsts_seconds > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): every script, style, image and font from this service
# alone; no inline script or style, no plugins, no framing, forms post back here only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# The proxies whose X-Forwarded-For is believed (accounts.client_ip): none unless configured.
TRUSTED_PROXIES = CONFIG.trusted_proxies
# Sign-in lockout (django-axes, accounts.lockout): five wrong passwords for one account, from any
# addresses, pause it for 15 minutes and email its owner; twenty failures from one address, whatever
# the accounts, pause that address. Wrong current passwords on the change-password page count too.
# Failures and sign-ins are kept for SIGN_IN_HISTORY_DAYS and shown to organisation admins.
SIGN_IN_ACCOUNT_LIMIT = 5
SIGN_IN_ADDRESS_LIMIT = 20
SIGN_IN_HISTORY_DAYS = 90
AXES_FAILURE_LIMIT = SIGN_IN_ACCOUNT_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# A right password resets the account's count only once the whole sign-in succeeds (after the
# second step, for people who have one): accounts.two_factor.sign_in_complete.
AXES_RESET_ON_SUCCESS = False

# Two-step verification (django-otp: an authenticator app's 6-digit codes, with recovery codes).
# Required for everyone at a commissioning body, every organisation admin and every operator of the
# technical admin site, and for everyone at a provider whose admin requires it; anyone may turn it
# on. TWO_FACTOR_REQUIRED=false (the default with DEBUG, as in the demo) requires it of nobody.
TWO_FACTOR_REQUIRED = CONFIG.two_factor_required

# Person-level data is deleted this many years after a contract ends unless its lead body sets
# another period (commissioning.models.CommissioningBody.retention_years; outcomes.retention).
RETENTION_YEARS_DEFAULT = 6
OTP_TOTP_ISSUER = SERVICE_NAME
RECOVERY_CODES = 10
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = CONFIG.time_zone
USE_I18N = True
USE_TZ = True
# The house date and time formats (GOV.UK style: "15 December 2026", "14:30") for every page, PDF and
# email; config/formats/en_GB applies them to the en-gb locale. Python code writing a date into page
# text uses accounts.dates. Exports (CSV, Excel, API) keep ISO dates.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(CONFIG.static_root) if CONFIG.static_root else BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# The guides the help pages serve (accounts.help): docs/guides/*.md, its images, and a few of docs/.
HELP_DOCS_DIR = BASE_DIR / "docs"
# Stored files (returns, letters, packs): shared by the web processes and the workers.
MEDIA_ROOT = Path(CONFIG.media_root) if CONFIG.media_root else BASE_DIR / "var" / "media"

# Uploads (accounts.upload_limits, accounts.upload_guard): a page that takes files names its limit;
# every other request body is at most DATA_UPLOAD_MAX_MEMORY_SIZE and carries no file. A file over
# FILE_UPLOAD_MAX_MEMORY_SIZE is streamed to a temporary file, never held in memory. No page takes
# more than DATA_UPLOAD_MAX_NUMBER_FILES files (a notice response: 10).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB, Django's own default, stated
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# The most fields a form sends: the return filled in the browser, up to 2,000 episodes of 16 fields
# (outcomes.returns.forms.EpisodeRowFormSet), with room for its survey figures and buttons.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 32_100
# Evidence and notice files are checked by ClamAV's daemon before they are kept (accounts.virus_scanner):
# unix:///run/clamav/clamd.ctl or tcp://host:3310. Unset: kept unscanned, with a warning (embedded mode).
CLAMAV_URL = CONFIG.clamav_url

# "local" is each process's own: what the shared cache holds falls back to it while Redis is away.
CACHES = {
    "default": CONFIG.cache,
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"},
}

# The REST API (/api/v1/): tokens or the browser session; problem-details errors; cursor paging.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "accounts.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.api.access.ApiAccess"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "accounts.api.parsers.SafeJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "accounts.api.pagination.Cursor",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.api.throttling.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": CONFIG.api_read_rate, "api-submit": CONFIG.api_submit_rate},
    "EXCEPTION_HANDLER": "accounts.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "accounts.api.schema.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": False,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Homecare outcomes API",
    "DESCRIPTION": (
        "Monthly returns, contracts, outcome targets, compliance results, QAF status, notices and "
        "review actions, with the same organisation rules as the web pages. Send an organisation's "
        "API token as 'Authorization: Bearer hco_…'. Errors are RFC 9457 problem details. "
        "A worked example is in the API guide, at /help/api/."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": False, "displayOperationId": False},
    "ENUM_NAME_OVERRIDES": {},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

EMAIL_BACKEND = CONFIG.email["EMAIL_BACKEND"]
for _key, _value in CONFIG.email.items():
    if _key != "EMAIL_BACKEND":
        globals()[_key] = _value
DEFAULT_FROM_EMAIL = CONFIG.default_from_email
SERVER_EMAIL = CONFIG.default_from_email
# Who is emailed when background work fails for good or the nightly audit log check fails.
ADMINS = [(address, address) for address in CONFIG.admins]

# Celery: with no broker, tasks run in-process as they are queued (the embedded mode).
CELERY_BROKER_URL = CONFIG.celery_broker_url or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = CONFIG.tasks_in_process
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# Background work goes through the outbox (accounts.jobs): recorded with the change that needs it,
# queued after commit, and queued again by the sweeper if not done in time. See docs/operations.md.
JOBS_SWEEP_SECONDS = CONFIG.jobs_sweep_seconds
JOBS_REQUEUE_AFTER_SECONDS = CONFIG.jobs_requeue_after_seconds
JOBS_RETRY_DELAY_SECONDS = CONFIG.jobs_retry_delay_seconds
JOBS_MAX_TRIES = CONFIG.jobs_max_tries
# A message taken by a worker that dies unacknowledged goes back on the queue after this long: longer
# than the longest task (the nightly check of every contract), so a slow task is never run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": max(1800, JOBS_REQUEUE_AFTER_SECONDS)}
# A broker that does not answer costs a web request 2 seconds at most: the job waits in the outbox.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# One queue per kind of work, each with its own pool of workers (docs/operations.md), so that a
# month-end of uploads, a night of recomputing or a run of PDFs never holds up another kind:
# - validation: checking uploaded returns (reading files against the data standard);
# - compliance: computing from stored figures (results, QAF statuses, notice suggestions), and the
#   nightly work over whole tables (the audit log's check, retention's deletions);
# - documents: making files (review packs, notice letters, QAF reports, organisation exports);
# - email: every email and reminder;
# - default: the sweeper that hands out background work (every minute: never behind a long task)
#   and small nightly clean-ups by index.
# Every task is named here; tests/config/test_celery_tasks.py fails for one that is not.
WORK_QUEUES = ("validation", "compliance", "documents", "email", "default")
CELERY_TASK_ROUTES = {
    name: {"queue": queue}
    for queue, names in {
        "validation": ["outcomes.tasks.return_validate"],
        "compliance": [
            "outcomes.tasks.compliance_recompute",
            "outcomes.tasks.compliance_run",
            "outcomes.tasks.compliance_recompute_all",
            "outcomes.tasks.qaf_status_refresh",
            "outcomes.tasks.qaf_status_refresh_all",
            "outcomes.tasks.notice_suggestions_refresh",
            "outcomes.retention.tasks.retention_apply",
            "accounts.tasks.audit_log_verify",
        ],
        "documents": [
            "outcomes.tasks.review_pack_generate",
            "commissioning.tasks.notice_letter_generate",
            "commissioning.tasks.qaf_report_generate",
            "outcomes.organisation_export.tasks.organisation_export_make",
            "outcomes.organisation_export.tasks.organisation_exports_prune",
        ],
        "email": [
            "accounts.tasks.invitation_email_send",
            "accounts.tasks.password_reset_email_send",
            "accounts.tasks.lockout_email_send",
            "outcomes.tasks.return_email_send",
            "outcomes.tasks.return_reminders",
            "outcomes.tasks.review_pack_email_send",
            "commissioning.tasks.notice_issued_email_send",
            "commissioning.tasks.qaf_draft_shared_email_send",
        ],
        "default": [
            "accounts.tasks.jobs_sweep",
            "accounts.tasks.jobs_prune",
            "accounts.tasks.sessions_clear_expired",
            "accounts.tasks.sign_in_attempts_clean",
            "accounts.tasks.api_idempotency_keys_prune",
        ],
    }.items()
    for name in names
}
CELERY_TIMEZONE = TIME_ZONE
# Acceptances of one contract within this many seconds are recomputed in one run.
COMPLIANCE_COALESCE_SECONDS = 30
CELERY_BEAT_SCHEDULE = {
    # Queues background work that is due, or was handed out and not done in time (see accounts.jobs).
    "jobs-sweep": {"task": "accounts.tasks.jobs_sweep", "schedule": float(JOBS_SWEEP_SECONDS)},
    # Just after midnight, so that a month that has just ended has its "to date" results by morning.
    "compliance-recompute-all": {
        "task": "outcomes.tasks.compliance_recompute_all",
        "schedule": crontab(hour=0, minute=15),
    },
    "qaf-status-refresh-all": {
        "task": "outcomes.tasks.qaf_status_refresh_all",
        "schedule": crontab(hour=1, minute=30),
    },
    "return-reminders": {
        "task": "outcomes.tasks.return_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "sessions-clear-expired": {
        "task": "accounts.tasks.sessions_clear_expired",
        "schedule": crontab(hour=2, minute=15),
    },
    # After the night's results (00:15) and the QAF statuses (01:30) it reads.
    "notice-suggestions-refresh": {
        "task": "outcomes.tasks.notice_suggestions_refresh",
        "schedule": crontab(hour=4, minute=30),
    },
    "jobs-prune": {"task": "accounts.tasks.jobs_prune", "schedule": crontab(hour=2, minute=50)},
    "api-idempotency-keys-prune": {
        "task": "accounts.tasks.api_idempotency_keys_prune",
        "schedule": crontab(hour=2, minute=45),
    },
    "sign-in-attempts-clean": {
        "task": "accounts.tasks.sign_in_attempts_clean",
        "schedule": crontab(hour=2, minute=30),
    },
    "organisation-exports-prune": {
        "task": "outcomes.organisation_export.tasks.organisation_exports_prune",
        "schedule": crontab(hour=3, minute=5),
    },
    "retention-apply": {
        "task": "outcomes.retention.tasks.retention_apply",
        "schedule": crontab(hour=3, minute=15),
    },
    # Walks the whole audit log's hash chain: a break is logged as an ERROR and mailed to ADMINS.
    "audit-log-verify": {
        "task": "accounts.tasks.audit_log_verify",
        "schedule": crontab(hour=3, minute=45),
    },
}

# Every message beat sends names its schedule entry, so that a second copy of the same scheduled run
# (two beats started by mistake, a message delivered again) ends at once (accounts.periodic).
for _entry_name, _entry in CELERY_BEAT_SCHEDULE.items():
    _entry.setdefault("options", {}).setdefault("headers", {})["periodic"] = _entry_name

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": CONFIG.log_level},
    "loggers": {
        "django": {"handlers": ["console"], "level": CONFIG.log_level, "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # The PDF renderer's progress and font subsetting, line by line: only problems are worth a line.
        "weasyprint": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "fontTools": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
