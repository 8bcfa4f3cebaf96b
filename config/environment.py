"""Read the service's configuration from environment variables, once, at start-up.

Every variable is parsed here and nowhere else. A bad value fails start-up with
one message listing each variable that needs fixing and how, rather than a
traceback from deep inside Django later on.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}
BROKER_SCHEMES = {"redis", "rediss"}
LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


class ConfigurationError(ImproperlyConfigured):
    """One or more environment variables are missing or invalid."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"The service cannot start: fix these environment variables.\n{lines}")


@dataclass(frozen=True)
class Configuration:
    """The parsed configuration; the settings module copies it into Django settings."""

    debug: bool
    secret_key: str
    allowed_hosts: list[str]
    csrf_trusted_origins: list[str]
    database: dict
    embedded_database: bool
    celery_broker_url: str | None
    email: dict
    default_from_email: str
    site_url: str
    session_idle_minutes: int
    session_max_hours: int
    secure_cookies: bool
    secure_ssl_redirect: bool
    hsts_seconds: int
    log_level: str
    cache: dict = field(default_factory=lambda: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"})
    api_read_rate: str = "600/minute"
    api_submit_rate: str = "60/minute"
    media_root: str = ""
    static_root: str = ""
    jobs_sweep_seconds: int = 60
    jobs_requeue_after_seconds: int = 600
    jobs_retry_delay_seconds: int = 30
    jobs_max_tries: int = 5
    trusted_proxies: list[str] = field(default_factory=list)
    two_factor_required: bool = True
    clamav_url: str | None = None
    admins: list[str] = field(default_factory=list)
    time_zone: str = "Europe/London"
    extra: dict = field(default_factory=dict)

    @property
    def tasks_in_process(self) -> bool:
        return self.celery_broker_url is None


def _parse_bool(name: str, raw: str | None, default: bool, problems: list[str]) -> bool:
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    problems.append(f"{name} must be true or false (also accepted: 1/0, yes/no, on/off); it is {raw!r}.")
    return default


def _parse_int(name: str, raw: str | None, default: int, low: int, high: int, problems: list[str]) -> int:
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        problems.append(f"{name} must be a whole number between {low} and {high}; it is {raw!r}.")
        return default
    if not low <= value <= high:
        problems.append(f"{name} must be between {low} and {high}; it is {value}.")
        return default
    return value


def _parse_list(raw: str | None, default: list[str]) -> list[str]:
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _parse_networks(name: str, raw: str | None, problems: list[str]) -> list[str]:
    """Comma-separated addresses or networks (``10.0.0.5``, ``10.0.0.0/24``, ``::1``)."""
    networks = _parse_list(raw, [])
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            problems.append(
                f"{name} must list addresses or networks separated by commas (such as 10.0.0.5 or "
                f"10.0.0.0/24); {network!r} is neither."
            )
    return networks


def _parse_addresses(name: str, raw: str | None, problems: list[str]) -> list[str]:
    """Comma-separated email addresses (``oncall@council.example, ops@supplier.example``)."""
    addresses = _parse_list(raw, [])
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            problems.append(
                f"{name} must list email addresses separated by commas (such as oncall@council.example); "
                f"{address!r} is not one."
            )
    return addresses


def _parse_database(raw: str | None, base_dir: Path, problems: list[str]) -> tuple[dict, bool]:
    embedded = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(base_dir / "var" / "db.sqlite3")}
    if raw is None or raw.strip() == "":
        return embedded, True
    scheme = urlsplit(raw).scheme
    if scheme not in DATABASE_SCHEMES:
        problems.append(
            "DATABASE_URL must be a PostgreSQL URL such as postgres://user@127.0.0.1:5432/homecare "
            f"(or unset for the embedded SQLite database); the scheme {scheme or '(none)'!r} is not supported."
        )
        return embedded, True
    try:
        config = environ.Env.db_url_config(raw)
    except Exception as exc:  # django-environ raises several types for malformed URLs
        problems.append(f"DATABASE_URL could not be read ({exc}); check the URL's format.")
        return embedded, True
    if scheme != "sqlite" and not config.get("NAME"):
        problems.append("DATABASE_URL names no database: add it after the last slash, e.g. .../homecare.")
    config["CONN_MAX_AGE"] = 60
    config["CONN_HEALTH_CHECKS"] = True
    return config, scheme == "sqlite"


def _parse_broker(raw: str | None, problems: list[str]) -> str | None:
    if raw is None or raw.strip() == "":
        return None
    parts = urlsplit(raw.strip())
    if parts.scheme not in BROKER_SCHEMES or not parts.hostname:
        problems.append(
            "CELERY_BROKER_URL must be a Redis URL such as redis://127.0.0.1:6379/0 "
            f"(or unset to run background tasks in-process); it is {raw!r}."
        )
        return None
    return raw.strip()


def _parse_email(raw: str | None, problems: list[str]) -> dict:
    console = {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if raw is None or raw.strip() == "":
        return console
    if raw.strip() == "console:":
        return console
    try:
        return environ.Env.email_url_config(raw.strip())
    except Exception as exc:
        problems.append(
            f"EMAIL_URL could not be read ({exc}); use e.g. smtp+tls://user:password@smtp.example.org:587 "
            "or console: to print emails."
        )
        return console


def _parse_site_url(raw: str | None, problems: list[str]) -> str:
    default = "http://127.0.0.1:8000"
    if raw is None or raw.strip() == "":
        return default
    parts = urlsplit(raw.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path not in {"", "/"}:
        problems.append(
            f"SITE_URL must be the service's address, such as https://homecare.example.org; it is {raw!r}."
        )
        return default
    return raw.strip().rstrip("/")


RATE_PERIODS = {"second", "minute", "hour", "day"}


def _parse_rate(name: str, raw: str | None, default: str, problems: list[str]) -> str:
    if raw is None or raw.strip() == "":
        return default
    count, _, period = raw.strip().partition("/")
    if not count.isdigit() or int(count) < 1 or period not in RATE_PERIODS:
        problems.append(
            f"{name} must be a number of requests per second, minute, hour or day, such as 600/minute; "
            f"it is {raw!r}."
        )
        return default
    return f"{int(count)}/{period}"


def _parse_cache(raw: str | None, problems: list[str]) -> dict:
    # Each process's own cache holds up to 20,000 answers (the portfolio keeps one per target and
    # quarter shown): Django's default of 300 would drop and work out again most of a page's each time.
    local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 20000}}
    if raw is None or raw.strip() == "":
        return local
    parts = urlsplit(raw.strip())
    if parts.scheme not in BROKER_SCHEMES or not parts.hostname:
        problems.append(
            "CACHE_URL must be a Redis URL such as redis://127.0.0.1:6379/1 (or unset for a cache in "
            f"each process); it is {raw!r}."
        )
        return local
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": raw.strip()}


def _parse_clamav(raw: str | None, problems: list[str]) -> str | None:
    """clamd's address: ``unix:///run/clamav/clamd.ctl`` or ``tcp://host:3310``; unset for none."""
    if raw is None or raw.strip() == "":
        return None
    parts = urlsplit(raw.strip())
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme == "unix" and parts.path and not parts.netloc:
        return raw.strip()
    if parts.scheme == "tcp" and parts.hostname and port:
        return raw.strip()
    problems.append(
        "CLAMAV_URL must name ClamAV's daemon as unix:///run/clamav/clamd.ctl (its socket) or "
        f"tcp://127.0.0.1:3310 (its host and port), or be unset to keep files unscanned; it is {raw!r}."
    )
    return None


def load(environ_map: Mapping[str, str], base_dir: Path) -> Configuration:
    """Parse the environment into a Configuration, or raise ConfigurationError naming each bad variable."""
    problems: list[str] = []
    get = environ_map.get

    debug = _parse_bool("DEBUG", get("DEBUG"), False, problems)
    secret_key = (get("SECRET_KEY") or "").strip()
    if not secret_key:
        if debug:
            # Local use only: a fresh key per process is fine because nothing signed must survive.
            secret_key = "insecure-local-" + secrets.token_urlsafe(32)
        else:
            problems.append(
                "SECRET_KEY is not set. Set it to a long random value, for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`, or set DEBUG=true "
                "for local use."
            )
    elif not debug and (len(secret_key) < 50 or len(set(secret_key)) < 5):
        problems.append("SECRET_KEY is too weak for production: use at least 50 random characters.")

    database, embedded = _parse_database(get("DATABASE_URL"), base_dir, problems)
    if _parse_bool("DATABASE_TRANSACTION_POOLING", get("DATABASE_TRANSACTION_POOLING"), False, problems):
        # Through PgBouncer in transaction mode, a session is not the process's own from one
        # transaction to the next: no server-side cursors (querysets' .iterator()), no prepared
        # statements, and no locks held across transactions (accounts.db_locks: not taken).
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
        database.setdefault("OPTIONS", {})["prepare_threshold"] = None
        database["TRANSACTION_POOLING"] = True
    broker = _parse_broker(get("CELERY_BROKER_URL"), problems)
    site_url = _parse_site_url(get("SITE_URL"), problems)
    default_hosts = ["127.0.0.1", "localhost", "[::1]"] if debug else [urlsplit(site_url).hostname or ""]
    allowed_hosts = _parse_list(get("ALLOWED_HOSTS"), default_hosts)
    if not allowed_hosts or allowed_hosts == [""]:
        problems.append(
            "ALLOWED_HOSTS is empty: list the host names the service answers on, comma separated."
        )

    log_level = (get("LOG_LEVEL") or "INFO").strip().upper()
    if log_level not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL must be one of {', '.join(sorted(LOG_LEVELS))}; it is {log_level!r}.")
        log_level = "INFO"

    secure_default = site_url.startswith("https://")
    configuration = Configuration(
        debug=debug,
        secret_key=secret_key,
        allowed_hosts=allowed_hosts,
        csrf_trusted_origins=_parse_list(get("CSRF_TRUSTED_ORIGINS"), [site_url] if secure_default else []),
        database=database,
        embedded_database=embedded,
        celery_broker_url=broker,
        email=_parse_email(get("EMAIL_URL"), problems),
        default_from_email=(get("DEFAULT_FROM_EMAIL") or "Homecare outcomes <no-reply@localhost>").strip(),
        site_url=site_url,
        session_idle_minutes=_parse_int(
            "SESSION_IDLE_MINUTES", get("SESSION_IDLE_MINUTES"), 60, 5, 720, problems
        ),
        session_max_hours=_parse_int("SESSION_MAX_HOURS", get("SESSION_MAX_HOURS"), 12, 1, 24, problems),
        secure_cookies=_parse_bool("SECURE_COOKIES", get("SECURE_COOKIES"), secure_default, problems),
        secure_ssl_redirect=_parse_bool(
            "SECURE_SSL_REDIRECT", get("SECURE_SSL_REDIRECT"), secure_default, problems
        ),
        hsts_seconds=_parse_int(
            "HSTS_SECONDS", get("HSTS_SECONDS"), 31536000 if secure_default else 0, 0, 63072000, problems
        ),
        log_level=log_level,
        cache=_parse_cache(get("CACHE_URL"), problems),
        api_read_rate=_parse_rate("API_READ_RATE", get("API_READ_RATE"), "600/minute", problems),
        api_submit_rate=_parse_rate("API_SUBMIT_RATE", get("API_SUBMIT_RATE"), "60/minute", problems),
        media_root=(get("MEDIA_ROOT") or "").strip(),
        static_root=(get("STATIC_ROOT") or "").strip(),
        jobs_sweep_seconds=_parse_int("JOBS_SWEEP_SECONDS", get("JOBS_SWEEP_SECONDS"), 60, 1, 3600, problems),
        jobs_requeue_after_seconds=_parse_int(
            "JOBS_REQUEUE_AFTER_SECONDS", get("JOBS_REQUEUE_AFTER_SECONDS"), 600, 1, 86400, problems
        ),
        jobs_retry_delay_seconds=_parse_int(
            "JOBS_RETRY_DELAY_SECONDS", get("JOBS_RETRY_DELAY_SECONDS"), 30, 0, 3600, problems
        ),
        jobs_max_tries=_parse_int("JOBS_MAX_TRIES", get("JOBS_MAX_TRIES"), 5, 1, 50, problems),
        trusted_proxies=_parse_networks("TRUSTED_PROXIES", get("TRUSTED_PROXIES"), problems),
        two_factor_required=_parse_bool(
            "TWO_FACTOR_REQUIRED", get("TWO_FACTOR_REQUIRED"), not debug, problems
        ),
        clamav_url=_parse_clamav(get("CLAMAV_URL"), problems),
        admins=_parse_addresses("ADMINS", get("ADMINS"), problems),
    )
    if problems:
        raise ConfigurationError(problems)
    return configuration
