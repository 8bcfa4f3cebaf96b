"""Settings are read from the environment once; bad values fail start-up naming the variable."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.environment import ConfigurationError, load

BASE = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k3Jd9-vQ2xWm7ZpL4rT8yB1nC6hF0sA5gE2uK9oI3wR7tY1pM4zX8cV"


def test_defaults_give_the_embedded_mode():
    config = load({"DEBUG": "true"}, BASE)
    assert config.embedded_database
    assert config.database["ENGINE"] == "django.db.backends.sqlite3"
    assert config.database["NAME"].endswith("var/db.sqlite3")
    assert config.tasks_in_process
    assert config.email["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert config.secret_key  # generated for local use


def test_production_settings_are_parsed():
    config = load(
        {
            "DEBUG": "off",
            "SECRET_KEY": GOOD_SECRET,
            "DATABASE_URL": "postgres://app:pw@db.internal:5432/homecare",
            "CELERY_BROKER_URL": "redis://cache.internal:6379/1",
            "SITE_URL": "https://homecare.example.org/",
            "EMAIL_URL": "smtp+tls://user:pw@smtp.example.org:587",
            "SESSION_IDLE_MINUTES": "30",
        },
        BASE,
    )
    assert not config.debug
    assert config.database["ENGINE"] == "django.db.backends.postgresql"
    assert config.database["NAME"] == "homecare"
    assert config.database["HOST"] == "db.internal"
    assert not config.embedded_database
    assert config.celery_broker_url == "redis://cache.internal:6379/1"
    assert not config.tasks_in_process
    assert config.site_url == "https://homecare.example.org"
    assert config.allowed_hosts == ["homecare.example.org"]
    assert config.secure_cookies and config.secure_ssl_redirect and config.hsts_seconds > 0
    assert config.session_idle_minutes == 30
    assert config.email["EMAIL_HOST"] == "smtp.example.org"
    assert config.email["EMAIL_USE_TLS"] is True
    assert "DISABLE_SERVER_SIDE_CURSORS" not in config.database


def test_a_transaction_pooler_gets_no_server_side_cursors_or_prepared_statements():
    variables = {"DEBUG": "on", "DATABASE_URL": "postgres://app@pgbouncer:6432/homecare"}
    config = load({**variables, "DATABASE_TRANSACTION_POOLING": "true"}, BASE)
    assert config.database["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert config.database["OPTIONS"]["prepare_threshold"] is None
    assert config.database["TRANSACTION_POOLING"] is True


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "false"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "ab" * 40}, "SECRET_KEY"),
        ({"DEBUG": "true", "DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL"),
        ({"DEBUG": "true", "DATABASE_URL": "postgres://u@h:5432/"}, "DATABASE_URL"),
        ({"DEBUG": "true", "CELERY_BROKER_URL": "amqp://guest@localhost//"}, "CELERY_BROKER_URL"),
        ({"DEBUG": "true", "CELERY_BROKER_URL": "redis://"}, "CELERY_BROKER_URL"),
        ({"DEBUG": "true", "SESSION_IDLE_MINUTES": "ten"}, "SESSION_IDLE_MINUTES"),
        ({"DEBUG": "true", "SESSION_IDLE_MINUTES": "2"}, "SESSION_IDLE_MINUTES"),
        ({"DEBUG": "true", "SITE_URL": "homecare.example.org"}, "SITE_URL"),
        ({"DEBUG": "true", "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"DEBUG": "true", "SECURE_COOKIES": "sometimes"}, "SECURE_COOKIES"),
        ({"DEBUG": "true", "HSTS_SECONDS": "-1"}, "HSTS_SECONDS"),
        ({"DEBUG": "true", "CACHE_URL": "memcached://127.0.0.1"}, "CACHE_URL"),
        ({"DEBUG": "true", "API_READ_RATE": "lots"}, "API_READ_RATE"),
        ({"DEBUG": "true", "API_SUBMIT_RATE": "10/fortnight"}, "API_SUBMIT_RATE"),
        ({"DEBUG": "true", "API_SUBMIT_RATE": "0/minute"}, "API_SUBMIT_RATE"),
        ({"DEBUG": "true", "TRUSTED_PROXIES": "10.0.0.1,proxy.internal"}, "TRUSTED_PROXIES"),
        ({"DEBUG": "true", "CLAMAV_URL": "/run/clamav/clamd.ctl"}, "CLAMAV_URL"),
        ({"DEBUG": "true", "CLAMAV_URL": "tcp://127.0.0.1"}, "CLAMAV_URL"),
        ({"DEBUG": "true", "CLAMAV_URL": "http://scanner:3310"}, "CLAMAV_URL"),
        ({"DEBUG": "true", "ADMINS": "oncall@council.example, the on-call team"}, "ADMINS"),
    ],
)
def test_a_bad_value_names_the_variable(variables, named):
    with pytest.raises(ConfigurationError) as caught:
        load(variables, BASE)
    assert named in str(caught.value)
    assert all(named in problem for problem in caught.value.problems if problem.startswith(named))


def test_two_step_verification_is_required_outside_the_demo():
    assert load({"DEBUG": "true"}, BASE).two_factor_required is False
    assert load({"DEBUG": "true", "TWO_FACTOR_REQUIRED": "yes"}, BASE).two_factor_required is True
    production = {"DEBUG": "false", "SECRET_KEY": "k" + "x1y2z3" * 10, "SITE_URL": "https://h.example"}
    assert load(production, BASE).two_factor_required is True


def test_trusted_proxies_are_read():
    config = load({"DEBUG": "true", "TRUSTED_PROXIES": " 10.0.0.1, 10.1.0.0/16,::1"}, BASE)
    assert config.trusted_proxies == ["10.0.0.1", "10.1.0.0/16", "::1"]
    assert load({"DEBUG": "true"}, BASE).trusted_proxies == []


def test_the_virus_scanners_address_is_read():
    assert load({"DEBUG": "true"}, BASE).clamav_url is None
    for url in ("unix:///run/clamav/clamd.ctl", "tcp://clamav.internal:3310"):
        assert load({"DEBUG": "true", "CLAMAV_URL": f" {url} "}, BASE).clamav_url == url


def test_admins_are_read():
    config = load({"DEBUG": "true", "ADMINS": " oncall@council.example,ops@supplier.example "}, BASE)
    assert config.admins == ["oncall@council.example", "ops@supplier.example"]
    assert load({"DEBUG": "true"}, BASE).admins == []


def test_api_rates_and_a_shared_cache_are_read():
    config = load(
        {
            "DEBUG": "true",
            "CACHE_URL": "redis://127.0.0.1:6379/2",
            "API_READ_RATE": "100/minute",
            "API_SUBMIT_RATE": "5/second",
        },
        BASE,
    )
    assert config.cache == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/2",
    }
    assert (config.api_read_rate, config.api_submit_rate) == ("100/minute", "5/second")
    defaults = load({"DEBUG": "true"}, BASE)
    assert defaults.cache["BACKEND"].endswith("LocMemCache")
    assert (defaults.api_read_rate, defaults.api_submit_rate) == ("600/minute", "60/minute")


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigurationError) as caught:
        load({"DEBUG": "false", "DATABASE_URL": "mysql://x/y", "LOG_LEVEL": "LOUD"}, BASE)
    message = str(caught.value)
    for variable in ("SECRET_KEY", "DATABASE_URL", "LOG_LEVEL"):
        assert variable in message


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "ALLOWED_HOSTS",
            "SITE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_start_up_fails_with_a_message_not_a_traceback():
    result = _manage("check", env={"DEBUG": "false", "DATABASE_URL": "oracle://x/y"})
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr
    assert "DATABASE_URL must be a PostgreSQL URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SITE_URL": "https://homecare.example.org",
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
            "CLAMAV_URL": "tcp://127.0.0.1:3310",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
